import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../security/payload-codec.js';
import { assessmentStateQuery, submitGradesUpdate } from '../../workflows/assessment/contract.js';
import { keyedTest, startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { TEST_OPERATOR_KEY } from '../helpers/app.js';
import { waitFor } from '../../harness/processes.js';
import { TEST_PAYLOAD_KEYS } from '../helpers/temporal.js';
import { rawPayloadsOf, rawHistoryText } from './raw-history.js';

/** keyedTest plus a free-text question, so the candidate's own words go through the journey. */
const essayTest = {
  ...keyedTest,
  testId: 'js-essay',
  name: 'JavaScript essay',
  sections: [
    {
      ...keyedTest.sections[0]!,
      questions: [
        ...keyedTest.sections[0]!.questions,
        {
          kind: 'free_text',
          id: 'q3',
          prompt: 'Why is typeof null "object"?',
          points: 2,
          rubric: 'History.',
        },
      ],
    },
  ],
};

// A complete journey on the real stack, its history read straight from Temporal with a client that
// has no codec: no candidate name, e-mail or answer in it. The Temporal UI's codec endpoint reads them.
describe('journey history in Temporal is encrypted', () => {
  let stack: AssessmentStack;
  beforeAll(async () => {
    stack = await startAssessmentStack({ tests: [essayTest] });
  });
  afterAll(async () => stack?.close());

  it('holds no name, e-mail or answer without the codec, and the codec endpoint reveals them', async () => {
    const application = stack.sb.state.org(stack.org.org.id)!.applications.all()[0]!;
    const candidate = stack.sb.state.org(stack.org.org.id)!.candidates.get(application.candidateId)!;
    const email = candidate.emails[0]!.value;
    const answerMarker = `answer-marker-${randomBytes(6).toString('hex')}`;
    const commentMarker = `grader-comment-${randomBytes(6).toString('hex')}`;

    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: 'js-essay',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    const journeyId = stack.journeyIdFor(application.id, 'js-essay');
    const submitted = await stack.submitFromInvite(journeyId, {
      'q:q1': 'b',
      'q:q2': '0.3',
      'q:q3': `Because of the first implementation. ${answerMarker} (${email})`,
    });
    expect(submitted.status).toBe(200);
    const handle = stack.temporal.workflow.getHandle(journeyId);
    await waitFor(
      'the journey to wait for a grader',
      async () => (await handle.query(assessmentStateQuery)).status === 'awaiting_grading',
    );
    await handle.executeUpdate(submitGradesUpdate, {
      // Candidates' e-mails live in PostgreSQL, not in journeys: the grader's comment carries one here.
      args: [
        {
          scores: { q3: { points: 2, comment: `${commentMarker}, wrote to ${email}` } },
          gradedBy: 'grader@vendor.example',
        },
      ],
    });
    expect(await handle.result()).toMatchObject({ status: 'complete', scorePercent: 100, passed: true });

    // Straight from Temporal: a client without our data converter.
    const raw = new Client({ connection: stack.temporal.connection });
    const history = await raw.workflow.getHandle(journeyId).fetchHistory();
    expect(history.events!.length).toBeGreaterThan(10);
    const text = rawHistoryText(history);
    expect(text).toContain(journeyId); // the workflow id is not a payload: the dump is real
    for (const secret of [candidate.firstName, candidate.lastName, email, answerMarker, commentMarker]) {
      expect(text, secret).not.toContain(secret);
    }

    // Every payload is encrypted with the current key, except what Temporal itself must read: search
    // attributes (ids and states only, by design), the SDK's patch markers (patch ids) and the SDK's
    // own record in a local activity's marker (`details.data`: sequence, attempt, activity type, time;
    // the activity's result beside it, `details.result`, is ours and encrypted).
    const payloads = rawPayloadsOf(history);
    const data = payloads.filter(
      (p) => !/searchAttributes|\.patch-data\.|markerRecordedEventAttributes\.details\.data\./.test(p.path),
    );
    expect(payloads.some((p) => /markerRecordedEventAttributes\.details\.result\./.test(p.path))).toBe(true);
    expect(data.length).toBeGreaterThan(10);
    for (const { payload, path } of data) {
      expect(Buffer.from(payload.metadata!.encoding!).toString(), path).toBe(ENCRYPTED_ENCODING);
      expect(Buffer.from(payload.metadata![KEY_ID_METADATA]!).toString(), path).toBe(
        TEST_PAYLOAD_KEYS[0]!.id,
      );
    }

    // The Temporal UI's codec endpoint, with the operator key, turns them back into the journey's JSON.
    const res = await fetch(`${stack.api.url}/codec/decode`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_OPERATOR_KEY}`,
        'content-type': 'application/json',
        origin: 'http://localhost:8233',
      },
      body: JSON.stringify({
        payloads: data.map(({ payload }) => ({
          metadata: Object.fromEntries(
            Object.entries(payload.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
          ),
          data: Buffer.from(payload.data!).toString('base64'),
        })),
      }),
    });
    expect(res.status).toBe(200);
    const decoded = (
      (await res.json()) as { payloads: { metadata: Record<string, string>; data?: string }[] }
    ).payloads;
    expect(decoded).toHaveLength(data.length);
    for (const p of decoded) {
      expect(Buffer.from(p.metadata.encoding!, 'base64').toString()).not.toBe(ENCRYPTED_ENCODING);
    }
    // Back to values as the SDK would convert them (json/plain; binary/null has no data).
    const values = decoded.map((p) =>
      p.data ? (JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as unknown) : null,
    );
    const plain = JSON.stringify(values);
    expect(plain).toContain(journeyId);
    expect(plain).toContain(commentMarker);
    expect(plain).toContain(email);
    // The candidate's answers: the submitAnswers update's argument. When the take-test page seals them
    // with the secrets box before they reach Temporal (security/journey-sealing.ts), the UI shows
    // the sealed envelope; otherwise the candidate's own words.
    const submission = values.find(
      (v): v is { answers: unknown } => !!v && typeof v === 'object' && 'answers' in v && !('journeyId' in v),
    );
    expect(JSON.stringify(submission?.answers)).toMatch(new RegExp(`${answerMarker}|"sealed":"gs1\\.`));
  });
});
