import { ASSUMPTIONS } from './assumptions.js';
import type { CustomField, StoredValue } from './model.js';
import type { Org } from './store.js';

export interface FieldError {
  message: string;
  field: string;
}

export interface CustomFieldWrite {
  id?: unknown;
  name_key?: unknown;
  value?: unknown;
  delete_value?: unknown;
}

export type ResolvedWrite =
  { field: CustomField; op: 'set'; value: StoredValue } | { field: CustomField; op: 'delete' };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Validate a `custom_fields: [{ id | name_key, value | delete_value }]` array against the definitions
 * of one field type, with Greenhouse's value rules per value type. All-or-nothing: any error → no write.
 */
export function resolveCustomFieldWrites(
  org: Org,
  fieldType: 'candidate' | 'application',
  input: unknown,
  available: (f: CustomField) => boolean = () => true,
  /** `name_key`: the v3 reading that addresses fields by name_key only and clears with value null */
  keying: 'id_or_name_key' | 'name_key' = 'id_or_name_key',
): { writes: ResolvedWrite[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const writes: ResolvedWrite[] = [];
  if (!Array.isArray(input))
    return { writes, errors: [{ message: 'custom_fields must be an array', field: 'custom_fields' }] };
  input.forEach((raw: unknown, i) => {
    const at = `custom_fields[${i}]`;
    if (typeof raw !== 'object' || raw === null) {
      errors.push({ message: 'Each custom field must be an object', field: at });
      return;
    }
    const w = raw as CustomFieldWrite;
    if (keying === 'name_key') {
      if (typeof w.name_key !== 'string') {
        errors.push({ message: 'Custom fields are addressed by name_key', field: `${at}.name_key` });
        return;
      }
      if (w.delete_value !== undefined) {
        errors.push({ message: 'To clear a value send value: null', field: `${at}.delete_value` });
        return;
      }
    }
    const field = org.customFields
      .all()
      .find(
        (f) =>
          f.fieldType === fieldType &&
          f.active &&
          available(f) &&
          (keying === 'name_key' || !isInt(w.id) ? f.nameKey === w.name_key : f.id === w.id),
      );
    if (w.id === undefined && w.name_key === undefined) {
      errors.push({ message: 'Custom field id or name_key is required', field: `${at}.id` });
      return;
    }
    if (!field) {
      errors.push({ message: `Custom field not found: ${String(w.id ?? w.name_key)}`, field: `${at}.id` });
      return;
    }
    if (w.delete_value !== undefined) {
      if (w.delete_value === 'true' || w.delete_value === true) writes.push({ field, op: 'delete' });
      else errors.push({ message: 'delete_value must be "true"', field: `${at}.delete_value` });
      return;
    }
    if (keying === 'name_key' && w.value === null) {
      writes.push({ field, op: 'delete' });
      return;
    }
    const r = coerce(org, field, w.value);
    if (typeof r === 'string') errors.push({ message: r, field: `${at}.value` });
    else writes.push({ field, op: 'set', value: r.value });
  });
  return { writes, errors };
}

function optionOf(field: CustomField, v: unknown): number | undefined {
  if (isInt(v)) return field.options.find((o) => o.id === v)?.id;
  if (typeof v === 'string') return field.options.find((o) => o.name === v)?.id;
  return undefined;
}

/** Returns the canonical stored value, or an error message. */
function coerce(org: Org, field: CustomField, v: unknown): { value: StoredValue } | string {
  if (v === null || v === undefined) return 'Value is required; to clear a value send delete_value: "true"';
  switch (field.valueType) {
    case 'short_text':
      if (typeof v !== 'string') return 'Must be a string';
      return v.length > 255 ? 'Must be at most 255 characters' : { value: v };
    case 'long_text':
      return typeof v === 'string' ? { value: v } : 'Must be a string';
    case 'yes_no':
      return typeof v === 'boolean' ? { value: v } : 'Must be true or false';
    case 'number': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      return isNum(n) ? { value: n } : 'Must be a number';
    }
    case 'date': {
      if (typeof v !== 'string' || !DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
        return 'Must be a date (YYYY-MM-DD)';
      return new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v
        ? { value: v }
        : 'Must be a date (YYYY-MM-DD)';
    }
    case 'url': {
      if (typeof v !== 'string') return 'Must be a URL';
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:' ? { value: v } : 'Must be an http(s) URL';
      } catch {
        return 'Must be a URL';
      }
    }
    case 'single_select': {
      const id = optionOf(field, v);
      return id !== undefined
        ? { value: id }
        : `Must be the id or exact name of an option of ${field.nameKey}`;
    }
    case 'multi_select': {
      if (!Array.isArray(v)) return 'Must be an array of option ids or names';
      const ids = v.map((x) => optionOf(field, x));
      return ids.every((x) => x !== undefined)
        ? { value: [...new Set(ids as number[])] }
        : 'Every element must be the id or exact name of an option';
    }
    case 'currency': {
      const o = v as { unit?: unknown; amount?: unknown };
      return typeof v === 'object' &&
        typeof o.unit === 'string' &&
        /^[A-Z]{3}$/.test(o.unit) &&
        isNum(o.amount)
        ? { value: { unit: o.unit, amount: o.amount } }
        : 'Must be { unit: "USD", amount: number }';
    }
    case 'number_range':
    case 'currency_range': {
      const o = v as { min_value?: unknown; max_value?: unknown; unit?: unknown };
      if (typeof v !== 'object' || !isNum(o.min_value) || !isNum(o.max_value) || o.min_value > o.max_value)
        return 'Must be { min_value, max_value } with min_value <= max_value';
      if (field.valueType === 'currency_range') {
        if (typeof o.unit !== 'string' || !/^[A-Z]{3}$/.test(o.unit)) return 'Must include a currency unit';
        return { value: { min_value: o.min_value, max_value: o.max_value, unit: o.unit } };
      }
      return { value: { min_value: o.min_value, max_value: o.max_value } };
    }
    case 'user': {
      const u = isInt(v)
        ? org.users.get(v)
        : typeof v === 'string'
          ? org.users.all().find((x) => x.emails.some((e) => e.toLowerCase() === v.toLowerCase()))
          : undefined;
      return u ? { value: u.id } : 'Must be the id or e-mail of a user';
    }
  }
}

export function applyWrites(target: Map<number, StoredValue>, writes: ResolvedWrite[]): void {
  for (const w of writes) {
    if (w.op === 'delete') target.delete(w.field.id);
    else target.set(w.field.id, w.value);
  }
}

/** The read-back value as Greenhouse renders it (option names, user objects). */
export function renderValue(org: Org, field: CustomField, v: StoredValue | undefined): unknown {
  if (v === undefined) return null;
  switch (field.valueType) {
    case 'single_select':
      return field.options.find((o) => o.id === v)?.name ?? null;
    case 'multi_select':
      return (v as number[])
        .map((id) => field.options.find((o) => o.id === id)?.name)
        .filter((x) => x !== undefined);
    case 'user': {
      if (ASSUMPTIONS.userFieldValueShape === 'user_id') return v;
      const u = org.users.get(v as number);
      return u ? { name: `${u.firstName} ${u.lastName}`, email: u.emails[0] ?? null, user_id: u.id } : null;
    }
    default:
      return v;
  }
}

/** Keyed type names as the read API shows them (yes_no reads back as "boolean" in Greenhouse's examples). */
export const keyedType = (f: CustomField): string => (f.valueType === 'yes_no' ? 'boolean' : f.valueType);
