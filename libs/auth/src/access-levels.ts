export const ACCESS_LEVELS = ['READ', 'WRITE', 'ADMIN'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
export const SCOPES = ['SERVICES'] as const;
export type Scope = (typeof SCOPES)[number];
export type Scopes = Partial<Record<Scope, AccessLevel>>;

/** READ < WRITE < ADMIN: a higher level includes the lower ones. */
export function grants(scopes: Scopes, scope: Scope, needed: AccessLevel): boolean {
  const held = scopes[scope];
  return held !== undefined && ACCESS_LEVELS.indexOf(held) >= ACCESS_LEVELS.indexOf(needed);
}

/** Parses "SERVICES:WRITE" (the CLI's --access) into scopes. */
export function parseAccess(spec: string): Scopes {
  const scopes: Scopes = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [scope, level] = part.split(':');
    if (!SCOPES.includes(scope as Scope) || !ACCESS_LEVELS.includes(level as AccessLevel)) {
      throw new Error(`invalid access "${part}": expected SCOPE:LEVEL with SCOPE in ${SCOPES.join('|')} and LEVEL in ${ACCESS_LEVELS.join('|')}`);
    }
    scopes[scope as Scope] = level as AccessLevel;
  }
  if (!Object.keys(scopes).length) throw new Error('at least one SCOPE:LEVEL is required');
  return scopes;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses "30d", "12h", "15m" or "3600s" into seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new Error(`invalid duration "${text}": use a positive number followed by s, m, h or d (e.g. 30d)`);
  return Number(m[1]) * UNIT_SECONDS[m[2]];
}
