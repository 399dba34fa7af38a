import { ConfigError, loadConfig } from '../../src/config/env';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('has working defaults outside production', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.dataDir.endsWith('/data')).toBe(true);
    expect(config.syncIntervalMs).toBe(3600_000);
    expect(config.appSecret).toBeUndefined();
  });

  it('names each bad variable in one line', () => {
    expect(problems({ PORT: 'eighty' })).toEqual([expect.stringMatching(/^PORT: /)]);
    expect(problems({ LOG_LEVEL: 'loud' })).toEqual([expect.stringMatching(/^LOG_LEVEL: /)]);
    expect(problems({ MONGODB_URI: 'postgres://x' })).toEqual(['MONGODB_URI: must start with mongodb:// or mongodb+srv://']);
    expect(problems({ SYNC_INTERVAL: 'often' })).toEqual(['SYNC_INTERVAL: use a duration such as 15m, 1h or off']);
    expect(problems({ APP_SECRET: 'short' })).toEqual([expect.stringMatching(/^APP_SECRET: must be at least 32/)]);
  });

  it('requires https and a secret in production, listing every problem', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'PUBLIC_URL: required in production',
      'PUBLIC_URL: must use https in production',
      expect.stringMatching(/^APP_SECRET: required in production/),
    ]);
    expect(problems({ NODE_ENV: 'production', PUBLIC_URL: 'https://ecf.example.org/', APP_SECRET: 'x'.repeat(40) })).toEqual([]);
  });

  it('allows plain http only for localhost outside production', () => {
    expect(problems({ PUBLIC_URL: 'http://127.0.0.1:4000' })).toEqual([]);
    expect(problems({ PUBLIC_URL: 'http://tool.example.org' })).toEqual([expect.stringMatching(/^PUBLIC_URL: must use https/)]);
    expect(loadConfig({ PUBLIC_URL: 'https://tool.example.org/' }).publicUrl).toBe('https://tool.example.org');
  });

  it('reads durations and turns the schedule off', () => {
    expect(loadConfig({ SYNC_INTERVAL: '15m' }).syncIntervalMs).toBe(900_000);
    expect(loadConfig({ SYNC_INTERVAL: 'off' }).syncIntervalMs).toBe(0);
    expect(problems({ SYNC_INTERVAL: '5s' })).toEqual(['SYNC_INTERVAL: must be at least 1m, or off']);
  });
});
