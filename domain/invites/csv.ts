import { CsvError, parse } from 'csv-parse/sync';
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

/** A field as RFC 4180 writes it: quoted (`""` inside), or unquoted and not starting with a quote. */
const WELL_QUOTED_RECORD = /^(?:"(?:[^"]|"")*"|(?!")[^,]*)(?:,(?:"(?:[^"]|"")*"|(?!")[^,]*))*$/;

/**
 * Splits CSV text into records with csv-parse: quoted fields, `""` escapes, CRLF, LF or CR, a leading
 * BOM. Quotes are relaxed so that one badly quoted record is refused on its own (its raw text is
 * checked here) instead of the whole file; a quote never closed still refuses the file.
 */
export function parseCsvRecords(input: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  // csv-parse's own line counts are off for CRLF inside quotes: a record starts after the line
  // breaks of those before it (each record's own break, and the LFs inside its quoted fields).
  let line = 1;
  try {
    parse(input, {
      bom: true,
      raw: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
      // With `raw`, each record arrives as { record, raw } (csv-parse's typings say string[]).
      on_record: (output) => {
        const { record, raw } = output as unknown as { record: string[]; raw: string };
        const wellQuoted = WELL_QUOTED_RECORD.test(raw.replace(/[\r\n]+$/, ''));
        records.push({
          line,
          fields: record,
          ...(wellQuoted
            ? {}
            : { problem: 'text after a closing quote (write a quote inside a quoted field as "")' }),
        });
        line += 1 + record.reduce((n, field) => n + field.split('\n').length - 1, 0);
        return null;
      },
    });
  } catch (err) {
    if (err instanceof CsvError && err.code === 'CSV_QUOTE_NOT_CLOSED')
      throw new CsvFileError(`line ${line}: a quoted field is never closed`);
    throw err;
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
