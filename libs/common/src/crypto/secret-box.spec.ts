import { randomBytes } from 'node:crypto';
import { open, seal, SecretBoxError } from './secret-box';

describe('secret box (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const token = 'xoxb-1234-5678-abcdefghijklmnop';

  it('round-trips and never contains the plaintext', () => {
    const sealed = seal(key, token, 'org-a');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(token);
    expect(sealed).not.toContain(Buffer.from(token).toString('base64'));
    expect(open(key, sealed, 'org-a')).toBe(token);
  });

  it('uses a fresh IV every time', () => {
    const a = seal(key, token, 'org-a');
    const b = seal(key, token, 'org-a');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
  });

  it('refuses another key, another context, and any tampering', () => {
    const sealed = seal(key, token, 'org-a');
    expect(() => open(randomBytes(32), sealed, 'org-a')).toThrow(SecretBoxError);
    expect(() => open(key, sealed, 'org-b')).toThrow(SecretBoxError);
    const [v, iv, tag, ct] = sealed.split('.');
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] ^= 1;
    expect(() => open(key, [v, iv, tag, flipped.toString('base64url')].join('.'), 'org-a')).toThrow(SecretBoxError);
    expect(() => open(key, 'plain-token', 'org-a')).toThrow(SecretBoxError);
    expect(() => open(key, `v1.${iv}.${tag.slice(2)}.${ct}`, 'org-a')).toThrow(SecretBoxError);
  });

  it('requires a 32-byte key', () => {
    expect(() => seal(randomBytes(16), token, 'org-a')).toThrow(SecretBoxError);
  });
});
