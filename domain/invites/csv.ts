import { InviteBody } from './invite-body.js';

/**
 * Bulk invites from CSV (RFC 4180): a header row naming the columns (any order, any case), then one
 * candidate per row. Every row is validated with the single invite's rules; the report names each
 * refused row by its line in the file (the header is line 1) and the column at fault.
 */

export const CSV_LIMITS = { maxRows: 10_000, maxBytes: 5 * 1024 * 1024 } as const;

export const CSV_COLUMNS = ['email', 'first_name', 'last_name', 'job_id', 'test_id'] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
const REQUIRED: readonly CsvColumn[] = ['email', 'first_name', 'last_name', 'job_id'];
const FIELD_OF: Record<keyof InviteBody, CsvColumn> = {
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  jobId: 'job_id',
  testId: 'test_id',
};

export interface ValidRow extends InviteBody {
  /** The line of the file the row starts on (header = 1). */
  row: number;
}

export interface RowError {
  row: number;
  /** A CSV column name, or `row` when the row as a whole is wrong (columns, quotes, duplicate). */
  field: string;
  message: string;
}

export interface CsvReport {
  /** Data rows in the file (blank lines are not rows). */
  totalRows: number;
  rows: ValidRow[];
  errors: RowError[];
}

/** The file as a whole cannot be read (no header, unknown columns, too big): nothing is invited. */
export class CsvFileError extends Error {
  override name = 'CsvFileError';
  constructor(
    message: string,
    readonly kind: 'invalid' | 'too_large' = 'invalid',
  ) {
    super(message);
  }
}

interface CsvRecord {
  line: number;
  fields: string[];
  /** A quoting problem in this record (the record is refused, the rest of the file still counts). */
  problem?: string;
}

/** Splits CSV text into records: quoted fields, `""` escapes, CRLF or LF, a leading BOM. */
export function parseCsvRecords(input: string): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const record: CsvRecord = { line, fields: [] };
    // One record: fields until an unquoted line break or the end of the text.
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        const openedOn = line;
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        if (!closed) throw new CsvFileError(`line ${openedOn}: a quoted field is never closed`);
        // After the closing quote only a comma or the end of the record may follow.
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          record.problem ??= 'text after a closing quote (write a quote inside a quoted field as "")';
          while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') value += text[i++];
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') value += text[i++];
      }
      record.fields.push(value);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // The record's line break: CRLF, LF (or a lone CR).
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    records.push(record);
  }
  return records;
}

const isBlank = (record: CsvRecord) => !record.problem && record.fields.every((f) => f.trim() === '');

/** Parses and validates a bulk-invite CSV. Throws CsvFileError when the file cannot be used at all. */
export function parseInviteCsv(text: string): CsvReport {
  if (new TextEncoder().encode(text).length > CSV_LIMITS.maxBytes) {
    throw new CsvFileError(`the file is larger than ${CSV_LIMITS.maxBytes / 1024 / 1024} MB`, 'too_large');
  }
  const records = parseCsvRecords(text).filter((r) => !isBlank(r));
  const header = records.shift();
  if (!header) throw new CsvFileError('the file is empty: it needs a header row (email, first_name, …)');
  if (header.problem) throw new CsvFileError(`the header row: ${header.problem}`);
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const unknown = columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (unknown.length) {
    throw new CsvFileError(
      `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')} in the header (allowed: ${CSV_COLUMNS.join(', ')})`,
    );
  }
  const repeated = columns.filter((c, k) => columns.indexOf(c) !== k);
  if (repeated.length) throw new CsvFileError(`column "${repeated[0]}" appears twice in the header`);
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length) throw new CsvFileError(`the header lacks ${missing.join(', ')}`);
  if (records.length > CSV_LIMITS.maxRows) {
    throw new CsvFileError(
      `the file has ${records.length} rows; at most ${CSV_LIMITS.maxRows} per upload`,
      'too_large',
    );
  }

  const rows: ValidRow[] = [];
  const errors: RowError[] = [];
  const firstSeen = new Map<string, number>();
  for (const record of records) {
    const row = record.line;
    if (record.problem) {
      errors.push({ row, field: 'row', message: record.problem });
      continue;
    }
    if (record.fields.length > columns.length) {
      errors.push({
        row,
        field: 'row',
        message: `${record.fields.length} values, but the header names ${columns.length} columns`,
      });
      continue;
    }
    const cell = (c: CsvColumn) => {
      const k = columns.indexOf(c);
      return k < 0 ? undefined : (record.fields[k] ?? '').trim();
    };
    const testId = cell('test_id');
    const parsed = InviteBody.safeParse({
      email: cell('email'),
      firstName: cell('first_name'),
      lastName: cell('last_name'),
      jobId: cell('job_id'),
      ...(testId ? { testId } : {}),
    });
    if (!parsed.success) {
      const seen = new Set<string>();
      for (const issue of parsed.error.issues) {
        const key = issue.path[0];
        const field = typeof key === 'string' && key in FIELD_OF ? FIELD_OF[key as keyof InviteBody] : 'row';
        if (seen.has(field)) continue; // one message per column is enough
        seen.add(field);
        const value = typeof key === 'string' ? cell(FIELD_OF[key as keyof InviteBody]) : undefined;
        errors.push({ row, field, message: value === '' ? 'is empty' : issue.message });
      }
      continue;
    }
    const valid = parsed.data;
    const key = `${valid.email.toLowerCase()}\u0000${valid.jobId}\u0000${valid.testId ?? ''}`;
    const earlier = firstSeen.get(key);
    if (earlier !== undefined) {
      errors.push({
        row,
        field: 'email',
        message: `duplicate of row ${earlier} (same e-mail, job and test)`,
      });
      continue;
    }
    firstSeen.set(key, row);
    rows.push({ row, ...valid });
  }
  return { totalRows: records.length, rows, errors };
}
