import { waitFor } from './processes.js';
import { HARNESS_ANSWERS, HARNESS_TEST, type HarnessCandidate, type ProductStack } from './product-stack.js';
import type { ReceivedMessage } from './smtp-server.js';

/** What the driver needs of a stack: product-stack.ts's, or the deploy test's built from dist/. */
export type DrivenStack = Pick<ProductStack, 'sb' | 'org' | 'smtp' | 'tenantId' | 'call' | 'candidates'>;

/**
 * Drives journeys through a product stack the way people do: an operator uploads a CSV (or a
 * recruiter clicks Send test in Greenhouse), candidates open the invite from their e-mail and submit,
 * and Greenhouse receives the results. Then counts every effect per candidate, so a run can say
 * exactly how many journeys completed, were lost, or did something twice.
 */

export function bulkCsv(candidates: HarnessCandidate[]): string {
  const rows = candidates.map(
    (c) =>
      `${c.email},"${c.firstName.replace(/"/g, '""')}","${c.lastName.replace(/"/g, '""')}",${c.jobId},${HARNESS_TEST.testId}`,
  );
  return ['email,first_name,last_name,job_id,test_id', ...rows].join('\r\n') + '\r\n';
}

interface BulkProgress {
  id: string;
  status: string;
  started: number;
  alreadyInvited: number;
  failed: number;
  invalidRows: number;
}

/** One CSV upload through the operator API; resolves with the bulk invite's id. */
export async function inviteInBulk(stack: DrivenStack, candidates: HarnessCandidate[]): Promise<string> {
  const res = await stack.call(
    'POST',
    `/operator/tenants/${stack.tenantId}/invites/bulk`,
    bulkCsv(candidates),
    {
      'content-type': 'text/csv',
    },
  );
  if (res.status !== 201) throw new Error(`bulk upload: ${res.status} ${JSON.stringify(res.body)}`);
  const progress = res.body as unknown as BulkProgress;
  if (progress.invalidRows) throw new Error(`bulk upload: ${progress.invalidRows} rows refused`);
  return progress.id;
}

export async function bulkProgress(stack: DrivenStack, id: string): Promise<BulkProgress> {
  return (await stack.call('GET', `/operator/bulk-invites/${id}`)).body as unknown as BulkProgress;
}

