/**
 * The signed-in token, kept in sessionStorage (this tab only, gone when it closes), and what its
 * claims say about it. The claims are read, not verified: they only decide which actions to show.
 * The API checks the token on every request, so a forged claim shows buttons that the API refuses.
 */
export type Access = 'READ' | 'WRITE' | 'ADMIN';
const LEVELS: Access[] = ['READ', 'WRITE', 'ADMIN'];
const KEY = 'agent-jobs.console.token';

export interface Identity {
  token: string;
  tokenId: string;
  orgId: string;
  access: Access;
  expiresAt: Date | null;
}

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The identity a token claims, or an error message saying why it cannot be one. */
export function readToken(raw: string): Identity | string {
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  const parts = token.split('.');
  if (parts.length !== 3) return 'This is not an API token (a JWT has three parts separated by dots).';
  let claims: { sub?: unknown; org_id?: unknown; scopes?: { SERVICES?: unknown }; exp?: unknown };
  try {
    claims = JSON.parse(base64UrlDecode(parts[1]));
  } catch {
    return 'This token cannot be read (its middle part is not base64url JSON).';
  }
  const access = claims.scopes?.SERVICES;
  if (typeof claims.org_id !== 'string' || typeof claims.sub !== 'string' || !LEVELS.includes(access as Access)) {
    return 'This token names no org or no SERVICES access level.';
  }
  const expiresAt = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null;
  if (expiresAt && expiresAt.getTime() <= Date.now()) return 'This token has expired.';
  return { token, tokenId: claims.sub, orgId: claims.org_id, access: access as Access, expiresAt };
}

/** Whether the identity's level includes `needed` (READ < WRITE < ADMIN). */
export const can = (who: Identity | null, needed: Access): boolean =>
  !!who && LEVELS.indexOf(who.access) >= LEVELS.indexOf(needed);

export function storedIdentity(): Identity | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const who = readToken(raw);
  return typeof who === 'string' ? null : who;
}

export const storeToken = (token: string) => sessionStorage.setItem(KEY, token);
export const forgetToken = () => sessionStorage.removeItem(KEY);
