import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, V3_SCOPES, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { MemoryTokenStore, V3AuthorizationCodeAuth } from '../../greenhouse/harvest/auth.js';
import {
  createSecretBox,
  generateEncryptionKeySpec,
  parseEncryptionKeys,
} from '../../security/secret-box.js';
import { databaseTokenStore } from '../../tenants/token-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/**
 * Issue 13: a tenant's refresh-token rotation holds a database lock across processes. Two real
 * processes rotate the same tenant's refresh token at the same moment through the database token
 * store: with the lock every rotation presents the newest token and succeeds; without it (the
 * control run) they present the same token and Greenhouse refuses the loser.
 */
describe('refresh-token rotation by two processes on the database token store', () => {
  let sb: Sandbox;
  let database: TestDatabase;
  const spec = generateEncryptionKeySpec('rot1');
  const secrets = createSecretBox(parseEncryptionKeys(spec));

  beforeAll(async () => {
    [sb, database] = await Promise.all([
      startSandbox({ orgs: [{ candidates: 2 }], rateLimit: { token: { limit: 10_000 } } }),
      createTestDatabase(),
    ]);
  });
  afterAll(async () => {
    await sb?.close();
    await database?.drop();
  });

  /** A tenant connected by consent: its refresh token stored encrypted in its connection row. */
  async function consentedTenant(id: string) {
    const org = sb.orgs[0]!;
    const partner = sb.admin.addV3Client(org.org.id, { integration: 'partner' });
    const redirectUri = 'https://vendor.example/callback';
    const consent = await fetch(
      `${sb.url}/authorize?${new URLSearchParams({ client_id: partner.clientId, response_type: 'code', redirect_uri: redirectUri, scope: V3_SCOPES.join(' ') })}`,
      { redirect: 'manual' },
    );
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const memory = new MemoryTokenStore();
    await new V3AuthorizationCodeAuth({
      tokenUrl: `${sb.url}/token`,
      clientId: partner.clientId,
      clientSecret: partner.clientSecret,
      tokenStore: memory,
    }).exchangeCode(code, redirectUri);
    await database.db.tenant.create({ data: { id, slug: id, name: id } });
    await database.db.greenhouseConnection.create({
      data: {
        tenantId: id,
        authKind: 'v3_authorization_code',
        greenhouseHost: 'app.greenhouse.io',
        harvestBaseUrl: sb.url,
        authBaseUrl: sb.url,
        clientId: partner.clientId,
        secretCiphertext: secrets.encrypt(partner.clientSecret, `harvest-secret:${id}`),
      },
    });
    await databaseTokenStore(database.db, secrets, id).save((await memory.load())!);
    return partner;
  }

  /**
   * Runs `count` rotating processes that start rotating at the same moment: each says `ready` once
   * its imports and database connection are done, and all are told `go` together (a fixed start
   * time raced the processes' start-up on a loaded machine, and then they never overlapped).
   */
  const runTogether = (
    count: number,
    tenantId: string,
    partner: { clientId: string; clientSecret: string },
    noLock: boolean,
  ) => {
    const children = Array.from({ length: count }, () =>
      spawn(process.execPath, ['--import', 'tsx', 'test/tenants/processes/rotate-tokens.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: database.url,
          SECRETS_SPEC: spec,
          TENANT_ID: tenantId,
          SANDBOX_URL: sb.url,
          CLIENT_ID: partner.clientId,
          CLIENT_SECRET: partner.clientSecret,
          ROUNDS: '10',
          NO_LOCK: noLock ? '1' : '0',
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    let ready = 0;
    return Promise.all(
      children.map(
        (child) =>
          new Promise<{ rotations: number; failures: string[] }>((resolve, reject) => {
            let out = '';
            let err = '';
            child.stdout.on('data', (d: Buffer) => {
              const before = out;
              out += d.toString();
              if (!before.includes('ready\n') && out.includes('ready\n') && ++ready === count)
                for (const c of children) c.stdin.write('go\n');
            });
            child.stderr.on('data', (d: Buffer) => (err += d.toString()));
            child.on('error', reject);
            child.on('exit', (code) => {
              if (code !== 0) return reject(new Error(`rotating process exited ${code}: ${err}`));
              resolve(JSON.parse(out.trim().split('\n').pop()!) as { rotations: number; failures: string[] });
            });
          }),
      ),
    );
  };

  const refreshAnswers = (clientId: string) =>
    sb.requestLog
      .list({ api: 'token' })
      .filter((e) => (e.body as { grant_type?: string } | null)?.grant_type === 'refresh_token')
      .filter(
        (e) =>
          e.credentialId ===
          sb.credentials.list().find((c) => c.kind === 'v3' && c.clientId === clientId)?.id,
      )
      .map((e) => e.status);

  it('with the row lock: 20 rotations at once, every one presents the newest token and succeeds', async () => {
    const partner = await consentedTenant('ten_lock');
    const results = await runTogether(2, 'ten_lock', partner, false);
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    expect(results.map((r) => r.rotations)).toEqual([10, 10]);
    const statuses = refreshAnswers(partner.clientId);
    expect(statuses).toHaveLength(20);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // The token left in the row is the live one: one more rotation from here works.
    const row = await database.db.greenhouseConnection.findUniqueOrThrow({ where: { tenantId: 'ten_lock' } });
    expect(row.tokensRefreshedAt).not.toBeNull();
    expect(row.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const [after] = await runTogether(1, 'ten_lock', partner, false);
    expect(after!.failures).toEqual([]);
  });

  it('control, without the lock: the two processes spend the same token and Greenhouse refuses one', async () => {
    const partner = await consentedTenant('ten_nolock');
    const results = await runTogether(2, 'ten_nolock', partner, true);
    const refused = refreshAnswers(partner.clientId).filter((s) => s === 400);
    console.log(
      `[connections] rotation without the lock: ${results.map((r) => r.rotations).join(' + ')} rotations, ${refused.length} refused`,
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(results.flatMap((r) => r.failures).length).toBeGreaterThan(0);
  });
});
