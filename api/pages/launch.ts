import { Router } from 'express';
import type { Database } from '../../db/client.js';
import { pagePath } from '../../journeys/links.js';
import type { LaunchSigner } from '../../security/launch-assertions.js';
import { launchOrder } from '../../vendor/launch.js';
import { htmlPage, TokenParams } from '../openapi/common.js';
import { route } from '../openapi/route.js';
import { messagePage, notFoundPage } from './html.js';
import { pageSecurityHeaders } from './security-headers.js';

const closedText: Record<string, [string, string]> = {
  expired: [
    'This test has expired',
    'The deadline for this test has passed. Please contact the recruiter if you need more time.',
  ],
  cancelled: [
    'This test was cancelled',
    'This test is no longer available. The recruiter will be in touch if anything changes.',
  ],
  declined: ['This test was declined', 'This test is no longer available.'],
  completed: ['This test is complete', 'Thank you: your result has been received. You can close this page.'],
};

/**
 * The candidate's launch link /v/<token> for a vendor-hosted test: records the open and redirects
 * (302) to the vendor's launch URL with `assertion=<JWS>`; an order that is over shows a page saying so.
 */
export function launchRoutes(deps: { db: Database; launchSigner: LaunchSigner }): Router {
  const router = Router();
  route(
    router,
    {
      method: 'get',
      path: `${pagePath.launch}/:token`,
      tag: 'pages',
      summary: 'Candidate: launch a vendor-hosted test',
      description:
        'Records the open and redirects to the package’s launch URL with `assertion`: a JWS (ES256, keys at /.well-known/jwks.json) naming the order, candidate, package and deadline, valid 5 minutes.',
      security: 'link',
      params: TokenParams,
      responses: {
        302: {
          description: 'To the vendor’s launch URL.',
          headers: { Location: { description: 'launch_url?assertion=<JWS>' } },
        },
        404: htmlPage('Unknown, revoked or expired link.'),
        410: htmlPage('The order is over (expired, cancelled or completed): a page says so.'),
      },
    },
    pageSecurityHeaders(),
    async (req, res, next) => {
      try {
        const outcome = await launchOrder(
          { db: deps.db, signer: deps.launchSigner },
          String(req.params.token),
        );
        if (outcome.kind === 'unknown') return void res.status(404).type('html').send(notFoundPage());
        if (outcome.kind === 'closed') {
          const [title, text] = closedText[outcome.status] ?? closedText.completed!;
          return void res.status(410).type('html').send(messagePage(title, text));
        }
        res.set('Cache-Control', 'no-store').redirect(302, outcome.location);
      } catch (err) {
        next(err);
      }
    },
  );
  return router;
}
