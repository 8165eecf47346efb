import { z } from 'zod';
import {
  relationshipLabel,
  relationships,
  type ReferenceCheckTemplate,
  type Relationship,
} from './template.js';
import { replaceableStatuses, type RefereeStatus } from './types.js';

/**
 * The candidate names their referees on the nomination page. Pure: imported by workflow code.
 *
 * `validateNominations` checks one submission of the form against the pinned template and the
 * referees already named (a candidate comes back to replace a referee who declined, bounced or let
 * their request expire). Rows come from an HTML form: every value is a string and an empty string
 * means "not given". A row whose fields are all blank is skipped (the form shows `referees.max`
 * rows and the candidate fills some). Every problem is reported, not only the first, each in words
 * the candidate understands and naming the row (`index`) and the field; problems with the form as a
 * whole (how many referees, which relationships) have `index: null`.
 */

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
/** Digits, spaces and + ( ) - . only, with at least one digit. */
const PHONE = /^[0-9 +().-]+$/;

const TEXT = 'Enter this as text';
const optionalText = (max: number, label: string) =>
  z
    .string({ error: TEXT })
    .trim()
    // Never reached from the form (blank values are left out first); keeps stored nominations tidy.
    .min(1, `${label} must not be blank`)
    .max(max, `${label} must be at most ${max} characters`)
    .optional();
const month = (label: string) =>
  z
    .string({ error: TEXT })
    .trim()
    .regex(MONTH, `Enter the ${label} month as year and month, e.g. 2024-03`)
    .optional();

/** One referee as the candidate named them, trimmed; optional fields left blank are absent. */
export const Nomination = z.strictObject({
  name: z
    .string({ error: "Enter the referee's name" })
    .trim()
    .min(1, "Enter the referee's name")
    .max(200, 'The name must be at most 200 characters'),
  /** As typed (trimmed); compare with `normalizeEmail`. */
  email: z
    .string({ error: "Enter the referee's e-mail address" })
    .trim()
    .min(1, "Enter the referee's e-mail address")
    .max(254, 'The e-mail address must be at most 254 characters')
    .pipe(z.email({ error: 'Enter a valid e-mail address' })),
  phone: z
    .string({ error: TEXT })
    .trim()
    .max(40, 'The phone number must be at most 40 characters')
    .regex(PHONE, 'Enter a phone number using only digits, spaces and + ( ) - .')
    .regex(/\d/, 'Enter a phone number using only digits, spaces and + ( ) - .')
    .optional(),
  company: optionalText(200, 'The company'),
  title: optionalText(200, 'The job title'),
  relationship: z.enum(relationships, { error: 'Choose how you know this referee' }),
  /** First month worked together, `YYYY-MM`. */
  workedFrom: month('first'),
  /** Last month worked together, `YYYY-MM`. */
  workedTo: month('last'),
});
export type Nomination = z.infer<typeof Nomination>;

/** The fields of one referee row (the nomination form names them `r<i>.<field>`). */
export const nominationFields = [
  'name',
  'email',
  'phone',
  'company',
  'title',
  'relationship',
  'workedFrom',
  'workedTo',
] as const;
type Field = (typeof nominationFields)[number];
const fields = nominationFields;

/** One problem of the form: `index` is the row in `rows`, null for the form as a whole. */
export interface NominationIssue {
  index: number | null;
  field: string;
  message: string;
}

/** A referee named before (by this candidate, for this check). */
export interface ExistingReferee {
  email: string;
  relationship: Relationship;
  status: RefereeStatus;
}

