import type { LogLevel } from '@nestjs/common';

/** LOG_LEVEL names the most verbose level shown; everything more severe is shown too. */
export function logLevels(level: string): LogLevel[] {
  const all: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];
  return all.slice(0, all.indexOf(level as LogLevel) + 1);
}
