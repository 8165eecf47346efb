import { z } from 'zod';

export { HttpUrl } from '../branding.js';

/** A short single-line human string (names, test titles): no control characters, so no header injection. */
export const Line = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must be a single line without control characters');

/** ISO 8601 instant with an explicit offset, e.g. 2025-12-05T17:00:00Z. */
export const IsoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

export const PositiveMinutes = z
  .number()
  .int()
  .positive()
  .max(7 * 24 * 60);
