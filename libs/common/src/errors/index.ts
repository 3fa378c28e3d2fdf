export * from './domain-error';
export * from './outage';
export * from './problem-details.filter';
