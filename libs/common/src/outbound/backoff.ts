/**
 * The one backoff of the service (observer webhooks, channel posts, schedules that failed to
 * fire). Callers differ only in their base, their cap and whether they want jitter.
 */
export interface BackoffOptions {
  /** The step of the first retry; it doubles for each next one. */
  baseMs: number;
  /** The step stops doubling here. Default: one hour. */
  maxStepMs?: number;
  /**
   * Default true: the delay is uniform in [step, 2·step). False: exactly the step (for a
   * per-process blocklist, where spreading a burst does not matter and tests want exact values).
   */
  jitter?: boolean;
}

const DEFAULT_MAX_STEP_MS = 3_600_000;

/**
 * Delay before retry `retry` (1 = the first retry): step = min(baseMs · 2^(retry-1), maxStepMs),
 * then jitter over a whole step.
 *
 * Not AWS "full jitter" (uniform in [0, step)): that can retry a failing receiver almost at
 * once and can wait less before retry 3 than before retry 2. Here every retry waits at least
 * its step and the windows do not overlap, so the waits grow, while a burst of failures still
 * spreads over a window as wide as the step.
 */
export function backoffMs(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  const maxStep = options.maxStepMs ?? DEFAULT_MAX_STEP_MS;
  // The exponent is bounded so a long-failing caller never computes Infinity * 0.
  const step = Math.min(options.baseMs * 2 ** Math.min(Math.max(0, retry - 1), 40), maxStep);
  return options.jitter === false ? step : Math.floor(step + random() * step);
}
