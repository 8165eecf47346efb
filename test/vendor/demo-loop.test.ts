import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoVendor, type DemoVendor } from '../../demo-vendor/index.js';
import { waitFor } from '../../harness/processes.js';
import { demoVendorKey, enableDemoVendorPackage } from '../../scripts/demo-tenant.js';
import { createDeliveringVendorEventSink } from '../../vendor/event-delivery.js';
import type { VendorEventSink } from '../../vendor/event-types.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { TEST_OPERATOR_KEY } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { testRetry } from './events-stack.js';

// The vendor's product end to end, as a newcomer sees it from `npm start`: the recruiter clicks Send
// test in Greenhouse (the sandbox), the demo vendor hears order.created, the candidate opens the link
// from greenroom's e-mail in Chromium and takes the demo vendor's test, the demo vendor puts the
// result with its PDF, and greenroom writes it to Greenhouse once. Real HTTP, SMTP, Temporal,
// PostgreSQL; the demo vendor talks to greenroom only through the typed client.
describe('the demo vendor loop', () => {
  let stack: AssessmentStack;
  let vendor: DemoVendor;
  let browser: Browser;
  let levelField: string | null;
  // The worker's event sink delivers through workflows on the stack's own task queue, known once it runs.
  let sink: VendorEventSink | undefined;

  beforeAll(async () => {
    stack = await startAssessmentStack({
      tests: [],
      api: { vendorEndpointAllowHosts: ['127.0.0.1'], vendorEventRetry: testRetry() },
      activities: {
        vendorEndpointAllowHosts: ['127.0.0.1'],
        vendorEvents: { emit: (event) => sink!.emit(event) },
      },
    });
    sink = createDeliveringVendorEventSink({
      db: stack.database.db,
      temporal: stack.temporal,
      taskQueue: stack.taskQueue,
      retry: testRetry(),
    });
    // As `npm start` sets it up (scripts/demo-tenant.ts): a key, the demo vendor, the package enabled.
    const operator = { apiUrl: stack.api.url, operatorKey: TEST_OPERATOR_KEY };
    vendor = await startDemoVendor({
      greenroomUrl: stack.api.url,
      integrationKey: await demoVendorKey(operator),
    });
    ({ levelField } = await enableDemoVendorPackage({ ...operator, tenantId: stack.tenantId }));
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await vendor?.close();
    await stack?.close();
  });

  it(
    'Send test → order.created → launch in Chromium → the result with its PDF lands in Greenhouse once',
    { timeout: 300_000 },
    async () => {
      expect(levelField).not.toBeNull();
      const orgId = stack.org.org.id;
      const application = stack.sb.state.org(orgId)!.applications.all()[0]!;
      const listed = await stack.sb.admin.listTests(orgId);
      expect(JSON.stringify(listed.body)).toContain(vendor.packageId);

      const sent = await stack.sb.admin.sendTest(orgId, application.id, {
        partnerTestId: vendor.packageId,
        sentByUserId: stack.org.siteAdmin.id,
      });
      expect(sent.result.status).toBe(200);
      const orderId = sent.test.partnerInterviewId!;

      // The vendor hears of the order through a signed event.
      await waitFor('order.created at the demo vendor', async () =>
        vendor.orders.get(orderId)?.events.includes('order.created'),
      );
      expect(vendor.orders.get(orderId)).toMatchObject({
        tenantId: stack.tenantId,
        applicationId: String(application.id),
        status: 'open',
      });

      // The candidate's e-mail from greenroom carries greenroom's launch link.
      const invite = await stack.smtp.waitFor((m) => m.idempotencyKey === `${orderId}:invite:1`, 60_000);
      const link = /(http:\/\/127\.0\.0\.1:\d+\/v\/[A-Za-z0-9_-]+)/.exec(
        invite.parts.find((p) => p.contentType === 'text/plain')!.body,
      )![1]!;

      const page = await browser.newPage();
      await page.goto(link);
      // greenroom redirected with an assertion; the demo vendor verified it and shows its test.
      await page.waitForURL((u) => u.toString().startsWith(`${vendor.url}/launch?assertion=`));
      expect(await page.locator('h1').textContent()).toBe('Logic test (demo vendor)');
      await page.getByLabel('32').check();
      await page.getByLabel('Yes').check();
      await page.getByLabel('Carrot').check();
      await page.getByLabel('90°').check(); // wrong: 3 of 4 right, 75
      await page.getByRole('button', { name: 'Submit my answers' }).click();
      await page.waitForSelector('text=Done');
      expect(await page.locator('p').textContent()).toContain('score 75 / 100');
      await page.close();

      // Greenhouse reads the completion after the PATCH.
      await waitFor(
        'test_status complete in Greenhouse',
        async () => {
          await stack.sb.idle();
          return stack.greenhouse(application.id).tests[0]?.partnerStatus === 'complete';
        },
        120_000,
      );
      await waitFor('writeback.completed at the demo vendor', async () =>
        vendor.orders.get(orderId)?.events.includes('writeback.completed'),
      );
      await stack.sb.idle();

      const gh = stack.greenhouse(application.id);
      const testId = sent.test.id;
      const patches = gh.patches.filter((p) => Number((p as { testId?: unknown }).testId) === testId);
      expect(patches).toHaveLength(1);
      expect(gh.notes.filter((n) => n.body?.includes(`Ref: ${orderId}`))).toHaveLength(1);
      expect(gh.attachments).toHaveLength(1);
      expect(gh.customFields.map((f) => JSON.stringify(f))).toEqual(
        expect.arrayContaining([expect.stringContaining('advanced')]),
      );
      const report = await stack.database.db.report.findUniqueOrThrow({ where: { journeyId: orderId } });
      expect(report.contentHash).toBeTruthy();

      // Greenhouse asks test_status: complete, with the score.
      const status = await stack.sb.admin.checkStatus(orgId, testId);
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ partner_status: 'complete', partner_score: 75 });
      // The recruiter's profile link opens the vendor's PDF.
      const profile = await fetch((status.body as { partner_profile_url: string }).partner_profile_url);
      expect(profile.headers.get('content-type')).toBe('application/pdf');
      expect(
        Buffer.from(await profile.arrayBuffer())
          .subarray(0, 5)
          .toString('latin1'),
      ).toBe('%PDF-');

      // Each event once at the vendor, in order, nothing handled twice.
      const types = vendor.events.filter((e) => e.data.order_id === orderId).map((e) => e.type);
      expect(types).toEqual(['order.created', 'result.accepted', 'writeback.completed']);
      expect(vendor.orders.get(orderId)).toMatchObject({ status: 'written_back', result: { score: 75 } });
    },
  );

  it('autopilot: puts a result with its PDF on order.created by itself', { timeout: 300_000 }, async () => {
    const autopilot = await startDemoVendor({
      greenroomUrl: stack.api.url,
      integrationKey: await demoVendorKey({ apiUrl: stack.api.url, operatorKey: TEST_OPERATOR_KEY }),
      autopilot: true,
    });
    try {
      const orgId = stack.org.org.id;
      const application = stack.sb.state.org(orgId)!.applications.all()[1]!;
      const sent = await stack.sb.admin.sendTest(orgId, application.id, {
        partnerTestId: autopilot.packageId,
      });
      const orderId = sent.test.partnerInterviewId!;
      await waitFor(
        'writeback.completed at the autopilot vendor',
        async () => autopilot.orders.get(orderId)?.events.includes('writeback.completed'),
        120_000,
      );
      await waitFor('test_status complete in Greenhouse', async () => {
        await stack.sb.idle();
        return stack.greenhouse(application.id).tests[0]?.partnerStatus === 'complete';
      });
      const gh = stack.greenhouse(application.id);
      expect(
        gh.patches.filter((p) => Number((p as { testId?: unknown }).testId) === sent.test.id),
      ).toHaveLength(1);
      expect(gh.notes.filter((n) => n.body?.includes(`Ref: ${orderId}`))).toHaveLength(1);
      expect(gh.attachments).toHaveLength(1);
      expect(autopilot.orders.get(orderId)).toMatchObject({ status: 'written_back', result: { score: 100 } });
      // The other subscriber heard the same order and, without autopilot, put nothing.
      expect(vendor.orders.get(orderId)?.result).toBeNull();
    } finally {
      await autopilot.close();
    }
  });

  it('refuses a launch without a valid assertion', { timeout: 60_000 }, async () => {
    const res = await fetch(`${vendor.url}/launch?assertion=eyJhbGciOiJFUzI1NiJ9.e30.c2ln`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('This link cannot be used');
    const bad = await fetch(`${vendor.url}/events`, { method: 'POST', body: '{"type":"order.created"}' });
    expect(bad.status).toBe(401);
  });
});
