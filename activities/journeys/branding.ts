import { TenantBranding } from '../../mail/index.js';

/** The tenant's mail branding, or defaults built from its name and the deployment's sender. */
export function brandingOf(
  tenant: { name: string; branding: unknown },
  defaultFromAddress: string,
): TenantBranding {
  const parsed = TenantBranding.safeParse(tenant.branding);
  return parsed.success
    ? parsed.data
    : {
        companyName: tenant.name,
        fromName: tenant.name,
        fromAddress: defaultFromAddress,
        primaryColor: '#1a5fb4',
      };
}
