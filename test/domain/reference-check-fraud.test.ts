import { describe, expect, it } from 'vitest';
import {
  detectFraudSignals,
  emailDomain,
  fraudSignalKinds,
  freeMailDomains,
} from '../../domain/reference-checks/fraud.js';
import type { Relationship } from '../../domain/reference-checks/template.js';
import type { ClientFingerprint } from '../../domain/reference-checks/types.js';

const candidateClients: ClientFingerprint[] = [
  { ip: '203.0.113.7', fingerprint: 'fp-laptop' },
  { ip: null, fingerprint: 'fp-phone' },
  { ip: '198.51.100.9', fingerprint: null },
];

type Input = Parameters<typeof detectFraudSignals>[0];
/** A referee with nothing to remark on: another company's address, another browser, 5 minutes. */
const input = (overrides: Partial<Input> = {}): Input => ({
  candidateEmail: 'cand@candidate.example',
  candidateClients,
  referee: { email: 'ref@employer.example', relationship: 'manager' },
  refereeClient: { ip: '192.0.2.1', fingerprint: 'fp-referee' },
  openedAt: '2026-11-23T10:00:00.000Z',
  submittedAt: '2026-11-23T10:05:00.000Z',
  template: {
    workEmailExpectedFor: ['manager', 'peer', 'direct_report', 'client'],
    minimumAnswerSeconds: 60,
  },
  otherCandidatesNamingReferee: 0,
  ...overrides,
});
const referee = (email: string, relationship: Relationship = 'manager') => ({ email, relationship });
const kinds = (overrides: Partial<Input>) => detectFraudSignals(input(overrides)).map((s) => s.kind);

describe('emailDomain', () => {
  it('is the lower-cased part after the last @', () => {
    expect(emailDomain('Ada@Engines.EXAMPLE')).toBe('engines.example');
    expect(emailDomain('"a@b"@Corp.example ')).toBe('corp.example');
    expect(emailDomain('no-at-sign')).toBe('');
  });
});

describe('freeMailDomains', () => {
  it('holds the common providers as exact lower-case domains', () => {
    for (const domain of [
      'gmail.com',
      'googlemail.com',
      'yahoo.com',
      'yahoo.co.uk',
      'hotmail.com',
      'hotmail.fr',
      'outlook.com',
      'live.com',
      'icloud.com',
      'me.com',
      'aol.com',
      'proton.me',
      'protonmail.com',
      'gmx.de',
      'gmx.net',
      'web.de',
      'mail.com',
      'yandex.ru',
      'zoho.com',
    ]) {
      expect(freeMailDomains.has(domain), domain).toBe(true);
    }
    expect(freeMailDomains.size).toBeGreaterThanOrEqual(40);
    for (const domain of freeMailDomains) expect(domain).toBe(domain.toLowerCase());
    expect(freeMailDomains.has('google.com')).toBe(false);
    expect(freeMailDomains.has('mail.google.com')).toBe(false);
  });
});

