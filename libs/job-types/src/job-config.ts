import { FieldError } from '@app/common';

/** A job's run settings: the job type's defaults, overridden per job. */
export interface JobConfig {
  max_follow_ups: number;
  max_task_retries: number;
  task_retry_interval: number;
  start_prompt: string | null;
  max_time_to_complete: number;
  profile_id: string | null;
  /** Most model calls of one session turn (agents that loop: openai executors, HTTP agents that honour it). */
  max_iterations: number;
}

/** Used where neither the job nor its type says otherwise (documented in docs/decisions.md). */
export const SERVICE_DEFAULT_CONFIG: JobConfig = {
  max_follow_ups: 3,
  max_task_retries: 2,
  task_retry_interval: 30,
  start_prompt: null,
  max_time_to_complete: 3600,
  profile_id: null,
  max_iterations: 10,
};

/** Each integer field's bounds (the API document's JobConfig is built from these). */
export const INT_BOUNDS: Record<string, [number, number]> = {
  max_follow_ups: [0, 100],
  max_task_retries: [0, 20],
  task_retry_interval: [0, 86_400],
  max_time_to_complete: [1, 7 * 86_400],
  max_iterations: [1, 20],
};
export const STRING_FIELDS = ['start_prompt', 'profile_id'];
export const MAX_CONFIG_STRING = 20_000;

/** Checks a partial config (from a job type or a job); returns field errors under `prefix`. */
export function checkConfig(value: unknown, prefix: string): FieldError[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [{ field: prefix, message: 'must be an object' }];
  const errors: FieldError[] = [];
  for (const [key, v] of Object.entries(value)) {
    const field = `${prefix}.${key}`;
    if (key in INT_BOUNDS) {
      const [min, max] = INT_BOUNDS[key];
      if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) errors.push({ field, message: `must be an integer from ${min} to ${max}` });
    } else if (STRING_FIELDS.includes(key)) {
      if (v !== null && (typeof v !== 'string' || v.length > MAX_CONFIG_STRING)) errors.push({ field, message: `must be a string (at most ${MAX_CONFIG_STRING} characters) or null` });
    } else {
      errors.push({ field, message: 'is not a known config field' });
    }
  }
  return errors;
}

export function mergeConfig(...layers: Array<Partial<JobConfig> | null | undefined>): JobConfig {
  return Object.assign({}, SERVICE_DEFAULT_CONFIG, ...layers.filter(Boolean));
}
