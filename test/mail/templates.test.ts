import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  formatUtcDateTime,
  readableTextColor,
  renderExpiry,
  renderGraderRequest,
  renderInvite,
  renderNominationRequest,
  renderRefereeReminder,
  renderRefereeRequest,
  renderReminder,
  type RenderedEmail,
  type TenantBranding,
} from '../../mail/index.js';
import { branding, XSS } from './fixtures.js';
import {
  renderNominationExpiry,
  renderNominationReminder,
  renderReplaceRefereeRequest,
} from '../../mail/templates/reference-check.js';

const link = 'https://tests.example/t/abc?x=1&y=2';
const deadline = '2025-12-05T17:00:00Z';

type Case = {
  name: string;
  render: (b: TenantBranding, nameOverride: string) => RenderedEmail;
  mustMention: string[];
};

const cases: Case[] = [
  {
    name: 'invite',
    render: (b, n) =>
      renderInvite(b, {
        candidateFirstName: n,
        testName: 'TypeScript Basics',
        linkUrl: link,
        deadline,
        timeLimitMinutes: 90,
      }),
    mustMention: ['TypeScript Basics', 'Friday, 5 December 2025, 17:00 UTC', '1 hour 30 minutes'],
  },
  {
    name: 'reminder',
    render: (b, n) =>
      renderReminder(b, {
        candidateFirstName: n,
        testName: 'TypeScript Basics',
        linkUrl: link,
        deadline,
        reminderNumber: 2,
      }),
    mustMention: ['TypeScript Basics', 'final reminder', 'Friday, 5 December 2025, 17:00 UTC'],
  },
  {
    name: 'expiry',
    render: (b, n) =>
      renderExpiry(b, {
        candidateFirstName: n,
        testName: 'TypeScript Basics',
        expiredAt: deadline,
        contactAddress: 'help@acme.example',
      }),
    mustMention: ['expired', 'help@acme.example', 'Friday, 5 December 2025, 17:00 UTC'],
  },
  {
    name: 'grader request',
    render: (b, n) =>
      renderGraderRequest(b, {
        graderName: 'Grace',
        candidateName: n,
        testName: 'TypeScript Basics',
        linkUrl: link,
        answersToGrade: 3,
        dueBy: deadline,
      }),
    mustMention: ['3 free-text answers', 'TypeScript Basics', 'Please grade by'],
  },
  {
    name: 'nomination request',
    render: (b, n) =>
      renderNominationRequest(b, { candidateFirstName: n, linkUrl: link, deadline, refereesRequested: 2 }),
    mustMention: ['2 referees', 'Nominate by'],
  },
  {
    name: 'referee request',
    render: (b, n) =>
      renderRefereeRequest(b, {
        refereeName: 'Rita',
        candidateName: n,
        linkUrl: link,
        deadline,
        estimatedMinutes: 10,
      }),
    mustMention: ['named you as a referee', '10 minutes'],
  },
  {
    name: 'referee reminder',
    render: (b, n) =>
      renderRefereeReminder(b, { refereeName: 'Rita', candidateName: n, linkUrl: link, deadline }),
    mustMention: ['reminder', 'decline'],
  },
];

describe.each(cases)('$name template', ({ render, mustMention }) => {
  it('renders subject, text and HTML with the branding and the same facts', () => {
    const out = render(branding, 'Ana');
    expect(out.subject.length).toBeGreaterThan(0);
    expect(out.subject).not.toMatch(/[\r\n]/);
    for (const s of [...mustMention, 'Ana', 'Acme Robotics']) {
      expect(out.text).toContain(s);
      expect(out.html).toContain(s);
    }
    expect(out.html).toContain('#1A73E8');
    expect(out.html).toMatch(/^<!DOCTYPE html>/);
    expect(out.html).toContain('<html lang="en">');
    expect(out.text).not.toMatch(/<[a-z]/i);
  });

  it('escapes user input in HTML and keeps it verbatim in text', () => {
    const out = render(branding, XSS);
    expect(out.html).not.toContain('<script>');
    expect(out.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(out.text).toContain(XSS);
  });

  it('rejects invalid branding with a ZodError naming the field', () => {
    const bad = { ...branding, primaryColor: 'blue' };
    try {
      render(bad, 'Ana');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ZodError);
      const issue = (err as ZodError).issues[0];
      expect(issue?.path).toEqual(['primaryColor']);
      expect(issue?.message).toMatch(/hex colour/);
    }
  });
});

describe('template details', () => {
  it('puts a button link and the plain URL in HTML (escaped) and the URL in text', () => {
    const out = renderInvite(branding, { candidateFirstName: 'Ana', testName: 'T', linkUrl: link, deadline });
    const escaped = 'https://tests.example/t/abc?x=1&amp;y=2';
    expect(out.html.split(`href="${escaped}"`).length - 1).toBe(2);
    expect(out.html).toContain(`>${escaped}</a>`);
    expect(out.text).toContain(`Start the assessment: ${link}`);
  });

  it('shows the logo with alt text when configured, else the company name', () => {
    const withLogo = renderInvite(
      { ...branding, logoUrl: 'https://cdn.example/logo.png' },
      { candidateFirstName: 'A', testName: 'T', linkUrl: link, deadline },
    );
    expect(withLogo.html).toContain('<img src="https://cdn.example/logo.png" alt="Acme Robotics"');
  });

  it('rejects a bad from address and a javascript: link', () => {
    expect(() =>
      renderInvite(
        { ...branding, fromAddress: 'not-an-email' },
        { candidateFirstName: 'A', testName: 'T', linkUrl: link, deadline },
      ),
    ).toThrow(/fromAddress|e-mail address/);
    try {
      renderInvite(branding, {
        candidateFirstName: 'A',
        testName: 'T',
        linkUrl: 'javascript:alert(1)',
        deadline,
      });
      expect.unreachable();
    } catch (err) {
      expect((err as ZodError).issues[0]?.path).toEqual(['linkUrl']);
    }
  });

  it('rejects names containing line breaks (header injection)', () => {
    expect(() =>
      renderInvite(branding, {
        candidateFirstName: 'Ana\r\nBcc: x@y.z',
        testName: 'T',
        linkUrl: link,
        deadline,
      }),
    ).toThrow(ZodError);
  });

  it('formats dates deterministically in UTC', () => {
    expect(formatUtcDateTime('2025-01-01T00:30:00+02:00')).toBe('Tuesday, 31 December 2024, 22:30 UTC');
  });

  it('picks readable button text colours', () => {
    expect(readableTextColor('#1A73E8')).toBe('#FFFFFF');
    expect(readableTextColor('#FFE')).toBe('#000000');
  });
});

