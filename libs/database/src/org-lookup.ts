import { forbidden, notFound } from '@app/common';

/**
 * A record read by its id on behalf of an org: the org's own, another org's, or unknown. The
 * spec answers 403 for another org's record and 404 for an unknown one, so such a lookup cannot
 * filter on the org in its WHERE; it takes the org instead and says which, and the row is only
 * reachable through `found` (a caller cannot use it without the check).
 */
export type OrgLookup<T> = { state: 'found'; row: T } | { state: 'other_org' } | { state: 'missing' };

export function orgLookup<T extends { org_id: string }>(orgId: string, row: T | null | undefined): OrgLookup<T> {
  if (!row) return { state: 'missing' };
  return row.org_id === orgId ? { state: 'found', row } : { state: 'other_org' };
}

/** The org's row, else 404 `notFoundCode` ("<what> not found") or 403 FORBIDDEN ("<what> belongs to another org"). */
export function ownedOrThrow<T>(lookup: OrgLookup<T>, notFoundCode: string, what: string): T {
  if (lookup.state === 'missing') throw notFound(notFoundCode, `${what} not found`);
  if (lookup.state === 'other_org') throw forbidden('FORBIDDEN', `${what} belongs to another org`);
  return lookup.row;
}
