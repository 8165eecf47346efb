import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';

const NOTES = 50_000;
const ATTACHMENTS = 50_000;
const MAX_HARVEST_REQUESTS = 12;

// One v3 journey with every write — completion PATCH, application and candidate custom fields, the
// note, the report, the pass-rule stage move — on an organisation holding 50,000 notes and 50,000
// attachments: the duplicate checks are scoped by plural filters, so nothing pages through them.
describe(`one v3 journey on an organisation with ${NOTES} notes and ${ATTACHMENTS} attachments`, () => {
  let stack: AssessmentStack;
  beforeAll(async () => {
    stack = await startAssessmentStack({
      sandbox: {
        orgs: [
          { name: 'Acme', candidates: 2_000, plan: 'enterprise', notes: NOTES, attachments: ATTACHMENTS },
        ],
        rateLimit: { v3: { limit: 1_000 } },
      },
    });
  }, 120_000);
  afterAll(async () => stack?.close());

  it(`makes at most ${MAX_HARVEST_REQUESTS} Harvest requests for every write`, async () => {
    const gh = stack.sb.state.org(stack.org.org.id)!;
    expect(gh.candidates.all().reduce((n, c) => n + c.notes.length, 0)).toBe(NOTES);
    expect(gh.applications.all().reduce((n, a) => n + a.attachments.length, 0)).toBe(ATTACHMENTS);
    const application = gh.applications.all()[7]!;
    const seededNotes = gh.candidates.get(application.candidateId)!.notes.length;
    const seededAttachments = application.attachments.length;
    expect(seededNotes).toBeGreaterThan(0);
    expect(seededAttachments).toBeGreaterThan(0);

    // Candidate custom field too, and the pass rule of the application's job.
    const fields = (
      await stack.api.call('GET', `/operator/tenants/${stack.tenantId}/greenhouse/custom-fields`)
    ).body!.candidate as { id: string; valueType: string }[];
    const appFields = (
      await stack.api.call('GET', `/operator/tenants/${stack.tenantId}/greenhouse/custom-fields`)
    ).body!.application as { id: string; valueType: string }[];
    const mapped = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/custom-field-mappings`, {
      mappings: [
        {
          resultField: 'score',
          scope: 'application',
          customFieldId: appFields.find((f) => f.valueType === 'number')!.id,
        },
        {
          resultField: 'pass_fail',
          scope: 'application',
          customFieldId: appFields.find((f) => f.valueType === 'yes_no')!.id,
        },
        {
          resultField: 'test_name',
          scope: 'candidate',
          customFieldId: fields.find((f) => f.valueType === 'short_text')!.id,
        },
      ],
    });
    expect(mapped.status).toBe(200);
    const offer = gh.stagesOfJob(application.jobId).find((st) => st.name === 'Offer')!;
    const rule = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/job-test-mappings`, {
      mappings: [{ jobId: application.jobId, testId: 'js-basics', passStageId: offer.id }],
    });
    expect(rule.status).toBe(200);

    stack.sb.requestLog.clear();
    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    const journeyId = stack.journeyIdFor(application.id);
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' })).status).toBe(200);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'complete',
      passed: true,
    });
    await waitFor(
      'Greenhouse to read test_status after the PATCH',
      async () => {
        await stack.sb.idle();
        return stack.greenhouse(application.id).tests[0]?.partnerStatus === 'complete';
      },
      60_000,
    );

    // Every write landed, once.
    const view = stack.greenhouse(application.id);
    expect(view.notes).toHaveLength(seededNotes + 1);
    expect(view.notes.at(-1)!.body).toContain(`Ref: ${journeyId}`);
    expect(view.attachments).toHaveLength(seededAttachments + 1);
    expect(view.attachments.at(-1)!.filename).toMatch(/^assessment-report-/);
    expect(view.customFields).toEqual(expect.arrayContaining([100, true]));
    expect([...gh.candidates.get(application.candidateId)!.customFields.values()]).toContain(
      'JavaScript basics',
    );
    expect(gh.applications.get(application.id)!.stageId).toBe(offer.id);
    expect(stack.sb.partner.patches.length).toBeGreaterThanOrEqual(1);

    const harvest = stack.sb.requestLog.list({ api: 'v3', direction: 'inbound' });
    console.log(
      `[efficiency] ${harvest.length} Harvest requests for one journey with every write:\n` +
        harvest
          .map((r) => `  ${r.method} ${r.path} ${JSON.stringify(r.query)} → ${String(r.status)}`)
          .join('\n'),
    );
    expect(harvest.every((r) => r.status !== null && r.status < 300)).toBe(true);
    expect(harvest.length).toBeLessThanOrEqual(MAX_HARVEST_REQUESTS);
    // the duplicate checks were scoped, never a walk through the organisation's history
    expect(harvest.filter((r) => r.method === 'GET' && Object.keys(r.query).includes('cursor'))).toEqual([]);
  }, 180_000);
});
