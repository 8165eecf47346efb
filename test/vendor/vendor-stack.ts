import type { Prisma } from '../../db/client.js';
import { journeysOf } from '../../db/repositories/journeys.js';
import type { VendorPackageDefinition } from '../../domain/vendor/package.js';
import { vendorKind } from '../../journeys/kinds/vendor.js';
import { generateToken, hashToken } from '../../security/tokens.js';
import { startAssessmentStack } from '../helpers/assessment-stack.js';

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
  const stack = await startAssessmentStack({ tests: [], ...options });
  const { db } = stack.database;
  const definition = vendorPackage as unknown as Prisma.InputJsonValue;
  await db.vendorPackage.create({
    data: {
      id: vendorPackage.packageId,
      name: vendorPackage.name,
      kind: 'assessment',
      currentVersion: 1,
      versions: { create: { version: 1, definition, contentHash: 'h1' } },
    },
  });
  await db.tenantVendorPackage.create({
    data: { tenantId: stack.tenantId, packageId: vendorPackage.packageId, enabledBy: 'test' },
  });
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

  return { ...stack, integrationKey, startOrder, putResult };
}
export type VendorStack = Awaited<ReturnType<typeof startVendorStack>>;
