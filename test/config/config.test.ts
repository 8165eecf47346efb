import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/config.js';
import { spawnEntry } from '../../harness/processes.js';

describe('configuration', () => {
  it('has an embedded default for every external part', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined(); // → embedded PGlite
    expect(config.TEMPORAL_ADDRESS).toBeUndefined(); // → dev server
    expect(config).toMatchObject({ API_PORT: 3000, TEMPORAL_DEV_PORT: 7233, TEMPORAL_UI_PORT: 8233 });
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', PUBLIC_BASE_URL: '  ', API_PORT: '' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.API_PORT).toBe(3000);
  });

  it('reads real services when they are configured', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://app@db:5432/greenroom',
      TEMPORAL_ADDRESS: 'temporal:7233',
      PUBLIC_BASE_URL: 'https://assess.example.com/',
    });
    expect(config.DATABASE_URL).toBe('postgresql://app@db:5432/greenroom');
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(config.publicBaseUrl).toBe('https://assess.example.com');
  });

  it.each([
    ['API_PORT', 'abc', /^Invalid configuration: API_PORT must be a port number \(got "abc"\)$/],
    ['API_PORT', '70000', /API_PORT must be between 0 and 65535/],
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS must be host:port/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['PUBLIC_BASE_URL', 'not a url', /PUBLIC_BASE_URL must be an absolute URL/],
  ])('names %s when its value %j is wrong', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reads TRUST_PROXY as Express takes it: hops as a number, else a list of addresses', () => {
    expect(loadConfig({}).TRUST_PROXY).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(0);
    expect(loadConfig({ TRUST_PROXY: ' loopback, 10.0.0.0/8 ,fd00::/8,uniquelocal' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      'uniquelocal',
    ]);
  });

  it.each([
    [
      '10.0.0.0/33',
      /TRUST_PROXY must be a number of proxies, or .*invalid range on address: 10\.0\.0\.0\/33/,
    ],
    ['proxy.internal', /TRUST_PROXY must be .*invalid IP address: proxy\.internal/],
    ['true', /TRUST_PROXY must not be true \(any client could then choose its address\)/],
    ['1000', /TRUST_PROXY must be at most 32 proxies/],
  ])('refuses TRUST_PROXY=%j with a message naming it', (value, message) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(message);
  });

  it('never echoes a secret value in the error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(
      /^Invalid configuration: DATABASE_URL must be a postgresql:\/\/ URL$/,
    );
    expect(() => loadConfig({ OPERATOR_API_KEY: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it.each(['api/main.ts', 'workers/main.ts', 'scripts/start.ts'])(
    '%s exits 2 with one line naming the variable',
    async (entry) => {
      const proc = spawnEntry(entry, { API_PORT: 'abc' });
      expect(await proc.exited).toBe(2);
      expect(proc.output().trim()).toBe(
        'greenroom: Invalid configuration: API_PORT must be a port number (got "abc")',
      );
    },
  );
});
