import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { cancelJourneyUpdate } from '../../workflows/shared/protocol.js';
import { pdf, startVendorStack, type VendorStack } from './vendor-stack.js';

const completed = {
  status: 'completed',
  score: 82,
  attributes: { seniority: 'senior', flagged: false },
  started_at: '2026-12-01T10:00:00Z',
  completed_at: '2026-12-01T11:00:00Z',
};

// Results in from the vendor's product: real API, Temporal, PostgreSQL, SMTP and Greenhouse sandbox.
describe('vendor results', () => {
  let stack: VendorStack;

  beforeAll(async () => {
    // A small report limit so "oversized" stays small.
    stack = await startVendorStack({ api: { vendorReportMaxBytes: 4096 } });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const db = () => stack.database.db;
  const orderState = async (orderId: string) => ({
    order: await db().vendorOrder.findUnique({ where: { journeyId: orderId } }),
    report: await db().report.findUnique({ where: { journeyId: orderId }, select: { contentHash: true } }),
    events: (await db().vendorEvent.findMany({ where: { orderId }, orderBy: { sequence: 'asc' } })).map(
      (e) => `${e.sequence}:${e.type}`,
    ),
  });
  const waitOpen = (orderId: string) =>
    waitFor(
      'the order to be open and invited',
      async () => (await db().journey.findUnique({ where: { id: orderId } }))?.status === 'sent',
      60_000,
    );

  it(
    'a result with its PDF is written back once; the same again answers the same; a different one 409',
    { timeout: 180_000 },
    async () => {
      const { journeyId, application, handle } = await stack.startOrder(0);
      await waitOpen(journeyId);
      // greenroom delivery: the candidate got the launch link by e-mail.
      const invite = await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
      expect(invite.parts.find((p) => p.contentType === 'text/plain')!.body).toMatch(/\/v\/grv_/);

      const first = await stack.putResult(journeyId, completed, pdf());
      expect(first.status).toBe(200);
      expect(first.body.result).toMatchObject({ status: 'completed', score: 82, passed: true, report: true });

      const final = await handle.result();
      expect(final).toMatchObject({ status: 'complete', scorePercent: 82, passed: true });
      const gh = stack.greenhouse(application.id);
      expect(gh.notes.filter((n) => n.body?.includes(`Ref: ${journeyId}`))).toHaveLength(1);
      expect(gh.attachments).toHaveLength(1);
      const mapping = await db().vendorAttributeMapping.findFirstOrThrow();
      expect(gh.customFields.map((f) => JSON.stringify(f))).toEqual(
        expect.arrayContaining([expect.stringContaining('senior')]),
      );
      expect(mapping.attribute).toBe('seniority');

      const again = await stack.putResult(journeyId, completed, pdf());
      expect(again).toEqual(first);
      const different = await stack.putResult(journeyId, { ...completed, score: 40 });
      expect(different.status).toBe(409);
      expect(different.body.accepted_result).toMatchObject({ score: 82 });

      const state = await orderState(journeyId);
      expect(state.order).toMatchObject({ status: 'completed' });
      expect(state.events).toEqual(['1:order.created', '2:result.accepted', '3:writeback.completed']);
      // Nothing was written twice.
      expect(
        stack.greenhouse(application.id).notes.filter((n) => n.body?.includes(`Ref: ${journeyId}`)),
      ).toHaveLength(1);
      expect(stack.greenhouse(application.id).attachments).toHaveLength(1);
    },
  );

  it('refuses bad results, naming the field, and changes nothing', { timeout: 180_000 }, async () => {
    const { journeyId, handle, application } = await stack.startOrder(1);
    await waitOpen(journeyId);
    const before = await orderState(journeyId);
    const greenhouseNow = () => {
      const gh = stack.greenhouse(application.id);
      return { notes: gh.notes.length, attachments: gh.attachments.length, fields: gh.customFields.length };
    };
    const greenhouseBefore = greenhouseNow();
    expect(before.order).toMatchObject({ status: 'open', resultHash: null });

    const refused = async (result: unknown, report: Buffer | undefined, status: number, field: string) => {
      const res = await stack.putResult(journeyId, result, report);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.field).toBe(field);
    };
    await refused({ ...completed, score: 101 }, undefined, 422, 'score');
    await refused(
      { ...completed, attributes: { unknown_thing: 'x' } },
      undefined,
      422,
      'attributes.unknown_thing',
    );
    await refused({ ...completed, attributes: { flagged: 'yes' } }, undefined, 422, 'attributes.flagged');
    await refused({ ...completed, referees: { requested: 2, completed: 1 } }, undefined, 422, 'referees');
    await refused({ ...completed, status: 'done' }, undefined, 422, 'status');
    await refused(completed, Buffer.from('not a pdf at all'), 422, 'report');
    await refused(completed, Buffer.concat([pdf(), Buffer.alloc(8192, 32)]), 413, 'report');

    // report_url aimed at loopback: by address literal, and by a name that resolves to it.
    let fetched = 0;
    const server = createServer((_req, res) => {
      fetched++;
      res.end(pdf());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await refused(
        { ...completed, report_url: `https://127.0.0.1:${port}/r.pdf` },
        undefined,
        422,
        'report_url',
      );
      await refused(
        { ...completed, report_url: `https://localhost:${port}/r.pdf` },
        undefined,
        422,
        'report_url',
      );
      await refused({ ...completed, report_url: `http://example.com/r.pdf` }, undefined, 422, 'report_url');
    } finally {
      server.close();
    }
    expect(fetched).toBe(0);

    expect(await orderState(journeyId)).toEqual(before);
    // No write-back either: Greenhouse holds what it held.
    expect(greenhouseNow()).toEqual(greenhouseBefore);
    expect((await handle.query('state')) as { status: string }).toMatchObject({
      status: 'sent',
      resultHash: null,
    });
  });

  it('refuses a result for a cancelled order (409) and changes nothing', { timeout: 180_000 }, async () => {
    const { journeyId, handle, application } = await stack.startOrder(2);
    await waitOpen(journeyId);
    await handle.executeUpdate(cancelJourneyUpdate, { args: [{ reason: 'the vendor withdrew' }] });
    expect(await handle.result()).toMatchObject({ status: 'cancelled' });
    const before = await orderState(journeyId);
    expect(before.order).toMatchObject({ status: 'cancelled', resultHash: null });
    expect(before.events).toEqual(['1:order.created', '2:order.cancelled']);

    const res = await stack.putResult(journeyId, completed, pdf());
    expect(res.status).toBe(409);
    expect(res.body.accepted_result).toBeNull();
    expect(await orderState(journeyId)).toEqual(before);
    const gh = stack.greenhouse(application.id);
    expect(gh.notes.filter((n) => n.body?.includes(`Ref: ${journeyId}`))).toHaveLength(0);
    expect(gh.attachments).toHaveLength(0);
  });

  it('answers 401 without an integration key and 404 for an unknown order', { timeout: 60_000 }, async () => {
    expect((await stack.putResult('no-such-order', completed, undefined, 'gro_wrong')).status).toBe(401);
    expect((await stack.putResult('no-such-order', completed)).status).toBe(404);
  });
});
