export * from './outbound-errors';
export * from './outbound-http.client';
export { forbiddenAddressReason } from './ip-address-policy';
