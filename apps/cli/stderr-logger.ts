import { ConsoleLogger } from '@nestjs/common';

/** The CLI's stdout carries exactly one JSON object, so every log line goes to stderr. */
export class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal' = 'log'): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}
