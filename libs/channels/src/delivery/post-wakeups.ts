/**
 * Bull job ids of a channel post's runs ("wakeups"), derived from what Postgres holds, so the
 * reconciler can tell whether the run a post is waiting for is still queued (one EXISTS)
 * and every producer of a wakeup for the same due time names the same Bull job:
 *
 * - `post:<task_id>`: the first run, enqueued when the task completed. It is the expected
 *   wakeup while the post was never handed back (next_attempt_at = created_at).
 * - `post:<task_id>:t<due ms>`: the run for the post's next_attempt_at (a retry, the kick
 *   from the previous post, the reconciler). Copies for one due time collapse into one job.
 * - `post:<task_id>:d<due ms>`: a second run for that due time when its `t` run fired early
 *   (clocks of two workers differ): `t` is still active then, so its id cannot be reused.
 */

/** What Postgres says about when a post is due: `fresh` while it was never handed back. */
export interface PostDue {
  task_id: string;
  fresh: boolean;
  /** floor(epoch ms of next_attempt_at), as Postgres computed it (see DUE_AT_MS_SQL). */
  due_at_ms: string;
}

/** The same expression everywhere, so ids from a statement and from the reconciler's scan agree. */
export const dueAtMsSql = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::bigint::text`;

/** Suffix of the run for a due time (ChannelPostQueue makes it `post:<task_id>:<suffix>`). */
export const dueWakeup = (dueAtMs: string) => `t${dueAtMs}`;
export const earlyWakeup = (dueAtMs: string) => `d${dueAtMs}`;

/** The wakeup a post due as `d` is waiting for: undefined for the first run. */
export const expectedWakeup = (d: PostDue): string | undefined => (d.fresh ? undefined : dueWakeup(d.due_at_ms));
