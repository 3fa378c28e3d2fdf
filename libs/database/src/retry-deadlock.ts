/** Postgres' SQLSTATE for a transaction it aborted to break a deadlock. */
export const DEADLOCK_DETECTED = '40P01';

/**
 * Runs `fn` again when Postgres aborted it to break a deadlock (it rolled back, so running it
 * again is safe), up to `attempts` times. Why it can happen: the job_counts row trigger updates
 * counter rows in the order a statement updates jobs, so two multi-job statements (a cancel of
 * a tree, a timeout batch) can take two counter rows in opposite orders.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= attempts) throw err;
    }
  }
}
