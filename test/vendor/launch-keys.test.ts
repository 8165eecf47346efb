import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.js';
import { createLaunchSigner, type LaunchSigner } from '../../security/launch-assertions.js';
import {
  ensureLaunchKeyRotationSchedule,
  launchKeyRotationScheduleId,
} from '../../security/launch-key-schedule.js';
import { testActivities, testSecretBox } from '../helpers/activities.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { connectTestClient, startTestWorker, type RunningTestWorker } from '../helpers/temporal.js';
import { eventually } from './event-receiver.js';

// Launch-assertion key rotation: the operator route and the Schedule, checked through the served
// JWKS with jose (as a vendor verifies). Short lifetimes: an assertion lives 3 s, a retired key stays
// published 4 s after it stops signing.
describe('launch-assertion key rotation', () => {
  let database: TestDatabase;
  let db: Database;
  let temporal: Client;
  let worker: RunningTestWorker;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let signer: LaunchSigner;
  const LIFETIME_S = 3;
  const OVERLAP_MS = 4_000;
  const claims = {
    packageId: 'pkg',
    packageVersion: 1,
    orderId: 'order-1',
    tenantId: 't',
    candidate: { firstName: 'Ada', lastName: 'L' },
    deadlineAt: null,
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    temporal = await connectTestClient();
    worker = await startTestWorker({ activities: testActivities(db) });
    signer = createLaunchSigner({
      db,
      secrets: testSecretBox(),
      issuer: 'greenroom-test',
      assertionLifetimeSeconds: LIFETIME_S,
      retiredPublishedMs: OVERLAP_MS,
    });
    api = await startTestApi({ db, temporal, taskQueue: worker.taskQueue, launchSigner: signer });
  }, 120_000);
  afterAll(async () => {
    await temporal?.schedule
      .getHandle(launchKeyRotationScheduleId(worker.taskQueue))
      .delete()
      .catch(() => undefined);
    await api?.close();
    await worker?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  /** The served key ids, fetched afresh (no cache). */
  const publishedKids = async () => {
    const res = await fetch(`${api.url}/.well-known/jwks.json`);
    return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  };
  /** Verifies as a vendor does: signature by the served JWKS (fetched now), at the time it was signed. */
  const verify = async (assertion: string) => {
    const keys = createRemoteJWKSet(new URL(`${api.url}/.well-known/jwks.json`), { cacheMaxAge: 0 });
    const { iat } = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) as {
      iat: number;
    };
    return jwtVerify(assertion, keys, {
      issuer: 'greenroom-test',
      audience: 'pkg',
      currentDate: new Date(iat * 1000 + 500),
    });
  };
  const kidOf = (assertion: string) => decodeProtectedHeader(assertion).kid!;

  it(
    'the route publishes the next key first; old assertions still verify; the retired key leaves after its overlap',
    { timeout: 120_000 },
    async () => {
      const before = await signer.sign(claims);
      const oldKid = kidOf(before);
      expect(await publishedKids()).toEqual([oldKid]);

      const bad = await api.call('POST', '/operator/signing-keys/rotate', { lead_seconds: -1 });
      expect(bad.status).toBe(400);
      expect(bad.body!.error).toMatchObject({ field: 'lead_seconds' });
      expect(await db.signingKey.count()).toBe(1);

      const rotated = await api.call('POST', '/operator/signing-keys/rotate', { lead_seconds: 2 });
      expect(rotated.status).toBe(200);
      const { kid: newKid, active_from } = rotated.body as { kid: string; active_from: string };
      expect(newKid).not.toBe(oldKid);
      // Published before it signs: the old key still signs meanwhile (unless the machine was slower).
      expect(await publishedKids()).toEqual([oldKid, newKid]);
      const meanwhile = await signer.sign(claims);
      if (Date.now() < Date.parse(active_from)) expect(kidOf(meanwhile)).toBe(oldKid);
      // Signed before the rotation, verified after it.
      expect((await verify(before)).protectedHeader.kid).toBe(oldKid);

      await eventually(async () => Date.now() >= Date.parse(active_from), 30_000, 'the new key to sign');
      const after = await signer.sign(claims);
      expect(kidOf(after)).toBe(newKid);
      expect((await verify(after)).payload.sub).toBe('order-1');
      // Within the overlap the old assertion still verifies.
      if (Date.now() < Date.parse(active_from) + OVERLAP_MS)
        expect((await verify(before)).protectedHeader.kid).toBe(oldKid);

      // After the overlap the retired key is gone, the new one stays; old assertions no longer verify.
      await eventually(
        async () => !(await publishedKids()).includes(oldKid),
        60_000,
        'the retired key to leave the JWKS',
      );
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(active_from) + OVERLAP_MS);
      expect(await publishedKids()).toEqual([newKid]);
      await expect(verify(before)).rejects.toThrow();

      const audit = await db.auditEntry.findMany({ where: { action: 'signing-keys.rotate' } });
      expect(audit.map((a) => a.outcome)).toEqual(expect.arrayContaining(['ok']));
    },
  );

  it('the Schedule rotates through the worker, once per run', { timeout: 120_000 }, async () => {
    const kidsBefore = (await db.signingKey.findMany()).map((k) => k.kid);
    await ensureLaunchKeyRotationSchedule(
      { temporal, taskQueue: worker.taskQueue },
      { everyDays: 30, leadMs: 0 },
    );
    // Ensuring again (every worker start) keeps one schedule.
    await ensureLaunchKeyRotationSchedule(
      { temporal, taskQueue: worker.taskQueue },
      { everyDays: 30, leadMs: 0 },
    );
    const schedule = temporal.schedule.getHandle(launchKeyRotationScheduleId(worker.taskQueue));
    const described = await schedule.describe();
    expect(described.spec.intervals?.[0]?.every).toBe(30 * 86_400_000);
    await schedule.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    const created = await eventually(
      async () => {
        const rows = await db.signingKey.findMany({ where: { kid: { notIn: kidsBefore } } });
        return rows.length > 0 ? rows : null;
      },
      90_000,
      'the scheduled rotation',
    );
    expect(created).toHaveLength(1);
    // Lead 0: the scheduled key signs at once and is published.
    expect(kidOf(await signer.sign(claims))).toBe(created[0]!.kid);
    expect(await publishedKids()).toContain(created[0]!.kid);
  });
});
