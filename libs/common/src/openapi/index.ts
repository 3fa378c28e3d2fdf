export * from './envelopes';
export * from './json-schema';
export * from './problems';
export * from './api-field';
