import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { DEFAULT_ROTATION_LEAD_MS, type LaunchSigner } from '../../security/launch-assertions.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { invalidInput, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { operatorOf } from './identity.js';
import { operatorAction } from './operator-action.js';

export const RotateSigningKeyBody = z.strictObject({
  /** How long the next key is published before it signs (default one hour; 0: signs at once). */
  lead_seconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .optional(),
});

const rotateRoute: RouteSpec = {
  method: 'post',
  path: '/signing-keys/rotate',
  tag: 'operator: signing keys',
  summary: 'Rotate the launch-assertion key',
  description:
    'Publishes the next key at /.well-known/jwks.json now; it signs launch assertions after ' +
    '`lead_seconds` (default 3600), when the current key retires. The retired key stays published ' +
    'until the assertions it signed have expired. A Schedule rotates every LAUNCH_KEY_ROTATION_DAYS; ' +
    'this is the manual one (a suspected leak: `lead_seconds: 0`). Unscoped admin only; audited.',
  security: 'operator',
  body: { schema: RotateSigningKeyBody, required: false },
  responses: {
    200: {
      description: 'The next key.',
      schema: z.object({ kid: z.string(), active_from: z.iso.datetime({ offset: true }) }),
    },
    400: invalidInput,
    ...operatorAuth,
  },
};

/** The launch-assertion keys span every tenant: only an unscoped admin rotates them. */
export function signingKeyRoutes(deps: { db: Database; launchSigner: LaunchSigner }): Router {
  const router = Router();
  route(
    router,
    rotateRoute,
    handle(async (req, res) => {
      const body = parseInput(RotateSigningKeyBody, req.body ?? {});
      const rotated = await operatorAction(
        deps.db,
        res,
        { action: 'signing-keys.rotate', role: 'admin' },
        async () => {
          if (operatorOf(res).tenantId !== null)
            throw new HttpError(403, 'forbidden', 'a tenant-scoped key cannot rotate the signing keys');
          const leadMs =
            body.lead_seconds === undefined ? DEFAULT_ROTATION_LEAD_MS : body.lead_seconds * 1000;
          return deps.launchSigner.rotate({ leadMs });
        },
        (r) => ({ kid: r.kid, activeFrom: r.activeFrom.toISOString() }),
      );
      res.json({ kid: rotated.kid, active_from: rotated.activeFrom.toISOString() });
    }),
  );
  return router;
}
