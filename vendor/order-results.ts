import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { canonicalJson } from '../catalogue/service.js';
import type { Database } from '../db/client.js';
import type { AcceptedVendorResult } from '../domain/vendor/package.js';
import { acceptVendorResult, scorePercentOf } from '../domain/vendor/result.js';
import { guardedFetch } from '../greenhouse/callback/index.js';
import { forbiddenAddressReason, isSandboxHost } from '../greenhouse/callback/url-policy.js';
import type { Resolver } from '../greenhouse/callback/index.js';
import { loadPackageVersion } from '../activities/vendor-order/package.js';
import { submitResultUpdate } from '../workflows/vendor-order/contract.js';

export const DEFAULT_REPORT_LIMIT_BYTES = 10 * 1024 * 1024;
/** A report left by a request that died before its Update no longer blocks after this. */
const STALE_REPORT_MS = 2 * 60_000;

/** Why a result was not accepted; `field` names the input, `accepted` the result that stands. */
export class ResultRefusal extends Error {
  constructor(
    readonly kind: 'not_found' | 'invalid' | 'conflict' | 'too_large',
    message: string,
    readonly field?: string,
    readonly accepted: AcceptedVendorResult | null = null,
  ) {
    super(message);
  }
}

export interface ResultServiceDeps {
  db: Database;
  temporal: Client;
  /** Largest report accepted (uploaded or fetched). */
  reportLimitBytes?: number;
  /** Hosts a report_url may name over http and on loopback (tests only; empty in production). */
  reportUrlSandboxHosts?: readonly string[];
  reportUrlResolve?: Resolver;
}

export interface ResultRequest {
  orderId: string;
  /** A tenant-scoped integration key's tenant: other tenants' orders do not exist for it. */
  scopeTenantId: string | null;
  body: unknown;
  /** The uploaded report (multipart), if any. */
  report: Buffer | null;
}

const isPdf = (bytes: Buffer) => bytes.subarray(0, 5).toString('latin1') === '%PDF-';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Results in: validated against the pinned package version, the report stored, then handed to the
 * order's workflow through the submitResult Update, whose answer is the vendor's answer. The same
 * request again answers the same; a different one after acceptance, or one for a closed order, 409.
 */
