import { DomainError, FieldError } from '@app/common';
import { OutboundError, OutboundHttpClient } from '@app/common/outbound';
import type { CreateJobDto } from './dto/create-job.dto';

/** A URL the service will call, with the request field it came from. */
export type UrlField = [field: string, url: string];

/** The webhook URLs of a create-job body: callback_url, then each observer's url (fields prefixed with `prefix`). */
export function jobWebhookUrls(body: CreateJobDto, prefix = ''): UrlField[] {
  const urls: UrlField[] = [];
  if (body.callback_url) urls.push([`${prefix}callback_url`, body.callback_url]);
  body.observers?.forEach((o, i) => urls.push([`${prefix}observers.${i}.url`, o.url]));
  return urls;
}

/** 400 OUTBOUND_URL_REFUSED with a field error for each URL the outbound policy refuses. */
export async function assertWebhookUrlsAllowed(outbound: OutboundHttpClient, urls: UrlField[]): Promise<void> {
  const errors: FieldError[] = [];
  for (const [field, url] of urls) {
    try {
      await outbound.assertUrlAllowed(url);
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      errors.push({ field, message: err.message });
    }
  }
  if (errors.length) throw new DomainError(400, 'OUTBOUND_URL_REFUSED', 'A webhook URL is not allowed', errors);
}
