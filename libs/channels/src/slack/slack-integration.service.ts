import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig, badRequest, DomainError, notFound } from '@app/common';
import { open, seal, SecretBoxError } from '@app/common/crypto';
import { SlackApi, SlackTeam } from './slack-api';
import { classifySlackError } from './slack-errors';
import { SlackIntegrationsRepository } from './slack-integrations.repository';
import { DedupeView, dedupeOf } from './slack-scopes';

export type SlackTokenSource = 'org' | 'env';

export interface SlackIntegrationView extends DedupeView {
  configured: boolean;
  source: SlackTokenSource | null;
  team_id: string | null;
  team_name: string | null;
}

export interface SlackToken {
  value: string;
  source: SlackTokenSource;
}

/** The stored token does not open with the configured ENCRYPTION_KEY (the key changed). */
export class SlackTokenUnreadableError extends Error {}

const ENV_TEAM_TTL_MS = 10 * 60_000;
/**
 * How long a process reuses an org's token lookup (each post needs it: a read and a
 * decryption). A PUT or DELETE through this process drops it at once; other processes
 * (other API replicas, workers) see the change within this bound (docs/slack.md).
 */
export const TOKEN_CACHE_TTL_MS = 5_000;
const TOKEN_CACHE_MAX = 10_000;

/**
 * An org's Slack bot token: verified with auth.test, stored AES-256-GCM sealed (bound to
 * the org id), never returned. Orgs without their own token fall back to SLACK_BOT_TOKEN.
 */
@Injectable()
export class SlackIntegrationService {
  private readonly logger = new Logger(SlackIntegrationService.name);
  private envTeam?: { team: SlackTeam | null; at: number };
  /** org id -> the lookup (shared by the posts that ask while it runs), for TOKEN_CACHE_TTL_MS from its start. */
  private readonly tokens = new LRUCache<string, Promise<SlackToken | null>>({ max: TOKEN_CACHE_MAX, ttl: TOKEN_CACHE_TTL_MS });

  constructor(private readonly repo: SlackIntegrationsRepository, private readonly config: AppConfig, private readonly slack: SlackApi) {}

  async get(orgId: string): Promise<SlackIntegrationView> {
    const row = await this.repo.team(orgId);
    if (row) return { configured: true, source: 'org', team_id: row.team_id, team_name: row.team_name, ...dedupeOf(row.scopes) };
    if (this.config.SLACK_BOT_TOKEN) {
      const team = await this.envTeamInfo();
      return { configured: true, source: 'env', team_id: team?.team_id ?? null, team_name: team?.team_name ?? null, ...dedupeOf(team?.scopes) };
    }
    return { configured: false, source: null, team_id: null, team_name: null, ...dedupeOf(null) };
  }

  /**
   * Verifies and stores the org's token. A token without the history scopes is accepted (it
   * posts), and the answer says that crash dedupe then falls back to at least once.
   */
  async put(orgId: string, botToken: string): Promise<SlackIntegrationView> {
    const team = await this.verify(botToken);
    const sealed = seal(this.config.encryptionKey, botToken, orgId);
    await this.repo.upsert(orgId, sealed, team);
    // After the write: a lookup that started before it cannot outlive it here.
    this.tokens.delete(orgId);
    return { configured: true, source: 'org', team_id: team.team_id, team_name: team.team_name, ...dedupeOf(team.scopes) };
  }

  async remove(orgId: string): Promise<void> {
    const had = await this.repo.delete(orgId);
    this.tokens.delete(orgId);
    if (!had) throw notFound('SLACK_INTEGRATION_NOT_FOUND', 'This org has no Slack bot token of its own');
  }

  /**
   * The token to post with: the org's own, else SLACK_BOT_TOKEN, else null. Cached for
   * TOKEN_CACHE_TTL_MS per process (an unreadable token is not: it is asked again).
   */
  tokenFor(orgId: string): Promise<SlackToken | null> {
    const cached = this.tokens.get(orgId);
    if (cached) return cached;
    const lookup = this.readToken(orgId);
    this.tokens.set(orgId, lookup);
    lookup.catch(() => {
      if (this.tokens.peek(orgId) === lookup) this.tokens.delete(orgId);
    });
    return lookup;
  }

  private async readToken(orgId: string): Promise<SlackToken | null> {
    const sealed = await this.repo.sealedToken(orgId);
    if (sealed !== null) {
      try {
        return { value: open(this.config.encryptionKey, sealed, orgId), source: 'org' };
      } catch (err) {
        if (err instanceof SecretBoxError) throw new SlackTokenUnreadableError('the stored Slack bot token cannot be decrypted with the configured ENCRYPTION_KEY; set it again');
        throw err;
      }
    }
    return this.config.SLACK_BOT_TOKEN ? { value: this.config.SLACK_BOT_TOKEN, source: 'env' } : null;
  }

  private async verify(botToken: string): Promise<SlackTeam> {
    let team: SlackTeam;
    try {
      team = await this.slack.authTest(botToken);
    } catch (err) {
      const failure = classifySlackError(err);
      if (failure.kind === 'permanent') {
        throw badRequest('SLACK_TOKEN_INVALID', `Slack refused the token: ${failure.message.replace(/^Slack answered /, '')}`, [
          { field: 'bot_token', message: 'is not a valid Slack bot token (auth.test failed)' },
        ]);
      }
      this.logger.warn(`auth.test failed: ${failure.kind === 'rate_limited' ? 'rate limited' : failure.message}`);
      throw new DomainError(502, 'SLACK_UNAVAILABLE', 'Slack could not verify the token right now; try again shortly');
    }
    // Slack lists the token's scopes with every answer: without chat:write every post would fail.
    if (team.scopes && !team.scopes.includes('chat:write')) {
      throw badRequest('SLACK_TOKEN_INVALID', 'The token lacks the chat:write scope: add it to the Slack app and reinstall it', [
        { field: 'bot_token', message: 'needs the chat:write scope' },
      ]);
    }
    return team;
  }

  /** Team of SLACK_BOT_TOKEN for GET (cached; null when Slack does not answer). */
  private async envTeamInfo(): Promise<SlackTeam | null> {
    if (this.envTeam && Date.now() - this.envTeam.at < ENV_TEAM_TTL_MS) return this.envTeam.team;
    let team: SlackTeam | null = null;
    try {
      team = await this.slack.authTest(this.config.SLACK_BOT_TOKEN!);
    } catch (err) {
      this.logger.warn(`auth.test of SLACK_BOT_TOKEN failed: ${(err as Error).message}`);
    }
    this.envTeam = { team, at: Date.now() };
    return team;
  }
}