describe('reference-check candidate mails: reminder, replace a referee, nomination expiry', () => {
  const renders: {
    name: string;
    render: (b: TenantBranding, n: string) => RenderedEmail;
    mustMention: string[];
  }[] = [
    {
      name: 'nomination reminder',
      render: (b, n) =>
        renderNominationReminder(b, {
          candidateFirstName: n,
          linkUrl: link,
          deadline,
          refereesRequested: 3,
          reminderNumber: 1,
        }),
      mustMention: ['friendly reminder', '3 referees', 'Nominate by', 'Friday, 5 December 2025, 17:00 UTC'],
    },
    {
      name: 'replace referee request',
      render: (b, n) =>
        renderReplaceRefereeRequest(b, {
          candidateFirstName: n,
          linkUrl: link,
          deadline,
          reason: 'declined',
        }),
      mustMention: ['declined', 'someone else', 'Friday, 5 December 2025, 17:00 UTC'],
    },
    {
      name: 'nomination expiry',
      render: (b, n) => renderNominationExpiry(b, { candidateFirstName: n, expiredAt: deadline }),
      mustMention: ['expired', 'Friday, 5 December 2025, 17:00 UTC'],
    },
  ];

  it.each(renders)(
    '$name: subject, text and HTML carry the branding and the same facts',
    ({ render, mustMention }) => {
      const out = render(branding, 'Ana');
      expect(out.subject.length).toBeGreaterThan(0);
      expect(out.subject).not.toMatch(/[\r\n]/);
      for (const s of [...mustMention, 'Ana', 'Acme Robotics']) {
        expect(out.text).toContain(s);
        expect(out.html).toContain(s);
      }
      expect(out.html).toContain('#1A73E8');
      expect(out.html).toMatch(/^<!DOCTYPE html>/);
      expect(out.text).not.toMatch(/<[a-z]/i);
    },
  );

  it.each(renders)(
    '$name: escapes the candidate name in HTML and keeps it verbatim in text',
    ({ render }) => {
      const out = render(branding, XSS);
      expect(out.html).not.toContain('<script>');
      expect(out.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(out.text).toContain(XSS);
    },
  );

  it('links the nomination page from the reminder and the replacement request, not from the expiry', () => {
    const escaped = 'https://tests.example/t/abc?x=1&amp;y=2';
    const reminder = renders[0]!.render(branding, 'Ana');
    const replace = renders[1]!.render(branding, 'Ana');
    const expiry = renders[2]!.render(branding, 'Ana');
    expect(reminder.text).toContain(`Nominate referees: ${link}`);
    expect(replace.text).toContain(`Name another referee: ${link}`);
    expect(replace.html).toContain(`href="${escaped}"`);
    expect(expiry.text).not.toContain(link);
    expect(expiry.html).not.toContain('href="https://tests.example');
  });

  it('words a second nomination reminder as the final one', () => {
    const out = renderNominationReminder(branding, {
      candidateFirstName: 'Ana',
      linkUrl: link,
      deadline,
      refereesRequested: 1,
      reminderNumber: 2,
    });
    expect(out.text).toContain('final reminder');
    expect(out.text).toContain('1 referee ');
  });

  it.each([
    ['declined', 'declined to give a reference'],
    ['bounced', 'could not be reached'],
    ['expired', 'did not answer in time'],
  ] as const)('says why a referee must be replaced (%s) without naming them', (reason, words) => {
    // A caller passing the referee's details anyway: they are dropped, never rendered.
    const input = {
      candidateFirstName: 'Ana',
      linkUrl: link,
      deadline,
      reason,
      refereeName: 'Rita Referee',
      refereeEmail: 'rita@example.com',
    };
    const out = renderReplaceRefereeRequest(branding, input);
    for (const body of [out.text, out.html, out.subject]) {
      expect(body).not.toContain('Rita');
      expect(body).not.toContain('rita@example.com');
    }
    expect(out.text).toContain(`One of your referees for your application at Acme Robotics ${words}`);
    expect(out.html).toContain(words);
    expect(out.text).toContain(
      'You may name someone else in their place by Friday, 5 December 2025, 17:00 UTC',
    );
  });

  it('rejects an unknown replacement reason and a javascript: link', () => {
    expect(() =>
      renderReplaceRefereeRequest(branding, {
        candidateFirstName: 'Ana',
        linkUrl: link,
        deadline,
        reason: 'ghosted' as 'declined',
      }),
    ).toThrow(ZodError);
    try {
      renderNominationReminder(branding, {
        candidateFirstName: 'Ana',
        linkUrl: 'javascript:alert(1)',
        deadline,
        refereesRequested: 2,
      });
      expect.unreachable();
    } catch (err) {
      expect((err as ZodError).issues[0]?.path).toEqual(['linkUrl']);
    }
  });
});
