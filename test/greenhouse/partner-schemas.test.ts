import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  buildTestStatus,
  testStatusBody,
  InvalidTestStatusError,
  ListTestsResponseSchema,
  PARTNER_STATUSES,
  ResponseErrorRequestSchema,
  ResponseErrorResponseSchema,
  SendTestRequestSchema,
  SendTestResponseSchema,
  TestStatusResponseSchema,
} from '../../greenhouse/partner/index.js';
import { greenhouseFixture, greenhouseFixturesDir } from '../helpers/fixtures.js';

type Json = Record<string, unknown>;

/** Every Greenhouse example of docs/assessment and the schema that must accept it. */
const SCHEMA_OF: Record<string, z.ZodType> = {
  'list_tests--response.json': ListTestsResponseSchema,
  'send_test--request.json': SendTestRequestSchema,
  'send_test--response.json': SendTestResponseSchema,
  'test_status--response.json': TestStatusResponseSchema,
  'response_error--request.json': ResponseErrorRequestSchema,
  'response_error--response.json': ResponseErrorResponseSchema,
};

const sendTest = () => greenhouseFixture<Json>('docs/assessment/send_test--request.json');
const candidateOf = (b: Json) => b.candidate as Json;

describe('Assessment Partner API fixtures', () => {
  const files = readdirSync(path.join(greenhouseFixturesDir, 'docs/assessment')).filter((f) =>
    f.endsWith('.json'),
  );

  it('has a schema for every fixture in docs/assessment', () => {
    expect(files.sort()).toEqual(Object.keys(SCHEMA_OF).sort());
  });

  it.each(files)('%s parses with its schema', (file) => {
    const schema = SCHEMA_OF[file];
    expect(schema, `no schema for ${file}`).toBeDefined();
    const r = schema!.safeParse(greenhouseFixture(`docs/assessment/${file}`));
    expect(r.success, r.success ? '' : JSON.stringify(r.error.issues)).toBe(true);
  });

  it('reads the send_test example into typed fields', () => {
    const r = SendTestRequestSchema.parse(sendTest());
    expect(r).toEqual({
      partner_test_id: '12345',
      candidate: {
        first_name: 'Harry',
        last_name: 'Potter',
        preferred_name: 'The Chosen One',
        email: 'hpotter@hogwarts.edu',
        phone_number: '123-456-7890',
        resume_url: 'https://hogwarts.com/resume',
        greenhouse_profile_url: 'https://app.greenhouse.io/people/17681532?application_id=26234709',
      },
      sent_by: 'test_sender@example.org',
      url: 'https://app.greenhouse.io/integrations/testing_partners/take_home_tests/12345',
    });
  });
});

describe('send_test request', () => {
  it('tolerates unknown fields (Greenhouse may add some) and drops them', () => {
    const body = { ...sendTest(), new_field: 1, candidate: { ...candidateOf(sendTest()), pronouns: 'he' } };
    const r = SendTestRequestSchema.parse(body);
    expect(r).not.toHaveProperty('new_field');
    expect(r.candidate).not.toHaveProperty('pronouns');
  });

  it('normalises null and absent optional fields to null', () => {
    const c: Json = { ...candidateOf(sendTest()), preferred_name: null, phone_number: null };
    delete c.resume_url;
    const body: Json = { ...sendTest(), candidate: c };
    delete body.sent_by;
    const r = SendTestRequestSchema.parse(body);
    expect(r.candidate).toMatchObject({ preferred_name: null, phone_number: null, resume_url: null });
    expect(r.sent_by).toBeNull();
  });

  it.each<[string, (b: Json) => void, string]>([
    ['no partner_test_id', (b) => delete b.partner_test_id, 'partner_test_id'],
    ['an empty partner_test_id', (b) => (b.partner_test_id = ' '), 'partner_test_id'],
    ['no callback url', (b) => delete b.url, 'url'],
    ['a non-http callback url', (b) => (b.url = 'ftp://app.greenhouse.io/x'), 'url'],
    ['no e-mail', (b) => delete candidateOf(b).email, 'candidate.email'],
    [
      'no profile url',
      (b) => delete candidateOf(b).greenhouse_profile_url,
      'candidate.greenhouse_profile_url',
    ],
    [
      'a profile url without application_id',
      (b) => (candidateOf(b).greenhouse_profile_url = 'https://app.greenhouse.io/people/1'),
      'candidate.greenhouse_profile_url',
    ],
  ])('refuses %s', (_name, mutate, field) => {
    const body = structuredClone(sendTest());
    mutate(body);
    const r = SendTestRequestSchema.safeParse(body);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});

describe('list_tests response', () => {
  it('refuses duplicate or empty ids', () => {
    expect(
      ListTestsResponseSchema.safeParse([
        { partner_test_id: 'a', partner_test_name: 'A' },
        { partner_test_id: 'a', partner_test_name: 'B' },
      ]).success,
    ).toBe(false);
    expect(ListTestsResponseSchema.safeParse([{ partner_test_id: '', partner_test_name: 'A' }]).success).toBe(
      false,
    );
    expect(ListTestsResponseSchema.safeParse([]).success).toBe(true);
  });
});

describe('test_status response', () => {
  it('refuses complete without partner_profile_url, accepts other statuses without it', () => {
    const r = TestStatusResponseSchema.safeParse({ partner_status: 'complete' });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0]?.message).toMatch(/partner_profile_url is missing/);
    expect(TestStatusResponseSchema.safeParse({ partner_status: 'in_progress' }).success).toBe(true);
  });

  it('refuses nested metadata and non-numeric scores', () => {
    const ok = { partner_status: 'sent' };
    expect(TestStatusResponseSchema.safeParse({ ...ok, metadata: { a: { b: 1 } } }).success).toBe(false);
    expect(TestStatusResponseSchema.safeParse({ ...ok, metadata: { a: [1] } }).success).toBe(false);
    expect(TestStatusResponseSchema.safeParse({ ...ok, partner_score: '81' }).success).toBe(false);
    expect(
      TestStatusResponseSchema.safeParse({ ...ok, metadata: { a: 1, b: 'x', c: true, d: null } }).success,
    ).toBe(true);
  });
});

