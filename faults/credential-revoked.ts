import { startSubmitting } from '../harness/journey-driver.js';
import { startProductStack } from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';
import { countJourneys, splitJourneys, startJourneys, waitForJourneys } from './journey-groups.js';

/**
 * Issue 18: the customer's Greenhouse credential is revoked for a while under load. M journeys start
 * (vendor invites, whose first Harvest step is the application match, and Send tests, which meet
 * Greenhouse at the write-back); the credential is revoked in the sandbox at once, so journeys reach
 * their Greenhouse steps while it is refused; after N minutes the customer restores it and the
 * operator reconnects the tenant (the one operator action there is). Every journey must resume by
 * itself and complete with each effect exactly once: 0 lost, 0 duplicates, 0 failed, 0 journey
 * actions by an operator.
 */

type Params = {
  journeys: number;
  /** Share of journeys started by Send test in Greenhouse (the rest by CSV upload), in %. */
  sendTestPercent: number;
  /** How long the credential stays revoked once every journey waits, in minutes (fractions allowed). */
  revokedMinutes: number;
  timeoutS: number;
};

export const credentialRevoked: Scenario<Params> = {
  suite: 'faults',
  name: 'credential-revoked',
  description: "the tenant's Greenhouse credential is revoked for N minutes under load, then reconnected",
  defaults: { journeys: 100, sendTestPercent: 30, revokedMinutes: 1, timeoutS: 900 },
  smoke: { journeys: 12, sendTestPercent: 50, revokedMinutes: 0.25, timeoutS: 180 },

  async run(params, ctx) {
    const startedAt = Date.now();
    const { journeys } = params;
    const stack = await startProductStack({ candidates: journeys, log: ctx.log, ...sharedParts(ctx) });
    try {
      const groups = splitJourneys(stack, journeys, params.sendTestPercent);
      const t0 = Date.now();
      const deadline = t0 + params.timeoutS * 1000;
      const since = (at = Date.now()) => (at - t0) / 1000;
      const submitter = startSubmitting(stack);
      const waiting = () =>
        stack.db.journey.count({ where: { tenantId: stack.tenantId, greenhouseWaitSince: { not: null } } });
      let everWaiting = 0;
      const poll = setInterval(() => {
        void waiting()
          .then((n) => (everWaiting = Math.max(everWaiting, n)))
          .catch(() => undefined);
      }, 500);

      try {
        const credential = stack.org.credentials.v3;
        stack.sb.credentials.revoke(credential.id);
        ctx.log(`+${since().toFixed(1)} s: credential revoked; starting ${journeys} journeys`);
        await startJourneys(stack, groups);
        // Every journey reaches a Greenhouse step while the credential is refused (the match for
        // CSV journeys; the write-back, once the candidate answered, for Send test ones).
        while ((await waiting()) < journeys && Date.now() < t0 + (params.timeoutS * 1000) / 2)
          await sleep(500);
        ctx.log(
          `+${since().toFixed(1)} s: ${await waiting()} journeys wait; revoked for ${params.revokedMinutes} min more`,
        );
        await sleep(params.revokedMinutes * 60_000);
        const waitingAtReconnect = await waiting();
        const before = countJourneys(stack, groups);
        ctx.log(
          `+${since().toFixed(1)} s: ${waitingAtReconnect} journeys wait for Greenhouse, ${before.completed} results in; reconnecting`,
        );

        stack.sb.credentials.restore(credential.id);
        const reconnectAt = Date.now();
        const reconnect = await stack.call('PUT', `/operator/tenants/${stack.tenantId}/greenhouse`, {
          kind: 'v3_client_credentials',
          clientId: credential.clientId,
          clientSecret: credential.clientSecret,
          auditUserId: stack.org.siteAdmin.id,
          greenhouseHost: 'app.greenhouse.io',
          harvestBaseUrl: stack.sb.url,
          authBaseUrl: stack.sb.url,
        });
        if (reconnect.status !== 200) throw new Error(`reconnect answered ${reconnect.status}`);
        const resumed = Number(reconnect.body.resumedJourneys ?? NaN);

        const final = await waitForJourneys(stack, groups, {
          deadline,
          log: (line) => ctx.log(`+${since().toFixed(1)} s: ${line}`),
        });
        const doneAt = Date.now();
        submitter.stop();
        const failed = await stack.db.journey.count({
          where: {
            OR: [{ status: 'failed' }, { failedAt: { not: null } }, { writebackFailedStep: { not: null } }],
          },
        });
        const journeyActions = await stack.db.auditEntry.count({
          where: { action: { startsWith: 'journey.' } },
        });
        const refused = stack.sb.requestLog
          .list()
          .filter((e) => e.status === 401 && e.direction === 'inbound');

        const figures: Figure[] = [
          exactCount('completed', final.completed, journeys),
          exactCount('lost', final.lost),
          exactCount('failed or waiting on an operator', failed),
          exactCount('operator actions on journeys', journeyActions),
          exactCount('duplicate invites', final.duplicateInvites),
          exactCount('duplicate SMTP deliveries', final.duplicateDeliveries),
          exactCount('duplicate notes', final.duplicateNotes),
          exactCount('duplicate attachments', final.duplicateAttachments),
          exactCount('duplicate completion PATCHes', final.duplicatePatches),
          exactCount('journeys still waiting for Greenhouse', await waiting()),
          // The fault really happened: every journey met the refused credential and was resumed.
          exactCount('journeys waiting at the reconnect', waitingAtReconnect, journeys),
          exactCount('journeys the reconnect signalled', resumed, journeys),
          { name: 'most journeys waiting at once', value: everWaiting, unit: '' },
          { name: 'refused Greenhouse requests (401)', value: refused.length, unit: '' },
          {
            name: 'time to recover (reconnect to last result)',
            value: (doneAt - reconnectAt) / 1000,
            unit: 's',
          },
          { name: 'run time', value: since(doneAt), unit: 's' },
        ];
        const notes = [
          `${groups.csv.length} journeys by CSV upload (wait at the application match), ${groups.sendTest.length} by Send test (wait at the write-back)`,
          `revoked until every journey waited, then ${params.revokedMinutes} min more; reconnected at +${since(reconnectAt).toFixed(1)} s; last result at +${since(doneAt).toFixed(1)} s`,
        ];
        if (submitter.refused.length)
          notes.push(
            `${submitter.refused.length} submissions refused (4xx), e.g. ${JSON.stringify(submitter.refused[0])}`,
          );
        return resultOf(credentialRevoked, startedAt, { ...params }, figures, notes);
      } finally {
        clearInterval(poll);
        submitter.stop();
      }
    } finally {
      await stack.close();
    }
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
