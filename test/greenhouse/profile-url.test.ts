import { describe, expect, it } from 'vitest';
import { parseGreenhouseProfileUrl } from '../../greenhouse/partner/index.js';
import { greenhouseFixture } from '../helpers/fixtures.js';

const ok = (url: unknown) => {
  const r = parseGreenhouseProfileUrl(url);
  if (!r.ok) throw new Error(r.message);
  return r.profile;
};
const error = (url: unknown) => {
  const r = parseGreenhouseProfileUrl(url);
  if (r.ok) throw new Error(`expected ${String(url)} to be refused`);
  return r.message;
};

describe('greenhouse_profile_url', () => {
  it('reads the send_test example', () => {
    const body = greenhouseFixture<{ candidate: { greenhouse_profile_url: string } }>(
      'docs/assessment/send_test--request.json',
    );
    expect(ok(body.candidate.greenhouse_profile_url)).toEqual({
      host: 'app.greenhouse.io',
      candidateId: '17681532',
      applicationId: '26234709',
    });
  });

  it('tolerates the space in the stage-change example ("application_id= 265277")', () => {
    const hook = greenhouseFixture<{ payload: { application: { url: string } } }>(
      'docs/webhooks/candidate_events--candidate-stage-change.json',
    );
    expect(hook.payload.application.url).toContain('application_id= 265277');
    expect(ok(hook.payload.application.url)).toEqual({
      host: 'app.greenhouse.io',
      candidateId: '265772',
      applicationId: '265277',
    });
  });

  it.each([
    ['a trailing slash', 'https://app.greenhouse.io/people/12/?application_id=34'],
    ['extra query parameters', 'https://app.greenhouse.io/people/12?src=x&application_id=34&y=1'],
    ['http and a port (sandbox)', 'http://127.0.0.1:4010/people/12?application_id=34'],
    ['surrounding whitespace', '  https://app.greenhouse.io/people/12?application_id=34 \n'],
    ['an encoded space', 'https://app.greenhouse.io/people/12?application_id=%2034'],
    ['a plus as space', 'https://app.greenhouse.io/people/12?application_id=+34'],
    [
      'a repeated identical application_id',
      'https://app.greenhouse.io/people/12?application_id=34&application_id=34',
    ],
    ['a fragment', 'https://app.greenhouse.io/people/12?application_id=34#tab'],
    ['a path prefix', 'https://proxy.example/gh/people/12?application_id=34'],
  ])('tolerates %s', (_name, url) => {
    expect(ok(url)).toMatchObject({ candidateId: '12', applicationId: '34' });
  });

  it('keeps host and port', () => {
    expect(ok('http://127.0.0.1:4010/people/1?application_id=2').host).toBe('127.0.0.1:4010');
    expect(ok('https://app.eu.greenhouse.io/people/1?application_id=2').host).toBe('app.eu.greenhouse.io');
  });

  it.each<[string, unknown, RegExp]>([
    ['undefined', undefined, /is missing/],
    ['a number', 12, /is missing/],
    ['an empty string', '  ', /is missing/],
    ['not a URL', 'people/12?application_id=34', /is not a URL/],
    ['another scheme', 'ftp://app.greenhouse.io/people/12?application_id=34', /http\(s\)/],
    ['javascript:', 'javascript:alert(1)', /http\(s\)/],
    ['another path', 'https://app.greenhouse.io/candidates/12?application_id=34', /\/people\/<candidate id>/],
    ['no candidate id', 'https://app.greenhouse.io/people/?application_id=34', /\/people\/<candidate id>/],
    ['a non-numeric candidate id', 'https://app.greenhouse.io/people/abc?application_id=34', /candidate id/],
    ['a negative candidate id', 'https://app.greenhouse.io/people/-1?application_id=34', /candidate id/],
    ['no application_id', 'https://app.greenhouse.io/people/12', /no application_id/],
    ['an empty application_id', 'https://app.greenhouse.io/people/12?application_id=', /no application_id/],
    [
      'a non-numeric application_id',
      'https://app.greenhouse.io/people/12?application_id=3x4',
      /application_id/,
    ],
    [
      'conflicting application_ids',
      'https://app.greenhouse.io/people/12?application_id=34&application_id=35',
      /conflicting/,
    ],
  ])('refuses %s with a clear message', (_name, url, message) => {
    const m = error(url);
    expect(m).toMatch(/^greenhouse_profile_url /);
    expect(m).toMatch(message);
  });
});
