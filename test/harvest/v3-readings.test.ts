import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readings, Sandbox, SeededOrg } from '../../greenhouse-sandbox/index.js';
import { DEFAULT_READINGS, startSandbox } from '../../greenhouse-sandbox/index.js';
import { sandboxClient } from './helpers.js';

/**
 * The v3 client against every value of every unconfirmed reading: the same calls succeed and read
 * back the same, and each request has the shape of today's sources (plural filters, ids=, no
 * content_type, name_key custom fields).
 */

let sb: Sandbox;
let org: SeededOrg;

beforeAll(async () => {
  sb = await startSandbox({
    orgs: [{ candidates: 40 }],
    rateLimit: { v3: { limit: 100_000, windowMs: 1000 } },
  });
  org = sb.orgs[0]!;
});
afterAll(async () => sb?.close());

const PDF = Buffer.from('%PDF-1.4 report').toString('base64');
const cases: [keyof Readings, string][] = [
  ['v3StageId', 'application_stage'],
  ['v3StageId', 'job_stage'],
  ['v3NoteBody', 'typed'],
  ['v3NoteBody', 'plain'],
  ['v3CustomFieldKey', 'name_key'],
  ['v3CustomFieldKey', 'id_or_name_key'],
];

describe.each(cases)('the v3 client with %s = %s', (name, value) => {
  beforeAll(() => {
    Object.assign(sb.readings, DEFAULT_READINGS, { [name]: value });
  });
  afterAll(() => {
    Object.assign(sb.readings, DEFAULT_READINGS);
  });

  it('writes custom fields by field id, a note, an attachment, and moves with the guard', async () => {
    const client = sandboxClient(sb, org, 'v3');
    const a = org.org.applications.all()[cases.findIndex(([n, v]) => n === name && v === value) + 2]!;
    const field = org.org.customFields.all().find((f) => f.nameKey === 'application_number')!;
    const cfield = org.org.customFields.all().find((f) => f.nameKey === 'candidate_short_text')!;
    sb.requestLog.clear();

    // custom fields as the product maps them: by Greenhouse field id
    await client.updateApplicationCustomFields(a.id, [{ id: field.id, value: 42 }]);
    expect(org.org.applications.get(a.id)!.customFields.get(field.id)).toBe(42);
    await client.updateCandidateCustomFields(a.candidateId, [{ id: cfield.id, value: `${name}=${value}` }]);
    expect(org.org.candidates.get(a.candidateId)!.customFields.get(cfield.id)).toBe(`${name}=${value}`);
    const patches = sb.requestLog.list({ api: 'v3', method: 'PATCH' });
    expect(patches.map((r) => r.body)).toEqual([
      { custom_fields: [{ name_key: 'application_number', value: 42 }] },
      { custom_fields: [{ name_key: 'candidate_short_text', value: `${name}=${value}` }] },
    ]);

    const note = await client.addCandidateNote(a.candidateId, {
      body: `note ${value}`,
      visibility: 'admin_only',
      applicationId: a.id,
    });
    expect(note).toMatchObject({ body: `note ${value}`, visibility: 'admin_only' });
    const notes = await client.listCandidateNotes(a.candidateId);
    expect(notes.filter((n) => n.body === `note ${value}`)).toEqual([note]);

    const att = await client.addApplicationAttachment(a.id, {
      filename: `report-${value}.pdf`,
      type: 'other',
      content: PDF,
      contentType: 'application/pdf',
      visibility: 'public',
    });
    expect(att.filename).toBe(`report-${value}.pdf`);
    expect((await client.listApplicationAttachments(a.id, a.candidateId)).map((x) => x.filename)).toContain(
      `report-${value}.pdf`,
    );
    expect(
      sb.requestLog.list({ api: 'v3', path: '/v3/attachments', method: 'POST' })[0]!.body,
    ).not.toHaveProperty('content_type');

    const current = await client.getApplication(a.id);
    const stageName = org.org.stages.get(a.stageId!)!.name;
    expect(current.stageName).toBe(stageName);
    const to = org.org.stagesOfJob(a.jobId).find((s) => s.id !== a.stageId)!;
    await client.moveApplicationStage(a.id, { fromStageId: current.stageId!, toStageId: to.id });
    expect(org.org.applications.get(a.id)!.stageId).toBe(to.id);
    expect((await client.getApplication(a.id)).stageName).toBe(to.name);
    // a stale guard is refused and changes nothing
    await expect(
      client.moveApplicationStage(a.id, { fromStageId: current.stageId!, toStageId: a.stageId! }),
    ).rejects.toMatchObject({ kind: 'validation' });
    expect(org.org.applications.get(a.id)!.stageId).toBe(to.id);

    // every list request used plural filters or ids= (an unknown parameter would have been a 422)
    const gets = sb.requestLog.list({ api: 'v3', method: 'GET' });
    expect(gets.every((r) => r.status === 200)).toBe(true);
    for (const r of gets)
      for (const k of Object.keys(r.query))
        expect(['ids', 'per_page', 'cursor', 'field_type'].includes(k) || k.endsWith('_ids')).toBe(true);
  });
});
