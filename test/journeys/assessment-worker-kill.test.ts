import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { freePort } from '../../temporal/free-port.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { spawnEntry, waitFor, type SpawnedProcess } from '../../harness/processes.js';
import { TEST_PAYLOAD_KEYS_SPEC } from '../helpers/temporal.js';

// The production worker process (workers/main.ts) killed with SIGKILL in the middle of an
// assessment journey, twice; new processes finish it. Counted in real SMTP mail and in the
// sandbox: one invite, one PATCH, one note, one attachment.
describe('assessment journey across worker crashes', () => {
  let stack: AssessmentStack;
  const workers: SpawnedProcess[] = [];

  beforeAll(async () => {
    stack = await startAssessmentStack();
    await stack.stopWorker();
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await stack?.close();
  });

  const startWorkerProcess = async () => {
    const proc = spawnEntry('workers/main.ts', {
      DATABASE_URL: stack.database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      WORKER_HEALTH_PORT: String(await freePort()),
      SECRETS_ENCRYPTION_KEYS: stack.secretsSpec,
      PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_SPEC,
      SMTP_URL: stack.smtp.url,
      PUBLIC_BASE_URL: stack.api.url,
      // The sandbox stands in for Greenhouse: its host may take the completion PATCH over http.
      GREENHOUSE_SANDBOX_CALLBACK_HOSTS: new URL(stack.sb.url).host,
    });
    workers.push(proc);
    return proc;
  };

  it('completes with every effect exactly once', { timeout: 180_000 }, async () => {
    const application = stack.sb.state.org(stack.org.org.id)!.applications.all()[4]!;
    const journeyId = stack.journeyIdFor(application.id);
    let worker = await startWorkerProcess();
    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    // Kill 1: between steps, right after the invite step finished (its ledger row says sent, and
    // the workflow task that ran it as a local activity is complete: the deadline timer started).
    // (A kill inside the step, after SMTP accepted but before the row says so, resends the same
    // mail with the same Message-ID: SMTP gives no way to ask whether a message went through. A
    // kill after the row but before the task completed runs the step again: the ledger sends nothing.)
    await waitFor(
      'the invite step to finish',
      async () =>
        (
          await stack.database.db.emailDelivery.findUnique({
            where: { idempotencyKey: `${journeyId}:invite:1` },
          })
        )?.status === 'sent' &&
        ((await stack.temporal.workflow.getHandle(journeyId).fetchHistory()).events ?? []).some(
          (e) => e.timerStartedEventAttributes,
        ),
      60_000,
    );
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBe('SIGKILL');

    worker = await startWorkerProcess();
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' })).status).toBe(200);
    // Kill 2: while the result is being posted to Greenhouse, once the completion PATCH landed.
    // (A kill inside the PATCH, after Greenhouse took it but before the activity completed, sends
    // it again: like SMTP, the callback gives no way to ask whether it went through. The result
    // steps now run in the workflow task right before it, so 'complete' alone lands in that window.)
    const testIds = () => new Set(stack.greenhouse(application.id).tests.map((t) => t.id));
    await waitFor(
      'the result to start landing',
      async () =>
        (await stack.database.db.journey.findUnique({ where: { id: journeyId } }))?.status === 'complete' &&
        stack.sb.partner.patches.some((p) => testIds().has(p.testId)),
      60_000,
    );
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBe('SIGKILL');

    await startWorkerProcess();
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'complete',
      scorePercent: 100,
    });
    await waitFor('Greenhouse to read test_status', async () => {
      await stack.sb.idle();
      return stack.greenhouse(application.id).tests[0]?.partnerStatus === 'complete';
    });
    const gh = stack.greenhouse(application.id);
    expect(
      stack.smtp.messages
        .filter((m) => m.idempotencyKey?.startsWith(`${journeyId}:`))
        .map((m) => m.idempotencyKey),
    ).toEqual([`${journeyId}:invite:1`]);
    expect(gh.notes.filter((n) => /JavaScript basics: 100%/.test(String(n.body)))).toHaveLength(1);
    expect(gh.attachments.filter((a) => a.filename.startsWith('assessment-report-'))).toHaveLength(1);
    expect(stack.sb.partner.patches.filter((p) => testIds().has(p.testId))).toHaveLength(1);
  });
});