/** How e-mail addresses are compared: trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Referees who count towards the template's numbers: everyone not declined, bounced or expired. */
export function activeReferees<T extends { status: RefereeStatus }>(existing: readonly T[]): T[] {
  return existing.filter((r) => !replaceableStatuses.has(r.status));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "manager", "direct report", "other referee": a relationship inside a sentence. */
function relationshipNoun(relationship: Relationship): string {
  return relationship === 'other' ? 'other referee' : relationshipLabel[relationship].toLowerCase();
}

/** A form value as text: strings trimmed, blank / null / undefined → undefined, anything else kept. */
function formValue(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  return value;
}

/** The known fields of a row, blank ones left out; null when the row is not an object. */
function rowFields(row: unknown): Partial<Record<Field, unknown>> | null {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return null;
  const out: Partial<Record<Field, unknown>> = {};
  for (const field of fields) {
    // Own properties only: a form row never inherits a field.
    const value = Object.hasOwn(row, field) ? formValue((row as Record<string, unknown>)[field]) : undefined;
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/**
 * Checks the candidate's nominations (rules above and in the brief of each message). `now` is an
 * ISO time: months worked together may not be after its month (UTC). Returns the non-blank rows,
 * in order, parsed into nominations; or every issue, row issues in row and field order first, then
 * the issues of the form as a whole.
 */
export function validateNominations(input: {
  template: ReferenceCheckTemplate;
  candidateEmail: string;
  existing: ExistingReferee[];
  rows: unknown[];
  now: string;
}): { ok: true; nominations: Nomination[] } | { ok: false; issues: NominationIssue[] } {
  const { template, existing, rows } = input;
  // Throws RangeError for a time that is not one: a programming error, not the candidate's.
  const thisMonth = new Date(input.now).toISOString().slice(0, 7);
  const candidateEmail = normalizeEmail(input.candidateEmail);
  const existingEmails = new Set(existing.map((r) => normalizeEmail(r.email)));
  const newEmails = new Set<string>();

  const rowIssues: NominationIssue[] = [];
  const nominations: Nomination[] = [];
  const newRelationships: Relationship[] = [];
  let named = 0;

  rows.forEach((row, index) => {
    const values = rowFields(row);
    if (values === null) {
      rowIssues.push({ index, field: 'row', message: 'This row could not be read: please fill it in again' });
      named++;
      return;
    }
    if (Object.keys(values).length === 0) return; // a blank row
    named++;

    const issues = new Map<Field, string>(); // first problem of each field
    const add = (field: Field, message: string) => {
      if (!issues.has(field)) issues.set(field, message);
    };
    const parsed = Nomination.safeParse(values);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? 'row');
        if ((fields as readonly string[]).includes(field)) add(field as Field, issue.message);
      }
    }

    // Checks across fields and rows, on the values that passed their own field's rules.
    const data: Partial<Nomination> = parsed.success
      ? parsed.data
      : Object.fromEntries(
          fields.flatMap((field) => {
            if (issues.has(field)) return [];
            const value = values[field];
            return typeof value === 'string' ? [[field, value.trim()]] : [];
          }),
        );
    if (data.email !== undefined) {
      const email = normalizeEmail(data.email);
      if (email === candidateEmail) {
        add('email', "A referee cannot be yourself: enter someone else's e-mail address");
      } else if (existingEmails.has(email)) {
        add('email', 'You have already named a referee with this e-mail address');
      } else if (newEmails.has(email)) {
        add('email', 'You entered this e-mail address for another referee too: each referee needs their own');
      }
      newEmails.add(email);
    }
    if (data.workedFrom !== undefined && data.workedFrom > thisMonth) {
      add('workedFrom', 'The first month cannot be in the future');
    }
    if (data.workedTo !== undefined && data.workedTo > thisMonth) {
      add('workedTo', 'The last month cannot be in the future');
    }
    if (
      data.workedFrom !== undefined &&
      data.workedTo !== undefined &&
      data.workedFrom > data.workedTo &&
      !issues.has('workedFrom') &&
      !issues.has('workedTo')
    ) {
      add('workedTo', 'The last month cannot be before the first month');
    }
    if (data.relationship !== undefined) newRelationships.push(data.relationship);

    if (issues.size === 0 && parsed.success) nominations.push(parsed.data);
    for (const field of fields) {
      const message = issues.get(field);
      if (message !== undefined) rowIssues.push({ index, field, message });
    }
  });

  const formIssues: NominationIssue[] = [];
  const formIssue = (field: string, message: string) => formIssues.push({ index: null, field, message });
  const active = activeReferees(existing);
  const { min, max } = template.referees;
  if (named === 0) {
    formIssue(
      'referees',
      existing.length > 0 ? 'Name at least one referee' : `Name at least ${plural(min, 'referee')}`,
    );
  } else {
    const total = active.length + named;
    const already = `${active.length} ${active.length === 1 ? 'is' : 'are'} already named`;
    if (total < min) {
      formIssue(
        'referees',
        active.length === 0
          ? `Name at least ${plural(min, 'referee')} (you named ${named})`
          : `Name at least ${plural(min, 'referee')} in total (you named ${named}; ${already})`,
      );
    }
    if (total > max) {
      formIssue(
        'referees',
        active.length === 0
          ? `You can name at most ${plural(max, 'referee')} (you named ${named})`
          : `You can name at most ${plural(max, 'referee')} in total; ${already}`,
      );
    }
    for (const requirement of template.requiredRelationships) {
      const have = [...active.map((r) => r.relationship), ...newRelationships].filter(
        (r) => r === requirement.relationship,
      ).length;
      if (have < requirement.count) {
        formIssue(
          'relationship',
          `Name at least ${plural(requirement.count, relationshipNoun(requirement.relationship))} (you named ${have})`,
        );
      }
    }
  }

  const issues = [...rowIssues, ...formIssues];
  return issues.length === 0 ? { ok: true, nominations } : { ok: false, issues };
}
