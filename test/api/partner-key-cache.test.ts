import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartnerKeyCache } from '../../api/partner/key-cache.js';
import { hashToken } from '../../security/tokens.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// The partner key lookup on test_status's hot path remembers keys that authenticated for a few
// seconds; unknown keys always ask the database, and a deactivated key stops working after the TTL.
describe('cached partner key lookup', () => {
  let database: TestDatabase;
  const key = 'partner-key-0123456789abcdef';
  let now = 1_000_000;
  const setActive = (active: boolean) =>
    database.db.tenantMode.update({
      where: { tenantId_mode: { tenantId: 'ten_cache', mode: 'greenhouse_invite' } },
      data: { active },
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.tenant.create({ data: { id: 'ten_cache', slug: 'cache', name: 'Cache' } });
    await database.db.tenantMode.create({
      data: {
        tenantId: 'ten_cache',
        mode: 'greenhouse_invite',
        active: false,
        partnerKeyHash: hashToken(key),
      },
    });
  });
  afterAll(() => database?.drop());
  const tenantOf = (m: { ok: boolean; tenantId: string | null }) => (m.ok ? m.tenantId : null);

  it('never caches a refusal, trusts a success for the TTL without extending it, then asks again', async () => {
    const keys = createPartnerKeyCache(database.db, 5_000, () => now);
    const lookup = async (k: string) => tenantOf(await keys.lookup(k));
    expect(await lookup(key)).toBeNull(); // mode inactive
    expect(keys.fresh(key)).toBeUndefined(); // the refusal was not remembered
    await setActive(true);
    expect(keys.fresh(key)).toBeUndefined();
    expect(await lookup(key)).toBe('ten_cache');
    expect(await lookup('some-other-key')).toBeNull();
    expect(keys.fresh('some-other-key')).toBeUndefined();

    await setActive(false);
    now += 2_500;
    expect(keys.fresh(key)).toBe('ten_cache'); // within the TTL: trusted without the database
    now += 2_499;
    expect(keys.fresh(key)).toBe('ten_cache'); // hits did not extend the deadline…
    now += 2;
    expect(keys.fresh(key)).toBeUndefined(); // …so it ends 5 s after the database said yes
    expect(await lookup(key)).toBeNull(); // and the deactivation holds
  });

  it('asks the database every time when the TTL is 0', async () => {
    const keys = createPartnerKeyCache(database.db, 0, () => now);
    await setActive(true);
    expect(tenantOf(await keys.lookup(key))).toBe('ten_cache');
    expect(keys.fresh(key)).toBeUndefined();
    await setActive(false);
    expect(tenantOf(await keys.lookup(key))).toBeNull();
  });
});
