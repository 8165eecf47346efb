import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { startAssessmentStack, keyedTest, type AssessmentStack } from '../helpers/assessment-stack.js';

type Pending = {
  step: string;
  state: string;
  attempt: number;
  lastFailure: string | null;
  willRetry: boolean;
  nextAttemptAt: string | null;
};
type Stuck = { waitingFor: string | null; pending: Pending[]; summary: string | null };

/** A keyed question and a free-text one: the free text waits for a grader. */
const essayTest = {
  ...keyedTest,
  testId: 'essay',
  name: 'Essay',
  sections: [
    {
      ...keyedTest.sections[0]!,
      questions: [
        ...keyedTest.sections[0]!.questions,
        { kind: 'free_text', id: 'q3', prompt: 'Why?', points: 3, rubric: 'Clear reasoning.' },
      ],
    },
  ],
};

// "Why is this journey stuck": the operator's journey detail joins the workflow's declared wait
// with Temporal's pending activities (attempt, last failure in plain words, next retry). Real stack.
describe('the stuck view of a journey', () => {
  let stack: AssessmentStack;
  beforeAll(async () => {
    stack = await startAssessmentStack({ tests: [keyedTest, essayTest] });
  }, 120_000);
  afterAll(async () => stack?.close());

  const gh = () => stack.sb.state.org(stack.org.org.id)!;
  function candidateOf(i: number) {
    const application = gh().applications.all()[i]!;
    return {
      application,
      email: gh().candidates.get(application.candidateId)!.emails[0]!.value,
    };
  }
  async function sendTest(applicationId: number, testId = 'js-basics') {
    await stack.sb.admin.sendTest(stack.org.org.id, applicationId, {
      partnerTestId: testId,
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    return stack.journeyIdFor(applicationId, testId);
  }
  const detail = async (journeyId: string) => {
    const res = await stack.api.call('GET', `/operator/journeys/${encodeURIComponent(journeyId)}`);
    expect(res.status).toBe(200);
    return res.body as { stuck: Stuck; waitingFor: string | null };
  };
  /** The detail once a pending step of this type has failed at least `attempts - 1` times. */
  const stuckAt = (journeyId: string, step: string, attempts = 2) =>
    waitFor(
      `${step} retrying`,
      async () => {
        const d = await detail(journeyId);
        const p = d.stuck.pending.find((x) => x.step === step);
        return p && p.attempt >= attempts && p.lastFailure ? d : null;
      },
      120_000,
    );

  it('a grading request failing: it retries and says why (the grader’s mail server defers it)', async () => {
    const { application } = candidateOf(0);
    const grader = stack.org.siteAdmin.emails[0]!;
    stack.smtp.refuse(grader, 451);
    const journeyId = await sendTest(application.id, 'essay');
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3', 'q:q3': 'because' });
    const d = await stuckAt(journeyId, 'requestGrading');
    expect(d.stuck.waitingFor).toBe('a grader to grade the free-text answers');
    const p = d.stuck.pending.find((x) => x.step === 'requestGrading')!;
    expect(p).toMatchObject({ willRetry: true });
    expect(p.lastFailure).toMatch(/SMTP deferred the message \(451\)/);
    expect(p.lastFailure).not.toContain(grader);
    expect(d.stuck.summary).toMatch(/^requestGrading is retrying \(attempt \d+.*\): SMTP deferred/);
    stack.smtp.accept(grader);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:grader_request:1`, 90_000);
  }, 180_000);

  it('no grader configured: grading retries and says so; the listing finds it by how long it retries', async () => {
    // An operator's invite (vendor mode) has no Greenhouse sender to grade, and the tenant has no
    // default grader: the grading request cannot be addressed.
    const tenant = await stack.database.db.tenant.findUniqueOrThrow({ where: { id: stack.tenantId } });
    expect(tenant.defaultGraderEmail).toBeNull();
    const activated = await stack.api.call(
      'POST',
      `/operator/tenants/${stack.tenantId}/modes/vendor_invite/activate`,
      {},
    );
    expect(activated.status).toBe(200);
    const { application, email } = candidateOf(4);
    const candidate = gh().candidates.get(application.candidateId)!;
    const invited = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/invites`, {
      email,
      firstName: candidate.firstName,
      lastName: candidate.lastName,
      jobId: String(application.jobId),
      testId: 'essay',
    });
    expect(invited.status).toBe(201);
    const journeyId = String(invited.body!.journeyId);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 60_000);
    expect(
      (await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3', 'q:q3': 'because' })).status,
    ).toBe(200);

    const d = await stuckAt(journeyId, 'requestGrading');
    expect(d.stuck.waitingFor).toBe('a grader to grade the free-text answers');
    const p = d.stuck.pending.find((x) => x.step === 'requestGrading')!;
    expect(p).toMatchObject({ willRetry: true });
    expect(p.lastFailure).toMatch(/has free-text answers but no grader: set the tenant's defaultGraderEmail/);
    expect(d.stuck.summary).toMatch(
      /^requestGrading is retrying \(attempt \d+.*\): .*no grader: set the tenant's defaultGraderEmail/,
    );

    // stuckHours finds it by how long it has been retrying, though its state changed just now:
    // the marker is set at the first failure and kept while the failures go on.
    const row = () => stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    const since = (await row()).retryingSince!;
    expect(since).not.toBeNull();
    await stuckAt(journeyId, 'requestGrading', p.attempt + 1);
    expect((await row()).retryingSince).toEqual(since);
    const stuckIds = async () =>
      (
        (await stack.api.call('GET', `/operator/journeys?tenantId=${stack.tenantId}&stuckHours=2`)).body!
          .journeys as { id: string }[]
      ).map((j) => j.id);
    expect(await stuckIds()).not.toContain(journeyId);
    await stack.database.db.journey.update({
      where: { id: journeyId },
      data: { retryingSince: new Date(Date.now() - 3 * 3_600_000) },
    });
    expect(await stuckIds()).toContain(journeyId);

    // Setting a default grader heals it with no other action: the request goes out, nothing is stuck.
    const grader = 'grader@vendor.example';
    const set = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/settings`, {
      defaultGraderEmail: grader,
    });
    expect(set.status).toBe(200);
    const request = await stack.smtp.waitFor(
      (m) => m.idempotencyKey === `${journeyId}:grader_request:1`,
      120_000,
    );
    expect(request.envelope.to).toEqual([grader]);
    await waitFor(
      'nothing pending',
      async () => ((await detail(journeyId)).stuck.pending.length === 0 ? true : null),
      60_000,
    );
    expect((await row()).retryingSince).toBeNull();
    expect(await stuckIds()).not.toContain(journeyId);
  }, 300_000);

  it('SMTP 4xx: the invite retries with backoff, the 451 shown; the next retry time is given', async () => {
    const { application, email } = candidateOf(1);
    stack.smtp.refuse(email, 451);
    const journeyId = await sendTest(application.id);
    const d = await stuckAt(journeyId, 'sendCandidateEmail', 3);
    expect(d.stuck.waitingFor).toBe('preparing the invitation');
    const p = d.stuck.pending.find((x) => x.step === 'sendCandidateEmail')!;
    expect(p.lastFailure).toMatch(/SMTP deferred the message \(451\)/);
    expect(p.lastFailure).not.toContain(email);
    expect(p.willRetry).toBe(true);
    // Between attempts Temporal states the next one; catch the journey in its backoff.
    const backingOff = await waitFor(
      'a backoff',
      async () => {
        const q = (await detail(journeyId)).stuck.pending.find((x) => x.step === 'sendCandidateEmail');
        return q?.nextAttemptAt ? q : null;
      },
      120_000,
    );
    expect(Date.parse(backingOff.nextAttemptAt!)).toBeGreaterThan(Date.now() - 60_000);
    stack.smtp.accept(email);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 90_000);
    await waitFor(
      'nothing pending',
      async () => ((await detail(journeyId)).stuck.pending.length === 0 ? true : null),
      30_000,
    );
  }, 240_000);

  it('SMTP 5xx: nothing retries; the declared wait says the invitation could not be delivered', async () => {
    const { application, email } = candidateOf(2);
    stack.smtp.refuse(email, 550);
    const journeyId = await sendTest(application.id);
    const d = await waitFor(
      'the refusal',
      async () => {
        const x = await detail(journeyId);
        // Once its read-model snapshot has been written, nothing is left pending.
        return x.stuck.waitingFor?.startsWith('the invitation could not be delivered') &&
          x.stuck.pending.length === 0
          ? x
          : null;
      },
      60_000,
    );
    expect(d.stuck.pending).toEqual([]);
    // And it stays so: the refused invite is not retried.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await detail(journeyId)).stuck.pending).toEqual([]);
    expect(stack.smtp.refusals.get(email.toLowerCase())).toBe(1);
    expect(d.stuck.summary).toMatch(
      /^waiting for the invitation could not be delivered: the mail server refused it for good \(550/,
    );
  }, 120_000);

  it('Greenhouse 5xx: the write-back step retries, the 503 shown', async () => {
    const { application } = candidateOf(3);
    const journeyId = await sendTest(application.id);
    const rule = stack.sb.faults.failNext('POST /v3/notes', 1000, { status: 503 });
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' })).status).toBe(200);
    const d = await stuckAt(journeyId, 'addResultNote');
    const p = d.stuck.pending.find((x) => x.step === 'addResultNote')!;
    expect(p.lastFailure).toMatch(/503/);
    expect(p.willRetry).toBe(true);
    expect(d.stuck.summary).toMatch(/^addResultNote is retrying/);
    stack.sb.faults.remove(rule.id);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ status: 'complete' });
  }, 300_000);
});
