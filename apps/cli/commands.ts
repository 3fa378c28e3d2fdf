import { parseAccess, parseDuration, tokenView, TokenService } from '@app/auth';
import { MAX_RATE_PER_MINUTE } from '@app/common';

export const USAGE = `usage:
  cli token create --org ORG --access SERVICES:READ|WRITE|ADMIN [--name NAME] [--expires-in 30d] [--rate-limit PER_MINUTE]
  cli token list --org ORG
  cli token revoke ID
  cli migrate`;

export class UsageError extends Error {}

/** Parses "--flag value" pairs; positional words are returned in order. */
export function parseArgs(argv: string[]): { words: string[]; flags: Record<string, string> } {
  const words: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    } else words.push(arg);
  }
  return { words, flags };
}

const required = (flags: Record<string, string>, name: string) => {
  if (!flags[name]) throw new UsageError(`--${name} is required`);
  return flags[name];
};

/** --rate-limit: requests per minute, a whole number from 1 to MAX_RATE_PER_MINUTE. */
function parseRateLimit(value: string): number {
  const n = /^\d{1,8}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_RATE_PER_MINUTE)) throw new Error(`--rate-limit must be a whole number of requests per minute, 1 to ${MAX_RATE_PER_MINUTE}`);
  return n;
}

export async function runTokenCommand(tokens: TokenService, sub: string | undefined, words: string[], flags: Record<string, string>): Promise<object> {
  switch (sub) {
    case 'create': {
      let scopes, expiresIn, rateLimit;
      try {
        scopes = parseAccess(required(flags, 'access'));
        expiresIn = flags['expires-in'] ? parseDuration(flags['expires-in']) : undefined;
        rateLimit = flags['rate-limit'] === undefined ? undefined : parseRateLimit(flags['rate-limit']);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const issued = await tokens.issue({ orgId: required(flags, 'org'), scopes, name: flags.name ?? null, expiresInSeconds: expiresIn, createdBy: 'cli', rateLimitPerMinute: rateLimit });
      return {
        id: issued.id, token: issued.token, org_id: issued.org_id, scopes: issued.scopes, expires_at: issued.expires_at, name: issued.name,
        rate_limit_per_minute: issued.rate_limit_per_minute,
      };
    }
    case 'list': {
      const org = required(flags, 'org');
      return { org_id: org, tokens: (await tokens.list(org)).map(tokenView) };
    }
    case 'revoke': {
      if (!words[0]) throw new UsageError('token revoke needs the token id');
      const record = await tokens.revoke(words[0], null);
      return { id: record.id, org_id: record.org_id, revoked_at: record.revoked_at!.toISOString() };
    }
    default:
      throw new UsageError(`unknown token command "${sub ?? ''}"`);
  }
}
