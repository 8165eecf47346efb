import { journeysOf } from '../db/repositories/journeys.js';
import type { Database } from '../db/client.js';
import { perTurnOnPool, type Query } from '../db/turn-batch.js';
import type { SecretBox } from '../security/secret-box.js';
import { generateToken, hashToken } from '../security/tokens.js';

export type LinkPurpose = 'take_test' | 'grade' | 'report' | 'nominate' | 'reference' | 'launch';

const tokenPrefix: Record<LinkPurpose, string> = {
  take_test: 'grt',
  grade: 'grg',
  report: 'grr',
  nominate: 'grn',
  reference: 'grq',
  launch: 'grv',
};

/** Paths of people's pages; the token in them is the only credential. */
export const pagePath: Record<LinkPurpose, string> = {
  take_test: '/t',
  grade: '/g',
  report: '/r',
  nominate: '/n',
  reference: '/q',
  launch: '/v',
};

/**
 * Issues a private link: a long random token for the e-mail, its hash in the database, an expiry.
 * Earlier links of the journey stay valid (a candidate may click an older e-mail); what a link may
 * do is decided by the journey's state, the expiry only bounds how long it opens anything at all.
 */
export async function issueLink(
  db: Database,
  args: {
    journeyId: string;
    purpose: LinkPurpose;
    expiresAt: Date;
    publicBaseUrl: string;
    /** `reference` links: the referee the questionnaire is for. */
    refereeId?: string;
  },
): Promise<string> {
  const token = generateToken(tokenPrefix[args.purpose]);
  await linkWriterOf(db)({
    tokenHash: hashToken(token),
    journeyId: args.journeyId,
    purpose: args.purpose,
    refereeId: args.refereeId ?? null,
    expiresAt: args.expiresAt,
  });
  return `${args.publicBaseUrl}${pagePath[args.purpose]}/${token}`;
}

interface NewLink {
  tokenHash: string;
  journeyId: string;
  purpose: LinkPurpose;
  refereeId: string | null;
  expiresAt: Date;
}

// No ON CONFLICT, as Prisma's create: a token hash is never issued twice.
const INSERT_LINKS = `
  INSERT INTO access_links (token_hash, journey_id, purpose, referee_id, expires_at)
  SELECT h, j, p::"AccessLinkPurpose", r, e
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS v(h, j, p, r, e)`;

async function insertLinks(query: Query, links: NewLink[]): Promise<void[]> {
  await query(INSERT_LINKS, [
    links.map((l) => l.tokenHash),
    links.map((l) => l.journeyId),
    links.map((l) => l.purpose),
    links.map((l) => l.refereeId),
    links.map((l) => l.expiresAt.toISOString()),
  ]);
  return links.map(() => undefined);
}

const linkWriters = new WeakMap<Database, (link: NewLink) => Promise<void>>();

/** The links issued in one event-loop turn (a bulk invite's e-mails), one INSERT (db/turn-batch.ts). */
function linkWriterOf(db: Database) {
  let write = linkWriters.get(db);
  if (!write) linkWriters.set(db, (write = perTurnOnPool(db, insertLinks)));
  return write;
}

/** The journey a valid, unexpired, unrevoked token opens, or null. */
export async function resolveLink(db: Database, token: string, purpose: LinkPurpose): Promise<string | null> {
  return (await findLink(db, token, purpose))?.journeyId ?? null;
}

/** A referee's questionnaire link: the journey and the referee, or null. */
export async function resolveRefereeLink(
  db: Database,
  token: string,
): Promise<{ journeyId: string; refereeId: string } | null> {
  const link = await findLink(db, token, 'reference');
  return link?.refereeId ? { journeyId: link.journeyId, refereeId: link.refereeId } : null;
}

async function findLink(db: Database, token: string, purpose: LinkPurpose) {
  const found = await inspectLink(db, token, purpose);
  return found.state === 'valid' ? found.link : null;
}

/**
 * What a token is: a valid link (with its row), one that expired or was revoked (its page says so,
 * nothing more), or unknown (never issued, malformed, or another purpose's: 404 like any stranger).
 */
export async function inspectLink(db: Database, token: string, purpose: LinkPurpose) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { state: 'unknown' } as const;
  const link = await db.accessLink.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!link || link.purpose !== purpose) return { state: 'unknown' } as const;
  if (link.revokedAt) return { state: 'revoked' } as const;
  if (link.expiresAt.getTime() < Date.now()) return { state: 'expired' } as const;
  return { state: 'valid', link } as const;
}

