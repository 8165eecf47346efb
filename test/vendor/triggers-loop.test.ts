import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { eventually, startEventReceiver } from './event-receiver.js';
import { pdf, startVendorStack, vendorPackage, type VendorStack } from './vendor-stack.js';

type Receiver = Awaited<ReturnType<typeof startEventReceiver>>;
const ROWS = 200;
const result = { status: 'completed', score: 75, attributes: { seniority: 'senior' } };

// The whole loop with the in-test receiver as the vendor's product: an order starts (stage webhook,
// bulk CSV), order.created reaches the vendor's endpoint, the vendor puts a result with a PDF, and
// greenroom writes it back once. Real API, Temporal, PostgreSQL, SMTP, Greenhouse sandbox, HTTP.
describe('the vendor loop through a stage webhook and a bulk CSV', () => {
  let stack: VendorStack;
  let receiver: Receiver;
  /** Orders the "vendor" has put a result for, with the answer's status. */
  const answered = new Map<string, number>();

  /** The vendor's product: every new order.created gets one result with a PDF. */
  const actAsVendor = async () => {
    for (const e of receiver.events()) {
      if (e.type !== 'order.created' || answered.has(e.data.order_id!)) continue;
      const id = e.data.order_id!;
      answered.set(id, 0);
      answered.set(id, (await stack.putResult(id, result, pdf(id))).status);
    }
  };

  beforeAll(async () => {
    stack = await startVendorStack({
      sandbox: {
        orgs: [{ name: 'Acme', candidates: ROWS + 5, plan: 'enterprise' }],
        rateLimit: { v3: { limit: 100_000 } },
      },
    });
    receiver = await startEventReceiver();
    await stack.subscribe(receiver);
  }, 240_000);
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const db = () => stack.database.db;
  const noteCount = (applicationId: number, journeyId: string) =>
    stack.greenhouse(applicationId).notes.filter((n) => n.body?.includes(`Ref: ${journeyId}`)).length;

  it(
    'a stage webhook mapped to the package: one order.created, one result, each effect once',
    { timeout: 300_000 },
    async () => {
      const mode = await stack.api.call(
        'POST',
        `/operator/tenants/${stack.tenantId}/modes/webhook_trigger/activate`,
        {},
      );
      expect(mode.status).toBeLessThan(300);
      await stack.sb.admin.configureIntegration(stack.org.org.id, {
        webhook: {
          url: `${stack.api.url}/webhooks/greenhouse/${stack.tenantId}`,
          secret: String(mode.body!.webhookSecret),
          ping: true,
        },
      });
      const app = stack.sb.state.org(stack.org.org.id)!.applications.all()[0]!;
      const stage = stack.org.org.stagesOfJob(app.jobId!).find((s) => s.name === 'Take Home Test')!;
      const mapped = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/stage-test-mappings`, {
        mappings: [{ jobId: String(app.jobId), stageId: String(stage.id), testId: vendorPackage.packageId }],
      });
      expect(mapped.status).toBe(200);
      stack.sb.admin.moveStage(stack.org.org.id, app.id, { stageName: 'Take Home Test' });
      await stack.sb.idle();

      const created = await eventually(
        async () => {
          await actAsVendor();
          return receiver.events().find((e) => e.type === 'order.created');
        },
        120_000,
        'order.created at the vendor',
      );
      const journeyId = created.data.order_id!;
      expect(await db().journey.findUniqueOrThrow({ where: { id: journeyId } })).toMatchObject({
        trigger: 'webhook',
        greenhouseApplicationId: String(app.id),
      });
      expect(created.data.launch_url).toMatch(/\/v\/grv_/);
      await eventually(async () => answered.get(journeyId) || null, 60_000, 'the vendor’s result');
      expect(answered.get(journeyId)).toBe(200);
      expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
        status: 'complete',
      });
      await eventually(
        async () =>
          receiver.events().some((e) => e.type === 'writeback.completed' && e.data.order_id === journeyId),
        90_000,
        'writeback.completed at the vendor',
      );
      await stack.sb.idle();
      const gh = stack.greenhouse(app.id);
      expect(noteCount(app.id, journeyId)).toBe(1);
      expect(gh.attachments).toHaveLength(1);
      expect(gh.customFields.map((f) => JSON.stringify(f))).toEqual(
        expect.arrayContaining([expect.stringContaining('senior'), '75']),
      );
      // A stage webhook creates no Greenhouse test (no completion URL): nothing to PATCH; greenroom's
      // test_status answers complete from the read model.
      expect(stack.patchesFor(app.id)).toHaveLength(0);
      expect(await stack.testStatus(journeyId)).toMatchObject({
        partner_status: 'complete',
        partner_score: 75,
      });
      expect(
        receiver
          .events()
          .filter((e) => e.data.order_id === journeyId)
          .map((e) => e.type),
      ).toEqual(expect.arrayContaining(['order.created', 'result.accepted', 'writeback.completed']));
      expect([...receiver.counts().values()].every((c) => c === 1)).toBe(true);
    },
  );

  it(
    `a bulk CSV of ${ROWS} rows: ${ROWS} orders, one order.created each, all written back once`,
    { timeout: 1_200_000 },
    async () => {
      const mode = await stack.api.call(
        'POST',
        `/operator/tenants/${stack.tenantId}/modes/vendor_invite/activate`,
        {},
      );
      expect(mode.status).toBeLessThan(300);
      const org = stack.sb.state.org(stack.org.org.id)!;
      // One application each of ROWS other candidates (the first went through the stage webhook).
      const first = org.applications.all()[0]!;
      const seen = new Set([first.candidateId]);
      const apps = org.applications
        .all()
        .filter((a) => !seen.has(a.candidateId) && seen.add(a.candidateId))
        .slice(0, ROWS);
      expect(apps).toHaveLength(ROWS);
      const lines = apps.map((a) => {
        const c = org.candidates.get(a.candidateId)!;
        return `${c.emails[0]!.value},${c.firstName},${c.lastName},${a.jobId},${vendorPackage.packageId}`;
      });
      const csv = ['email,first_name,last_name,job_id,test_id', ...lines].join('\r\n') + '\r\n';
      const upload = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/invites/bulk`, csv, {
        'content-type': 'text/csv',
      });
      expect(upload.status, JSON.stringify(upload.body)).toBeLessThan(300);
      const bulkId = String(upload.body!.id);
      const bulk = await waitFor(
        'the bulk invite to finish',
        async () => {
          const p = (await stack.api.call('GET', `/operator/bulk-invites/${bulkId}`)).body as {
            status: string;
            started: number;
            invalidRows: number;
          };
          return p.status === 'done' ? p : null;
        },
        600_000,
      );
      expect(bulk).toMatchObject({ started: ROWS, invalidRows: 0 });
      const ids = new Set(
        (
          await db().journey.findMany({
            where: { trigger: 'vendor', tenantId: stack.tenantId },
            select: { id: true },
          })
        ).map((j) => j.id),
      );
      expect(ids.size).toBe(ROWS);

      // Progress, not a clock: each round answers what arrived; the wait ends when all are written back.
      let lastDone = -1;
      let stalledSince = Date.now();
      for (;;) {
        await actAsVendor();
        const done = await db().vendorEvent.count({
          where: { type: 'writeback.completed', orderId: { in: [...ids] } },
        });
        if (done === ROWS) break;
        if (done !== lastDone) [lastDone, stalledSince] = [done, Date.now()];
        if (Date.now() - stalledSince > 180_000)
          throw new Error(`no progress for 3 minutes at ${done}/${ROWS}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }

      const created = receiver
        .events()
        .filter((e) => e.type === 'order.created' && ids.has(e.data.order_id!));
      expect(created).toHaveLength(ROWS);
      expect(new Set(created.map((e) => e.data.order_id)).size).toBe(ROWS);
      expect([...ids].every((id) => answered.get(id) === 200)).toBe(true);
      await stack.sb.idle();
      for (const a of apps) expect(stack.greenhouse(a.id).attachments).toHaveLength(1);
      const notes = apps.flatMap((a) =>
        stack.greenhouse(a.id).notes.filter((n) => /Ref: /.test(String(n.body))),
      );
      expect(notes).toHaveLength(ROWS);
      expect(new Set(notes.map((n) => n.body)).size).toBe(ROWS);
      // Nothing delivered twice under one id.
      expect([...receiver.counts().values()].every((c) => c === 1)).toBe(true);
    },
  );
});
