import type { Database } from '../db/client.js';
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
  await db.accessLink.create({
    data: {
      tokenHash: hashToken(token),
      journeyId: args.journeyId,
      purpose: args.purpose,
      refereeId: args.refereeId ?? null,
      expiresAt: args.expiresAt,
    },
  });
  return `${args.publicBaseUrl}${pagePath[args.purpose]}/${token}`;
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
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const link = await db.accessLink.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!link || link.purpose !== purpose || link.revokedAt || link.expiresAt.getTime() < Date.now())
    return null;
  return link;
}
