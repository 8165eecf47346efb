import { Router } from 'express';
import { z } from 'zod';
import type { LaunchSigner } from '../security/launch-assertions.js';
import { handle } from './http-errors.js';
import { component } from './openapi/registry.js';
import { route } from './openapi/route.js';

const Jwks = component(
  z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string() })) }),
  'Jwks',
  'Public keys that verify launch assertions: the signing key, the next one, and recently retired ones.',
);

/** GET /.well-known/jwks.json: what vendors verify launch assertions with. */
export function wellKnownRoutes(deps: { launchSigner: LaunchSigner }): Router {
  const router = Router();
  route(
    router,
    {
      method: 'get',
      path: '/.well-known/jwks.json',
      tag: 'vendor: launch',
      summary: 'Launch assertion keys (JWKS)',
      security: 'none',
      responses: { 200: { description: 'The JSON Web Key Set.', schema: Jwks } },
    },
    handle(async (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300').json(await deps.launchSigner.jwks());
    }),
  );
  return router;
}
