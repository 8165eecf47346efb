// Builds the workflow bundle ahead of time for production workers (WORKFLOW_BUNDLE_PATH).
// Also CI's proof that workflow code imports nothing forbidden.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflows } from '../workers/workflow-bundle.js';

const out = process.argv[2] ?? 'dist/workflow-bundle.js';
const started = Date.now();
const bundle = await bundleWorkflows();
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, bundle.code);
console.log(
  `workflow bundle: ${out} (${Math.round(bundle.code.length / 1024)} KiB, ${Date.now() - started} ms)`,
);
