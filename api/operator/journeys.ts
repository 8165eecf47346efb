import { Router } from 'express';
import type { Database } from '../../db/client.js';
import { handle, HttpError } from '../http-errors.js';

/** Journeys as the read model knows them: no Temporal round trip. */
export function journeyRoutes({ db }: { db: Database }): Router {
  const router = Router();
  router.get(
    '/journeys/:journeyId',
    handle(async (req, res) => {
      const journey = await db.journey.findUnique({ where: { id: String(req.params.journeyId) } });
      if (!journey) throw new HttpError(404, 'not_found', `no journey ${String(req.params.journeyId)}`);
      res.json(journey);
    }),
  );
  return router;
}
