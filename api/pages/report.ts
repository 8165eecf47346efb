import { Router } from 'express';
import { inspectLink, pagePath } from '../../journeys/links.js';
import type { Database } from '../../db/client.js';
import { findReportFile } from '../../db/repositories/reports.js';
import { messagePage, notFoundPage } from './html.js';
import { pageSecurityHeaders } from './security-headers.js';
import { htmlPage, TokenParams } from '../openapi/common.js';
import { type RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';

export interface ReportDeps {
  db: Database;
}

const getReportRoute: RouteSpec = {
  method: 'get',
  path: `${pagePath.report}/:token`,
  tag: 'pages',
  summary: 'Recruiter: the PDF report',
  description: 'Greenhouse’s `partner_profile_url`.',
  security: 'link',
  params: TokenParams,
  responses: {
    200: { description: 'The report, inline.', contentType: 'application/pdf' },
    404: htmlPage('Unknown link, or the report is not ready yet.'),
    410: htmlPage('The link has expired or was withdrawn: a page says so, and nothing else.'),
  },
};

const ASK = 'Please ask your assessment vendor for a new link.';
const goneReportPage = {
  expired: messagePage('This report link has expired', `Report links open for a limited time. ${ASK}`),
  revoked: messagePage('This report link was withdrawn', `It no longer opens the report. ${ASK}`),
};

/**
 * The recruiter's link to the PDF report at /r/<token>: Greenhouse's `partner_profile_url`.
 * Serves the stored PDF inline; before the report exists, a small HTML page says so (404). A link
 * that expired (tenant setting `reportLinkLifetimeDays`) or that an operator revoked answers 410 with
 * a page saying just that: no name, no journey, nothing of the report.
 */
export function reportRoutes(deps: ReportDeps): Router {
  const router = Router();
  route(router, getReportRoute, pageSecurityHeaders(), async (req, res, next) => {
    try {
      const found = await inspectLink(deps.db, String(req.params.token), 'report');
      if (found.state === 'unknown') return void res.status(404).type('html').send(notFoundPage());
      if (found.state !== 'valid') return void res.status(410).type('html').send(goneReportPage[found.state]);
      const { journeyId } = found.link;
      const report = await findReportFile(deps.db, journeyId);
      if (!report) {
        return void res
          .status(404)
          .type('html')
          .send(
            messagePage(
              'The report is not ready yet',
              'The assessment has not been graded yet. Please try again later.',
            ),
          );
      }
      // Chromium's PDF viewer draws its frame with inline styles and resources of its own: a page
      // CSP (default-src 'none', frame-ancestors) leaves it blank. The PDF runs nothing of ours.
      res.removeHeader('Content-Security-Policy');
      res.removeHeader('X-Frame-Options');
      res.set({
        'Content-Type': 'application/pdf',
        'Content-Disposition': `inline; filename="${report.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        'Cache-Control': 'private, no-store',
        'Content-Length': String(report.content.length),
      });
      res.end(Buffer.from(report.content));
    } catch (err) {
      next(err);
    }
  });
  return router;
}
