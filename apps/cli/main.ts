import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TokenService } from '@app/auth';
import { DomainError } from '@app/common';
import { CliModule } from './cli.module';
import { parseArgs, runTokenCommand, USAGE, UsageError } from './commands';
import { createJobsFromFile } from './jobs-create.command';
import { StderrLogger } from './stderr-logger';

/** Operator CLI: prints exactly one JSON object on stdout; errors go to stderr with exit 1 (2 for usage). */
async function main(argv: string[]): Promise<number> {
  const { words, flags } = parseArgs(argv);
  const [group, sub, ...rest] = words;
  if (group === 'jobs') return jobsCommand(sub, flags);
  if (group !== 'token' && group !== 'migrate') throw new UsageError(group ? `unknown command "${group}"` : 'a command is required');
  // Installed before the modules are built: config warnings are logged while CliModule.forRoot() runs.
  const logger = new StderrLogger('cli', { logLevels: ['error', 'warn'] });
  Logger.overrideLogger(logger);
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(), { logger });
  try {
    // Migrations ran when the database module started.
    const output = group === 'migrate' ? { migrated: true } : await runTokenCommand(app.get(TokenService), sub, rest, flags);
    process.stdout.write(`${JSON.stringify(output)}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

/**
 * `jobs create --file`: through the HTTP API with a token (not the database), so that the jobs
 * get every check and effect of the API. Exit 1 when any line failed; the summary is on stdout.
 */
async function jobsCommand(sub: string | undefined, flags: Record<string, string>): Promise<number> {
  if (sub !== 'create') throw new UsageError(`unknown jobs command "${sub ?? ''}"`);
  const file = flags.file;
  const url = flags.url ?? process.env.AGENT_JOBS_URL;
  const token = flags.token ?? process.env.AGENT_JOBS_TOKEN;
  if (!file) throw new UsageError('--file is required');
  if (!url) throw new UsageError('--url (or AGENT_JOBS_URL) is required');
  if (!token) throw new UsageError('--token (or AGENT_JOBS_TOKEN) is required');
  if (flags.delay !== undefined && !/^\d{1,6}$/.test(flags.delay)) throw new UsageError('--delay must be a whole number of minutes');
  const tty = process.stderr.isTTY;
  const summary = await createJobsFromFile({
    file, url, token, delay: flags.delay, idempotencyKey: flags['idempotency-key'],
    progress: tty ? (text) => process.stderr.write(`\r\x1b[K${text}`) : undefined,
  });
  if (tty) process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return summary.failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    const message = err instanceof DomainError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
  },
);
