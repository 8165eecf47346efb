import type { Prisma } from '../../db/client.js';
import { journeysOf } from '../../db/repositories/journeys.js';
import type { VendorPackageDefinition } from '../../domain/vendor/package.js';
import { vendorKind } from '../../journeys/kinds/vendor.js';
import { generateToken, hashToken } from '../../security/tokens.js';
import { createDeliveringVendorEventSink } from '../../vendor/event-delivery.js';
import type { VendorEventSink } from '../../vendor/event-types.js';
import { startAssessmentStack } from '../helpers/assessment-stack.js';
import type { startEventReceiver } from './event-receiver.js';
import { testRetry } from './events-stack.js';

/** A vendor-hosted test with a score, a pass mark and two attributes. */
export const vendorPackage: VendorPackageDefinition = {
  kind: 'vendor_hosted',
  packageId: 'proctored-java',
  packageKind: 'assessment',
  name: 'Proctored Java',
  launchUrl: 'https://vendor.example/launch',
  deadlineDays: 7,
  reminders: [],
  result: {
    score: { min: 0, max: 100 },
    passMark: 60,
    attributes: [
      { key: 'seniority', label: 'Seniority', type: 'string' },
      { key: 'flagged', label: 'Proctoring flag', type: 'boolean' },
    ],
  },
};

/** What PUT …/result answers (200, or an error with the accepted result on 409). */
interface ResultAnswer {
  result?: Record<string, unknown>;
  accepted_result?: Record<string, unknown> | null;
  error: { code: string; message: string; field?: string };
}

/** A minimal valid PDF (the signature is what is checked). */
export const pdf = (marker = 'report') =>
  Buffer.from(`%PDF-1.4\n% ${marker}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n`, 'latin1');

/**
 * The assessment stack plus a vendor package enabled for the tenant (rows inserted with Prisma:
 * the package API is another part of the seam), an attribute mapped to a Greenhouse custom field,
 * and an integration key.
 */
