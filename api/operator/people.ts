import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { JourneyRepository } from '../../db/repositories/journeys.js';
import { erasePerson } from '../../journeys/erase-person.js';
import type { PersonKey } from '../../security/person-index.js';
import type { SecretBox } from '../../security/secret-box.js';
import { tenantExists } from '../../tenants/tenants-repository.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { err, invalidInput, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { canSeeTenant, operatorOf } from './identity.js';
import { operatorAction } from './operator-action.js';

export const ErasePersonBody = z.strictObject({
  email: z.email({ error: 'must be an e-mail address' }).max(320),
  /** Only this tenant's records (a tenant-scoped key is always limited to its own). */
  tenantId: z.string().trim().min(1).max(200).optional(),
});

const count = z.number().int().min(0);
export const PersonErasureResponse = z.object({
  erased: z.object({
    journeys: count,
    alreadyErased: count,
    referees: count,
    bulkRows: count,
    texts: count,
    outboxMails: count,
    indexEntries: count,
  }),
});

const postPeopleEraseRoute: RouteSpec = {
  method: 'post',
  path: '/people/erase',
  tag: 'operator: journeys',
  summary: 'Erase a person by e-mail address',
  description:
    'GDPR erasure across every journey the address is the candidate of, every referee record naming it, uploaded invite rows, outbox copies and texts that quote it. Admin only; the audit trail keeps counts, never the address.',
  security: 'operator',
  body: { schema: ErasePersonBody },
  responses: {
    200: { description: 'What was erased, in counts.', schema: PersonErasureResponse },
    400: invalidInput,
    ...operatorAuth,
    404: err('No such tenant (`not_found`).'),
  },
};

export interface PeopleRouteDeps {
  db: Database;
  journeys?: JourneyRepository;
  temporal: Client;
  secrets: SecretBox;
  personKey?: PersonKey;
}

/** Erasure per person: an admin names an address; everything we keep about that person goes. */
export function peopleRoutes(deps: PeopleRouteDeps): Router {
  const router = Router();
  route(
    router,
    postPeopleEraseRoute,
    handle(async (req, res) => {
      const body = parseInput(ErasePersonBody, req.body ?? {});
      const operator = operatorOf(res);
      const tenantId = body.tenantId ?? operator.tenantId ?? null;
      const erased = await operatorAction(
        deps.db,
        res,
        // The audit entry holds the tenant and the counts: never the address.
        { action: 'people.erase', tenantId, role: 'admin' },
        async () => {
          // A key scoped to another tenant learns nothing of this one: it answers as an unknown one.
          if (tenantId && (!canSeeTenant(operator, tenantId) || !(await tenantExists(deps.db, tenantId))))
            throw new HttpError(404, 'not_found', `no tenant ${tenantId}`);
          return erasePerson(deps, { email: body.email, tenantId });
        },
        (result) => ({ ...result }),
      );
      res.json({ erased });
    }),
  );
  return router;
}
