import { ConfigError, loadConfig } from './app-config';

describe('worker liveness settings', () => {
  it('default to a 1 s heartbeat and death after 5 s', () => {
    expect(loadConfig({})).toMatchObject({ WORKER_HEARTBEAT_MS: 1000, WORKER_DEAD_AFTER_MS: 5000 });
  });

  it('refuse a death threshold under three heartbeats, naming the variable', () => {
    expect(() => loadConfig({ WORKER_HEARTBEAT_MS: '1000', WORKER_DEAD_AFTER_MS: '2500' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_HEARTBEAT_MS: '1000', WORKER_DEAD_AFTER_MS: '2500' })).toThrow(/WORKER_DEAD_AFTER_MS/);
    expect(loadConfig({ WORKER_HEARTBEAT_MS: '200', WORKER_DEAD_AFTER_MS: '600' })).toMatchObject({ WORKER_DEAD_AFTER_MS: 600 });
  });
});
