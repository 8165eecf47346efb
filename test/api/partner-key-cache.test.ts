import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedPartnerKeyLookup } from '../../api/partner/routes.js';
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

  it('never caches a refusal, trusts a success for the TTL, then asks again', async () => {
    const cached = cachedPartnerKeyLookup(database.db, 5_000, () => now);
    const lookup = async (k: string) => tenantOf(await cached(k));
    expect(await lookup(key)).toBeNull(); // mode inactive
    await setActive(true);
    expect(await lookup(key)).toBe('ten_cache'); // the refusal was not remembered
    expect(await lookup('some-other-key')).toBeNull();

    await setActive(false);
    now += 4_999;
    expect(await lookup(key)).toBe('ten_cache'); // within the TTL: still trusted
    now += 2;
    expect(await lookup(key)).toBeNull(); // TTL over: the deactivation holds
  });

  it('asks the database every time when the TTL is 0', async () => {
    const cached = cachedPartnerKeyLookup(database.db, 0, () => now);
    const lookup = async (k: string) => tenantOf(await cached(k));
    await setActive(true);
    expect(await lookup(key)).toBe('ten_cache');
    await setActive(false);
    expect(await lookup(key)).toBeNull();
  });
});
