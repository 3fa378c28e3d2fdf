import { scrapeAllowed } from './metrics-access';

describe('scrapeAllowed', () => {
  it('is open without a token, and needs exactly "Bearer <token>" with one', () => {
    expect(scrapeAllowed(undefined, undefined)).toBe(true);
    const token = 'metrics-token-0123456789';
    expect(scrapeAllowed(token, `Bearer ${token}`)).toBe(true);
    for (const header of [undefined, '', token, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, `bearer ${token}`]) {
      expect(scrapeAllowed(token, header)).toBe(false);
    }
  });
});
