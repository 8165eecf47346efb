import { ASSUMPTIONS } from '../assumptions.js';
import { Router } from 'express';
import { parseBasic, parseBearer } from '../credentials.js';
import type { SandboxDeps } from '../deps.js';
import { intParam, notFound } from '../http-util.js';
import type { CallbackAuth } from '../model.js';

function authorized(auth: CallbackAuth, header: string | undefined): boolean {
  if (auth.kind === 'bearer') return parseBearer(header) === auth.token;
  const b = parseBasic(header);
  return !!b && auth.key !== '' && b.user === auth.key && b.pass === '';
}

/**
 * The completion callback: `PATCH <url>` (no body) from our side, authenticated with the organisation's
 * callback credential; Greenhouse answers and then calls test_status at once.
 */
export function callbackRouter(d: SandboxDeps): Router {
  const r = Router();
  r.patch('/integrations/testing_partners/take_home_tests/:id', async (req, res) => {
    const id = intParam(req.params.id);
    const at = d.state.now();
    const org = id === undefined ? undefined : [...d.state.orgs.values()].find((o) => o.tests.has(id));
    const test = org && id !== undefined ? org.tests.get(id) : undefined;
    if (!org || !test) {
      d.partner.patches.push({ testId: id ?? -1, orgId: null, at, status: 404, authorized: false });
      return notFound(res);
    }
    res.locals.orgId = org.id;
    if (!authorized(org.integration.callbackAuth, req.headers.authorization)) {
      d.partner.patches.push({ testId: test.id, orgId: org.id, at, status: 401, authorized: false });
      res.status(401).json({ message: 'Invalid credentials' });
      return;
    }
    d.partner.patches.push({ testId: test.id, orgId: org.id, at, status: 200, authorized: true });
    // "Greenhouse then calls test_status at once": after answering the PATCH (or before, if switched).
    const check = () =>
      org.integration.partnerApi
        ? d.partner.track(d.partner.testStatus(org, test, 'patch')).catch(() => undefined)
        : Promise.resolve(undefined);
    if (ASSUMPTIONS.statusCheckAfterPatch === 'before_response') {
      await check();
    } else {
      res.once('finish', () => void check());
    }
    res.status(200).json({});
  });
  return r;
}
