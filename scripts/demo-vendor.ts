/**
 * The demo vendor on its own: `npm run demo-vendor` (`npm start` runs it for you beside the sandbox).
 *
 * Environment:
 *   GREENROOM_URL (default http://127.0.0.1:3000), GREENROOM_INTEGRATION_KEY (required: an unscoped
 *   integration key: POST /operator/keys with {"name":"…","role":"integration"}),
 *   GREENROOM_ISSUER (the API's PUBLIC_BASE_URL, the launch assertions' issuer; default GREENROOM_URL),
 *   DEMO_VENDOR_PORT (default 4020), DEMO_VENDOR_AUTOPILOT=on (put a result on every new order).
 * greenroom must allow the event endpoint: VENDOR_ENDPOINT_ALLOW_HOSTS=127.0.0.1:<port> on the API
 * and the worker. Stops on SIGINT/SIGTERM.
 */
import { startDemoVendor } from '../demo-vendor/index.js';

const env = process.env;
const key = env.GREENROOM_INTEGRATION_KEY?.trim();
if (!key) {
  process.stderr.write(
    'demo vendor: set GREENROOM_INTEGRATION_KEY (an integration key without tenant scope)\n',
  );
  process.exit(2);
}
const greenroomUrl = env.GREENROOM_URL?.trim() || 'http://127.0.0.1:3000';
const vendor = await startDemoVendor({
  greenroomUrl,
  integrationKey: key,
  ...(env.GREENROOM_ISSUER?.trim() ? { issuer: env.GREENROOM_ISSUER.trim() } : {}),
  port: Number(env.DEMO_VENDOR_PORT ?? 4020),
  autopilot: env.DEMO_VENDOR_AUTOPILOT === 'on',
  log: (line) => process.stdout.write(`demo vendor: ${line}\n`),
});
process.stdout.write(`demo vendor: listening on ${vendor.url} (orders: ${vendor.url}/orders)\n`);

const stop = async () => {
  await vendor.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
