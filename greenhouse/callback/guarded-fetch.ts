import { Agent, fetch as undiciFetch } from 'undici';
import { guardedLookup, type CallbackUrlPolicy } from './url-policy.js';

/**
 * fetch through an undici Agent whose DNS lookup refuses loopback, private, link-local and other
 * non-public addresses (guardedLookup): the address checked is the address connected to. One per
 * process is enough; it keeps its connections alive between PATCHes.
 */
export function guardedFetch(policy: Pick<CallbackUrlPolicy, 'sandboxHosts' | 'resolve'>): typeof fetch {
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy) } });
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    })) as unknown as typeof fetch;
}
