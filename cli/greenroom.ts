#!/usr/bin/env node
// `greenroom`: the operators' command line over the operator API (cli/main.ts has the commands).
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  io: {
    stdout: process.stdout,
    stderr: process.stderr,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pollMs: Number(process.env.GREENROOM_POLL_MS ?? 500) || 500,
  },
});
