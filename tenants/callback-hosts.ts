import { DEFAULT_GREENHOUSE_CALLBACK_HOSTS } from '../greenhouse/callback/url-policy.js';

/** The tenant's Greenhouse hosts for the completion callback: its own list, or Greenhouse's app hosts. */
export function tenantCallbackHosts(tenant: { callbackHosts: string[] | null }): readonly string[] {
  return tenant.callbackHosts?.length ? tenant.callbackHosts : DEFAULT_GREENHOUSE_CALLBACK_HOSTS;
}
