/** The label value that stands for every value past a label's bound. */
export const OVERFLOW_LABEL = 'other';

/**
 * A label whose values come from users (job type ids are names each org chooses): the first
 * `limit` distinct values seen by this process keep their name, every later one is counted as
 * "other", so a tenant creating thousands of job types cannot grow the series without bound.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return OVERFLOW_LABEL;
    this.seen.add(value);
    return value;
  }
}

/** A label from a fixed set: anything else is "other" (a typo or a new value never adds series unnoticed). */
export const oneOf = (value: string, allowed: ReadonlySet<string>): string => (allowed.has(value) ? value : OVERFLOW_LABEL);