export function createResultService(deps: ResultServiceDeps) {
  const { db } = deps;
  const limit = deps.reportLimitBytes ?? DEFAULT_REPORT_LIMIT_BYTES;
  const sandboxHosts = deps.reportUrlSandboxHosts ?? [];
  const fetchGuarded = guardedFetch({
    sandboxHosts,
    ...(deps.reportUrlResolve ? { resolve: deps.reportUrlResolve } : {}),
  });

  /** The report at report_url, fetched once, under the completion callback's address rules. */
  async function fetchReport(raw: string): Promise<Buffer> {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && !isSandboxHost(url, sandboxHosts))
      throw new ResultRefusal('invalid', 'report_url must be https', 'report_url');
    // An address literal is judged here: no DNS lookup happens for it.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    const literalReason = isIP(literal) ? forbiddenAddressReason(literal) : null;
    if (literalReason && !isSandboxHost(url, sandboxHosts))
      throw new ResultRefusal('invalid', `report_url is refused: ${literalReason}`, 'report_url');
    let res: Response;
    try {
      res = await fetchGuarded(url, { redirect: 'error', signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new ResultRefusal('invalid', `report_url could not be fetched: ${cause}`, 'report_url');
    }
    if (!res.ok) throw new ResultRefusal('invalid', `report_url answered ${res.status}`, 'report_url');
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > limit)
      throw new ResultRefusal('too_large', `the report exceeds ${limit} bytes`, 'report_url');
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > limit)
      throw new ResultRefusal('too_large', `the report exceeds ${limit} bytes`, 'report_url');
    return bytes;
  }

  async function findOrder(orderId: string, scopeTenantId: string | null) {
    const order = await db.vendorOrder.findUnique({ where: { journeyId: orderId } });
    if (!order || (scopeTenantId && order.tenantId !== scopeTenantId))
      throw new ResultRefusal('not_found', `no order ${orderId}`);
    return order;
  }

  /** Stores the report once for the order; another request's fresh report means a different body. */
  async function storeReport(orderId: string, bytes: Buffer, accepted: () => Promise<boolean>) {
    const contentHash = sha256(bytes);
    const existing = await db.report.findUnique({
      where: { journeyId: orderId },
      select: { contentHash: true, createdAt: true },
    });
    if (existing?.contentHash === contentHash) return;
    if (existing && Date.now() - existing.createdAt.getTime() < STALE_REPORT_MS)
      throw new ResultRefusal('conflict', 'another result for this order is being submitted', 'report');
    if (await accepted()) throw new ResultRefusal('conflict', 'a different result was already accepted');
    const filename = `vendor-report-${sha256(orderId).slice(0, 12)}.pdf`;
    await db.report.upsert({
      where: { journeyId: orderId },
      create: { journeyId: orderId, filename, content: new Uint8Array(bytes), contentHash },
      update: { content: new Uint8Array(bytes), contentHash, createdAt: new Date() },
    });
  }

  /** After a refused Update: our report goes unless the accepted result is ours. */
  async function dropReport(orderId: string, bytes: Buffer | null) {
    if (!bytes) return;
    await db.report.deleteMany({ where: { journeyId: orderId, contentHash: sha256(bytes) } });
  }

  return {
    async submit(request: ResultRequest): Promise<{ created: boolean; result: AcceptedVendorResult }> {
      const order = await findOrder(request.orderId, request.scopeTenantId);
      const pkg = await loadPackageVersion(db, order.packageId, order.packageVersion);
      if (request.report) {
        if (request.report.length > limit)
          throw new ResultRefusal('too_large', `the report exceeds ${limit} bytes`, 'report');
        if (!isPdf(request.report)) throw new ResultRefusal('invalid', 'the report is not a PDF', 'report');
      }
      const body = request.body as { report_url?: unknown } | null;
      if (request.report && body && typeof body === 'object' && 'report_url' in body)
        throw new ResultRefusal('invalid', 'give either a report part or report_url, not both', 'report_url');
      let result: AcceptedVendorResult;
      try {
        result = acceptVendorResult(request.body, pkg, Boolean(request.report) || Boolean(body?.report_url));
      } catch (err) {
        if (err instanceof Error && 'field' in err)
          throw new ResultRefusal('invalid', err.message, (err as { field: string }).field);
        throw err;
      }
      // report_url is part of the JSON: a replay is recognised without fetching again.
      const hash = sha256(canonicalJson(request.body) + (request.report ? `:${sha256(request.report)}` : ''));
      if (order.resultHash) {
        const accepted = order.result as unknown as AcceptedVendorResult;
        if (order.resultHash === hash) return { created: false, result: accepted };
        throw new ResultRefusal('conflict', 'a different result was already accepted', undefined, accepted);
      }
      if (order.status === 'cancelled' || order.status === 'expired')
        throw new ResultRefusal('conflict', `the order is ${order.status}`);
      const report =
        request.report ?? (typeof body?.report_url === 'string' ? await fetchReport(body.report_url) : null);
      if (report && !request.report && !isPdf(report))
        throw new ResultRefusal('invalid', 'the report at report_url is not a PDF', 'report_url');
      const isAccepted = async () => Boolean((await findOrder(request.orderId, null)).resultHash);
      if (report) await storeReport(request.orderId, report, isAccepted);
      try {
        const answer = await deps.temporal.workflow
          .getHandle(request.orderId)
          .executeUpdate(submitResultUpdate, {
            args: [{ result, hash, scorePercent: scorePercentOf(result, pkg) }],
          });
        return { created: answer.created, result: answer.result };
      } catch (err) {
        // Refused (or the workflow is gone): the order's row says why.
        const now = await findOrder(request.orderId, null);
        if (now.resultHash === hash)
          return { created: false, result: now.result as unknown as AcceptedVendorResult };
        await dropReport(request.orderId, report);
        if (now.resultHash)
          throw new ResultRefusal(
            'conflict',
            'a different result was already accepted',
            undefined,
            now.result as unknown as AcceptedVendorResult,
          );
        if (err instanceof WorkflowUpdateFailedError)
          throw new ResultRefusal('conflict', err.cause?.message ?? 'the order no longer takes a result');
        const { status } = await deps.temporal.workflow
          .getHandle(request.orderId)
          .describe()
          .catch(() => ({ status: { name: 'UNKNOWN' } }));
        if (status.name !== 'RUNNING') throw new ResultRefusal('conflict', `the order is ${now.status}`);
        throw err;
      }
    },
  };
}
export type ResultService = ReturnType<typeof createResultService>;
