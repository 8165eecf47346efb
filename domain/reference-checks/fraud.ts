import { normalizeEmail } from './nomination.js';
import type { ReferenceCheckTemplate, Relationship } from './template.js';
import type { ClientFingerprint } from './types.js';

/**
 * Fraud signals of one referee's answers: observations a recruiter weighs, never a verdict. Each
 * has a `kind` (for filtering and counting) and one plain sentence for the report. Sentences name
 * no e-mail address and no IP address (the report travels to Greenhouse); domain signals name the
 * domain, the fast-answer signal the seconds. Pure: imported by workflow code.
 */

export const fraudSignalKinds = [
  'same_email_as_candidate',
  'shared_ip',
  'shared_device',
  'candidate_domain',
  'free_mail',
  'referee_of_other_candidates',
  'fast_answers',
] as const;
export type FraudSignalKind = (typeof fraudSignalKinds)[number];

export interface FraudSignal {
  kind: FraudSignalKind;
  description: string;
}

/** Mail providers anyone can sign up with (exact domains, lower-case): no employer behind them. */
export const freeMailDomains: ReadonlySet<string> = new Set([
  // Google
  'gmail.com',
  'googlemail.com',
  // Yahoo
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.co.in',
  'yahoo.co.jp',
  'yahoo.com.au',
  'yahoo.com.br',
  'yahoo.ca',
  'yahoo.de',
  'yahoo.es',
  'yahoo.fr',
  'yahoo.it',
  'ymail.com',
  'rocketmail.com',
  // Microsoft
  'hotmail.com',
  'hotmail.co.uk',
  'hotmail.de',
  'hotmail.es',
  'hotmail.fr',
  'hotmail.it',
  'outlook.com',
  'outlook.de',
  'outlook.fr',
  'live.com',
  'live.co.uk',
  'live.de',
  'live.fr',
  'msn.com',
  // Apple
  'icloud.com',
  'me.com',
  'mac.com',
  // AOL
  'aol.com',
  'aim.com',
  // Proton
  'proton.me',
  'protonmail.com',
  'protonmail.ch',
  'pm.me',
  // GMX, WEB.DE, mail.com
  'gmx.com',
  'gmx.net',
  'gmx.de',
  'gmx.at',
  'gmx.ch',
  'web.de',
  'mail.com',
  // Yandex, Mail.Ru
  'yandex.com',
  'yandex.ru',
  'ya.ru',
  'mail.ru',
  // Others
  'zoho.com',
  'zohomail.com',
  'tutanota.com',
  'tuta.io',
  'fastmail.com',
  'hey.com',
  'mailfence.com',
  'qq.com',
  '163.com',
  '126.com',
  'rediffmail.com',
  'libero.it',
  'laposte.net',
  'seznam.cz',
  'wp.pl',
  'o2.pl',
  'interia.pl',
]);

/** The lower-cased part after the last `@` ("" when there is none). */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0
    ? ''
    : email
        .slice(at + 1)
        .trim()
        .toLowerCase();
}

/** "a manager", "a direct report", "another relationship": how the candidate named the referee. */
const namedAs: Record<Relationship, string> = {
  manager: 'a manager',
  peer: 'a peer',
  direct_report: 'a direct report',
  client: 'a client',
  other: 'another relationship',
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The signals of one referee's answers, in the order of `fraudSignalKinds`. Client comparisons
 * ignore unknown (null) values. `candidate_domain` is left out when the address is the candidate's
 * own (`same_email_as_candidate` already says more). Times that are not ISO times are ignored.
 */
export function detectFraudSignals(input: {
  candidateEmail: string;
  /** Every browser the candidate used on the nomination page. */
  candidateClients: ClientFingerprint[];
  referee: { email: string; relationship: Relationship };
  /** The browser that submitted the answers. */
  refereeClient: ClientFingerprint | null;
  openedAt: string | null;
  submittedAt: string | null;
  template: Pick<ReferenceCheckTemplate, 'workEmailExpectedFor' | 'minimumAnswerSeconds'>;
  /** Other candidates of the tenant who named this same referee e-mail. */
  otherCandidatesNamingReferee: number;
}): FraudSignal[] {
  const signals: FraudSignal[] = [];
  const signal = (kind: FraudSignalKind, description: string) => signals.push({ kind, description });
  const { referee, refereeClient, template } = input;

  const sameEmail = normalizeEmail(referee.email) === normalizeEmail(input.candidateEmail);
  if (sameEmail) {
    signal('same_email_as_candidate', "The referee's e-mail address is the candidate's own address.");
  }

  const ip = refereeClient?.ip ?? null;
  if (ip !== null && input.candidateClients.some((c) => c.ip === ip)) {
    signal(
      'shared_ip',
      'The referee answered from the same IP address as the candidate used when naming referees.',
    );
  }
  const fingerprint = refereeClient?.fingerprint ?? null;
  if (fingerprint !== null && input.candidateClients.some((c) => c.fingerprint === fingerprint)) {
    signal(
      'shared_device',
      'The referee answered from a browser that looks the same as the one the candidate used when naming referees (possibly the same device).',
    );
  }

  const domain = emailDomain(referee.email);
  const freeMail = freeMailDomains.has(domain);
  if (!sameEmail && domain !== '' && !freeMail && domain === emailDomain(input.candidateEmail)) {
    signal(
      'candidate_domain',
      `The referee's address is on the candidate's own domain ${domain}; a shared employer domain can explain it.`,
    );
  }
  if (freeMail && template.workEmailExpectedFor.includes(referee.relationship)) {
    signal(
      'free_mail',
      `The referee, named as ${namedAs[referee.relationship]}, has a free-mail address at ${domain} where a work address is expected.`,
    );
  }

  const others = input.otherCandidatesNamingReferee;
  if (others > 0) {
    signal(
      'referee_of_other_candidates',
      `The same referee was also named by ${plural(others, 'other candidate')} of this organisation.`,
    );
  }

  if (input.openedAt !== null && input.submittedAt !== null) {
    const ms = Date.parse(input.submittedAt) - Date.parse(input.openedAt);
    if (ms < template.minimumAnswerSeconds * 1000) {
      const seconds = Math.max(0, Math.round(ms / 1000));
      signal(
        'fast_answers',
        `The referee submitted the answers ${plural(seconds, 'second')} after opening the page (the expected minimum is ${plural(template.minimumAnswerSeconds, 'second')}).`,
      );
    }
  }
  return signals;
}