/** A recruiter's Send test in Greenhouse for each candidate's application, `concurrency` at a time. */
export async function sendTests(
  stack: DrivenStack,
  candidates: HarnessCandidate[],
  concurrency = 8,
  partnerTestId: string = HARNESS_TEST.testId,
) {
  let next = 0;
  const one = async () => {
    while (next < candidates.length) {
      const c = candidates[next++]!;
      await stack.sb.admin.sendTest(stack.org.org.id, c.applicationId, {
        partnerTestId,
        sentByUserId: stack.org.siteAdmin.id,
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
}

const INVITE = /:invite:1$/;
const LINK = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/;

export interface SubmitterOptions {
  /** Submissions started per second at most (default: as fast as `concurrency` allows). */
  ratePerSecond?: number;
  concurrency?: number;
  /** Only these candidates (lower-case e-mails) submit; default: every invited one. */
  only?: Set<string>;
}

/**
 * Candidates who open their invite and submit the (correct) answer, once per candidate. A
 * submission the API cannot take now (5xx, connection refused) is tried again a little later.
 */
export function startSubmitting(stack: DrivenStack, options: SubmitterOptions = {}) {
  const submittedAt = new Map<string, number>();
  const queue: { email: string; link: string }[] = [];
  const seen = new Set<string>();
  let scanned = 0;
  let inFlight = 0;
  let stopped = false;
  // Paced submissions keep to a schedule (start k at firstStart + k × gap): a late timer tick
  // catches up instead of lowering the rate.
  let firstStart = 0;
  let started = 0;
  let retries = 0;
  const refused: { email: string; status: number }[] = [];
  const concurrency = options.concurrency ?? 8;
  const gapMs = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;

  const scan = () => {
    const messages: ReceivedMessage[] = stack.smtp.messages;
    for (; scanned < messages.length; scanned++) {
      const m = messages[scanned]!;
      const to = m.envelope.to[0]?.toLowerCase();
      if (!to || !m.idempotencyKey || !INVITE.test(m.idempotencyKey) || seen.has(to)) continue;
      if (options.only && !options.only.has(to)) continue;
      const text = m.parts.find((p) => p.contentType === 'text/plain')?.body ?? '';
      const link = LINK.exec(text)?.[1];
      if (!link) continue;
      seen.add(to);
      queue.push({ email: to, link });
    }
  };
  const submit = async (item: { email: string; link: string }) => {
    const at = Date.now();
    try {
      const res = await fetch(item.link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(HARNESS_ANSWERS),
      });
      await res.arrayBuffer();
      if (res.ok) submittedAt.set(item.email, at);
      else if (res.status >= 500 || res.status === 429) throw new Error(`status ${res.status}`);
      else refused.push({ email: item.email, status: res.status });
    } catch {
      // Down for now (a fault under test): the candidate tries again shortly.
      retries++;
      setTimeout(() => queue.push(item), 500).unref();
    }
  };
  const timer = setInterval(
    () => {
      if (stopped) return;
      scan();
      const due = () => !gapMs || !started || Date.now() >= firstStart + started * gapMs;
      while (queue.length && inFlight < concurrency && due()) {
        const item = queue.shift()!;
        if (!started) firstStart = Date.now();
        started++;
        inFlight++;
        void submit(item).finally(() => inFlight--);
      }
    },
    gapMs ? Math.max(1, Math.min(20, gapMs / 2)) : 20,
  );

  return {
    submittedAt,
    refused,
    get retries() {
      return retries;
    },
    get pending() {
      return queue.length + inFlight;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/**
 * The opening of a mid-run fault: one CSV upload for the first `journeys` candidates, then waits
 * until `percent` of them have submitted (the submitter must be running). Resolves with them and
 * the upload's time, from which the scenario counts its run time.
 */
export async function uploadAndAwaitSubmissions(
  stack: DrivenStack,
  submitter: Submitter,
  options: { journeys: number; percent: number; timeoutMs: number; before: string; log: (l: string) => void },
): Promise<{ candidates: HarnessCandidate[]; uploadedAt: number }> {
  const candidates = stack.candidates.slice(0, options.journeys);
  const uploadedAt = Date.now();
  await inviteInBulk(stack, candidates);
  options.log(`${candidates.length} invites uploaded`);
  const threshold = Math.max(1, Math.floor((options.journeys * options.percent) / 100));
  await waitFor(
    `${threshold} submissions before ${options.before}`,
    async () => submitter.submittedAt.size >= threshold,
    options.timeoutMs,
  );
  return { candidates, uploadedAt };
}
export type Submitter = ReturnType<typeof startSubmitting>;

export interface JourneyCounts {
  journeys: number;
  /** Result note and report attachment in Greenhouse (and the completion PATCH for send_test journeys). */
  completed: number;
  lost: number;
  /** Candidates sent two different invites (two idempotency keys, so two Message-IDs). */
  duplicateInvites: number;
  /** Messages (one idempotency key, one Message-ID) the SMTP server received more than once. */
  duplicateDeliveries: number;
  duplicateNotes: number;
  duplicateAttachments: number;
  duplicatePatches: number;
}

/** Counts every effect per candidate in the SMTP server and the sandbox. */
export function countEffects(
  stack: DrivenStack,
  candidates: HarnessCandidate[],
  options: { expectPatch?: boolean } = {},
): JourneyCounts {
  const ghOrg = stack.sb.state.org(stack.org.org.id)!;
  const invitesTo = new Map<string, Set<string>>();
  const deliveries = new Map<string, number>();
  for (const m of stack.smtp.messages) {
    if (!m.idempotencyKey) continue;
    deliveries.set(m.idempotencyKey, (deliveries.get(m.idempotencyKey) ?? 0) + 1);
    if (!/:invite:\d+$/.test(m.idempotencyKey)) continue;
    const to = m.envelope.to[0]?.toLowerCase() ?? '';
    invitesTo.set(to, (invitesTo.get(to) ?? new Set()).add(m.idempotencyKey));
  }
  const patchesByTest = new Map<number, number>();
  for (const p of stack.sb.partner.patches) {
    if (p.authorized) patchesByTest.set(p.testId, (patchesByTest.get(p.testId) ?? 0) + 1);
  }
  const testsByApplication = new Map<number, number[]>();
  if (options.expectPatch) {
    for (const t of stack.sb.admin.tests(stack.org.org.id)) {
      const list = testsByApplication.get(t.applicationId) ?? [];
      list.push(t.id);
      testsByApplication.set(t.applicationId, list);
    }
  }

  const counts: JourneyCounts = {
    journeys: candidates.length,
    completed: 0,
    lost: 0,
    duplicateInvites: 0,
    duplicateDeliveries: [...deliveries.values()].filter((n) => n > 1).length,
    duplicateNotes: 0,
    duplicateAttachments: 0,
    duplicatePatches: 0,
  };
  for (const c of candidates) {
    const notes = ghOrg.candidates.get(c.candidateId)!.notes.length;
    const attachments = ghOrg.applications
      .get(c.applicationId)!
      .attachments.filter((a) => a.filename.startsWith('assessment-report-')).length;
    const patches = (testsByApplication.get(c.applicationId) ?? []).reduce(
      (n, id) => n + (patchesByTest.get(id) ?? 0),
      0,
    );
    if ((invitesTo.get(c.email.toLowerCase())?.size ?? 0) > 1) counts.duplicateInvites++;
    if (notes > 1) counts.duplicateNotes++;
    if (attachments > 1) counts.duplicateAttachments++;
    if (patches > 1) counts.duplicatePatches++;
    if (notes >= 1 && attachments >= 1 && (!options.expectPatch || patches >= 1)) counts.completed++;
  }
  counts.lost = counts.journeys - counts.completed;
  return counts;
}

/** Waits until every candidate's result is in Greenhouse, or the time is up; returns the counts. */
export async function waitForResults(
  stack: DrivenStack,
  candidates: HarnessCandidate[],
  options: { timeoutMs: number; expectPatch?: boolean; onProgress?: (c: JourneyCounts) => void },
): Promise<JourneyCounts> {
  let last = countEffects(stack, candidates, options);
  let lastReport = 0;
  await waitFor(
    `${candidates.length} results in Greenhouse`,
    async () => {
      last = countEffects(stack, candidates, options);
      if (options.onProgress && Date.now() - lastReport > 5_000) {
        lastReport = Date.now();
        options.onProgress(last);
      }
      return last.completed === candidates.length;
    },
    options.timeoutMs,
  ).catch(() => undefined);
  // Let in-flight write-backs land, so a duplicate that is about to happen is counted too.
  await new Promise((r) => setTimeout(r, 1_000));
  await stack.sb.idle();
  return countEffects(stack, candidates, options);
}
