import { lookup as dnsLookup } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { parseCallbackUrl } from './completion-client.js';
import { CompletionCallbackError } from './errors.js';

/**
 * Where the completion PATCH (which carries the tenant's callback credential) may go: only to
 * Greenhouse. send_test's `url` must be https, name one of the tenant's Greenhouse hosts and resolve
 * to public addresses only; the configured sandbox (an emulated Greenhouse on loopback) is the one
 * exception, reachable over plain http. Checked at send_test and again right before the PATCH, and
 * the address actually connected to is checked once more (guardedLookup: DNS rebinding).
 */

/** Greenhouse's app hosts: the default list of a tenant that set none. `<N>` stands for digits. */
export const DEFAULT_GREENHOUSE_CALLBACK_HOSTS: readonly string[] = [
  'app.greenhouse.io',
  'app.eu.greenhouse.io',
  'app<N>.greenhouse.io',
];

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface CallbackUrlPolicy {
  /** The tenant's Greenhouse hosts (patterns as DEFAULT_GREENHOUSE_CALLBACK_HOSTS). */
  allowedHosts: readonly string[];
  /** `host` or `host:port` of the configured sandbox (GREENHOUSE_SANDBOX_CALLBACK_HOSTS). */
  sandboxHosts: readonly string[];
  /** Default: dns.lookup with all addresses (tests inject one to emulate hostile DNS). */
  resolve?: Resolver;
}

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/** A host pattern of the tenant's list: lowercase letters, digits, dots, dashes and `<N>`. */
export const HOST_PATTERN = /^(?:[a-z0-9-]|<N>)+(?:\.(?:[a-z0-9-]|<N>)+)*$/;

function hostMatches(hostname: string, pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (!p.includes('<n>')) return hostname === p;
  const re = p
    .split('<n>')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))
    .join('\\d+');
  return new RegExp(`^${re}$`).test(hostname);
}

/** `[::1]` → `::1`: URL keeps brackets around IPv6 literals. */
const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase();

export function isSandboxHost(u: URL, sandboxHosts: readonly string[]): boolean {
  const host = u.host.toLowerCase();
  const hostname = u.hostname.toLowerCase();
  return sandboxHosts.some((h) => {
    const s = h.trim().toLowerCase();
    return s !== '' && (s === host || s === hostname);
  });
}

/** Why an address must not be connected to, or null when it is a public unicast address. */
export function forbiddenAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  const range = ipaddr.process(address).range();
  return range === 'unicast' ? null : `${address} is a ${range} address`;
}

const refuse = (message: string) => new CompletionCallbackError({ kind: 'invalid_url', message });

/**
 * Checks a completion URL against the policy. Resolves with the parsed URL; throws
 * CompletionCallbackError `invalid_url` (never retryable) naming the problem, or `network` when DNS
 * itself failed for a reason other than "no such name" (retryable).
 */
export async function checkCallbackUrl(
  raw: string,
  policy: CallbackUrlPolicy,
): Promise<{ url: URL; sandbox: boolean }> {
  const url = parseCallbackUrl(raw);
  if (isSandboxHost(url, policy.sandboxHosts)) return { url, sandbox: true };
  if (url.protocol !== 'https:') {
    throw refuse('the completion callback URL must be https (plain http only for the configured sandbox)');
  }
  const hostname = bareHost(url.hostname);
  if (ipaddr.isValid(hostname)) {
    throw refuse(`the completion callback URL must name a Greenhouse host, not the IP address ${hostname}`);
  }
  if (!policy.allowedHosts.some((p) => hostMatches(hostname, p))) {
    throw refuse(
      `the completion callback host ${hostname} is not one of this tenant's Greenhouse hosts (${policy.allowedHosts.join(', ')})`,
    );
  }
  let addresses: { address: string }[];
  try {
    addresses = await (policy.resolve ?? systemResolver)(hostname);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') {
      throw refuse(`the completion callback host ${hostname} does not resolve`);
    }
    throw new CompletionCallbackError({
      kind: 'network',
      cause: err,
      message: `could not resolve the completion callback host ${hostname}${code ? ` (${code})` : ''}`,
    });
  }
  if (!addresses.length) throw refuse(`the completion callback host ${hostname} does not resolve`);
  for (const { address } of addresses) {
    const reason = forbiddenAddressReason(address);
    if (reason) throw refuse(`the completion callback host ${hostname} resolves to ${reason}`);
  }
  return { url, sandbox: false };
}

/** Thrown from guardedLookup: the connection was about to reach a forbidden address. */
export class ForbiddenAddressError extends Error {
  override readonly name = 'ForbiddenAddressError';
  readonly code = 'EFORBIDDENADDRESS';
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/**
 * A `lookup` for net/tls connections (undici's `connect.lookup`) that refuses every forbidden
 * address at connect time, so a name that resolved to a public address when checked and to
 * 127.0.0.1 a moment later (DNS rebinding) is still refused. Names of the configured sandbox pass.
 */
export function guardedLookup(policy: Pick<CallbackUrlPolicy, 'sandboxHosts' | 'resolve'>) {
  const sandboxNames = new Set(policy.sandboxHosts.map((h) => h.trim().toLowerCase().replace(/:\d+$/, '')));
  return (
    hostname: string,
    options: { all?: boolean; family?: number | 'IPv4' | 'IPv6' },
    callback: LookupCallback,
  ) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    (policy.resolve ?? systemResolver)(hostname).then(
      (addresses) => {
        if (!sandboxNames.has(hostname.toLowerCase())) {
          for (const { address } of addresses) {
            const reason = forbiddenAddressReason(address);
            if (reason) return callback(new ForbiddenAddressError(`${hostname} resolved to ${reason}`), '');
          }
        }
        const wanted = family ? addresses.filter((a) => a.family === family) : addresses;
        if (!wanted.length) {
          return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        }
        if (options.all) return callback(null, wanted);
        callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
