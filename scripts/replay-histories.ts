// Replays recorded workflow histories through the current workflow code (determinism guard).
// Usage: tsx scripts/replay-histories.ts [bundle.js] — without a bundle it bundles the workflows.
// Histories are the JSON that `temporal workflow show -o json` exports, kept in test/fixtures/histories.
// Histories recorded since payloads are encrypted need the keys they were written with:
// PAYLOAD_ENCRYPTION_KEYS (the tests' fixed keys). Payloads recorded before encryption are plain: the
// replay runs with the migration switch on (PAYLOAD_CODEC_ALLOW_PLAINTEXT's allowPlaintext), as a
// worker does while such histories are still running, so old and new histories replay in one run.
// Replay checks determinism of the workflow code, not who wrote the payloads: the strict codec is
// tested on a live worker (test/security/codec-strictness.test.ts).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { parseEncryptionKeys } from '../security/secret-box.js';
import { dataConverterFor } from '../temporal/data-converter.js';
import { bundleWorkflows } from '../workers/workflow-bundle.js';

const dir = fileURLToPath(new URL('../test/fixtures/histories/', import.meta.url));
const bundlePath = process.argv[2];
const workflowBundle = bundlePath ? { codePath: path.resolve(bundlePath) } : await bundleWorkflows();
const payloadKeys = process.env.PAYLOAD_ENCRYPTION_KEYS?.trim();
const dataConverter = payloadKeys
  ? { dataConverter: dataConverterFor(parseEncryptionKeys(payloadKeys), { allowPlaintext: true }) }
  : {};
const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
let failed = 0;
for (const file of files) {
  // runReplayHistory converts the CLI's JSON itself (with the SDK's own proto instance).
  const history: unknown = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
  try {
    await Worker.runReplayHistory({ workflowBundle, replayName: file, ...dataConverter }, history);
    console.log(`replayed ${file}`);
  } catch (err) {
    failed++;
    console.error(`FAILED ${file}: ${(err as Error).message}`);
  }
}
console.log(`${files.length - failed} replayed, ${failed} failed`);
process.exit(failed || files.length === 0 ? 1 : 0);
