import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { provideTemporalCli } from '../../temporal/cli-binary.js';
import { repoRoot, spawnEntry } from '../../harness/processes.js';
import { TEST_PAYLOAD_KEYS_SPEC } from './temporal.js';

/** Recorded workflow histories that every later version of the workflow code must replay. */
export const historiesDir = path.join(repoRoot, 'test', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1, a test exports a finished journey's history here exactly as
 * `temporal workflow show -o json` does (commit the file); otherwise it does nothing. Re-record
 * only for a change meant to break old histories — which needs patching instead (design brief).
 */
export async function recordHistoryIfAsked(name: string, workflowId: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const cli = await provideTemporalCli();
  if (!cli) throw new Error('recording histories needs the Temporal CLI');
  const { stdout } = await promisify(execFile)(
    cli.path,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--address',
      inject('temporalAddress'),
      '--output',
      'json',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  await mkdir(historiesDir, { recursive: true });
  await writeFile(path.join(historiesDir, `${name}.json`), stdout);
}

/**
 * Replays every recorded history in a plain Node process (scripts/replay-histories.ts), with this
 * run's workflow bundle and the tests' payload keys (histories recorded before payload encryption
 * are plain and pass through). (Inside vitest's module loader the proto JSON conversion fails.)
 */
export async function replayRecordedHistories(): Promise<{ code: number | string; output: string }> {
  const proc = spawnEntry(
    'scripts/replay-histories.ts',
    { PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_SPEC },
    [inject('workflowBundlePath')],
  );
  return { code: await proc.exited, output: proc.output() };
}
