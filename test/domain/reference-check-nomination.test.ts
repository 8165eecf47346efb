import { describe, expect, it } from 'vitest';
import {
  activeReferees,
  Nomination,
  normalizeEmail,
  validateNominations,
  type ExistingReferee,
  type NominationIssue,
} from '../../domain/reference-checks/nomination.js';
import {
  ReferenceCheckTemplate,
  type ReferenceCheckTemplateInput,
} from '../../domain/reference-checks/template.js';

const templateInput: ReferenceCheckTemplateInput = {
  kind: 'reference_check',
  testId: 'refs',
  name: 'References',
  questions: [{ id: 'overall', kind: 'rating', prompt: 'Overall?' }],
  referees: { min: 2, max: 4 },
  nominationDeadlineDays: 5,
  refereeDeadlineDays: 7,
  deadlineDays: 14,
};
const template = ReferenceCheckTemplate.parse(templateInput);
const withManager = ReferenceCheckTemplate.parse({
  ...templateInput,
  requiredRelationships: [
    { relationship: 'manager', count: 1 },
    { relationship: 'direct_report', count: 2 },
  ],
});

const now = '2026-11-23T10:00:00.000Z';
const candidateEmail = 'Cand@Example.com';

/** A complete row as the form posts it (every field a string, blanks as ""). */
const row = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'Ada Lovelace',
  email: 'ada@engines.example',
  phone: '',
  company: '',
  title: '',
  relationship: 'manager',
  workedFrom: '',
  workedTo: '',
  ...overrides,
});
const blankRow = () => row({ name: '', email: '', relationship: '' });
const ada = row();
const bob = row({ name: 'Bob', email: 'bob@corp.example', relationship: 'peer' });
const cy = row({ name: 'Cy', email: 'cy@corp.example', relationship: 'direct_report' });

const validate = (
  rows: unknown[],
  options: { existing?: ExistingReferee[]; template?: ReferenceCheckTemplate; now?: string } = {},
) =>
  validateNominations({
    template: options.template ?? template,
    candidateEmail,
    existing: options.existing ?? [],
    rows,
    now: options.now ?? now,
  });

const issuesOf = (result: ReturnType<typeof validate>): NominationIssue[] => (result.ok ? [] : result.issues);
/** The issues of one row of a form whose other rows are valid. */
const rowIssues = (overrides: Record<string, unknown>) =>
  issuesOf(validate([bob, row(overrides)])).filter((i) => i.index === 1);

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ada@Engines.EXAMPLE ')).toBe('ada@engines.example');
  });
});

describe('activeReferees', () => {
  it('leaves out declined, bounced and expired referees only', () => {
    const existing: ExistingReferee[] = [
      'nominated',
      'requested',
      'opened',
      'answered',
      'declined',
      'bounced',
      'expired',
      'cancelled',
    ].map((status, i) => ({ email: `r${i}@x.example`, relationship: 'peer', status }) as ExistingReferee);
    expect(activeReferees(existing).map((r) => r.status)).toEqual([
      'nominated',
      'requested',
      'opened',
      'answered',
      'cancelled',
    ]);
  });
});

