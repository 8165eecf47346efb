import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorFromResponse } from '../../greenhouse/harvest/errors.js';
import { ops, customFieldsBody } from '../../greenhouse/harvest/operations.js';
import { observeHeaders } from '../../greenhouse/harvest/rate-budget.js';
import { parseLinkHeader } from '../../greenhouse/harvest/transport.js';
import {
  v1Application,
  v1Candidate,
  v1CustomField,
  v1EmailTemplate,
  v1HiringTeam,
  v1Job,
  v1Note,
  v1Stage,
  v1User,
} from '../../greenhouse/harvest/v1-schemas.js';
import { V3 } from '../../greenhouse/harvest/v3-shapes.js';
import { greenhouseFixturesDir as fixturesDir } from '../helpers/fixtures.js';

const read = (rel: string): unknown => JSON.parse(readFileSync(path.join(fixturesDir, rel), 'utf8'));

interface Interaction {
  request: { method: string; uri: string; body: unknown };
  response: { status: number; headers: Record<string, string[]>; body: unknown };
}

/** Which parser answers which recorded request (method + path). */
function schemaForRequest(method: string, pathname: string): z.ZodType | null {
  const routes: [string, RegExp, z.ZodType][] = [
    ['GET', /^\/v1\/jobs\/?$/, z.array(v1Job)],
    ['GET', /^\/v1\/jobs\/\d+$/, v1Job],
    ['GET', /^\/v1\/jobs\/\d+\/stages$/, z.array(v1Stage)],
    ['GET', /^\/v1\/jobs\/\d+\/hiring_team$/, v1HiringTeam],
    ['GET', /^\/v1\/applications\/?$/, z.array(v1Application)],
    ['GET', /^\/v1\/applications\/\d+$/, v1Application],
    ['GET', /^\/v1\/candidates\/?$/, z.array(v1Candidate)],
    ['GET', /^\/v1\/candidates\/\d+$/, v1Candidate],
    ['POST', /^\/v1\/candidates\/\d+\/activity_feed\/notes$/, v1Note],
    ['GET', /^\/v1\/users\/?$/, z.array(v1User)],
    ['GET', /^\/v1\/users\/\d+$/, v1User],
  ];
  return routes.find(([m, rx]) => m === method && rx.test(pathname))?.[2] ?? null;
}

