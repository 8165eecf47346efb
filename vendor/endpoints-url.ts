import ipaddr from 'ipaddr.js';
import { ServiceError } from '../domain/errors.js';
import {
  forbiddenAddressReason,
  isSandboxHost,
  systemResolver,
  type Resolver,
} from '../greenhouse/callback/url-policy.js';

/** Where vendor events may go: the callback URL's address rules (url-policy.ts), any host name. */
export interface EndpointUrlPolicy {
  /** VENDOR_ENDPOINT_ALLOW_HOSTS: `host` or `host:port` reachable over http and on private addresses. */
  allowHosts: readonly string[];
  resolve?: Resolver;
}

const refuse = (message: string) => new ServiceError('invalid', message, 'url');

/**
 * Checks an endpoint URL when it is registered: https, no credentials, a host name that resolves only
 * to public addresses (the allowed hosts excepted). Delivery checks the address connected to again
 * (guardedFetch), against DNS rebinding. Throws ServiceError `invalid` naming the field `url`.
 */
export async function checkEndpointUrl(raw: string, policy: EndpointUrlPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('url: is not a URL');
  }
  if (url.username || url.password) throw refuse('url: must not carry credentials');
  if (url.hash) throw refuse('url: must not have a fragment');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('url: must be https');
  if (isSandboxHost(url, policy.allowHosts)) return url;
  if (url.protocol !== 'https:') throw refuse('url: must be https');
  const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (ipaddr.isValid(hostname)) {
    const reason = forbiddenAddressReason(hostname);
    if (reason) throw refuse(`url: ${reason}`);
    return url;
  }
  let addresses: { address: string }[];
  try {
    addresses = await (policy.resolve ?? systemResolver)(hostname);
  } catch {
    throw refuse(`url: the host ${hostname} does not resolve`);
  }
  if (!addresses.length) throw refuse(`url: the host ${hostname} does not resolve`);
  for (const { address } of addresses) {
    const reason = forbiddenAddressReason(address);
    if (reason) throw refuse(`url: the host ${hostname} resolves to ${reason}`);
  }
  return url;
}
