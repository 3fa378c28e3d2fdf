import { checkTargetChannel } from './channel-rules';

const slack = (code: string) => checkTargetChannel({ org_id: 'o', platform: 'slack', code });
const webhook = (data?: Record<string, unknown>) => checkTargetChannel({ org_id: 'o', platform: 'webhook', code: 'hooks', data });

describe('checkTargetChannel', () => {
  it.each(['C0123ABCD', 'G0PRIVATE', 'D0DM', 'C12'])('accepts the Slack channel id %s', (code) => {
    expect(slack(code)).toEqual([]);
  });

  it.each(['general', '#general', 'c0123abcd', 'C-EXEC', 'X0123', 'C1', 'C0123 ', ''])('refuses %j on target_channel.code', (code) => {
    expect(slack(code)).toEqual([{ field: 'target_channel.code', message: expect.stringContaining('Slack channel id') }]);
  });

  it('requires data.url on a webhook channel (the URL rules come after, with DNS)', () => {
    expect(webhook({ url: 'https://example.com/hook' })).toEqual([]);
    for (const data of [undefined, {}, { url: 7 }, { url: '' }, { url: `https://x/${'a'.repeat(2048)}` }]) {
      expect(webhook(data)).toEqual([{ field: 'target_channel.data.url', message: expect.any(String) }]);
    }
  });
});
