import { DomainError } from '@app/common';
import { OutboundError, OutboundHttpClient } from '@app/common/outbound';
import type { CreateJobDto } from './dto/create-job.dto';
import { assertWebhookUrlsAllowed, jobWebhookUrls } from './webhook-urls';

describe('webhook URLs of a create-job body', () => {
  const body = {
    callback_url: 'https://cb.example/hook',
    observers: [{ url: 'https://a.example/x' }, { url: 'http://10.0.0.1/y' }],
  } as unknown as CreateJobDto;

  it('lists callback_url then each observer url, with an optional field prefix', () => {
    expect(jobWebhookUrls(body)).toEqual([
      ['callback_url', 'https://cb.example/hook'],
      ['observers.0.url', 'https://a.example/x'],
      ['observers.1.url', 'http://10.0.0.1/y'],
    ]);
    expect(jobWebhookUrls(body, 'job.').map(([field]) => field)).toEqual(['job.callback_url', 'job.observers.0.url', 'job.observers.1.url']);
    expect(jobWebhookUrls({} as CreateJobDto)).toEqual([]);
  });

  const outbound = {
    assertUrlAllowed: async (url: string) => {
      if (url.includes('10.0.0.1')) throw new OutboundError('URL_REFUSED', 'private address');
      if (url.includes('boom')) throw new Error('not an outbound error');
    },
  } as unknown as OutboundHttpClient;

  it('refuses with 400 OUTBOUND_URL_REFUSED and one field error per refused URL', async () => {
    const err = await assertWebhookUrlsAllowed(outbound, jobWebhookUrls(body, 'job.')).catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ status: 400, code: 'OUTBOUND_URL_REFUSED', errors: [{ field: 'job.observers.1.url', message: 'private address' }] });
  });

  it('passes allowed URLs and lets other errors through', async () => {
    await expect(assertWebhookUrlsAllowed(outbound, [['callback_url', 'https://ok.example']])).resolves.toBeUndefined();
    await expect(assertWebhookUrlsAllowed(outbound, [['callback_url', 'https://boom.example']])).rejects.toThrow('not an outbound error');
  });
});
