import type { JobConfig } from '@app/job-types';

/** As long as a chat message may be: a job's messages never outgrow what a user could have typed. */
export const MAX_SESSION_MESSAGE = 100_000;

const capped = (text: string) => (text.length > MAX_SESSION_MESSAGE ? text.slice(0, MAX_SESSION_MESSAGE) : text);

/**
 * A job's brief, as the user message appended to its session when it completes
 * (docs/decisions.md "Jobs in a session"): its config.start_prompt if it has one, a blank line,
 * then `Params: ` and the params as JSON.
 */
export function jobBrief(job: { config: Pick<JobConfig, 'start_prompt'>; params: Record<string, unknown> }): string {
  return capped([job.config.start_prompt, `Params: ${JSON.stringify(job.params ?? {})}`].filter((p) => !!p).join('\n\n'));
}

/**
 * A job's result, as the assistant message: a string result as it is; the text of a string
 * `response` field (openai executors' results) or else of a `text` field (reports made for
 * Slack); anything else as JSON.
 */
export function jobAnswer(result: unknown): string {
  if (typeof result === 'string') return capped(result);
  if (result && typeof result === 'object' && !Array.isArray(result)) {
    const r = result as Record<string, unknown>;
    if (typeof r.response === 'string') return capped(r.response);
    if (typeof r.text === 'string') return capped(r.text);
  }
  return capped(JSON.stringify(result ?? null));
}
