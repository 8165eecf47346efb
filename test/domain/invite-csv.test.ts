import { describe, expect, it } from 'vitest';
import { CSV_LIMITS, CsvFileError, parseCsvRecords, parseInviteCsv } from '../../domain/invites/csv.js';

const header = 'email,first_name,last_name,job_id,test_id';

describe('bulk invite CSV', () => {
  it('reads RFC 4180: quotes, escaped quotes, commas and line breaks in quotes, CRLF, BOM', () => {
    const text = `\uFEFF${header}\r\n"a@x.com","Ann ""Nan""","Lee, Jr.",12,\r\nb@x.com,"Bo\nB",Ray,13,js-basics\r\n`;
    const report = parseInviteCsv(text);
    expect(report.errors).toEqual([]);
    expect(report.totalRows).toBe(2);
    expect(report.rows).toEqual([
      { row: 2, email: 'a@x.com', firstName: 'Ann "Nan"', lastName: 'Lee, Jr.', jobId: '12' },
      { row: 3, email: 'b@x.com', firstName: 'Bo\nB', lastName: 'Ray', jobId: '13', testId: 'js-basics' },
    ]);
    expect(parseCsvRecords('a,"b\nc"\nd,e').map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b\nc']],
      [3, ['d', 'e']],
    ]);
    // Mixed line breaks, a CRLF inside quotes: each record still starts on its own line of the file.
    expect(parseCsvRecords('a,"b\r\nc"\r\nd\re\n\nf').map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b\r\nc']],
      [3, ['d']],
      [4, ['e']],
      [5, ['']],
      [6, ['f']],
    ]);
  });

  it('takes headers in any order and case, test_id optional; blank lines are not rows', () => {
    const report = parseInviteCsv('Job_ID, EMAIL ,Last_Name,first_name\n\n7,c@x.com,Cy,Cal\n,,,\n');
    expect(report).toEqual({
      totalRows: 1,
      errors: [],
      rows: [{ row: 3, email: 'c@x.com', firstName: 'Cal', lastName: 'Cy', jobId: '7' }],
    });
  });

  it('reports each bad row by its line and column, and keeps the good ones', () => {
    const text = [
      header,
      'ok1@x.com,A,B,1,',
      'not-an-email,A,B,1,', // 3 email
      'ok2@x.com,,B,1,', // 4 first_name
      'ok3@x.com,A,   ,1,', // 5 last_name
      'ok4@x.com,A,B,abc,', // 6 job_id
      'ok5@x.com,A,B,1,' + 'x'.repeat(101), // 7 test_id
      'ok6@x.com,A,B,1,,extra', // 8 too many values
      'OK1@X.COM,A2,B2,1,', // 9 duplicate of row 2
      'ok1@x.com,A,B,1,other-test', // 10 not a duplicate: another test
      'ok7@x.com,"A"B,C,1,', // 11 text after a closing quote
    ].join('\n');
    const report = parseInviteCsv(text);
    expect(report.totalRows).toBe(10);
    expect(report.errors.map((e) => [e.row, e.field])).toEqual([
      [3, 'email'],
      [4, 'first_name'],
      [5, 'last_name'],
      [6, 'job_id'],
      [7, 'test_id'],
      [8, 'row'],
      [9, 'email'],
      [11, 'row'],
    ]);
    expect(report.errors.find((e) => e.row === 9)!.message).toMatch(/duplicate of row 2/);
    expect(report.errors.find((e) => e.row === 4)!.message).toBe('is empty');
    expect(report.rows.map((r) => r.row)).toEqual([2, 10]);
  });

  it('refuses files it cannot read at all', () => {
    const fileError = (text: string) => {
      try {
        parseInviteCsv(text);
      } catch (err) {
        expect(err).toBeInstanceOf(CsvFileError);
        return (err as CsvFileError).message;
      }
      throw new Error('no error');
    };
    expect(fileError('')).toMatch(/empty/);
    expect(fileError('\n\n')).toMatch(/empty/);
    expect(fileError('email,first_name,last_name')).toMatch(/lacks job_id/);
    expect(fileError(`${header},phone\n`)).toMatch(/unknown column "phone"/);
    expect(fileError('email,email,first_name,last_name,job_id')).toMatch(/twice/);
    expect(fileError(`${header}\n"a@x.com,A,B,1,\n`)).toMatch(/line 2: a quoted field is never closed/);
  });

  it('limits rows and size', () => {
    const row = (k: number) => `p${k}@x.com,A,B,1,`;
    const max = [header, ...Array.from({ length: CSV_LIMITS.maxRows }, (_, k) => row(k))].join('\n');
    expect(parseInviteCsv(max).rows).toHaveLength(CSV_LIMITS.maxRows);
    expect(() => parseInviteCsv(`${max}\n${row(-1)}`)).toThrow(/at most 10000/);
    const big = `${header}\n${'a'.repeat(CSV_LIMITS.maxBytes)}`;
    expect(() => parseInviteCsv(big)).toThrow(expect.objectContaining({ kind: 'too_large' }));
  });
});
