import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
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

  describe('trust boundary settings', () => {
    // Any readable file stands in for a certificate: config checks presence, the connection reads them.
    const file = fileURLToPath(import.meta.url);

    it('wants a client certificate and its key together', () => {
      expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: file })).toThrow(
        /^Invalid configuration: TEMPORAL_TLS_KEY_PATH must be set with TEMPORAL_TLS_CERT_PATH \(a client certificate needs its key, and vice versa\)$/,
      );
      expect(() => loadConfig({ TEMPORAL_TLS_KEY_PATH: file })).toThrow(
        /TEMPORAL_TLS_CERT_PATH must be set with TEMPORAL_TLS_KEY_PATH/,
      );
      expect(loadConfig({ TEMPORAL_TLS_CERT_PATH: file, TEMPORAL_TLS_KEY_PATH: file })).toMatchObject({
        TEMPORAL_TLS_CERT_PATH: file,
        TEMPORAL_TLS_KEY_PATH: file,
      });
    });

    it.each(['TEMPORAL_TLS_CA_PATH', 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH'])(
      'names %s when its file cannot be read at start',
      (name) => {
        const env = {
          TEMPORAL_TLS_CERT_PATH: file,
          TEMPORAL_TLS_KEY_PATH: file,
          [name]: '/nonexistent/x.pem',
        };
        expect(() => loadConfig(env)).toThrow(
          `Invalid configuration: ${name} must name a readable file (got "/nonexistent/x.pem")`,
        );
      },
    );

    it('refuses TLS material with TEMPORAL_TLS=off, and never echoes the API key', () => {
      expect(() => loadConfig({ TEMPORAL_TLS: 'off', TEMPORAL_TLS_CA_PATH: file })).toThrow(
        /TEMPORAL_TLS_CA_PATH is set but TEMPORAL_TLS is off/,
      );
      expect(() => loadConfig({ TEMPORAL_TLS: 'maybe' })).toThrow(/TEMPORAL_TLS must be on or off/);
      expect(loadConfig({ TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS: 'off' }).TEMPORAL_API_KEY).toBe(
        'secret-key',
      );
    });

    it('wants a deployment name and a build id together (or neither)', () => {
      expect(() => loadConfig({ WORKER_BUILD_ID: 'b1' })).toThrow(
        /WORKER_DEPLOYMENT_NAME must be set with the other of WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID/,
      );
      expect(() => loadConfig({ WORKER_DEPLOYMENT_NAME: 'greenroom' })).toThrow(
        /WORKER_BUILD_ID must be set/,
      );
      expect(loadConfig({ WORKER_DEPLOYMENT_NAME: 'greenroom', WORKER_BUILD_ID: 'b1' })).toMatchObject({
        WORKER_DEPLOYMENT_NAME: 'greenroom',
        WORKER_BUILD_ID: 'b1',
      });
    });

    it('defaults the codec to strict and keeps the local UI switch out of production', () => {
      expect(loadConfig({})).toMatchObject({
        PAYLOAD_CODEC_ALLOW_PLAINTEXT: 'off',
        CODEC_LOOPBACK_WITHOUT_KEY: 'off',
      });
      expect(loadConfig({ PAYLOAD_CODEC_ALLOW_PLAINTEXT: 'on' }).PAYLOAD_CODEC_ALLOW_PLAINTEXT).toBe('on');
      expect(() => loadConfig({ PAYLOAD_CODEC_ALLOW_PLAINTEXT: 'yes' })).toThrow(
        /PAYLOAD_CODEC_ALLOW_PLAINTEXT must be on or off/,
      );
      const personKey = Buffer.alloc(32, 3).toString('base64');
      expect(() =>
        loadConfig({ CODEC_LOOPBACK_WITHOUT_KEY: 'on', NODE_ENV: 'production', PERSON_INDEX_KEY: personKey }),
      ).toThrow(
        /^Invalid configuration: CODEC_LOOPBACK_WITHOUT_KEY must be off in production \(it is for npm start\) \(got "on"\)$/,
      );
    });

    it('needs the person index key in production, 32 bytes, never echoed', () => {
      expect(loadConfig({}).PERSON_INDEX_KEY).toBeUndefined(); // development: the fixed dev key
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
        /^Invalid configuration: PERSON_INDEX_KEY must be set in production \(base64 of 32 bytes\)$/,
      );
      const short = Buffer.alloc(16, 1).toString('base64');
      expect(() => loadConfig({ PERSON_INDEX_KEY: short })).toThrow(
        /^Invalid configuration: PERSON_INDEX_KEY must be base64 of 32 bytes$/,
      );
      const key = Buffer.alloc(32, 4).toString('base64');
      expect(loadConfig({ NODE_ENV: 'production', PERSON_INDEX_KEY: key }).PERSON_INDEX_KEY).toBe(key);
    });
  });
});