describe('buildTestStatus', () => {
  it('has the fixed status vocabulary', () => {
    expect(PARTNER_STATUSES).toEqual([
      'sent',
      'in_progress',
      'awaiting_grading',
      'complete',
      'expired',
      'cancelled',
    ]);
  });

  it('builds the documented example and omits absent values', () => {
    const fx = greenhouseFixture<Json>('docs/assessment/test_status--response.json');
    expect(
      buildTestStatus({
        status: 'complete',
        profileUrl: 'http://example.com/tests/12345',
        score: 81,
        metadata: fx.metadata as Record<string, string>,
      }),
    ).toEqual(fx);
    expect(buildTestStatus({ status: 'in_progress', profileUrl: null, score: null })).toEqual({
      partner_status: 'in_progress',
    });
  });

  it('refuses what Greenhouse would refuse, naming the problem', () => {
    const problems = (input: Parameters<typeof buildTestStatus>[0]) => {
      try {
        buildTestStatus(input);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidTestStatusError);
        return (e as InvalidTestStatusError).message;
      }
      throw new Error('expected InvalidTestStatusError');
    };
    expect(problems({ status: 'complete' })).toMatch(/partner_profile_url is missing/);
    expect(problems({ status: 'complete', profileUrl: 'javascript:alert(1)' })).toMatch(/http\(s\) URL/);
    expect(
      problems({
        status: 'sent',
        metadata: { nested: { a: 1 } } as unknown as Record<string, string>,
      }),
    ).toMatch(/metadata\.nested: metadata values must be strings, numbers, booleans or null/);
    expect(problems({ status: 'sent', score: Number.NaN })).toMatch(/partner_score/);
    expect(problems({ status: 'done' as 'complete', profileUrl: 'https://x.example/r' })).toMatch(
      /partner_status "done" is not one of/,
    );
  });
});

describe('testStatusBody (test_status’s hot path)', () => {
  it('builds what buildTestStatus builds from the read model’s values, without zod', () => {
    const complete = { status: 'complete' as const, profileUrl: 'https://x.example/r/grr_1', score: 81 };
    expect(testStatusBody(complete)).toEqual(buildTestStatus(complete));
    expect(testStatusBody({ status: 'sent', profileUrl: null, score: null, metadata: null })).toEqual({
      partner_status: 'sent',
    });
    expect(testStatusBody({ status: 'cancelled', metadata: { Reason: 'gone' } })).toEqual(
      buildTestStatus({ status: 'cancelled', metadata: { Reason: 'gone' } }),
    );
  });

  it('still refuses what the database does not guarantee: an unknown status, complete without a link', () => {
    expect(() => testStatusBody({ status: 'complete', profileUrl: null })).toThrow(
      /partner_profile_url is missing/,
    );
    expect(() => testStatusBody({ status: 'done' as 'complete', profileUrl: 'https://x.example/r' })).toThrow(
      InvalidTestStatusError,
    );
  });
});
