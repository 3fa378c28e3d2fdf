export { isOutboundError, OutboundError } from './outbound-errors';
export type { OutboundErrorCode } from './outbound-errors';
export * from './outbound-types';
export * from './outbound-http.client';
export { forbiddenAddressReason } from './ip-address-policy';
