import { Router } from 'express';
import { ServiceError } from '../../domain/errors.js';
import { AUTHORIZATION_CALLBACK_PATH, type ConnectionService } from '../../tenants/connection-service.js';
import { AuthorizationCallbackQuery } from '../../tenants/schemas.js';
import { messagePage } from '../pages/html.js';
import { htmlPage } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';

const callbackRoute: RouteSpec = {
  method: 'get',
  path: AUTHORIZATION_CALLBACK_PATH,
  tag: 'oauth',
  summary: 'Greenhouse authorization callback',
  description:
    'Where Greenhouse sends the customer’s admin after consent (v3 authorization code). The one-time `state` authenticates it; the answer is a page.',
  security: 'none',
  query: AuthorizationCallbackQuery,
  responses: {
    200: htmlPage('Connected.'),
    400: htmlPage('Incomplete, unknown or expired link, or access not granted.'),
    502: htmlPage('Greenhouse did not answer.'),
  },
};

/**
 * Where Greenhouse sends the customer's admin after consent (v3 authorization code). A person's
 * browser lands here, so it answers with a page, not JSON. The one-time `state` authenticates it.
 */
export function greenhouseCallbackRoutes({ connections }: { connections: ConnectionService }): Router {
  const router = Router();
  route(router, callbackRoute, async (req, res, next) => {
    const query = AuthorizationCallbackQuery.safeParse(req.query);
    if (!query.success)
      return void res
        .status(400)
        .type('html')
        .send(
          messagePage(
            'Greenhouse connection failed',
            'This link is incomplete. Start the connection again from greenroom.',
          ),
        );
    try {
      const done = await connections.completeAuthorization(query.data);
      res
        .type('html')
        .send(
          messagePage(
            'Greenhouse is connected',
            `greenroom can now work with the Greenhouse account of ${done.tenantName}. You can close this window.`,
          ),
        );
    } catch (err) {
      if (err instanceof ServiceError) {
        return void res
          .status(err.kind === 'upstream_unavailable' ? 502 : 400)
          .type('html')
          .send(messagePage('Greenhouse connection failed', err.message));
      }
      next(err);
    }
  });
  return router;
}
