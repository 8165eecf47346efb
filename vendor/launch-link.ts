import type { Database } from '../db/client.js';
import { Prisma } from '../db/client.js';
import { isSealed } from '../domain/sealed.js';
import { issueLink } from '../journeys/links.js';
import { createJourneySealer, ErasedDataError } from '../security/journey-sealing.js';
import type { SecretBox } from '../security/secret-box.js';
import { hashToken } from '../security/tokens.js';

export interface LaunchLinkDeps {
  db: Database;
  secrets: SecretBox;
  publicBaseUrl: string;
}

/**
 * An order's one launch link. access_links keeps its hash (what the page checks); the order keeps
 * the raw link sealed with the journey's data key, because the vendor (order view, order.created)
 * and greenroom's own e-mails must show the same link again. Erasure destroys the key and the
 * access link: the link then neither reads nor opens.
 */
export function orderLaunchLinks(deps: LaunchLinkDeps) {
  const { db } = deps;
  const sealer = createJourneySealer(deps);

  /** The link from its sealed form; null when there is none or the journey was erased. */
  async function open(journeyId: string, sealed: unknown): Promise<string | null> {
    if (!isSealed(sealed)) return null;
    try {
      return await sealer.unseal<string>(journeyId, sealed);
    } catch (err) {
      if (err instanceof ErasedDataError) return null;
      throw err;
    }
  }

  /**
   * The order's link and its sealed form, issued on the first call; a retried or concurrent call
   * gets the stored one (the extra link it made is deleted, so one token stands).
   */
  async function ensure(journeyId: string, expiresAt: Date): Promise<{ url: string; sealed: unknown }> {
    const order = await db.vendorOrder.findUniqueOrThrow({
      where: { journeyId },
      select: { launchUrlSealed: true },
    });
    if (order.launchUrlSealed !== null) {
      const url = await open(journeyId, order.launchUrlSealed);
      if (url === null) throw new ErasedDataError(`the launch link of ${journeyId} was erased`);
      return { url, sealed: order.launchUrlSealed };
    }
    const url = await issueLink(db, {
      journeyId,
      purpose: 'launch',
      expiresAt,
      publicBaseUrl: deps.publicBaseUrl,
    });
    const sealed = await sealer.seal(journeyId, url);
    const { count } = await db.vendorOrder.updateMany({
      where: { journeyId, launchUrlSealed: { equals: Prisma.DbNull } },
      data: { launchUrlSealed: sealed as unknown as Prisma.InputJsonValue },
    });
    if (count === 1) return { url, sealed };
    await db.accessLink.deleteMany({ where: { tokenHash: hashToken(url.slice(url.lastIndexOf('/') + 1)) } });
    return ensure(journeyId, expiresAt);
  }

  return { open, ensure };
}
export type OrderLaunchLinks = ReturnType<typeof orderLaunchLinks>;

/**
 * An event's payload as it goes out: sealed values (the launch link) opened with the order's key;
 * after erasure they go out as null.
 */
export async function openEventPayload(
  deps: { db: Database; secrets: SecretBox },
  orderId: string | null,
  payload: unknown,
): Promise<unknown> {
  const data = payload as Record<string, unknown>;
  if (orderId === null || !Object.values(data).some(isSealed)) return payload;
  const links = orderLaunchLinks({ ...deps, publicBaseUrl: '' });
  const opened: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) opened[k] = isSealed(v) ? await links.open(orderId, v) : v;
  return opened;
}
