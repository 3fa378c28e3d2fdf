/**
 * Whether a bot token lets delivery check, after an interrupted post, that the message is not
 * already in the channel (conversations.history / replies, SlackDeliverer). Without these
 * scopes the check is skipped and such a post may be sent twice: at least once.
 */
export const HISTORY_SCOPES = ['channels:history', 'groups:history'] as const;

export type SlackDedupe = 'exactly_once' | 'at_least_once';

export interface DedupeView {
  /** null: the token's scopes are not known (Slack did not list them, or the token was stored before they were kept). */
  dedupe: SlackDedupe | null;
  /** The history scopes the token lacks (empty when exactly_once or unknown). */
  missing_scopes: string[];
}

export function dedupeOf(scopes: readonly string[] | null | undefined): DedupeView {
  if (!scopes) return { dedupe: null, missing_scopes: [] };
  const missing = HISTORY_SCOPES.filter((s) => !scopes.includes(s));
  return { dedupe: missing.length ? 'at_least_once' : 'exactly_once', missing_scopes: missing };
}
