import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { spawnEntry, waitFor, type SpawnedProcess } from '../../harness/processes.js';
import { freePort } from '../../temporal/free-port.js';
import { TEST_PAYLOAD_KEYS_SPEC } from '../helpers/temporal.js';
import { pdf, startVendorStack, type VendorStack } from './vendor-stack.js';

// The production worker process killed with SIGKILL right after the vendor's result was accepted,
// before the write-back finished; a new process finishes it. Counted in the sandbox and the events.
describe('vendor order across a worker crash', () => {
  let stack: VendorStack;
  const workers: SpawnedProcess[] = [];

  beforeAll(async () => {
    stack = await startVendorStack();
    await stack.stopWorker();
  }, 120_000);
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
      GREENHOUSE_SANDBOX_CALLBACK_HOSTS: new URL(stack.sb.url).host,
    });
    workers.push(proc);
    return proc;
  };

  it('writes every effect exactly once', { timeout: 240_000 }, async () => {
    const worker = await startWorkerProcess();
    const { journeyId, application, handle } = await stack.startOrder(3);
    await waitFor(
      'the order to be invited',
      async () =>
        (await stack.database.db.journey.findUnique({ where: { id: journeyId } }))?.status === 'sent',
      90_000,
    );
    const accepted = await stack.putResult(
      journeyId,
      { status: 'completed', score: 55, attributes: { seniority: 'mid' } },
      pdf('crash'),
    );
    expect(accepted.status).toBe(200);
    // Accepted (the Update answered): kill before the write-back has finished.
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBe('SIGKILL');
    const before = stack.greenhouse(application.id);
    expect(before.notes.filter((n) => n.body?.includes(`Ref: ${journeyId}`)).length).toBeLessThanOrEqual(1);

    await startWorkerProcess();
    expect(await handle.result()).toMatchObject({ status: 'complete', passed: false });
    const gh = stack.greenhouse(application.id);
    expect(gh.notes.filter((n) => n.body?.includes(`Ref: ${journeyId}`))).toHaveLength(1);
    expect(gh.attachments).toHaveLength(1);
    expect(gh.customFields.map((f) => JSON.stringify(f))).toEqual(
      expect.arrayContaining([expect.stringContaining('mid')]),
    );
    const events = await stack.database.db.vendorEvent.findMany({ where: { orderId: journeyId } });
    expect(events.map((e) => `${e.sequence}:${e.type}`).sort()).toEqual([
      '1:order.created',
      '2:result.accepted',
      '3:writeback.completed',
    ]);
    // The same result again, after the crash: the same answer, nothing new.
    const again = await stack.putResult(
      journeyId,
      { status: 'completed', score: 55, attributes: { seniority: 'mid' } },
      pdf('crash'),
    );
    expect(again).toEqual(accepted);
    expect(stack.greenhouse(application.id).attachments).toHaveLength(1);
  });
});