describe('validateNominations', () => {
  it('accepts valid rows, skips blank ones and returns trimmed nominations without blank fields', () => {
    const result = validate([
      row({ name: '  Ada Lovelace ', email: ' Ada@Engines.example ', phone: ' +44 (20) 7946-0018. ' }),
      blankRow(),
      {},
      row({
        name: 'Bob',
        email: 'bob@corp.example',
        relationship: 'peer',
        company: 'Corp',
        title: 'CTO',
        workedFrom: '2020-01',
        workedTo: '2026-11',
      }),
      { name: '   ', email: '', unknownField: 'ignored' },
    ]);
    expect(result).toEqual({
      ok: true,
      nominations: [
        {
          name: 'Ada Lovelace',
          email: 'Ada@Engines.example',
          phone: '+44 (20) 7946-0018.',
          relationship: 'manager',
        },
        {
          name: 'Bob',
          email: 'bob@corp.example',
          company: 'Corp',
          title: 'CTO',
          relationship: 'peer',
          workedFrom: '2020-01',
          workedTo: '2026-11',
        },
      ],
    });
    if (result.ok) {
      expect(Object.keys(result.nominations[0]!)).toEqual(['name', 'email', 'phone', 'relationship']);
      for (const n of result.nominations) expect(Nomination.parse(n)).toEqual(n);
    }
  });

  it('accepts null or missing optional fields', () => {
    expect(
      validate([{ name: 'Ada', email: 'ada@x.example', relationship: 'peer', phone: null }, bob]).ok,
    ).toBe(true);
  });

  describe('name', () => {
    it('is required and at most 200 characters after trimming', () => {
      expect(rowIssues({ name: '' })).toEqual([
        { index: 1, field: 'name', message: "Enter the referee's name" },
      ]);
      expect(rowIssues({ name: 'x'.repeat(201) })).toEqual([
        { index: 1, field: 'name', message: 'The name must be at most 200 characters' },
      ]);
      expect(rowIssues({ name: ` ${'x'.repeat(200)} ` })).toEqual([]);
      expect(rowIssues({ name: 42 })).toEqual([
        { index: 1, field: 'name', message: "Enter the referee's name" },
      ]);
    });
  });

  describe('email', () => {
    it('is required, valid and at most 254 characters', () => {
      expect(rowIssues({ email: '' })).toEqual([
        { index: 1, field: 'email', message: "Enter the referee's e-mail address" },
      ]);
      for (const email of ['ada', 'ada@', '@engines.example', 'ada@engines', 'a da@x.example']) {
        expect(rowIssues({ email })).toEqual([
          { index: 1, field: 'email', message: 'Enter a valid e-mail address' },
        ]);
      }
      expect(rowIssues({ email: `${'a'.repeat(64)}@${'b'.repeat(186)}.com` })).toEqual([
        { index: 1, field: 'email', message: 'The e-mail address must be at most 254 characters' },
      ]);
    });

    it("refuses the candidate's own address, compared normalized", () => {
      expect(rowIssues({ email: ' cand@EXAMPLE.com ' })).toEqual([
        {
          index: 1,
          field: 'email',
          message: "A referee cannot be yourself: enter someone else's e-mail address",
        },
      ]);
      expect(rowIssues({ email: 'cand2@example.com' })).toEqual([]);
    });

    it('refuses an address entered twice, on the later row', () => {
      expect(
        issuesOf(validate([ada, bob, row({ name: 'Ada again', email: 'ADA@engines.example ' })])),
      ).toEqual([
        {
          index: 2,
          field: 'email',
          message: 'You entered this e-mail address for another referee too: each referee needs their own',
        },
      ]);
    });

    it('refuses the address of any referee named before, whatever their status', () => {
      for (const status of ['answered', 'declined', 'bounced', 'cancelled'] as const) {
        const existing: ExistingReferee[] = [
          { email: 'Ada@Engines.example', relationship: 'manager', status },
          { email: 'zed@corp.example', relationship: 'peer', status: 'requested' },
        ];
        expect(issuesOf(validate([ada], { existing }))).toEqual([
          { index: 0, field: 'email', message: 'You have already named a referee with this e-mail address' },
        ]);
      }
    });
  });

  describe('phone, company and title', () => {
    it('takes a phone of digits, spaces and + ( ) - . up to 40 characters', () => {
      expect(rowIssues({ phone: '+1 (555) 010-2030' })).toEqual([]);
      expect(rowIssues({ phone: '1'.repeat(40) })).toEqual([]);
      expect(rowIssues({ phone: '1'.repeat(41) })).toEqual([
        { index: 1, field: 'phone', message: 'The phone number must be at most 40 characters' },
      ]);
      const wrong = {
        index: 1,
        field: 'phone',
        message: 'Enter a phone number using only digits, spaces and + ( ) - .',
      };
      expect(rowIssues({ phone: '555-CALL-ME' })).toEqual([wrong]);
      expect(rowIssues({ phone: '+()' })).toEqual([wrong]);
    });

    it('takes a company and a title of at most 200 characters', () => {
      expect(rowIssues({ company: 'c'.repeat(200), title: 't'.repeat(200) })).toEqual([]);
      expect(rowIssues({ company: 'c'.repeat(201), title: 't'.repeat(201) })).toEqual([
        { index: 1, field: 'company', message: 'The company must be at most 200 characters' },
        { index: 1, field: 'title', message: 'The job title must be at most 200 characters' },
      ]);
    });

    it('refuses values that are not text', () => {
      expect(rowIssues({ company: 12, title: ['a'] })).toEqual([
        { index: 1, field: 'company', message: 'Enter this as text' },
        { index: 1, field: 'title', message: 'Enter this as text' },
      ]);
    });
  });

  describe('relationship', () => {
    it('is required and one of the relationships', () => {
      const choose = [{ index: 1, field: 'relationship', message: 'Choose how you know this referee' }];
      expect(rowIssues({ relationship: '' })).toEqual(choose);
      expect(rowIssues({ relationship: 'boss' })).toEqual(choose);
      expect(rowIssues({ relationship: 'Manager' })).toEqual(choose);
      for (const relationship of ['manager', 'peer', 'direct_report', 'client', 'other']) {
        expect(rowIssues({ relationship })).toEqual([]);
      }
    });
  });

  describe('months worked together', () => {
    it('takes YYYY-MM months', () => {
      expect(rowIssues({ workedFrom: '2019-12', workedTo: '2020-01' })).toEqual([]);
      expect(rowIssues({ workedFrom: '2019-13', workedTo: '2020-1' })).toEqual([
        { index: 1, field: 'workedFrom', message: 'Enter the first month as year and month, e.g. 2024-03' },
        { index: 1, field: 'workedTo', message: 'Enter the last month as year and month, e.g. 2024-03' },
      ]);
      expect(rowIssues({ workedFrom: '2019-00' })[0]?.field).toBe('workedFrom');
      expect(rowIssues({ workedFrom: '2019-03-01' })[0]?.field).toBe('workedFrom');
    });

    it('refuses a first month after the last month, allowing one month', () => {
      expect(rowIssues({ workedFrom: '2021-05', workedTo: '2021-05' })).toEqual([]);
      expect(rowIssues({ workedFrom: '2021-06', workedTo: '2021-05' })).toEqual([
        { index: 1, field: 'workedTo', message: 'The last month cannot be before the first month' },
      ]);
      // Only one of them given: nothing to compare.
      expect(rowIssues({ workedFrom: '2021-06' })).toEqual([]);
      expect(rowIssues({ workedTo: '2021-05' })).toEqual([]);
    });

    it('refuses months after the month of now (UTC), allowing this month', () => {
      expect(rowIssues({ workedFrom: '2026-11', workedTo: '2026-11' })).toEqual([]);
      expect(rowIssues({ workedFrom: '2026-12', workedTo: '2027-01' })).toEqual([
        { index: 1, field: 'workedFrom', message: 'The first month cannot be in the future' },
        { index: 1, field: 'workedTo', message: 'The last month cannot be in the future' },
      ]);
      const decemberInUtc = '2026-11-30T20:00:00-05:00';
      expect(issuesOf(validate([bob, row({ workedTo: '2026-12' })], { now: decemberInUtc }))).toEqual([]);
    });

    it('refuses a time that is not one', () => {
      expect(() => validate([ada, bob], { now: 'today' })).toThrow(RangeError);
    });
  });

  it('collects every issue of every row, in row and field order, before the form issues', () => {
    const result = validate([
      row({ name: '', email: 'nope', relationship: 'boss', workedFrom: '2030-01' }),
      blankRow(),
      row({ name: 'x'.repeat(201), email: 'cand@example.com', phone: 'abc' }),
    ]);
    expect(result).toEqual({
      ok: false,
      issues: [
        { index: 0, field: 'name', message: "Enter the referee's name" },
        { index: 0, field: 'email', message: 'Enter a valid e-mail address' },
        { index: 0, field: 'relationship', message: 'Choose how you know this referee' },
        { index: 0, field: 'workedFrom', message: 'The first month cannot be in the future' },
        { index: 2, field: 'name', message: 'The name must be at most 200 characters' },
        {
          index: 2,
          field: 'email',
          message: "A referee cannot be yourself: enter someone else's e-mail address",
        },
        { index: 2, field: 'phone', message: 'Enter a phone number using only digits, spaces and + ( ) - .' },
      ],
    });
  });

  it('reports a row that is not an object and counts it as named', () => {
    expect(issuesOf(validate([ada, 'Bob <bob@corp.example>']))).toEqual([
      { index: 1, field: 'row', message: 'This row could not be read: please fill it in again' },
    ]);
  });

  describe('how many referees', () => {
    it('asks for the minimum when nothing is named and nobody was named before', () => {
      expect(validate([blankRow(), blankRow()])).toEqual({
        ok: false,
        issues: [{ index: null, field: 'referees', message: 'Name at least 2 referees' }],
      });
      expect(issuesOf(validate([]))).toEqual([
        { index: null, field: 'referees', message: 'Name at least 2 referees' },
      ]);
    });

    it('asks for at least one referee when others were named before', () => {
      const existing: ExistingReferee[] = [
        { email: 'zed@corp.example', relationship: 'peer', status: 'answered' },
        { email: 'yan@corp.example', relationship: 'peer', status: 'bounced' },
      ];
      expect(issuesOf(validate([blankRow()], { existing }))).toEqual([
        { index: null, field: 'referees', message: 'Name at least one referee' },
      ]);
    });

    it('needs at least min referees, counting active referees named before', () => {
      expect(issuesOf(validate([ada]))).toEqual([
        { index: null, field: 'referees', message: 'Name at least 2 referees (you named 1)' },
      ]);
      expect(validate([ada, bob]).ok).toBe(true);
      const replacing: ExistingReferee[] = [
        { email: 'zed@corp.example', relationship: 'peer', status: 'answered' },
        { email: 'yan@corp.example', relationship: 'peer', status: 'declined' },
      ];
      expect(validate([ada], { existing: replacing }).ok).toBe(true);
      const template3 = ReferenceCheckTemplate.parse({ ...templateInput, referees: { min: 3, max: 4 } });
      expect(issuesOf(validate([ada], { existing: replacing, template: template3 }))).toEqual([
        {
          index: null,
          field: 'referees',
          message: 'Name at least 3 referees in total (you named 1; 1 is already named)',
        },
      ]);
    });

    it('allows at most max referees, counting active referees named before', () => {
      const dave = row({ name: 'Dave', email: 'dave@corp.example' });
      const eve = row({ name: 'Eve', email: 'eve@corp.example' });
      expect(validate([ada, bob, cy, dave]).ok).toBe(true);
      expect(issuesOf(validate([ada, bob, cy, dave, eve]))).toEqual([
        { index: null, field: 'referees', message: 'You can name at most 4 referees (you named 5)' },
      ]);
      const existing: ExistingReferee[] = [
        { email: 'zed@corp.example', relationship: 'peer', status: 'answered' },
        { email: 'yan@corp.example', relationship: 'peer', status: 'opened' },
        { email: 'xi@corp.example', relationship: 'peer', status: 'nominated' },
        { email: 'wu@corp.example', relationship: 'peer', status: 'expired' },
      ];
      expect(validate([ada], { existing }).ok).toBe(true);
      expect(issuesOf(validate([ada, bob], { existing }))).toEqual([
        {
          index: null,
          field: 'referees',
          message: 'You can name at most 4 referees in total; 3 are already named',
        },
      ]);
    });

    it('says "1 referee" in the singular', () => {
      const one = ReferenceCheckTemplate.parse({ ...templateInput, referees: { min: 1, max: 1 } });
      expect(issuesOf(validate([], { template: one }))).toEqual([
        { index: null, field: 'referees', message: 'Name at least 1 referee' },
      ]);
      expect(issuesOf(validate([ada, bob], { template: one }))).toEqual([
        { index: null, field: 'referees', message: 'You can name at most 1 referee (you named 2)' },
      ]);
    });
  });

  describe('required relationships', () => {
    it('is met by new rows together with active referees named before', () => {
      expect(
        validate([ada, cy, row({ name: 'Di', email: 'di@corp.example', relationship: 'direct_report' })], {
          template: withManager,
        }).ok,
      ).toBe(true);
      const existing: ExistingReferee[] = [
        { email: 'zed@corp.example', relationship: 'direct_report', status: 'answered' },
      ];
      expect(validate([ada, cy], { template: withManager, existing }).ok).toBe(true);
    });

    it('names each unmet requirement with its count, ignoring replaceable referees', () => {
      const existing: ExistingReferee[] = [
        { email: 'zed@corp.example', relationship: 'manager', status: 'declined' },
        { email: 'yan@corp.example', relationship: 'direct_report', status: 'answered' },
      ];
      expect(
        issuesOf(
          validate([bob, row({ name: 'Eve', email: 'eve@corp.example', relationship: 'peer' })], {
            template: withManager,
            existing,
          }),
        ),
      ).toEqual([
        { index: null, field: 'relationship', message: 'Name at least 1 manager (you named 0)' },
        { index: null, field: 'relationship', message: 'Name at least 2 direct reports (you named 1)' },
      ]);
    });

    it('calls the other relationship "other referee"', () => {
      const others = ReferenceCheckTemplate.parse({
        ...templateInput,
        requiredRelationships: [{ relationship: 'other', count: 2 }],
      });
      expect(
        issuesOf(
          validate([ada, row({ name: 'O', email: 'o@x.example', relationship: 'other' })], {
            template: others,
          }),
        ),
      ).toEqual([
        { index: null, field: 'relationship', message: 'Name at least 2 other referees (you named 1)' },
      ]);
    });

    it('counts rows that have other problems but a valid relationship', () => {
      expect(issuesOf(validate([row({ email: 'bad' }), cy, cy], { template: withManager }))).toEqual([
        { index: 0, field: 'email', message: 'Enter a valid e-mail address' },
        {
          index: 2,
          field: 'email',
          message: 'You entered this e-mail address for another referee too: each referee needs their own',
        },
      ]);
    });
  });
});
