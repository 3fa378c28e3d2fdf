import type { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { AppConfig } from '../config';
import { currentLogContext } from './log-context';
import { maskingStream, REDACTED } from './secret-mask';

/** LOG_LEVEL (Nest's names) as pino levels. */
export const PINO_LEVELS = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' } as const;

/**
 * Fields that hold a credential when an object is logged: request headers (we never log them,
 * a log call might) and the secrets' own names. No wildcard paths: they made every line cost
 * twice as much; a secret deeper down is still caught by its shape (maskSecrets).
 */
export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie',
  'authorization', 'api_key', 'signing_secret', 'bot_token', 'token', 'secret', 'password',
];

/**
 * One destination per process and format: loggers writing to stdout through buffers of their
 * own could interleave parts of lines; through one, every line goes out whole.
 */
const outputs = new Map<AppConfig['LOG_FORMAT'], DestinationStream>();

function processOutput(format: AppConfig['LOG_FORMAT']): DestinationStream {
  let out = outputs.get(format);
  if (!out) {
    out = format === 'json' ? bufferedStdout() : pretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
    outputs.set(format, out);
  }
  return out;
}

/** Lines are gathered up to this many bytes per write, or written at the latest this often. */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_MS = 1000;

/**
 * stdout, asynchronously, in writes of up to LOG_BUFFER_BYTES: a write per line was a system
 * call per request (the access line), the largest part of what logging cost an API request.
 * A timer writes out what a quiet process gathered, so a line is never more than a second
 * late; pino writes the rest at exit. A SIGKILL loses at most that second of lines.
 */
function bufferedStdout(): DestinationStream {
  const out = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  setInterval(() => {
    try {
      if (!(out as { destroyed?: boolean }).destroyed) out.flush();
    } catch {
      // stdout gone (a closed pipe): nothing left to write to
    }
  }, LOG_FLUSH_MS).unref();
  return out;
}

/**
 * A pino logger of the process: LOG_LEVEL, LOG_FORMAT (json: one object per line, level as its
 * name; pretty: for a human), the log context's ids on every line (mixin; a field passed to
 * the call wins), `redact` paths, and every line masked for secret shapes on its way out.
 * JSON goes to stdout asynchronously and buffered (bufferedStdout; flushed at exit and at
 * shutdown), so a slow stdout never stalls a request.
 */
export function createRootLogger(config: Pick<AppConfig, 'LOG_LEVEL' | 'LOG_FORMAT'>, destination?: DestinationStream): Logger {
  const json = config.LOG_FORMAT === 'json';
  const options: LoggerOptions = {
    level: PINO_LEVELS[config.LOG_LEVEL],
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: json ? { level: (label) => ({ level: label }) } : {},
    // A copy: pino merges the call's fields into what the mixin returns.
    mixin: () => ({ ...currentLogContext() }),
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  };
  return pino(options, maskingStream(destination ?? processOutput(config.LOG_FORMAT)));
}

/** Nest's LoggerService on a root logger, for a process that builds no Nest app (the primary of API_PROCESSES > 1). */
export function standaloneNestLogger(config: Pick<AppConfig, 'LOG_LEVEL' | 'LOG_FORMAT'>): LoggerService {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger: createRootLogger(config) } }), {});
}
