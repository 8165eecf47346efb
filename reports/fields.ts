import { z } from 'zod';

// Shared field schemas for report inputs. Kept local (not imported from mail/) so the two
// building blocks can evolve independently.

export const HexColor = z
  .string()
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour like #1A73E8');

export const ReportBranding = z.object({
  companyName: z.string().trim().min(1, 'must not be empty').max(120),
  primaryColor: HexColor,
  accentColor: HexColor.optional(),
});
export type ReportBranding = z.infer<typeof ReportBranding>;

/** Single-line label (names, titles). Any script: the report fonts show it as written (pdf/fonts.ts). */
export const Label = z.string().trim().min(1, 'must not be empty').max(300);
/** Multi-line free text (answers, comments). Bounded so one field cannot produce thousands of pages. */
export const LongText = z.string().max(20_000);
export const IsoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });
export const NonNegative = z.number().finite().nonnegative();

export const RenderOptions = z.object({
  /** Deflate content streams (default true). Tests turn it off to search the text. */
  compress: z.boolean().default(true),
});
export type RenderOptions = z.input<typeof RenderOptions>;