describe('detectFraudSignals', () => {
  it('finds nothing in an ordinary answer', () => {
    expect(detectFraudSignals(input())).toEqual([]);
  });

  it("flags the candidate's own address, compared normalized", () => {
    expect(detectFraudSignals(input({ referee: referee(' CAND@candidate.example ') }))).toEqual([
      {
        kind: 'same_email_as_candidate',
        description: "The referee's e-mail address is the candidate's own address.",
      },
    ]);
  });

  it("flags an IP address of any of the candidate's browsers", () => {
    const description =
      'The referee answered from the same IP address as the candidate used when naming referees.';
    expect(
      detectFraudSignals(input({ refereeClient: { ip: '198.51.100.9', fingerprint: 'fp-referee' } })),
    ).toEqual([{ kind: 'shared_ip', description }]);
    expect(kinds({ refereeClient: { ip: '203.0.113.7', fingerprint: null } })).toEqual(['shared_ip']);
    expect(kinds({ refereeClient: { ip: '203.0.113.8', fingerprint: null } })).toEqual([]);
  });

  it('never matches unknown IP addresses or fingerprints', () => {
    expect(kinds({ refereeClient: { ip: null, fingerprint: null } })).toEqual([]);
    expect(kinds({ refereeClient: null })).toEqual([]);
    expect(
      kinds({ candidateClients: [], refereeClient: { ip: '203.0.113.7', fingerprint: 'fp-laptop' } }),
    ).toEqual([]);
  });

  it("flags a fingerprint of any of the candidate's browsers", () => {
    const signals = detectFraudSignals(
      input({ refereeClient: { ip: '192.0.2.1', fingerprint: 'fp-phone' } }),
    );
    expect(signals.map((s) => s.kind)).toEqual(['shared_device']);
    expect(signals[0]!.description).toBe(
      'The referee answered from a browser that looks the same as the one the candidate used when naming referees (possibly the same device).',
    );
    expect(kinds({ refereeClient: { ip: '192.0.2.1', fingerprint: 'fp-other' } })).toEqual([]);
  });

  it("flags the candidate's own domain unless it is free mail", () => {
    expect(detectFraudSignals(input({ referee: referee('boss@Candidate.example') }))).toEqual([
      {
        kind: 'candidate_domain',
        description:
          "The referee's address is on the candidate's own domain candidate.example; a shared employer domain can explain it.",
      },
    ]);
    expect(
      kinds({ candidateEmail: 'cand@gmail.com', referee: referee('friend@gmail.com', 'other') }),
    ).toEqual([]);
    expect(kinds({ referee: referee('boss@sub.candidate.example') })).toEqual([]);
  });

  it('flags free mail where the template expects a work address', () => {
    expect(detectFraudSignals(input({ referee: referee('Boss@GMAIL.com', 'direct_report') }))).toEqual([
      {
        kind: 'free_mail',
        description:
          'The referee, named as a direct report, has a free-mail address at gmail.com where a work address is expected.',
      },
    ]);
    expect(kinds({ referee: referee('someone@gmail.com', 'other') })).toEqual([]);
    expect(
      kinds({
        referee: referee('someone@gmail.com', 'manager'),
        template: { workEmailExpectedFor: ['client'], minimumAnswerSeconds: 60 },
      }),
    ).toEqual([]);
    expect(kinds({ referee: referee('someone@gmail.com.evil.example', 'manager') })).toEqual([]);
  });

  it('flags a referee other candidates named too, saying how many', () => {
    const described = (n: number) =>
      detectFraudSignals(input({ otherCandidatesNamingReferee: n })).map(
        (s) => `${s.kind}: ${s.description}`,
      );
    expect(described(0)).toEqual([]);
    expect(described(1)).toEqual([
      'referee_of_other_candidates: The same referee was also named by 1 other candidate of this organisation.',
    ]);
    expect(described(3)).toEqual([
      'referee_of_other_candidates: The same referee was also named by 3 other candidates of this organisation.',
    ]);
  });

  it('flags answers faster than the minimum, with the seconds rounded', () => {
    const after = (submittedAt: string, minimumAnswerSeconds = 60) =>
      detectFraudSignals(
        input({
          submittedAt,
          template: { workEmailExpectedFor: [], minimumAnswerSeconds },
        }),
      );
    expect(after('2026-11-23T10:00:12.600Z')).toEqual([
      {
        kind: 'fast_answers',
        description:
          'The referee submitted the answers 13 seconds after opening the page (the expected minimum is 60 seconds).',
      },
    ]);
    expect(after('2026-11-23T10:00:59.999Z').map((s) => s.kind)).toEqual(['fast_answers']);
    expect(after('2026-11-23T10:01:00.000Z')).toEqual([]);
    expect(after('2026-11-23T10:00:01.000Z', 1)).toEqual([]);
    expect(after('2026-11-23T10:00:00.600Z', 1)[0]!.description).toBe(
      'The referee submitted the answers 1 second after opening the page (the expected minimum is 1 second).',
    );
    expect(after('2026-11-23T10:00:00.000Z', 0)).toEqual([]);
    // A clock that ran backwards says 0 seconds, not a negative number.
    expect(after('2026-11-23T09:59:50.000Z')[0]!.description).toContain('0 seconds after');
  });

  it('needs both times for the fast-answer signal', () => {
    expect(kinds({ openedAt: null, submittedAt: '2026-11-23T10:00:01.000Z' })).toEqual([]);
    expect(kinds({ submittedAt: null })).toEqual([]);
    expect(kinds({ openedAt: 'not a time', submittedAt: '2026-11-23T10:00:01.000Z' })).toEqual([]);
  });

  it('lists several signals in the order of fraudSignalKinds and leaves out the domain of the own address', () => {
    const all = kinds({
      candidateEmail: 'cand@gmail.com',
      referee: referee('Cand@gmail.com', 'manager'),
      refereeClient: { ip: '203.0.113.7', fingerprint: 'fp-laptop' },
      submittedAt: '2026-11-23T10:00:05.000Z',
      otherCandidatesNamingReferee: 2,
    });
    expect(all).toEqual([
      'same_email_as_candidate',
      'shared_ip',
      'shared_device',
      'free_mail',
      'referee_of_other_candidates',
      'fast_answers',
    ]);
    expect(kinds({ candidateEmail: 'cand@corp.example', referee: referee('cand@corp.example') })).toEqual([
      'same_email_as_candidate',
    ]);
    const ordered = kinds({
      referee: referee('boss@candidate.example'),
      refereeClient: { ip: '203.0.113.7', fingerprint: 'fp-laptop' },
      submittedAt: '2026-11-23T10:00:05.000Z',
      otherCandidatesNamingReferee: 1,
    });
    expect(ordered).toEqual(
      fraudSignalKinds.filter((k) => k !== 'same_email_as_candidate' && k !== 'free_mail'),
    );
  });

  it('puts no e-mail address or IP address in any description', () => {
    const signals = detectFraudSignals(
      input({
        candidateEmail: 'cand@gmail.com',
        referee: referee('cand@gmail.com'),
        refereeClient: { ip: '203.0.113.7', fingerprint: 'fp-laptop' },
        submittedAt: '2026-11-23T10:00:05.000Z',
        otherCandidatesNamingReferee: 2,
      }),
    ).concat(detectFraudSignals(input({ referee: referee('boss@candidate.example') })));
    expect(signals.length).toBe(7);
    for (const { description } of signals) {
      expect(description).not.toMatch(/@|203\.0\.113\.7|fp-laptop/);
      expect(description).toMatch(/^[A-Z].*\.$/);
    }
  });
});
