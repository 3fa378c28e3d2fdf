import { VerifiedTokens } from './verified-tokens';

describe('VerifiedTokens', () => {
  it('remembers claims by exact token text until they expire', () => {
    const cache = new VerifiedTokens<{ exp?: number; sub: string }>();
    const now = Math.floor(Date.now() / 1000);
    cache.remember('a.b.c', { sub: 't1', exp: now + 60 });
    cache.remember('expired', { sub: 't2', exp: now - 1 });
    cache.remember('no-exp', { sub: 't3' });
    expect(cache.get('a.b.c')).toEqual({ sub: 't1', exp: now + 60 });
    expect(cache.get('a.b.c ')).toBeUndefined();
    expect(cache.get('expired')).toBeUndefined();
    expect(cache.get('no-exp')).toEqual({ sub: 't3' });
  });

  it('stays bounded', () => {
    const cache = new VerifiedTokens<{ sub: string; exp?: number }>();
    for (let i = 0; i < 10_001; i++) cache.remember(`tok${i}`, { sub: String(i) });
    expect(cache.get('tok0')).toBeUndefined();
    expect(cache.get('tok10000')).toEqual({ sub: '10000' });
  });
});
