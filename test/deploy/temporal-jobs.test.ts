import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../harness/processes.js';
import { provideTemporalCli } from '../../temporal/cli-binary.js';
import { freePort } from '../../temporal/free-port.js';
import { readCompose, serviceEnvironment } from './compose-reading.js';

const run = promisify(execFile);

/**
 * The admin-tools jobs of docker-compose.yml run shell scripts with the `temporal` CLI. Here the
 * same scripts and the same commands run with our Temporal CLI against the shared dev server: the
 * flags and the exit codes are the CLI's own, not a guess.
 */
describe('the Temporal jobs of docker-compose.yml', () => {
  let binDir: string;
  let cli: string;
  const address = () => inject('temporalAddress');

  beforeAll(async () => {
    const provided = await provideTemporalCli({ log: () => undefined });
    if (!provided) throw new Error('no Temporal CLI (npm run temporal:provide)');
    cli = provided.path;
    // The admin-tools image has `temporal` on PATH; so does this folder.
    binDir = await mkdtemp(path.join(tmpdir(), 'greenroom-temporal-bin-'));
    await symlink(cli, path.join(binDir, 'temporal'));
  });
  afterAll(async () => {
    if (binDir) await rm(binDir, { recursive: true, force: true });
  });

  const namespaceJob = (env: Record<string, string>) =>
    run('sh', [path.join(repoRoot, 'deploy/temporal/temporal-namespace.sh')], {
      env: { PATH: `${binDir}:${process.env.PATH}`, HOME: process.env.HOME, ...env },
    });

  it('temporal-namespace creates the namespace once, then finds it on every later deploy', async () => {
    const { services } = readCompose();
    const composeEnv = serviceEnvironment(services['temporal-namespace']!, {});
    expect(composeEnv.TEMPORAL_NAMESPACE_RETENTION_DAYS).toBe('30');
    const namespace = `compose-${process.pid}-${Date.now()}`;
    const env = {
      TEMPORAL_ADDRESS: address(),
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_NAMESPACE_RETENTION_DAYS: composeEnv.TEMPORAL_NAMESPACE_RETENTION_DAYS!,
    };
    const first = await namespaceJob(env);
    expect(first.stdout).toContain(`namespace ${namespace} created (retention 30 days)`);
    const { stdout } = await run(cli, [
      'operator',
      'namespace',
      'describe',
      '--namespace',
      namespace,
      '--address',
      address(),
      '--output',
      'json',
    ]);
    const described = JSON.parse(stdout) as {
      namespaceInfo: { name: string; state: string };
      config: { workflowExecutionRetentionTtl: string };
    };
    expect(described.namespaceInfo).toMatchObject({ name: namespace, state: 'NAMESPACE_STATE_REGISTERED' });
    expect(described.config.workflowExecutionRetentionTtl).toBe(`${30 * 24 * 3600}s`);
    const again = await namespaceJob(env);
    expect(again.stdout).toContain(`namespace ${namespace} exists`);
  });

  it('temporal-namespace gives up with a message when no frontend answers', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const failed = await namespaceJob({ TEMPORAL_ADDRESS: closed, TEMPORAL_WAIT_SECONDS: '2' }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(`the Temporal frontend at ${closed} did not answer SERVING`);
  });

  it("the server's healthcheck command passes on a serving frontend and fails on a closed port", async () => {
    const [kind, binary, ...args] = readCompose().services.temporal!.healthcheck!.test;
    expect([kind, binary]).toEqual(['CMD', 'temporal']);
    const withAddress = (target: string) => args.map((a) => (a === 'temporal:7233' ? target : a));
    const ok = await run(cli, withAddress(address()));
    expect(ok.stdout).toContain('SERVING');
    const closed = `127.0.0.1:${await freePort()}`;
    await expect(run(cli, withAddress(closed), { timeout: 30_000 })).rejects.toMatchObject({ code: 1 });
  });
});
