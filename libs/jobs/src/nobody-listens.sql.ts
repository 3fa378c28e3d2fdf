/**
 * A terminal event nobody listens to (no callback_url, no observers, no parent whose
 * observers inherit it) is stored already dispatched, so the outbox only carries real work.
 */
export const NOBODY_LISTENS = 'callback_url IS NULL AND observers IS NULL AND parent_job_id IS NULL';
