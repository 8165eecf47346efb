/**
 * One "process" of the token-rotation lock test (test/tenants/token-rotation-lock.test.ts): rotates
 * one tenant's Greenhouse refresh token ROUNDS times through the database token store. It prints
 * `ready` once connected and starts when its parent writes `go` (so that two run at the same
 * moment). Prints one JSON line: rotations and failures.
 * NO_LOCK=1 hides the store's lock (the control run that shows what the lock prevents).
 */
import { createDatabase } from '../../../db/client.js';
import { V3AuthorizationCodeAuth } from '../../../greenhouse/harvest/auth.js';
import { createSecretBox, parseEncryptionKeys } from '../../../security/secret-box.js';
import { databaseTokenStore } from '../../../tenants/token-store.js';

const env = process.env;
const db = createDatabase({ url: env.DATABASE_URL!, poolSize: 2 });
const secrets = createSecretBox(parseEncryptionKeys(env.SECRETS_SPEC!));
const store = databaseTokenStore(db, secrets, env.TENANT_ID!);
const tokenStore = env.NO_LOCK === '1' ? { load: store.load, save: store.save } : store;
const auth = new V3AuthorizationCodeAuth({
  tokenUrl: `${env.SANDBOX_URL}/token`,
  clientId: env.CLIENT_ID!,
  clientSecret: env.CLIENT_SECRET!,
  tokenStore,
});
await db.$connect();
process.stdout.write('ready\n');
await new Promise<void>((go) => process.stdin.once('data', () => go()));
process.stdin.pause();
let rotations = 0;
const failures: string[] = [];
for (let i = 0; i < Number(env.ROUNDS ?? 10); i++) {
  try {
    await auth.refreshNow();
    rotations++;
  } catch (err) {
    failures.push(err instanceof Error ? err.message : String(err));
  }
}
process.stdout.write(`${JSON.stringify({ rotations, failures })}\n`);
await db.$disconnect();
