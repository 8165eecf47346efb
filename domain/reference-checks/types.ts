/** Vocabulary of reference checks shared by workflows, activities, pages and reports. Pure. */

/** A referee's progress; `nominated` only until their request workflow sends the first e-mail. */
export const refereeStatuses = [
  'nominated',
  'requested',
  'opened',
  'answered',
  'declined',
  'bounced',
  'expired',
  'cancelled',
] as const;
export type RefereeStatus = (typeof refereeStatuses)[number];

/** Referees who will never answer: the candidate may name someone else in their place. */
export const replaceableStatuses: ReadonlySet<RefereeStatus> = new Set(['declined', 'bounced', 'expired']);

/** What a person's browser sent with a page: compared between candidate and referee for fraud signals. */
export interface ClientFingerprint {
  ip: string | null;
  /** A hash of the browser's identifying request headers (api/pages/client-fingerprint.ts). */
  fingerprint: string | null;
}
