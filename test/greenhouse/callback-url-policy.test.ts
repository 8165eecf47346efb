import { describe, expect, it } from 'vitest';
import {
  checkCallbackUrl,
  DEFAULT_GREENHOUSE_CALLBACK_HOSTS,
  forbiddenAddressReason,
  guardedLookup,
} from '../../greenhouse/callback/index.js';

// The completion URL policy without a network: address ranges, host patterns, the sandbox
// exception and the connect-time lookup (url-policy.ts).
const publicDns = async () => [{ address: '93.184.216.34', family: 4 }];
const policy = {
  allowedHosts: DEFAULT_GREENHOUSE_CALLBACK_HOSTS,
  sandboxHosts: ['127.0.0.1:4010'],
  resolve: publicDns,
};

describe('completion URL policy', () => {
  it('refuses every non-public address, IPv4-mapped ones included', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      expect(forbiddenAddressReason(address), address).not.toBeNull();
    }
    expect(forbiddenAddressReason('93.184.216.34')).toBeNull();
    expect(forbiddenAddressReason('2606:2800:220:1:248:1893:25c8:1946')).toBeNull();
  });

  it("accepts Greenhouse's app hosts by default and nothing else", async () => {
    for (const url of [
      'https://app.greenhouse.io/integrations/testing_partners/take_home_tests/1',
      'https://app.eu.greenhouse.io/x',
      'https://app3.greenhouse.io/x',
    ]) {
      await expect(checkCallbackUrl(url, policy)).resolves.toMatchObject({ sandbox: false });
    }
    for (const url of [
      'https://appx.greenhouse.io/x',
      'https://app3.greenhouse.io.evil.com/x',
      'https://evil.com/app.greenhouse.io',
      'https://greenhouse.io/x',
    ]) {
      await expect(checkCallbackUrl(url, policy), url).rejects.toMatchObject({ kind: 'invalid_url' });
    }
  });

  it('lets only the configured sandbox host:port use plain http on loopback', async () => {
    await expect(checkCallbackUrl('http://127.0.0.1:4010/x', policy)).resolves.toMatchObject({
      sandbox: true,
    });
    await expect(checkCallbackUrl('http://127.0.0.1:4011/x', policy)).rejects.toMatchObject({
      kind: 'invalid_url',
    });
  });

  it('refuses a name resolving to any private address, and retries a DNS failure that may heal', async () => {
    const mixed = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(
      checkCallbackUrl('https://app.greenhouse.io/x', { ...policy, resolve: mixed }),
    ).rejects.toThrow(/resolves to 10\.0\.0\.5 is a private address/);
    const flaky = async () => {
      throw Object.assign(new Error('try again'), { code: 'EAI_AGAIN' });
    };
    await expect(
      checkCallbackUrl('https://app.greenhouse.io/x', { ...policy, resolve: flaky }),
    ).rejects.toMatchObject({ kind: 'network', retryable: true });
  });

  it('checks the addresses again when connecting', async () => {
    const lookup = guardedLookup({
      sandboxHosts: [],
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const err = await new Promise<Error | null>((resolve) =>
      lookup('app.greenhouse.io', { all: true }, (e) => resolve(e)),
    );
    expect(err).toMatchObject({ code: 'EFORBIDDENADDRESS' });
    const ok = guardedLookup({ sandboxHosts: [], resolve: publicDns });
    const got = await new Promise<unknown>((resolve) =>
      ok('app.greenhouse.io', {}, (_e, address) => resolve(address)),
    );
    expect(got).toBe('93.184.216.34');
  });
});
