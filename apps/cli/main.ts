import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TokenService } from '@app/auth';
import { DomainError } from '@app/common';
import { CliModule } from './cli.module';
import { parseArgs, runTokenCommand, USAGE, UsageError } from './commands';
import { StderrLogger } from './stderr-logger';

/** Operator CLI: prints exactly one JSON object on stdout; errors go to stderr with exit 1 (2 for usage). */
async function main(argv: string[]): Promise<number> {
  const { words, flags } = parseArgs(argv);
  const [group, sub, ...rest] = words;
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
