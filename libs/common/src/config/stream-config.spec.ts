import { ConfigError, loadConfig } from './app-config';

describe('live stream settings', () => {
  it('ping every 15 s by default and refuse a longer interval, which the spec does not allow', () => {
    expect(loadConfig({})).toMatchObject({ STREAM_PING_INTERVAL_MS: 15000 });
    expect(loadConfig({ STREAM_PING_INTERVAL_MS: '100' })).toMatchObject({ STREAM_PING_INTERVAL_MS: 100 });
    expect(() => loadConfig({ STREAM_PING_INTERVAL_MS: '15001' })).toThrow(ConfigError);
    expect(() => loadConfig({ STREAM_PING_INTERVAL_MS: '15001' })).toThrow(/STREAM_PING_INTERVAL_MS/);
  });
});