export async function startVendorStack(options: Parameters<typeof startAssessmentStack>[0] = {}) {
  // Events are delivered (to endpoints a test subscribes on loopback); the sink needs the stack's
  // task queue, known once the stack runs (no order starts before).
  const delivering: { sink?: VendorEventSink } = {};
  const vendorEvents: VendorEventSink = { emit: (event) => delivering.sink!.emit(event) };
  const allowHosts = ['127.0.0.1'];
  const stack = await startAssessmentStack({
    tests: [],
    ...options,
    activities: { vendorEvents, vendorEndpointAllowHosts: allowHosts, ...options.activities },
    api: { vendorEndpointAllowHosts: allowHosts, vendorEventRetry: testRetry(), ...options.api },
  });
  const { db } = stack.database;
  delivering.sink = createDeliveringVendorEventSink({
    db,
    temporal: stack.temporal,
    taskQueue: stack.taskQueue,
    retry: testRetry(),
  });
  /**
   * A package enabled for the tenant, stored as given (unvalidated: a test may shorten the deadline
   * below the API's one-day minimum).
   */
  async function addPackage(
    def: VendorPackageDefinition,
    inviteDelivery: 'greenroom' | 'vendor' = 'greenroom',
  ) {
    await db.vendorPackage.create({
      data: {
        id: def.packageId,
        name: def.name,
        kind: def.packageKind,
        currentVersion: 1,
        versions: {
          create: { version: 1, definition: def as unknown as Prisma.InputJsonValue, contentHash: 'h1' },
        },
      },
    });
    await db.tenantVendorPackage.create({
      data: { tenantId: stack.tenantId, packageId: def.packageId, enabledBy: 'test', inviteDelivery },
    });
  }
  await addPackage(vendorPackage);
  const fields = (await stack.api.call('GET', `/operator/tenants/${stack.tenantId}/greenhouse/custom-fields`))
    .body!.application as { id: string; valueType: string; name: string }[];
  const textField =
    fields.find((f) => f.valueType === 'short_text') ?? fields.find((f) => f.valueType === 'long_text')!;
  await db.vendorAttributeMapping.create({
    data: {
      tenantId: stack.tenantId,
      packageId: vendorPackage.packageId,
      attribute: 'seniority',
      scope: 'application',
      customFieldId: textField.id,
      valueType: textField.valueType,
      fieldName: textField.name,
    },
  });
  const integrationKey = generateToken('gro');
  await db.operatorKey.create({
    data: { id: 'key_vendor', name: 'vendor', role: 'integration', keyHash: hashToken(integrationKey) },
  });

  /** An order for the n-th sandbox application, started as start-journey.ts starts journeys. */
  async function startOrder(n: number, inviteDelivery: 'greenroom' | 'vendor' = 'greenroom') {
    await db.tenantVendorPackage.update({
      where: { tenantId_packageId: { tenantId: stack.tenantId, packageId: vendorPackage.packageId } },
      data: { inviteDelivery },
    });
    const org = stack.sb.state.org(stack.org.org.id)!;
    const application = org.applications.all()[n]!;
    const candidate = org.candidates.get(application.candidateId)!;
    const journeyId = `vendor_hosted:${stack.tenantId}:app-${application.id}:${vendorPackage.packageId}`;
    await journeysOf({ db }).create(
      {
        id: journeyId,
        tenantId: stack.tenantId,
        kind: 'vendor_hosted',
        testId: vendorPackage.packageId,
        testVersion: 1,
        trigger: 'vendor',
        greenhouseApplicationId: String(application.id),
        greenhouseCandidateId: String(application.candidateId),
        jobId: null,
        callbackUrl: null,
        sentBy: null,
      },
      {
        firstName: candidate.firstName,
        lastName: candidate.lastName,
        preferredName: null,
        email: `cand${n}@example.com`,
        phone: null,
      },
    );
    const input = vendorKind.workflow.input(vendorPackage, {
      journeyId,
      tenantId: stack.tenantId,
      testId: vendorPackage.packageId,
      testVersion: 1,
      trigger: 'vendor',
      applicationId: String(application.id),
      applicationMatch: { intervalSeconds: 1, attempts: 1 },
    });
    const handle = await stack.temporal.workflow.start('vendorOrderJourney', {
      workflowId: journeyId,
      taskQueue: stack.taskQueue,
      args: [input],
    });
    return { journeyId, application, handle };
  }

  /** PUT the result: JSON, or multipart with a report. */
  async function putResult(orderId: string, result: unknown, report?: Buffer, key = integrationKey) {
    const url = `${stack.api.url}/vendor/v1/orders/${encodeURIComponent(orderId)}/result`;
    let init: RequestInit;
    if (report) {
      const form = new FormData();
      form.set('result', JSON.stringify(result));
      form.set('report', new Blob([new Uint8Array(report)], { type: 'application/pdf' }), 'report.pdf');
      init = { method: 'PUT', body: form, headers: { authorization: `Bearer ${key}` } };
    } else {
      init = {
        method: 'PUT',
        body: JSON.stringify(result),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      };
    }
    const res = await fetch(url, init);
    return { status: res.status, body: (await res.json()) as ResultAnswer };
  }

  /** The receiver as the vendor's endpoint for every event (its secret trusted by the receiver). */
  async function subscribe(receiver: Awaited<ReturnType<typeof startEventReceiver>>) {
    const res = await stack.api.call(
      'POST',
      '/vendor/v1/endpoints',
      { url: receiver.url },
      { authorization: `Bearer ${integrationKey}` },
    );
    if (res.status !== 201) throw new Error(`endpoint refused: ${JSON.stringify(res.body)}`);
    receiver.trust(String(res.body!.secret));
  }

  /** Calls the vendor API with the integration key. */
  const vendor = (method: string, path: string, body?: unknown) =>
    stack.api.call(method, `/vendor/v1${path}`, body, { authorization: `Bearer ${integrationKey}` });

  /** Greenhouse's Send Test of a package for the n-th application; the order's journey. */
  async function sendTest(n: number, packageId: string) {
    const application = stack.sb.state.org(stack.org.org.id)!.applications.all()[n]!;
    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: packageId,
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    const journey = await db.journey.findFirstOrThrow({
      where: { greenhouseApplicationId: String(application.id), testId: packageId },
    });
    return { journeyId: journey.id, application, handle: stack.temporal.workflow.getHandle(journey.id) };
  }

  /** The completion PATCHes Greenhouse received for an application's tests. */
  const patchesFor = (applicationId: number) => {
    const testIds = new Set(stack.greenhouse(applicationId).tests.map((t) => t.id));
    return stack.sb.partner.patches.filter((p) => testIds.has(Number((p as { testId?: unknown }).testId)));
  };

  /** Greenhouse's own test_status call for a journey. */
  async function testStatus(journeyId: string) {
    const res = await fetch(
      `${stack.api.url}/partner/test_status?partner_interview_id=${encodeURIComponent(journeyId)}`,
      { headers: { authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}` } },
    );
    return (await res.json()) as Record<string, unknown>;
  }

  return {
    ...stack,
    integrationKey,
    startOrder,
    putResult,
    subscribe,
    vendor,
    addPackage,
    sendTest,
    patchesFor,
    testStatus,
  };
}
export type VendorStack = Awaited<ReturnType<typeof startVendorStack>>;
