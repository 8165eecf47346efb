import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import type { VendorPackageDefinition } from '../../domain/vendor/package.js';
import { pdf, startVendorStack, vendorPackage, type VendorStack } from './vendor-stack.js';

/** Expires about 25 s after the invite (a test-only deadline: the API's minimum is a day). */
const quickPackage: VendorPackageDefinition = {
  ...vendorPackage,
  packageId: 'quick-expiry',
  name: 'Quick expiry',
  deadlineDays: 25 / 86_400,
};
/** A vendor-hosted reference check: referee counts, no score, no pass/fail. */
const referencePackage: VendorPackageDefinition = {
  ...vendorPackage,
  packageId: 'vendor-references',
  packageKind: 'reference_check',
  name: 'Vendor references',
  result: { score: null, passMark: null, attributes: [] },
};

// Orders started by Greenhouse's Send Test (so there is a completion URL), on the real stack:
// progress, an expired deadline, and a vendor-hosted reference check.
describe('vendor order paths through Greenhouse', () => {
  let stack: VendorStack;

  beforeAll(async () => {
    stack = await startVendorStack();
    await stack.addPackage(quickPackage);
    await stack.addPackage(referencePackage);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const db = () => stack.database.db;
  const journeyStatus = async (id: string) => (await db().journey.findUnique({ where: { id } }))?.status;
  const waitStatus = (id: string, status: string, ms = 90_000) =>
    waitFor(`journey ${id} to be ${status}`, async () => (await journeyStatus(id)) === status, ms);
  const progress = (orderId: string, body: unknown) =>
    stack.vendor('POST', `/orders/${encodeURIComponent(orderId)}/events`, body);
  const orderRow = (journeyId: string) => db().vendorOrder.findUniqueOrThrow({ where: { journeyId } });
  const eventsOf = async (orderId: string) =>
    (await db().vendorEvent.findMany({ where: { orderId }, orderBy: { sequence: 'asc' } })).map(
      (e) => e.type,
    );

  it(
    'progress updates the order and the status Greenhouse reads; bad progress names the field and changes nothing',
    { timeout: 240_000 },
    async () => {
      const { journeyId, application, handle } = await stack.sendTest(0, vendorPackage.packageId);
      await waitStatus(journeyId, 'sent');
      const before = await orderRow(journeyId);
      expect(before).toMatchObject({ status: 'open', startedAt: null, progressPercent: null });

      for (const [body, field] of [
        [{ type: 'progress', percent: 101 }, 'percent'],
        [{ type: 'begun' }, 'type'],
        [{ type: 'started', at: 'yesterday' }, 'at'],
      ] as const) {
        const res = await progress(journeyId, body);
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect((res.body!.error as { field?: string }).field).toBe(field);
      }
      expect((await progress('no-such-order', { type: 'started' })).status).toBe(404);
      expect(await orderRow(journeyId)).toEqual(before);
      expect(await journeyStatus(journeyId)).toBe('sent');
      expect(await stack.testStatus(journeyId)).toMatchObject({ partner_status: 'sent' });

      const started = await progress(journeyId, { type: 'started', at: '2026-12-01T10:00:00Z' });
      expect(started.status).toBe(202);
      await waitStatus(journeyId, 'in_progress');
      expect(await stack.testStatus(journeyId)).toMatchObject({ partner_status: 'in_progress' });
      expect(await orderRow(journeyId)).toMatchObject({
        status: 'started',
        startedAt: new Date('2026-12-01T10:00:00Z'),
      });

      expect((await progress(journeyId, { type: 'progress', percent: 40 })).status).toBe(202);
      const view = await stack.vendor('GET', `/orders/${encodeURIComponent(journeyId)}`);
      expect(view.body).toMatchObject({ status: 'started', progress_percent: 40 });
      // A repeat is harmless; the first start time stays.
      expect((await progress(journeyId, { type: 'started' })).status).toBe(202);
      expect((await orderRow(journeyId)).startedAt).toEqual(new Date('2026-12-01T10:00:00Z'));

      // The result ends progress: a late progress report is refused and changes nothing.
      const put = await stack.putResult(journeyId, { status: 'completed', score: 70, attributes: {} }, pdf());
      expect(put.status).toBe(200);
      expect(await handle.result()).toMatchObject({ status: 'complete' });
      const late = await progress(journeyId, { type: 'progress', percent: 90 });
      expect(late.status).toBe(409);
      expect((await orderRow(journeyId)).progressPercent).toBe(40);
      expect(await stack.testStatus(journeyId)).toMatchObject({
        partner_status: 'complete',
        partner_score: 70,
      });
      expect(stack.patchesFor(application.id)).toHaveLength(1);
    },
  );

  it(
    'the deadline passes with no result: order.expired, and the completion PATCH once',
    { timeout: 240_000 },
    async () => {
      const { journeyId, application, handle } = await stack.sendTest(1, quickPackage.packageId);
      expect(await handle.result()).toMatchObject({ status: 'expired' });
      expect(await orderRow(journeyId)).toMatchObject({ status: 'expired', resultHash: null });
      expect(await eventsOf(journeyId)).toEqual(['order.created', 'order.expired']);
      await waitFor('the completion PATCH', async () => stack.patchesFor(application.id).length > 0, 60_000);
      await stack.sb.idle();
      expect(stack.patchesFor(application.id)).toHaveLength(1);
      expect(await stack.testStatus(journeyId)).toMatchObject({ partner_status: 'expired' });
      // The candidate heard (greenroom delivery): invite, then the expiry notice, once each.
      expect(
        stack.smtp.messages
          .map((m) => m.idempotencyKey)
          .filter((k) => k?.startsWith(`${journeyId}:`))
          .sort(),
      ).toEqual([`${journeyId}:expiry:1`, `${journeyId}:invite:1`]);
      // A result after the deadline is refused and changes nothing.
      const late = await stack.putResult(journeyId, { status: 'completed', score: 90, attributes: {} });
      expect(late.status).toBe(409);
      expect(await eventsOf(journeyId)).toEqual(['order.created', 'order.expired']);
      expect(stack.patchesFor(application.id)).toHaveLength(1);
      expect(stack.greenhouse(application.id).notes.filter((n) => n.body?.includes(journeyId))).toHaveLength(
        0,
      );
    },
  );

  it(
    'a vendor-hosted reference check: referee count, completion and report written back once',
    { timeout: 240_000 },
    async () => {
      const { journeyId, application, handle } = await stack.sendTest(2, referencePackage.packageId);
      await waitStatus(journeyId, 'sent');
      const refused = async (result: unknown, field: string) => {
        const res = await stack.putResult(journeyId, result);
        expect(res.status, JSON.stringify(res.body)).toBe(422);
        expect(res.body.error.field).toBe(field);
      };
      await refused({ status: 'completed' }, 'referees');
      await refused({ status: 'completed', referees: { requested: 2, completed: 3 } }, 'referees.completed');
      await refused(
        { status: 'completed', referees: { requested: 3, completed: 2 }, passed: true },
        'passed',
      );
      await refused({ status: 'completed', referees: { requested: 3, completed: 2 }, score: 4 }, 'score');
      expect(await orderRow(journeyId)).toMatchObject({ status: 'open', resultHash: null });

      const put = await stack.putResult(
        journeyId,
        { status: 'completed', referees: { requested: 3, completed: 2 } },
        pdf('references'),
      );
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body.result).toMatchObject({
        referees: { requested: 3, completed: 2 },
        passed: null,
        report: true,
      });
      expect(await handle.result()).toMatchObject({ status: 'complete', passed: null });

      await waitFor(
        'Greenhouse to read test_status after the PATCH',
        async () => {
          await stack.sb.idle();
          return stack.greenhouse(application.id).tests[0]?.partnerStatus === 'complete';
        },
        60_000,
      );
      const gh = stack.greenhouse(application.id);
      expect(stack.patchesFor(application.id)).toHaveLength(1);
      const notes = gh.notes.filter((n) => n.body?.includes(`Ref: ${journeyId}`));
      expect(notes).toHaveLength(1);
      expect(notes[0]!.body).toContain('2 of 3 referees answered (partial)');
      expect(gh.attachments).toHaveLength(1);
      expect(await stack.testStatus(journeyId)).toMatchObject({
        partner_status: 'complete',
        metadata: { 'Referees answered': '2 of 3 requested', Completion: 'partial' },
      });
      const accepted = await db().vendorEvent.findFirstOrThrow({
        where: { orderId: journeyId, type: 'result.accepted' },
      });
      expect(accepted.payload).toMatchObject({ referees: { requested: 3, completed: 2 }, passed: null });
      expect(await eventsOf(journeyId)).toEqual(['order.created', 'result.accepted', 'writeback.completed']);
    },
  );
});
