// The baseline of bench/test-status-load.ts: a bare Express app that answers test_status's URL with
// constant JSON. It is spawned exactly like the API (`node --import tsx`, harness/processes.ts), so
// the difference between the two is our route's work (auth, database, validation), not the setup.
import express from 'express';

const port = Number(process.env.BASELINE_PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('BASELINE_PORT must be set to a port number');
  process.exit(2);
}

/** A body the size and shape of a completed journey's test_status answer. */
const BODY = {
  partner_status: 'complete',
  partner_profile_url: 'http://127.0.0.1:40000/r/grr_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
  partner_score: 87.5,
};

const app = express();
app.disable('x-powered-by');
app.get('/readyz', (_req, res) => {
  res.json({ ok: true });
});
app.get('/partner/test_status', (_req, res) => {
  res.json(BODY);
});

const server = app.listen(port, '127.0.0.1');
server.on('error', (err) => {
  console.error(`baseline could not listen: ${err.message}`);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
