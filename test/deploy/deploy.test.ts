import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readMigrations } from '../../db/migrations.js';
import { startDeployStack, type DeployProcess, type DeployStack } from '../../harness/deploy-stack.js';
import { startSubmitting, waitForResults } from '../../harness/journey-driver.js';
import { HARNESS_TEST } from '../../harness/product-stack.js';
import { waitFor } from '../../harness/processes.js';

/**
 * Proof of the production stack without Docker: dist/ built from this tree, docker-compose.yml's
 * services run with their own commands and environment (hosts moved to loopback) against the real
 * Temporal server on PostgreSQL, a real SMTP server and the Greenhouse sandbox; two API and two
 * worker processes, as replicas. One worker is SIGKILLed mid-run.
 */
describe('the production stack from dist/ (deploy test)', () => {
  let stack: DeployStack;
  const lines: string[] = [];
  const log = (line: string) => lines.push(`${new Date().toISOString()} ${line}`);
  const startedAt = Date.now();

  beforeAll(async () => {
    stack = await startDeployStack({ postgresAdminUrl: inject('postgresAdminUrl'), log });
  }, 600_000);
  afterAll(async () => {
    await stack?.close();
    console.log(`deploy test: ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n${lines.join('\n')}`);
  }, 60_000);

  it('applied every migration with the runner the image uses', async () => {
    const expected = await readMigrations();
    expect(stack.jobOutput.migrate).toContain(`applied: ${expected.map((m) => m.name).join(', ')}`);
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ migration_name: string; checksum: string }>(
        'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name',
      );
      expect(rows).toEqual(expected.map((m) => ({ migration_name: m.name, checksum: m.checksum })));
    } finally {
      await client.end();
    }
  });

  it('answers /readyz green on every API and worker process', async () => {
    for (const p of [...stack.apis, ...stack.workers]) {
      const res = await fetch(`${p.url}/readyz`);
      expect(res.status, `${p.url}/readyz: ${await res.clone().text()}`).toBe(200);
    }
  });

  it(
    'completes journeys sent through each API exactly once, with a worker SIGKILLed mid-run',
    { timeout: 300_000 },
    async () => {
      const [first, second] = [stack.candidates.slice(0, 3), stack.candidates.slice(3, 6)];
      // Greenhouse's Send test, to API 1 for the first three candidates and to API 2 for the others.
      for (const [api, candidates] of [
        [stack.apis[0]!, first],
        [stack.apis[1]!, second],
      ] as const) {
        await stack.pointPartnerApiAt(api.url);
        for (const c of candidates) {
          const { test } = await stack.sb.admin.sendTest(stack.org.org.id, c.applicationId, {
            partnerTestId: HARNESS_TEST.testId,
            sentByUserId: stack.org.siteAdmin.id,
          });
          expect(
            test.partnerInterviewId,
            `send_test to ${api.url} for application ${c.applicationId}`,
          ).toBeTruthy();
        }
      }
      const candidates = [...first, ...second];

      // Invites arrive by SMTP, and nothing waits in the outbox (which is for SMTP_URL unset).
      await waitFor(
        'an invite e-mail per candidate',
        async () =>
          candidates.every((c) =>
            stack.smtp.messages.some(
              (m) =>
                m.envelope.to[0]?.toLowerCase() === c.email.toLowerCase() &&
                /:invite:1$/.test(m.idempotencyKey ?? ''),
            ),
          ),
        60_000,
      );
      expect(await outboxRows(stack)).toBe(0);

      // Candidates submit one a second; a worker dies (SIGKILL) after the second submission.
      const submitter = startSubmitting(stack, { ratePerSecond: 1, concurrency: 2 });
      try {
        await waitFor('two submissions', async () => submitter.submittedAt.size >= 2, 60_000);
        // The worker that has run more tasks dies, so the kill takes work in progress with it.
        const handled = await Promise.all(stack.workers.map((w) => tasksHandled(stack, w.url)));
        const victimIndex = handled[0]! >= handled[1]! ? 0 : 1;
        expect(handled[victimIndex]).toBeGreaterThan(0);
        const victim = stack.workers[victimIndex]!.process;
        victim.child.kill('SIGKILL');
        expect(await victim.exited).toBe('SIGKILL');
        log(
          `worker ${victimIndex + 1} SIGKILLed after ${submitter.submittedAt.size} submissions (tasks run: ${handled.join(', ')})`,
        );

        const counts = await waitForResults(stack, candidates, { timeoutMs: 180_000, expectPatch: true });
        log(`counts ${JSON.stringify(counts)}`);
        expect(submitter.refused).toEqual([]);
        expect(counts).toEqual({
          journeys: 6,
          completed: 6,
          lost: 0,
          duplicateInvites: 0,
          duplicateDeliveries: 0,
          duplicateNotes: 0,
          duplicateAttachments: 0,
          duplicatePatches: 0,
        });
      } finally {
        submitter.stop();
      }
      expect(await outboxRows(stack)).toBe(0);
      // The survivors are still ready.
      const alive = (p: DeployProcess) => p.process.child.exitCode === null && !p.process.child.signalCode;
      const survivors = [...stack.apis, ...stack.workers].filter(alive);
      expect(survivors).toHaveLength(3);
      for (const p of survivors) expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
    },
  );
});

/** Workflow and activity tasks a worker has run, from Temporal Core's metrics on its /metrics. */
async function tasksHandled(stack: DeployStack, workerUrl: string): Promise<number> {
  const res = await fetch(`${workerUrl}/metrics`, {
    headers: { authorization: `Bearer ${stack.operatorKey}` },
  });
  const text = await res.text();
  return [
    ...text.matchAll(/^temporal_(?:workflow_task|activity)_execution_latency\w*_count\{[^}]*\} (\d+)/gm),
  ].reduce((n, m) => n + Number(m[1]), 0);
}

async function outboxRows(stack: DeployStack): Promise<number> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM outbox_mails');
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}
