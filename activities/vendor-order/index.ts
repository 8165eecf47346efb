import type { Database, Prisma } from '../../db/client.js';
import type { AcceptedVendorResult } from '../../domain/vendor/package.js';
import { scorePercentOf } from '../../domain/vendor/result.js';
import { sendOnce } from '../../journeys/email-ledger.js';
import { issueReportLink } from '../../journeys/links.js';
import { brandingOf } from '../journeys/branding.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import { composeMail, renderExpiry, renderInvite, renderReminder, type Mailer } from '../../mail/index.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { VendorEventSink } from '../../vendor/event-types.js';
import { orderLaunchLinks } from '../../vendor/launch-link.js';
import type { VendorOrderActivities } from '../../workflows/vendor-order/contract.js';
import { loadPackageVersion } from './package.js';

const DAY = 86_400_000;

export interface VendorOrderActivityDeps {
  db: Database;
  journeys?: JourneyRepository;
  mailer: Mailer;
  events: VendorEventSink;
  publicBaseUrl: string;
  defaultFromAddress: string;
  /** Seals the report link kept for test_status and the order's launch link. */
  secrets: SecretBox;
}

/** A vendor order's own activities; every effect keyed so a retry repeats none. */
export function createVendorOrderActivities(deps: VendorOrderActivityDeps): VendorOrderActivities {
  const { db, events } = deps;
  const links = orderLaunchLinks(deps);

  /**
   * The order's launch link (issued once): it opens until 30 days after the deadline, which the
   * invite fixes later; the page itself refuses an order past its deadline.
   */
  async function launchLink(journeyId: string, testId: string, testVersion: number) {
    const pkg = await loadPackageVersion(db, testId, testVersion);
    return links.ensure(journeyId, new Date(Date.now() + (pkg.deadlineDays + 30) * DAY));
  }

  async function loadOrder(journeyId: string) {
    const journey = await journeysOf(deps).getWithTenant(journeyId);
    if (!journey) throw new Error(`journey ${journeyId} is not in the read model`);
    return journey;
  }

  /** What every order event's data starts with: ids, no personal data. */
  async function orderData(journeyId: string) {
    const order = await db.vendorOrder.findUniqueOrThrow({ where: { journeyId } });
    return {
      order,
      data: {
        order_id: journeyId,
        tenant_id: order.tenantId,
        package_id: order.packageId,
        package_version: order.packageVersion,
      },
    };
  }

  /**
   * The recruiter's report link, once: Greenhouse's test_status needs one for a complete test (as
   * for built-in tests, kept encrypted in the read model, never in the workflow's history), issued
   * before the journey reads complete; it opens the vendor's PDF. Other outcomes have no report.
   */
  async function issueRecruiterLink(
    journeyId: string,
    order: { packageId: string; packageVersion: number },
    result: AcceptedVendorResult,
  ) {
    if (result.status !== 'completed') return;
    const journey = await journeysOf(deps).getOrThrow(journeyId);
    if (journey.profileUrl) return;
    const pkg = await loadPackageVersion(db, order.packageId, order.packageVersion);
    const { stored } = await issueReportLink(deps, journeyId);
    await journeysOf(deps).recordResult(journeyId, {
      profileUrl: stored,
      score: scorePercentOf(result, pkg),
    });
  }

  return {
    async beginOrder({ journeyId }) {
      const journey = await loadOrder(journeyId);
      if (!journey.testId || journey.testVersion === null)
        throw new Error(`journey ${journeyId} has no pinned package`);
      const enabled = await db.tenantVendorPackage.findUnique({
        where: { tenantId_packageId: { tenantId: journey.tenantId, packageId: journey.testId } },
      });
      const inviteDelivery = enabled?.inviteDelivery ?? 'greenroom';
      await db.vendorOrder.createMany({
        data: [
          {
            journeyId,
            tenantId: journey.tenantId,
            packageId: journey.testId,
            packageVersion: journey.testVersion,
            inviteDelivery,
            status: 'open',
          },
        ],
        skipDuplicates: true,
      });
      // Issued with the order: the vendor may invite with it, greenroom's e-mails carry the same one.
      const link = await launchLink(journeyId, journey.testId, journey.testVersion);
      const { order, data } = await orderData(journeyId);
      // Vendor delivery: the vendor invites, so the event names the candidate; otherwise it need not.
      const candidate =
        order.inviteDelivery === 'vendor'
          ? await db.journeyCandidate.findUnique({ where: { journeyId } })
          : null;
      await events.emit({
        key: `${journeyId}:order.created`,
        type: 'order.created',
        tenantId: order.tenantId,
        orderId: journeyId,
        data: {
          ...data,
          invite_delivery: order.inviteDelivery,
          job_id: journey.jobId,
          application_id: journey.greenhouseApplicationId,
          // Stored sealed (erasure makes it unreadable); opened when the event goes out.
          launch_url: link.sealed,
          ...(candidate
            ? {
                candidate: {
                  first_name: candidate.firstName,
                  last_name: candidate.lastName,
                  email: candidate.email,
                },
              }
            : {}),
        },
      });
      return { inviteDelivery: order.inviteDelivery };
    },

    async sendOrderEmail({ journeyId, purpose, n, deadlineAt }) {
      const key = `${journeyId}:${purpose}:${n}`;
      return sendOnce(deps, {
        journeyId,
        purpose,
        idempotencyKey: key,
        compose: async () => {
          const journey = await loadOrder(journeyId);
          const candidate = await db.journeyCandidate.findUnique({ where: { journeyId } });
          if (!candidate) throw new Error(`journey ${journeyId} has no candidate record`);
          const pkg = await loadPackageVersion(db, journey.testId!, journey.testVersion!);
          const branding = brandingOf(journey.tenant, deps.defaultFromAddress);
          const firstName = candidate.preferredName ?? candidate.firstName;
          const content =
            purpose === 'expiry'
              ? renderExpiry(branding, {
                  candidateFirstName: firstName,
                  testName: pkg.name,
                  expiredAt: deadlineAt,
                })
              : await (async () => {
                  const data = {
                    candidateFirstName: firstName,
                    testName: pkg.name,
                    linkUrl: (await launchLink(journeyId, journey.testId!, journey.testVersion!)).url,
                    deadline: deadlineAt,
                  };
                  return purpose === 'invite'
                    ? renderInvite(branding, data)
                    : renderReminder(branding, { ...data, reminderNumber: n });
                })();
          return composeMail({
            branding,
            to: { name: `${candidate.firstName} ${candidate.lastName}`, address: candidate.email },
            idempotencyKey: key,
            content,
          });
        },
      });
    },

    async acceptOrderResult({ journeyId, result, hash }) {
      // First hash wins: a retried attempt finds its own row, never overwrites another.
      const { count } = await db.vendorOrder.updateMany({
        where: { journeyId, resultHash: null },
        data: {
          result: result as unknown as Prisma.InputJsonValue,
          resultHash: hash,
          resultAcceptedAt: new Date(),
          status: result.status,
          ...(result.started_at ? { startedAt: new Date(result.started_at) } : {}),
        },
      });
      const { order, data } = await orderData(journeyId);
      const accepted = order.result as unknown as AcceptedVendorResult;
      if (order.resultHash === hash) await issueRecruiterLink(journeyId, order, accepted);
      await events.emit({
        key: `${journeyId}:result.accepted`,
        type: 'result.accepted',
        tenantId: order.tenantId,
        orderId: journeyId,
        data: {
          ...data,
          status: accepted.status,
          score: accepted.score,
          passed: accepted.passed,
          ...(accepted.referees ? { referees: accepted.referees } : {}),
        },
      });
      if (count === 0 && order.resultHash !== hash)
        throw new Error(`order ${journeyId} holds another result`);
      return { accepted: true, result: accepted };
    },

    async closeOrder({ journeyId, status, reason }) {
      await db.vendorOrder.updateMany({
        where: { journeyId, resultHash: null },
        data: { status },
      });
      const { order, data } = await orderData(journeyId);
      await events.emit({
        key: `${journeyId}:order.${status}`,
        type: status === 'expired' ? 'order.expired' : 'order.cancelled',
        tenantId: order.tenantId,
        orderId: journeyId,
        data: { ...data, ...(reason ? { reason } : {}) },
      });
    },

    async emitWritebackEvent({ journeyId, type, step, n }) {
      const { order, data } = await orderData(journeyId);
      await events.emit({
        key: type === 'writeback.waiting' ? `${journeyId}:${type}:${n}` : `${journeyId}:${type}`,
        type,
        tenantId: order.tenantId,
        orderId: journeyId,
        data: { ...data, ...(step ? { step } : {}) },
      });
    },
  };
}
