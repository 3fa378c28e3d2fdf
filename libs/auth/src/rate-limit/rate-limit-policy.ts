/**
 * How a per-minute rate is counted: in fixed windows of about `burst` requests each, so that
 * the rate holds over the minute and no more than a burst arrives at once. A window lasts
 * 60 s x burst / rate, rounded up to whole seconds (at least 1 s, at most 60 s), and allows that window's
 * share of the rate (rounded down): 1200/min with a burst of 200 is 200 requests
 * per 10 s; 3/min is 3 per 60 s; 1,000,000/min with a burst of 200 is 16,666 per 1 s.
 */
export interface RateLimitPolicy {
  /** Requests allowed per window (RateLimit-Limit). */
  quota: number;
  /** The window, in seconds (RateLimit-Policy's `w`). */
  windowSeconds: number;
}

export function rateLimitPolicy(perMinute: number, burst: number): RateLimitPolicy {
  const atOnce = Math.min(Math.max(1, burst), perMinute);
  const windowSeconds = Math.min(60, Math.max(1, Math.ceil((60 * atOnce) / perMinute)));
  // At least one request: windowSeconds >= 60 x atOnce / perMinute, or it is the whole minute.
  const quota = Math.floor((perMinute * windowSeconds) / 60);
  return { quota, windowSeconds };
}
