import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { createJourneySealer, ErasedDataError } from '../../security/journey-sealing.js';
import { keyedTest, startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { historyText } from './erasure-dump.js';

// A grader's comments and identity are personal data that passes through Temporal: the grade page
// seals them with the journey's key, so the history (decoded with the codec) never holds them in
// clear, the activity still stores them, and erasing the journey makes them unreadable for good.
const essayTest = {
  ...keyedTest,
  testId: 'essay-sealed',
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

describe('grading travels sealed', () => {
  let stack: AssessmentStack;
  beforeAll(async () => {
    stack = await startAssessmentStack({ tests: [essayTest] });
  }, 120_000);
  afterAll(async () => stack?.close());

  it('keeps the grader’s comment and name out of the history, and erasure shreds them', async () => {
    const application = stack.sb.state.org(stack.org.org.id)!.applications.all()[0]!;
    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: 'essay-sealed',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    const journeyId = stack.journeyIdFor(application.id, 'essay-sealed');
    const submitted = await stack.submitFromInvite(journeyId, {
      'q:q1': 'b',
      'q:q2': '0.3',
      'q:q3': 'Because null was a pointer once.',
    });
    expect(submitted.status).toBe(200);
    const mail = await stack.smtp.waitFor(
      (m) => m.idempotencyKey === `${journeyId}:grader_request:1`,
      30_000,
    );
    const link = /(http:\/\/127\.0\.0\.1:\d+\/g\/[A-Za-z0-9_-]+)/.exec(
      mail.parts.find((p) => p.contentType === 'text/plain')!.body,
    )![1]!;

    const comment = 'Quincunx-harbour-3307 shows real insight';
    const grader = 'Gwendolyn Gradewell';
    const graded = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'points:q3': '2', 'comment:q3': comment, gradedBy: grader }),
    });
    expect(graded.status).toBe(200);
    const stored = await waitFor(
      'the grades stored',
      async () => {
        const s = await stack.database.db.submission.findUnique({ where: { journeyId } });
        return s?.gradedBy ? s : null;
      },
      30_000,
    );
    // The activity unsealed them: the database holds them as they were typed.
    expect(stored).toMatchObject({ gradedBy: grader, graderScores: { q3: { points: 2, comment } } });

    // The history holds them only sealed.
    const history = await historyText(stack.temporal, journeyId);
    expect(history).not.toContain(comment);
    expect(history).not.toContain(grader);
    const sealed = [...history.matchAll(/"sealed":"(gs1\.[A-Za-z0-9_.-]+)"/g)].map((m) => m[1]!);
    const sealer = createJourneySealer({ db: stack.database.db, secrets: stack.secrets });
    const opened = await Promise.all(sealed.map((s) => sealer.unseal(journeyId, { sealed: s })));
    expect(JSON.stringify(opened)).toContain(comment);
    expect(opened).toContain(grader);

    // Erased: the key is gone, so the sealed comment and name can never be read again.
    const erased = await stack.api.call(
      'POST',
      `/operator/journeys/${encodeURIComponent(journeyId)}/erase`,
      {},
    );
    expect(erased.status).toBe(200);
    for (const s of sealed)
      await expect(sealer.unseal(journeyId, { sealed: s })).rejects.toBeInstanceOf(ErasedDataError);
    const row = await stack.database.db.submission.findUniqueOrThrow({ where: { journeyId } });
    expect(row.gradedBy).toBeNull();
  }, 180_000);
});
