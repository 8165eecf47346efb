import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { createLaunchSigner } from '../../security/launch-assertions.js';
import { cancelJourneyUpdate } from '../../workflows/shared/protocol.js';
import { launchChromium } from '../helpers/browser.js';
import { startVendorStack, vendorPackage, type VendorStack } from './vendor-stack.js';
import type { Browser } from 'playwright-core';

// The candidate's launch link in Chromium: greenroom records the open and redirects to the vendor's
// launch URL with an assertion the vendor verifies against our JWKS.
describe('vendor launch', () => {
  let stack: VendorStack;
  let browser: Browser;
  let vendor: Server;
  let vendorUrl: string;
  const arrivals: string[] = [];

  beforeAll(async () => {
    stack = await startVendorStack();
    vendor = createServer((req, res) => {
      arrivals.push(req.url ?? '');
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>Vendor test</title><h1>Vendor test</h1>');
    });
    await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
    vendorUrl = `http://127.0.0.1:${(vendor.address() as { port: number }).port}/launch`;
    await stack.database.db.vendorPackageVersion.update({
      where: { packageId_version: { packageId: vendorPackage.packageId, version: 1 } },
      data: { definition: { ...vendorPackage, launchUrl: `${vendorUrl}?lang=en` } },
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    vendor?.close();
    await stack?.close();
  });

  const launchLinkOf = async (journeyId: string) => {
    const invite = await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 60_000);
    const text = invite.parts.find((p) => p.contentType === 'text/plain')!.body;
    return /(http:\/\/127\.0\.0\.1:\d+\/v\/[A-Za-z0-9_-]+)/.exec(text)![1]!;
  };

  it(
    'records the open and redirects with an assertion that verifies against the JWKS',
    { timeout: 180_000 },
    async () => {
      const { journeyId } = await stack.startOrder(0);
      const link = await launchLinkOf(journeyId);
      const page = await browser.newPage();
      await page.goto(link);
      await page.waitForURL((u) => u.toString().startsWith(vendorUrl));
      expect(await page.locator('h1').textContent()).toBe('Vendor test');
      const arrived = new URL(page.url());
      expect(arrived.searchParams.get('lang')).toBe('en');
      const assertion = arrived.searchParams.get('assertion')!;
      expect(arrivals.some((a) => a.includes(assertion))).toBe(true);

      const jwks = createRemoteJWKSet(new URL(`${stack.api.url}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(assertion, jwks, {
        audience: vendorPackage.packageId,
        algorithms: ['ES256'],
      });
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload).toMatchObject({
        sub: journeyId,
        tenant: stack.tenantId,
        package: { id: vendorPackage.packageId, version: 1 },
      });
      expect(typeof payload.iss).toBe('string');
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
      expect((payload.candidate as { first_name: string }).first_name).toBeTruthy();
      expect(typeof payload.deadline_at).toBe('string');
      const order = await stack.database.db.vendorOrder.findUniqueOrThrow({ where: { journeyId } });
      expect(order.openedAt).toBeInstanceOf(Date);
      await page.close();
    },
  );

  it('shows a page instead of redirecting once the order is cancelled', { timeout: 180_000 }, async () => {
    const { journeyId, handle } = await stack.startOrder(1);
    const link = await launchLinkOf(journeyId);
    await handle.executeUpdate(cancelJourneyUpdate, { args: [{ reason: 'withdrawn' }] });
    await waitFor(
      'the order to be cancelled',
      async () =>
        (await stack.database.db.vendorOrder.findUnique({ where: { journeyId } }))?.status === 'cancelled',
      60_000,
    );
    const before = arrivals.length;
    const page = await browser.newPage();
    const res = await page.goto(link);
    expect(res!.status()).toBe(410);
    expect(page.url()).toBe(link);
    expect(await page.locator('h1').textContent()).toMatch(/cancelled/i);
    expect(arrivals.length).toBe(before);
    expect(
      (await stack.database.db.vendorOrder.findUniqueOrThrow({ where: { journeyId } })).openedAt,
    ).toBeNull();
    await page.close();
  });

  it(
    'rotation publishes the next key before it signs; the old one stays published',
    { timeout: 60_000 },
    async () => {
      const signer = createLaunchSigner({ db: stack.database.db, secrets: stack.secrets, issuer: 'test' });
      const claims = {
        packageId: 'p',
        packageVersion: 1,
        orderId: 'o',
        tenantId: stack.tenantId,
        candidate: { firstName: 'A', lastName: 'B' },
        deadlineAt: null,
      };
      const oldKid = decodeProtectedHeader(await signer.sign(claims)).kid;
      const next = await signer.rotate({ leadMs: 60_000 });
      const published = (await signer.jwks()).keys.map((k) => k.kid);
      expect(published).toEqual(expect.arrayContaining([oldKid, next.kid]));
      // Not yet active: the old key still signs.
      expect(decodeProtectedHeader(await signer.sign(claims)).kid).toBe(oldKid);
      const now = await signer.rotate({ leadMs: 0 });
      expect(decodeProtectedHeader(await signer.sign(claims)).kid).toBe(now.kid);
      expect((await signer.jwks()).keys.map((k) => k.kid)).toEqual(
        expect.arrayContaining([oldKid, next.kid, now.kid]),
      );
    },
  );
});
