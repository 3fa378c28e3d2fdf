import { loadConfig } from '../config';
import { SignedCursors } from './signed-cursors';

const cursors = (secret: string) => new SignedCursors(loadConfig({ JWT_SECRET: secret }));

describe('SignedCursors', () => {
  const a = cursors('a'.repeat(32));
  const payload = { v: '2025-01-01 00:00:00.123456+00', id: 'job_1', t: 3 };

  it('opens what it signed, for the same scope only', () => {
    const text = a.sign('jobs:org-a', payload);
    expect(JSON.parse(Buffer.from(text, 'base64url').toString())).toEqual({ ...payload, s: expect.any(String) });
    expect(a.open('jobs:org-a', text)).toEqual(payload);
    expect(a.open('jobs:org-b', text)).toBeUndefined();
    expect(a.open('sessions:org-a', text)).toBeUndefined();
  });

  it('refuses a cursor signed with another JWT_SECRET', () => {
    expect(a.open('jobs:org-a', cursors('b'.repeat(32)).sign('jobs:org-a', payload))).toBeUndefined();
  });

  it('refuses any edit: a value, the signature, the encoding', () => {
    const text = a.sign('jobs:org-a', payload);
    const json = Buffer.from(text, 'base64url').toString();
    const reencode = (s: string) => Buffer.from(s).toString('base64url');
    expect(a.open('jobs:org-a', reencode(json.replace('"t":3', '"t":4')))).toBeUndefined();
    expect(a.open('jobs:org-a', reencode(json.replace('"s":"', '"s":"A')))).toBeUndefined();
    expect(a.open('jobs:org-a', reencode(json.replace(/,"s":"[^"]+"/, '')))).toBeUndefined();
    expect(a.open('jobs:org-a', `${text}=`)).toBeUndefined();
    expect(a.open('jobs:org-a', `${text.slice(0, 10)}!${text.slice(10)}`)).toBeUndefined();
    for (const junk of ['', 'not-a-cursor', reencode('[]'), reencode('null'), reencode('{"s":1}')]) {
      expect(a.open('jobs:org-a', junk)).toBeUndefined();
    }
  });
});
