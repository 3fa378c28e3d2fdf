export * from './secret-box';
export * from './standard-webhooks';
