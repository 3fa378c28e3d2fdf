import { can, readToken } from './auth';

const jwt = (claims: object) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('readToken', () => {
  it('reads the org, access level, token id and expiry a token claims (a pasted "Bearer " prefix and spaces ignored)', () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const token = jwt({ sub: 'tok_1', org_id: 'acmé', scopes: { SERVICES: 'WRITE' }, exp });
    expect(readToken(`  Bearer ${token}\n`)).toEqual({ token, tokenId: 'tok_1', orgId: 'acmé', access: 'WRITE', expiresAt: new Date(exp * 1000) });
    expect(readToken(jwt({ sub: 't', org_id: 'o', scopes: { SERVICES: 'READ' } }))).toMatchObject({ expiresAt: null });
  });

  it('says why a string is no usable token', () => {
    expect(readToken('abc')).toMatch(/not an API token/);
    expect(readToken('a.%%%.c')).toMatch(/cannot be read/);
    expect(readToken(jwt({ sub: 't', org_id: 'o', scopes: { OTHER: 'ADMIN' } }))).toMatch(/no org or no SERVICES access level/);
    expect(readToken(jwt({ sub: 't', org_id: 'o', scopes: { SERVICES: 'ROOT' } }))).toMatch(/no org or no SERVICES access level/);
    expect(readToken(jwt({ sub: 't', org_id: 'o', scopes: { SERVICES: 'READ' }, exp: 1 }))).toMatch(/expired/);
  });
});

describe('can', () => {
  it('orders READ < WRITE < ADMIN', () => {
    const as = (access: 'READ' | 'WRITE' | 'ADMIN') => ({ token: '', tokenId: '', orgId: '', access, expiresAt: null });
    expect([can(as('READ'), 'READ'), can(as('READ'), 'WRITE'), can(as('WRITE'), 'WRITE'), can(as('WRITE'), 'ADMIN'), can(as('ADMIN'), 'WRITE')])
      .toEqual([true, false, true, false, true]);
    expect(can(null, 'READ')).toBe(false);
  });
});
