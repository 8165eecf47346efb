import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErasedDataError, createJourneySealer } from '../../security/journey-sealing.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { historyText } from './erasure-dump.js';

/** Every sealed value (`gs1.<iv>.<body>`) a text holds. */
const sealedIn = (text: string) => [...new Set(text.match(/gs1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g) ?? [])];

// An operator's cancel reason is personal data about the candidate: it travels through Temporal
// sealed with the journey's key. Readers with the key see it (the API's answer, the read model);
// the decoded history holds only the sealed value; erasing the journey makes it unreadable.
describe("an operator's cancel reason, sealed with the journey's key", () => {
  let stack: AssessmentStack;
  beforeAll(async () => {
    stack = await startAssessmentStack();
  }, 120_000);
  afterAll(async () => stack?.close());

  it('is readable with the key before erasure, never in clear in the history, and unreadable after', async () => {
    const app = stack.sb.state.org(stack.org.org.id)!.applications.all()[0]!;
    await stack.sb.admin.sendTest(stack.org.org.id, app.id, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    const journeyId = stack.journeyIdFor(app.id);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 60_000);

    const marker = 'candidate told Quillon-7781 she took another offer';
    const path = `/operator/journeys/${encodeURIComponent(journeyId)}`;
    const cancelled = await stack.api.call('POST', `${path}/cancel`, { reason: marker });
    expect(cancelled).toMatchObject({ status: 200, body: { stopReason: `cancelled: ${marker}` } });
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'cancelled',
      stopReason: 'cancelled',
      stopNote: { sealed: expect.stringMatching(/^gs1\./) },
    });
    const row = await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(row).toMatchObject({ status: 'cancelled', statusDetail: `cancelled: ${marker}` });

    // The history (decoded as with the codec) holds the reason only sealed; with the key it reads back.
    const before = await historyText(stack.temporal, journeyId);
    expect(before).not.toContain('Quillon-7781');
    const sealer = createJourneySealer({ db: stack.database.db, secrets: stack.secrets });
    const opened = await Promise.all(
      sealedIn(before).map((sealed) => sealer.unseal(journeyId, { sealed }).catch(() => null)),
    );
    expect(opened).toContain(marker);

    const erased = await stack.api.call('POST', `${path}/erase`, {});
    expect(erased.status).toBe(200);
    const after = await historyText(stack.temporal, journeyId);
    expect(after).not.toContain('Quillon-7781');
    const sealedAfter = sealedIn(after);
    expect(sealedAfter.length).toBeGreaterThan(0);
    for (const sealed of sealedAfter)
      await expect(sealer.unseal(journeyId, { sealed })).rejects.toBeInstanceOf(ErasedDataError);
    const blanked = await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(blanked.statusDetail ?? '').not.toContain('Quillon-7781');
  }, 180_000);
});
