import { z } from 'zod';
import { parseBranding, type TenantBranding } from '../branding.js';
import { HttpUrl, IsoDateTime, Line, PositiveMinutes } from './fields.js';
import { formatDuration, formatUtcDateTime } from './format.js';
import { renderLayout, type RenderedEmail } from './layout.js';

// Candidate-facing assessment mails (invite, reminder, expiry) and the grader request.

export const InviteData = z.object({
  candidateFirstName: Line,
  testName: Line,
  jobTitle: Line.optional(),
  linkUrl: HttpUrl,
  deadline: IsoDateTime,
  timeLimitMinutes: PositiveMinutes.optional(),
});
export type InviteData = z.infer<typeof InviteData>;

export const ReminderData = InviteData.extend({
  /** 1 for the first reminder; only used to vary the wording. */
  reminderNumber: z.number().int().positive().default(1),
});
export type ReminderData = z.input<typeof ReminderData>;

export const ExpiryData = z.object({
  candidateFirstName: Line,
  testName: Line,
  jobTitle: Line.optional(),
  expiredAt: IsoDateTime,
  /** Where the candidate can ask for a new link, shown verbatim. */
  contactAddress: z.email().optional(),
});
export type ExpiryData = z.infer<typeof ExpiryData>;

export const GraderRequestData = z.object({
  graderName: Line,
  candidateName: Line,
  testName: Line,
  jobTitle: Line.optional(),
  linkUrl: HttpUrl,
  answersToGrade: z.number().int().positive().optional(),
  dueBy: IsoDateTime.optional(),
});
export type GraderRequestData = z.infer<typeof GraderRequestData>;

function timingDetails(d: { testName: string; deadline: string; timeLimitMinutes?: number | undefined }) {
  return [
    { label: 'Assessment', value: d.testName },
    { label: 'Complete by', value: formatUtcDateTime(d.deadline) },
    ...(d.timeLimitMinutes ? [{ label: 'Time limit', value: formatDuration(d.timeLimitMinutes) }] : []),
  ];
}

const forRole = (jobTitle?: string): string => (jobTitle ? ` for the ${jobTitle} role` : '');

export function renderInvite(branding: TenantBranding, input: InviteData): RenderedEmail {
  const b = parseBranding(branding);
  const d = InviteData.parse(input);
  return renderLayout(b, {
    subject: `${b.companyName}: your ${d.testName} assessment`,
    preheader: `Please complete the ${d.testName} assessment by ${formatUtcDateTime(d.deadline)}.`,
    greeting: `Hi ${d.candidateFirstName},`,
    paragraphs: [
      `Thank you for your application${forRole(d.jobTitle)} at ${b.companyName}. As a next step we would like you to complete an online assessment.`,
      d.timeLimitMinutes
        ? `The timer starts when you open the assessment, so begin when you have ${formatDuration(d.timeLimitMinutes)} free to finish it in one sitting.`
        : 'You can complete the assessment at a time that suits you before the deadline.',
    ],
    details: timingDetails(d),
    action: { label: 'Start the assessment', url: d.linkUrl },
    closing: ['Good luck!'],
  });
}

export function renderReminder(branding: TenantBranding, input: ReminderData): RenderedEmail {
  const b = parseBranding(branding);
  const d = ReminderData.parse(input);
  return renderLayout(b, {
    subject: `Reminder: your ${d.testName} assessment for ${b.companyName}`,
    preheader: `Your assessment closes on ${formatUtcDateTime(d.deadline)}.`,
    greeting: `Hi ${d.candidateFirstName},`,
    paragraphs: [
      d.reminderNumber > 1
        ? `This is a final reminder that your ${d.testName} assessment${forRole(d.jobTitle)} has not been completed yet.`
        : `This is a friendly reminder that your ${d.testName} assessment${forRole(d.jobTitle)} has not been completed yet.`,
      `The link stops working at the deadline below.`,
    ],
    details: timingDetails(d),
    action: { label: 'Continue to the assessment', url: d.linkUrl },
  });
}

export function renderExpiry(branding: TenantBranding, input: ExpiryData): RenderedEmail {
  const b = parseBranding(branding);
  const d = ExpiryData.parse(input);
  const contact = d.contactAddress
    ? `If you believe this is a mistake or need more time, please contact ${d.contactAddress}.`
    : `If you believe this is a mistake or need more time, please reply to this e-mail.`;
  return renderLayout(b, {
    subject: `Your ${d.testName} assessment link for ${b.companyName} has expired`,
    preheader: `The assessment link expired on ${formatUtcDateTime(d.expiredAt)}.`,
    greeting: `Hi ${d.candidateFirstName},`,
    paragraphs: [
      `The link to your ${d.testName} assessment${forRole(d.jobTitle)} expired before it was completed, so it can no longer be used.`,
      contact,
    ],
    details: [
      { label: 'Assessment', value: d.testName },
      { label: 'Expired on', value: formatUtcDateTime(d.expiredAt) },
    ],
  });
}

export function renderGraderRequest(branding: TenantBranding, input: GraderRequestData): RenderedEmail {
  const b = parseBranding(branding);
  const d = GraderRequestData.parse(input);
  const count = d.answersToGrade
    ? `${d.answersToGrade} free-text answer${d.answersToGrade === 1 ? '' : 's'} need${d.answersToGrade === 1 ? 's' : ''} your review.`
    : 'Some free-text answers need your review.';
  return renderLayout(b, {
    subject: `Grading requested: ${d.candidateName}, ${d.testName}`,
    preheader: count,
    greeting: `Hi ${d.graderName},`,
    paragraphs: [
      `${d.candidateName} has submitted the ${d.testName} assessment${forRole(d.jobTitle)}. ${count}`,
      'The overall score and report are produced once grading is finished.',
    ],
    details: [
      { label: 'Candidate', value: d.candidateName },
      { label: 'Assessment', value: d.testName },
      ...(d.dueBy ? [{ label: 'Please grade by', value: formatUtcDateTime(d.dueBy) }] : []),
    ],
    action: { label: 'Grade the answers', url: d.linkUrl },
  });
}
