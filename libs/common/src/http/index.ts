export * from './envelope';
export * from './validation.pipe';
