import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WebhookEvent } from '../../greenhouse/webhooks/index.js';
import {
  InvalidWebhookPayloadError,
  parseWebhookEvent,
  safeParseWebhookBody,
  safeParseWebhookEvent,
} from '../../greenhouse/webhooks/index.js';
import { greenhouseFixture, greenhouseFixturesDir } from '../helpers/fixtures.js';

const files = readdirSync(path.join(greenhouseFixturesDir, 'docs/webhooks')).filter((f) =>
  f.endsWith('.json'),
);
const fixture = (f: string) => greenhouseFixture<{ action: string }>(`docs/webhooks/${f}`);

/** What each Greenhouse example must normalise to. */
const EXPECTED: Record<string, WebhookEvent> = {
  'candidate_events--candidate-stage-change.json': {
    action: 'candidate_stage_change',
    applicationId: '265277',
    candidateId: '265772',
    jobIds: ['3485'],
    stage: { id: '71416', name: 'Assessment' },
    candidate: { firstName: 'Giuseppe', lastName: 'Hurley', emails: ['giuseppe.hurley@example.com'] },
  },
  'candidate_events--candidate-hired.json': {
    action: 'hire_candidate',
    applicationId: '46194062',
    candidateId: '35897443',
    jobIds: ['323753'],
  },
  'candidate_events--candidate-prospect-rejected.json': {
    action: 'reject_candidate',
    applicationId: '265293',
    candidateId: '265788',
    jobIds: ['371417'],
  },
  'candidate_events--candidate-deleted.json': {
    action: 'delete_candidate',
    candidateId: '37031511',
    deletedApplicationIds: ['46196263', '46196258'],
  },
  'candidate_events--candidate-anonymized.json': {
    action: 'candidate_anonymized',
    candidateId: '37031511',
    anonymizedFields: ['full_name', 'current_title'],
  },
  'candidate_events--candidate-merged.json': {
    action: 'merge_candidate',
    candidateId: '37031511',
    mergedIntoCandidateId: '457456',
  },
};

describe('webhook fixtures', () => {
  it('covers every handled action with a fixture', () => {
    for (const f of Object.keys(EXPECTED)) expect(files).toContain(f);
  });

  it.each(files)('%s parses', (file) => {
    const body = fixture(file);
    const r = safeParseWebhookEvent(body);
    expect(r.ok, r.ok ? '' : r.message).toBe(true);
    if (!r.ok) return;
    const expected = EXPECTED[file] ?? { action: 'unsupported', name: body.action };
    expect(r.event).toEqual(expected);
  });

  it('parses the raw bytes as well as the JSON value', () => {
    const f = 'candidate_events--candidate-stage-change.json';
    const raw = Buffer.from(JSON.stringify(fixture(f)));
    expect(safeParseWebhookBody(raw)).toEqual({ ok: true, event: EXPECTED[f] });
  });
});

describe('parseWebhookEvent', () => {
  it('maps unknown actions to unsupported, never throwing', () => {
    expect(parseWebhookEvent({ action: 'new_action_2030', payload: { anything: [1] } })).toEqual({
      action: 'unsupported',
      name: 'new_action_2030',
    });
    expect(parseWebhookEvent({ action: 'offer_created' })).toEqual({
      action: 'unsupported',
      name: 'offer_created',
    });
  });

  it('reads the setup ping', () => {
    expect(parseWebhookEvent({ action: 'ping', payload: { web_hook_id: 42 } })).toEqual({
      action: 'ping',
      webHookId: '42',
    });
    expect(parseWebhookEvent({ action: 'ping' })).toEqual({ action: 'ping', webHookId: null });
  });

  it('accepts ids as digit strings and a null jobs list', () => {
    const body = structuredClone(
      greenhouseFixture<{ payload: { application: Record<string, unknown> } }>(
        'docs/webhooks/candidate_events--candidate-prospect-rejected.json',
      ),
    );
    body.payload.application.id = '77';
    body.payload.application.jobs = null;
    expect(parseWebhookEvent(body)).toMatchObject({ applicationId: '77', jobIds: [] });
  });

  it('refuses bodies that are not Greenhouse webhooks', () => {
    for (const b of [null, 'x', [], {}, { action: '' }, { action: 3 }]) {
      const r = safeParseWebhookEvent(b);
      expect(r).toMatchObject({ ok: false, action: null });
      expect(() => parseWebhookEvent(b)).toThrow(InvalidWebhookPayloadError);
    }
    expect(safeParseWebhookBody(Buffer.from('{"action":'))).toMatchObject({ ok: false, message: /not JSON/ });
  });

  it('names what is missing in a handled action', () => {
    const r = safeParseWebhookEvent({
      action: 'candidate_stage_change',
      payload: { application: { id: 1, candidate: { id: 2 }, jobs: [] } },
    });
    expect(r).toMatchObject({ ok: false, action: 'candidate_stage_change' });
    if (!r.ok) expect(r.message).toMatch(/payload\.application\.current_stage/);
    const bad = { action: 'hire_candidate', payload: { application: { id: 'abc', candidate: { id: 1 } } } };
    expect(() => parseWebhookEvent(bad)).toThrow(
      /unreadable hire_candidate webhook: payload\.application\.id/,
    );
  });
});
