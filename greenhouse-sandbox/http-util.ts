import type { Response } from 'express';
import type { FieldError } from './custom-field-values.js';

/** Error bodies as Greenhouse answers them (recorded fixtures): `{ message }` and `{ message?, errors }`. */

export const notFound = (res: Response): void => {
  res.status(404).json({ message: 'Resource not found' });
};

export const validationError = (
  res: Response,
  errors: FieldError[],
  message: string | null = 'Validation error',
): void => {
  res.status(422).json(message === null ? { errors } : { message, errors });
};

export const missingField = (res: Response, field: string): void => {
  // Same body as create_candidate_note_invalid_missing_field.json (no top-level message).
  validationError(res, [{ message: `Missing required field: ${field}`, field }], null);
};

export const intParam = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) return undefined;
  return Number(v);
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The query as plain strings (first value wins), which is all Harvest takes. */
export function queryStrings(q: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (q && typeof q === 'object') {
    for (const [k, v] of Object.entries(q as Record<string, unknown>)) {
      const s = Array.isArray(v) ? v[0] : v;
      if (typeof s === 'string') out[k] = s;
    }
  }
  return out;
}
