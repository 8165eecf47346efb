import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { VendorResultInput } from '../../domain/vendor/result.js';
import type { Resolver } from '../../greenhouse/callback/index.js';
import {
  createResultService,
  DEFAULT_REPORT_LIMIT_BYTES,
  ResultRefusal,
} from '../../vendor/order-results.js';
import { handle, HttpError } from '../http-errors.js';
import { err } from '../openapi/common.js';
import { component, note } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { ErrorBodySchema } from '../openapi/responses.js';
import { readResultUpload } from './multipart.js';
import { integrationAuth, integrationOf } from './auth.js';

export const AcceptedResultView = component(
  z.object({
    status: z.enum(['completed', 'expired', 'cancelled', 'declined']),
    score: z.number().nullable(),
    passed: z.boolean().nullable(),
    sections: z.array(
      z.object({ name: z.string(), score: z.number().nullable(), max_score: z.number().nullable() }),
    ),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    referees: z.object({ requested: z.number(), completed: z.number() }).nullable(),
    report: z.boolean(),
  }),
  'VendorAcceptedResult',
  'The result greenroom accepted for an order (what the write-back uses).',
);
const ResultAnswer = component(
  z.object({ order_id: z.string(), accepted: z.literal(true), result: AcceptedResultView }),
  'VendorResultAnswer',
);
const ResultConflict = z.object({
  error: ErrorBodySchema.shape.error,
  accepted_result: AcceptedResultView.nullable(),
});
const OrderParams = z.object({
  order_id: note(z.string().min(1).max(300), 'The order id (the journey id).'),
});

export interface ResultRouteDeps {
  db: Database;
  temporal: Client;
  /** VENDOR_REPORT_MAX_BYTES (10 MB by default). */
  vendorReportMaxBytes?: number;
  /** Test-only: hosts a report_url may name over http and on loopback. */
  vendorReportUrlSandboxHosts?: readonly string[];
  vendorReportUrlResolve?: Resolver;
}

const statusOf = { not_found: 404, invalid: 422, conflict: 409, too_large: 413 } as const;

/** PUT /vendor/v1/orders/{order_id}/result: the vendor's result (JSON, or multipart with the PDF). */
export function vendorResultRoutes(deps: ResultRouteDeps): Router {
  const router = Router();
  const limit = deps.vendorReportMaxBytes ?? DEFAULT_REPORT_LIMIT_BYTES;
  const results = createResultService({
    db: deps.db,
    temporal: deps.temporal,
    reportLimitBytes: limit,
    reportUrlSandboxHosts: deps.vendorReportUrlSandboxHosts ?? [],
    ...(deps.vendorReportUrlResolve ? { reportUrlResolve: deps.vendorReportUrlResolve } : {}),
  });
  route(
    router,
    {
      method: 'put',
      path: '/orders/:order_id/result',
      tag: 'vendor: orders',
      summary: 'Put an order’s result',
      description:
        'application/json (the result), or multipart/form-data with part `result` (that JSON) and part `report` (the PDF). ' +
        'Validated against the pinned package version; accepted synchronously by the order’s workflow. ' +
        'The same request again answers the same; a different one after acceptance answers 409 with the accepted result.',
      security: 'integration',
      params: OrderParams,
      body: { schema: VendorResultInput },
      responses: {
        200: { description: 'Accepted (or the same request again).', schema: ResultAnswer },
        ...integrationAuth,
        404: err('No such order (or not this key’s tenant).'),
        409: {
          description:
            'A different result was accepted (`accepted_result`), or the order is cancelled or expired.',
          schema: ResultConflict,
        },
        413: err('The report exceeds the size limit.'),
        415: err('Neither JSON nor multipart/form-data.'),
        422: err(
          'A field is wrong: `error.field` names it (including `report`: not a PDF, `report_url`: refused).',
        ),
      },
    },
    handle(async (req, res) => {
      const orderId = String(req.params.order_id);
      let body: unknown = req.body;
      let report: Buffer | null = null;
      if (req.is('multipart/form-data')) {
        const upload = await readResultUpload(req, limit);
        if (upload.json === null) throw new HttpError(422, 'invalid', 'the result part is missing', 'result');
        try {
          body = JSON.parse(upload.json);
        } catch {
          throw new HttpError(422, 'invalid', 'the result part is not valid JSON', 'result');
        }
        report = upload.report;
      } else if (!req.is('application/json')) {
        throw new HttpError(415, 'unsupported_media_type', 'send application/json or multipart/form-data');
      }
      try {
        const answer = await results.submit({
          orderId,
          scopeTenantId: integrationOf(res).tenantId,
          body,
          report,
        });
        res.status(200).json({ order_id: orderId, accepted: true, result: answer.result });
      } catch (e) {
        if (!(e instanceof ResultRefusal)) throw e;
        const status = statusOf[e.kind];
        const error = { code: e.kind, message: e.message, ...(e.field ? { field: e.field } : {}) };
        res.status(status).json(status === 409 ? { error, accepted_result: e.accepted } : { error });
      }
    }),
  );
  return router;
}
