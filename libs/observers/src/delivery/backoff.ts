/** No retry waits longer than an hour, whatever the base and the retry count. */
const MAX_STEP_MS = 3_600_000;

/**
 * Delay before automatic retry `retry` (1 = the first retry): exponential steps of
 * `baseMs`, doubling (base, 2*base, 4*base, ...), with jitter over a whole step:
 * the delay is uniform in [step, 2*step).
 *
 * Not AWS "full jitter" (uniform in [0, step)): that can retry a failing receiver almost at
 * once and can wait less before retry 3 than before retry 2. Here every retry waits at least
 * its step and the windows do not overlap, so the waits grow, while a burst of failures still
 * spreads over a window as wide as the step.
 */
export function retryDelayMs(retry: number, baseMs: number, random: () => number = Math.random): number {
  const step = Math.min(baseMs * 2 ** Math.max(0, retry - 1), MAX_STEP_MS);
  return Math.floor(step + random() * step);
}