// --- The recruiter's report link ------------------------------------------------------------------
//
// Greenhouse reads the link from test_status (`partner_profile_url`) whenever it likes, so we must be
// able to answer it again: a hash alone cannot. The read model (`journeys.profile_url`) therefore keeps
// it encrypted with the secret box (bound to the journey), never in clear; access_links keeps only its
// hash; the workflow history never sees it (the activities return ids and scores only). A value
// stored before this (an `http…` link in clear) is read as it is and replaced by the next fresh link.

const DAY = 86_400_000;
const reportLinkPurpose = (journeyId: string) => `report-link:${journeyId}`;

/** The stored form of a report link: encrypted for the read model. */
/** How many report links a journey was ever given (revoked ones too): numbers each fresh link's notice. */
export const countReportLinks = (db: Database, journeyId: string) =>
  db.accessLink.count({ where: { journeyId, purpose: 'report' } });

export const sealReportLink = (secrets: SecretBox, journeyId: string, url: string) =>
  secrets.encrypt(url, reportLinkPurpose(journeyId));

/** The link from its stored form (an older row may hold it in clear). */
export function openReportLink(secrets: SecretBox, journeyId: string, stored: string): string;
export function openReportLink(secrets: SecretBox, journeyId: string, stored: string | null): string | null;
export function openReportLink(secrets: SecretBox, journeyId: string, stored: string | null) {
  if (stored === null || /^https?:\/\//.test(stored)) return stored;
  return secrets.decrypt(stored, reportLinkPurpose(journeyId));
}

/**
 * Issues a report link that lives as long as the journey's tenant says (`reportLinkLifetimeDays`):
 * the link itself (shown once) and its stored, encrypted form for `journeys.profile_url`.
 */
export async function issueReportLink(
  deps: { db: Database; secrets: SecretBox; publicBaseUrl: string },
  journeyId: string,
): Promise<{ url: string; stored: string; expiresAt: Date }> {
  const { tenant } = await journeysOf(deps).reportLinkSettings(journeyId);
  const expiresAt = new Date(Date.now() + tenant.reportLinkLifetimeDays * DAY);
  const url = await issueLink(deps.db, {
    journeyId,
    purpose: 'report',
    expiresAt,
    publicBaseUrl: deps.publicBaseUrl,
  });
  return { url, stored: sealReportLink(deps.secrets, journeyId, url), expiresAt };
}

/**
 * Revokes every report link of the journey not revoked yet; how many. test_status keeps answering
 * the stored link (Greenhouse needs one for a complete test): it now opens the "withdrawn" page.
 */
export async function revokeReportLinks(db: Database, journeyId: string): Promise<number> {
  const { count } = await db.accessLink.updateMany({
    where: { journeyId, purpose: 'report', revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return count;
}

/**
 * A fresh report link for a journey whose result exists: it replaces the stored one (test_status
 * answers it from now on) in the same transaction that creates it, and optionally revokes the
 * others. Null when the journey has no result yet (its link is issued when the result is ready).
 */
export async function replaceReportLink(
  deps: { db: Database; secrets: SecretBox; publicBaseUrl: string },
  journeyId: string,
  options: { revokeOthers: boolean },
): Promise<{ url: string; expiresAt: Date; revoked: number } | null> {
  const { db, secrets } = deps;
  const journey = await journeysOf(deps).reportLinkSettings(journeyId);
  if (journey.profileUrl === null) return null;
  const token = generateToken(tokenPrefix.report);
  const tokenHash = hashToken(token);
  const url = `${deps.publicBaseUrl}${pagePath.report}/${token}`;
  const expiresAt = new Date(Date.now() + journey.tenant.reportLinkLifetimeDays * DAY);
  // Created first, recorded second: a journey erased or reset meanwhile keeps what it has, and
  // the link made for it is withdrawn at once.
  await db.accessLink.create({ data: { tokenHash, journeyId, purpose: 'report', expiresAt } });
  const { count } = await journeysOf(deps).replaceReportLink(
    journeyId,
    sealReportLink(secrets, journeyId, url),
  );
  if (count === 0) {
    await db.accessLink.update({ where: { tokenHash }, data: { revokedAt: new Date() } });
    throw new Error(`journey ${journeyId} lost its result while a link was issued`);
  }
  const revoked = options.revokeOthers
    ? (
        await db.accessLink.updateMany({
          where: { journeyId, purpose: 'report', revokedAt: null, tokenHash: { not: tokenHash } },
          data: { revokedAt: new Date() },
        })
      ).count
    : 0;
  return { url, expiresAt, revoked };
}
