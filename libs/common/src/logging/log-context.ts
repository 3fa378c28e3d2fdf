import { AsyncLocalStorage } from 'node:async_hooks';

/** The ids a log line carries where they are known: the request's, the org's, the job, task or session it is about. */
export interface LogFields {
  req_id?: string;
  org_id?: string;
  job_id?: string;
  task_id?: string;
  session_id?: string;
  delivery_id?: string;
}

const FIELDS: ReadonlyArray<keyof LogFields> = ['req_id', 'org_id', 'job_id', 'task_id', 'session_id', 'delivery_id'];
const storage = new AsyncLocalStorage<LogFields>();

/** Only the fields of LogFields that hold a string (a queue payload has others). */
export function logFieldsOf(source: object | null | undefined): LogFields {
  const fields: LogFields = {};
  if (!source) return fields;
  for (const name of FIELDS) {
    const value = (source as Record<string, unknown>)[name];
    if (typeof value === 'string' && value) fields[name] = value;
  }
  return fields;
}

/**
 * Runs `fn` with `fields` added to the current context (a copy: what `fn` adds does not leak
 * out). Every log line written meanwhile, through any logger, carries them (the pino mixin).
 */
export function withLogContext<T>(fields: LogFields, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...logFieldsOf(fields) }, fn);
}

/** Runs `fn` in `context` itself, so that what is added to it later stays visible to its owner (a request's access line). */
export function runInLogContext<T>(context: LogFields, fn: () => T): T {
  return storage.run(context, fn);
}

/** Adds fields to the current context (e.g. org_id once the token is known); nothing outside a context. */
export function addToLogContext(fields: LogFields): void {
  const store = storage.getStore();
  if (store) Object.assign(store, logFieldsOf(fields));
}

/** The current context's fields (read by every log line). */
export function currentLogContext(): LogFields | undefined {
  return storage.getStore();
}
