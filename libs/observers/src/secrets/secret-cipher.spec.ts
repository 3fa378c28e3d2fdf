import { randomBytes } from 'node:crypto';
import { SecretCipher } from './secret-cipher';

describe('SecretCipher', () => {
  const cipher = new SecretCipher(randomBytes(32));

  it('round-trips and never stores the plain text', () => {
    const stored = cipher.encrypt('whsec_abc', 'org:a');
    expect(stored).not.toContain('whsec_abc');
    expect(cipher.decrypt(stored, 'org:a')).toBe('whsec_abc');
    expect(cipher.encrypt('whsec_abc', 'org:a')).not.toBe(stored);
  });

  it('refuses a ciphertext moved to another org, or tampered with', () => {
    const stored = cipher.encrypt('whsec_abc', 'org:a');
    expect(() => cipher.decrypt(stored, 'org:b')).toThrow();
    const [v, iv, tag, ct] = stored.split(':');
    const flipped = Buffer.from(ct, 'base64');
    flipped[0] ^= 1;
    expect(() => cipher.decrypt([v, iv, tag, flipped.toString('base64')].join(':'), 'org:a')).toThrow();
    expect(() => new SecretCipher(randomBytes(32)).decrypt(stored, 'org:a')).toThrow();
  });
});
