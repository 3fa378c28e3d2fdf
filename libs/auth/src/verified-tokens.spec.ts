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

  it('forgets a token once its exp passes', () => {
    let clockMs = 1000;
    const cache = new VerifiedTokens<{ exp?: number; sub: string }>({ now: () => clockMs });
    const now = Math.floor(Date.now() / 1000);
    cache.remember('soon', { sub: 't1', exp: now + 2 });
    cache.remember('later', { sub: 't2', exp: now + 60 });
    clockMs += 2500;
    expect(cache.get('later')).toEqual({ sub: 't2', exp: now + 60 });
    expect(cache.get('soon')).toBeUndefined();
  });

  it('stays bounded, dropping the least recently used', () => {
    const cache = new VerifiedTokens<{ sub: string; exp?: number }>();
    cache.remember('tok0', { sub: '0' });
    cache.remember('tok1', { sub: '1' });
    for (let i = 2; i < 10_001; i++) {
      cache.remember(`tok${i}`, { sub: String(i) });
      if (i === 5000) cache.get('tok0');
    }
    expect(cache.get('tok1')).toBeUndefined();
    expect(cache.get('tok0')).toEqual({ sub: '0' });
    expect(cache.get('tok10000')).toEqual({ sub: '10000' });
  });
});