describe('recorded Harvest v1 interactions', () => {
  const dir = 'recorded/harvest-v1';
  const files = readdirSync(path.join(fixturesDir, dir)).filter((f) => f.endsWith('.json'));
  const interactions = files.flatMap((f) =>
    (read(`${dir}/${f}`) as Interaction[]).map((i) => ({ file: f, ...i })),
  );

  it('every successful answer to a call we make parses', () => {
    let parsed = 0;
    for (const i of interactions) {
      if (i.response.status >= 300) continue;
      const url = new URL(i.request.uri);
      const schema = schemaForRequest(i.request.method, url.pathname);
      if (!schema) continue; // e.g. the activity feed: not a call the client makes
      const r = schema.safeParse(i.response.body);
      expect(r.success, `${i.file}: ${r.success ? '' : JSON.stringify(r.error.issues[0])}`).toBe(true);
      parsed++;
    }
    expect(parsed).toBeGreaterThanOrEqual(12);
  });

  it('the 2014 shapes normalise (person_id, minimal users, stages)', () => {
    const app = v1Application.parse((read(`${dir}/application.json`) as Interaction[])[0]!.response.body);
    expect(app).toMatchObject({
      id: 1,
      candidateId: 1,
      jobId: 4595,
      stageId: 1,
      stageName: 'Application Review',
    });
    const user = v1User.parse((read(`${dir}/user.json`) as Interaction[])[0]!.response.body);
    expect(user).toMatchObject({ id: 10327, name: 'Test User 1', disabled: false, primaryEmail: null });
    const note = v1Note.parse((read(`${dir}/create_candidate_note.json`) as Interaction[])[0]!.response.body);
    expect(note.visibility).toBe('public'); // recorded as "visiblity"
  });

  it('error answers map to the right kinds and plain messages', () => {
    const byFile = Object.fromEntries(interactions.map((i) => [i.file, i]));
    const obo = byFile['create_candidate_note_invalid_on_behalf_of.json']!;
    const e404 = errorFromResponse(ops.addCandidateNote(1), obo.response.status, obo.response.body, null);
    expect(e404.kind).toBe('not_found');
    expect(e404.message).toBe('candidate 1 was not found');
    const missing = byFile['create_candidate_note_invalid_missing_field.json']!;
    const e422 = errorFromResponse(ops.addCandidateNote(1), 422, missing.response.body, null);
    expect(e422.kind).toBe('validation');
    expect(e422.retryable).toBe(false);
    expect(e422.message).toBe('Greenhouse rejected the note: body: Missing required field: body');
  });

  it('rate-limit and Link headers are read', () => {
    const now = Date.now();
    let withLink = 0;
    for (const i of interactions) {
      const h = new Headers();
      for (const [k, v] of Object.entries(i.response.headers)) for (const x of v) h.append(k, x);
      const obs = observeHeaders(h, now);
      expect(obs.limit, i.file).toBeGreaterThan(0);
      expect(obs.remaining, i.file).toBeGreaterThanOrEqual(0);
      const link = h.get('link');
      if (link) {
        const rels = parseLinkHeader(link);
        expect(Object.keys(rels).length, i.file).toBeGreaterThan(0);
        for (const u of Object.values(rels)) expect(u).toMatch(/^https:\/\/harvest\.greenhouse\.io\/v1\//);
        withLink++;
      }
    }
    expect(withLink).toBeGreaterThanOrEqual(4);
    const next = parseLinkHeader(
      '<https://harvest.greenhouse.io/v1/candidates?page=2&per_page=100>; rel="next", <https://harvest.greenhouse.io/v1/candidates?page=9&per_page=100>; rel="last"',
    );
    expect(next).toEqual({
      next: 'https://harvest.greenhouse.io/v1/candidates?page=2&per_page=100',
      last: 'https://harvest.greenhouse.io/v1/candidates?page=9&per_page=100',
    });
  });
});

describe('documentation examples of Harvest v1', () => {
  const dir = 'docs/harvest-v1';
  const cases: [string, z.ZodType][] = [
    ['jobs--get-list-jobs.json', z.array(v1Job)],
    ['jobs--get-retrieve-job.json', v1Job],
    ['jobs--the-job-object.json', v1Job],
    ['jobs--get-hiring-team.json', v1HiringTeam],
    ['job_stages--get-list-job-stages-for-job.json', z.array(v1Stage)],
    ['job_stages--get-list-job-stages.json', z.array(v1Stage)],
    ['job_stages--get-retrieve-job-stage.json', v1Stage],
    ['job_stages--the-job-stage-object.json', v1Stage],
    ['users--get-list-users.json', z.array(v1User)],
    ['users--get-retrieve-user.json', v1User],
    ['users--the-user-object.json', v1User],
    ['custom_fields--get-list-custom-fields.json', z.array(v1CustomField)],
    ['custom_fields--get-retrieve-custom-field.json', v1CustomField],
    ['custom_fields--the-custom-field-object.json', v1CustomField],
    ['email_templates--get-list-email-templates.json', z.array(v1EmailTemplate)],
    ['email_templates--get-retrieve-email-template.json', v1EmailTemplate],
    ['email_templates--the-email-template-object.json', v1EmailTemplate],
    ['candidates--get-list-candidates.json', z.array(v1Candidate)],
    ['candidates--get-retrieve-candidate.json', v1Candidate],
    ['candidates--the-candidate-object.json', v1Candidate],
    ['applications--get-list-applications.json', z.array(v1Application)],
    ['applications--get-retrieve-application.json', v1Application],
    ['applications--the-application-object.json', v1Application],
    ['applications--patch-update-application-2.json', v1Application],
    ['applications--post-move-application-same-job-2.json', v1Application],
    ['applications--post-move-application-different-job-2.json', v1Application],
    ['candidates--post-add-note.json', v1Note],
  ];

  it.each(cases)('%s parses', (file, schema) => {
    const r = schema.safeParse(read(`${dir}/${file}`));
    expect(r.success, r.success ? '' : JSON.stringify(r.error.issues[0])).toBe(true);
  });

  it('normalises users, hiring teams, custom fields and applications', () => {
    const u = v1User.parse(read(`${dir}/users--the-user-object.json`));
    expect(u).toMatchObject({ primaryEmail: 'juliet.burke@example.com', disabled: false, siteAdmin: true });
    const team = v1HiringTeam.parse(read(`${dir}/jobs--get-hiring-team.json`));
    expect(team.filter((m) => m.role === 'recruiter')).toHaveLength(3);
    expect(team.find((m) => m.userId === 15)).toMatchObject({
      role: 'recruiter',
      responsible: true,
      active: true,
    });
    const cf = z.array(v1CustomField).parse(read(`${dir}/custom_fields--get-list-custom-fields.json`))[0]!;
    expect(cf.options.map((o) => o.name)).toEqual(['Name One', 'Name Two']);
    const app = v1Application.parse(read(`${dir}/applications--the-application-object.json`));
    expect(app).toMatchObject({ candidateId: 978031, jobId: 123, stageId: 62828, status: 'rejected' });
  });

  it('the 422 validation body names field and message', () => {
    const e = errorFromResponse(
      ops.updateApplicationCustomFields(5),
      422,
      read(`${dir}/introduction--validation.json`),
      null,
    );
    expect(e.message).toBe(
      'Greenhouse rejected the custom field value: type: Must be one of: candidate, prospect',
    );
  });

  it('our request bodies have the documented keys (custom fields, attachment, move)', () => {
    const doc = read(`${dir}/candidates--patch-edit-candidate.json`) as { custom_fields: unknown[] };
    expect(
      customFieldsBody([
        { id: 1234, value: 'Some new value' },
        { nameKey: 'single_select_field_name', value: 12345 },
        { id: 5678, delete: true },
      ]),
    ).toEqual(doc.custom_fields);
    const att = read(`${dir}/applications--post-add-attachment-to-application.json`) as Record<
      string,
      unknown
    >;
    const ours = V3.body.attachment(1, {
      filename: 'resume.pdf',
      type: 'resume',
      content: 'R0lG',
      contentType: 'application/pdf',
    });
    // v3 takes the v1 keys without content_type (Greenhouse goes by the filename's extension)
    expect(
      Object.keys(ours)
        .filter((k) => k !== 'application_id')
        .sort(),
    ).toEqual(
      Object.keys(att)
        .filter((k) => k !== 'content_type')
        .sort(),
    );
    const move = read(`${dir}/applications--post-move-application-same-job.json`);
    expect(V3.body.move({ fromStageId: 1, toStageId: 2 })).toEqual(move);
  });
});
