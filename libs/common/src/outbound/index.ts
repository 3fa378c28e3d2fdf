export { isOutboundError, OutboundError } from './outbound-errors';
export type { OutboundErrorCode } from './outbound-errors';
export * from './outbound-types';
export * from './outbound-http.client';
export { forbiddenAddressReason } from './ip-address-policy';
export * from './backoff';
export * from './webhook-verdict';
export * from './signed-webhook.sender';
export * from './outbound-fetch';
