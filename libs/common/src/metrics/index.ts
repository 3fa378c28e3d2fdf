export * from './bounded-label';
export * from './http-metrics.middleware';
export * from './metric-series';
export * from './metrics-access';
export * from './metrics.module';
export * from './metrics.service';
export * from './metrics-http-server';
