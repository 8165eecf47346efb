import { z } from 'zod';

/** `#RGB` or `#RRGGBB`: the only forms every mail client renders identically in inline styles. */
export const HexColor = z
  .string()
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour like #1A73E8');

/** Only http(s) links may reach an href or src attribute (no `javascript:` or `data:`). */
export const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** Per-tenant look and sender identity for outbound mail. */
export const TenantBranding = z.object({
  companyName: z.string().trim().min(1, 'must not be empty').max(120),
  fromName: z.string().trim().min(1, 'must not be empty').max(120),
  fromAddress: z.email({ error: 'must be an e-mail address' }),
  primaryColor: HexColor,
  accentColor: HexColor.optional(),
  logoUrl: HttpUrl.optional(),
});
export type TenantBranding = z.infer<typeof TenantBranding>;

/** Parses branding, throwing a ZodError whose issue paths name the offending field. */
export function parseBranding(input: unknown): TenantBranding {
  return TenantBranding.parse(input);
}
