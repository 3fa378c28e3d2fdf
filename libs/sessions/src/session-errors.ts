import { conflict, forbidden, notFound } from '@app/common';
import type { SessionLookup } from './sessions.repository';
import type { SessionEntity } from './session.entities';

/** Our session ids: `ses_` + a lowercase ULID. Anything else names no session (404, never a database error). */
export const SESSION_ID_PATTERN = /^ses_[0-9a-hjkmnp-tv-z]{26}$/;

const shown = (id: string) => (id.length > 100 ? `${id.slice(0, 100)}...` : id);

export const sessionNotFound = (id: string) => notFound('SESSION_NOT_FOUND', `Session '${shown(id)}' not found`);

/** The org's live session behind a lookup: 404 SESSION_NOT_FOUND, 403 FORBIDDEN or 404 SESSION_EXPIRED otherwise. */
export function liveSession(lookup: SessionLookup, id: string): SessionEntity {
  if (lookup.state === 'missing') throw sessionNotFound(id);
  if (lookup.state === 'foreign') throw forbidden('FORBIDDEN', `Session '${id}' belongs to another org`);
  if (lookup.expired) throw notFound('SESSION_EXPIRED', `Session '${id}' expired at ${lookup.session.expires_at.toISOString()}`);
  return lookup.session;
}

/** `activeTurnId` null: every claim lost a race, yet every look found it idle (turns ending and starting back to back). */
export const sessionBusy = (id: string, activeTurnId: string | null) => conflict(
  'SESSION_BUSY',
  activeTurnId ? `Session '${id}' is running turn '${activeTurnId}'; one turn at a time` : `Session '${id}' is taking turns back to back; retry`,
  { active_turn_id: activeTurnId },
);
