import { basicAuthPassword } from './queue-dashboard';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('basicAuthPassword', () => {
  it('is the part after the first colon, whatever the user name', () => {
    expect(basicAuthPassword(basic('operator:eyJ.a.b'))).toBe('eyJ.a.b');
    expect(basicAuthPassword(basic(':eyJ.a.b'))).toBe('eyJ.a.b');
    expect(basicAuthPassword(basic('u:p:with:colons'))).toBe('p:with:colons');
    expect(basicAuthPassword(`basic  ${Buffer.from('u:p').toString('base64')}`)).toBe('p');
  });

  it('is null without one: no header, another scheme, no colon, an empty password, not base64', () => {
    for (const header of [undefined, '', 'Bearer eyJ.a.b', basic('no-colon'), basic('user:'), 'Basic !!!', 'Basic']) {
      expect(basicAuthPassword(header)).toBeNull();
    }
  });
});
