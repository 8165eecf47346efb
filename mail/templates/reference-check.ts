import { z } from 'zod';
import { parseBranding, type TenantBranding } from '../branding.js';
import { HttpUrl, IsoDateTime, Line, PositiveMinutes } from './fields.js';
import { formatDuration, formatUtcDateTime } from './format.js';
import { renderLayout, type RenderedEmail } from './layout.js';

// Reference-check mails: the candidate nominates referees, referees answer a questionnaire.

export const NominationRequestData = z.object({
  candidateFirstName: Line,
  jobTitle: Line.optional(),
  linkUrl: HttpUrl,
  deadline: IsoDateTime,
  refereesRequested: z.number().int().positive().max(20),
});
export type NominationRequestData = z.infer<typeof NominationRequestData>;

export const RefereeRequestData = z.object({
  refereeName: Line,
  candidateName: Line,
  jobTitle: Line.optional(),
  linkUrl: HttpUrl,
  deadline: IsoDateTime,
  estimatedMinutes: PositiveMinutes.optional(),
});
export type RefereeRequestData = z.infer<typeof RefereeRequestData>;

export const RefereeReminderData = RefereeRequestData;
export type RefereeReminderData = RefereeRequestData;

const forRole = (jobTitle?: string): string => (jobTitle ? ` for the ${jobTitle} role` : '');

export function renderNominationRequest(
  branding: TenantBranding,
  input: NominationRequestData,
): RenderedEmail {
  const b = parseBranding(branding);
  const d = NominationRequestData.parse(input);
  const n = d.refereesRequested;
  return renderLayout(b, {
    subject: `${b.companyName}: please nominate your referees`,
    preheader: `Please nominate ${n} referee${n === 1 ? '' : 's'} by ${formatUtcDateTime(d.deadline)}.`,
    greeting: `Hi ${d.candidateFirstName},`,
    paragraphs: [
      `As part of your application${forRole(d.jobTitle)} at ${b.companyName}, we would like to contact ${n} referee${n === 1 ? '' : 's'} who know your work.`,
      'Please enter their names, e-mail addresses and how you know them. We only contact them about this reference.',
    ],
    details: [
      { label: 'Referees needed', value: String(n) },
      { label: 'Nominate by', value: formatUtcDateTime(d.deadline) },
    ],
    action: { label: 'Nominate referees', url: d.linkUrl },
  });
}

function refereeDetails(d: RefereeRequestData) {
  return [
    { label: 'Candidate', value: d.candidateName },
    { label: 'Please answer by', value: formatUtcDateTime(d.deadline) },
    ...(d.estimatedMinutes ? [{ label: 'Takes about', value: formatDuration(d.estimatedMinutes) }] : []),
  ];
}

export function renderRefereeRequest(branding: TenantBranding, input: RefereeRequestData): RenderedEmail {
  const b = parseBranding(branding);
  const d = RefereeRequestData.parse(input);
  return renderLayout(b, {
    subject: `Reference request for ${d.candidateName} from ${b.companyName}`,
    preheader: `${d.candidateName} named you as a referee.`,
    greeting: `Hi ${d.refereeName},`,
    paragraphs: [
      `${d.candidateName} has applied${forRole(d.jobTitle) || ' for a role'} at ${b.companyName} and named you as a referee.`,
      'We would be grateful if you could answer a short questionnaire about your experience working together. You may also decline from the same page.',
    ],
    details: refereeDetails(d),
    action: { label: 'Give a reference', url: d.linkUrl },
    closing: ['Thank you for your help.'],
  });
}

export function renderRefereeReminder(branding: TenantBranding, input: RefereeReminderData): RenderedEmail {
  const b = parseBranding(branding);
  const d = RefereeReminderData.parse(input);
  return renderLayout(b, {
    subject: `Reminder: reference for ${d.candidateName}`,
    preheader: `The reference request closes on ${formatUtcDateTime(d.deadline)}.`,
    greeting: `Hi ${d.refereeName},`,
    paragraphs: [
      `A quick reminder that ${b.companyName} would value your reference for ${d.candidateName}${forRole(d.jobTitle)}.`,
      'If you would rather not give a reference, you can decline from the same page and we will not contact you again.',
    ],
    details: refereeDetails(d),
    action: { label: 'Give a reference', url: d.linkUrl },
  });
}

export const NominationReminderData = NominationRequestData.extend({
  /** 1 for the first reminder; only used to vary the wording. */
  reminderNumber: z.number().int().positive().default(1),
});
export type NominationReminderData = z.input<typeof NominationReminderData>;

/** Why a referee will not answer; the mail never says who. */
export const ReplacementReason = z.enum(['declined', 'bounced', 'expired']);
export type ReplacementReason = z.infer<typeof ReplacementReason>;

export const ReplaceRefereeRequestData = z.object({
  candidateFirstName: Line,
  jobTitle: Line.optional(),
  linkUrl: HttpUrl,
  /** The candidate's deadline for naming someone else. */
  deadline: IsoDateTime,
  reason: ReplacementReason,
});
export type ReplaceRefereeRequestData = z.infer<typeof ReplaceRefereeRequestData>;

export const NominationExpiryData = z.object({
  candidateFirstName: Line,
  jobTitle: Line.optional(),
  expiredAt: IsoDateTime,
});
export type NominationExpiryData = z.infer<typeof NominationExpiryData>;

export function renderNominationReminder(
  branding: TenantBranding,
  input: NominationReminderData,
): RenderedEmail {
  const b = parseBranding(branding);
  const d = NominationReminderData.parse(input);
  const n = d.refereesRequested;
  const referees = `${n} referee${n === 1 ? '' : 's'}`;
  return renderLayout(b, {
    subject: `Reminder: please nominate your referees for ${b.companyName}`,
    preheader: `Please nominate ${referees} by ${formatUtcDateTime(d.deadline)}.`,
    greeting: `Hi ${d.candidateFirstName},`,
    paragraphs: [
      d.reminderNumber > 1
        ? `This is a final reminder that we still need the details of ${referees} for your application${forRole(d.jobTitle)} at ${b.companyName}.`
        : `This is a friendly reminder that we still need the details of ${referees} for your application${forRole(d.jobTitle)} at ${b.companyName}.`,
      'The link stops working at the deadline below. If you have already named some referees, the page shows their progress.',
    ],
    details: [
      { label: 'Referees needed', value: String(n) },
      { label: 'Nominate by', value: formatUtcDateTime(d.deadline) },
    ],
    action: { label: 'Nominate referees', url: d.linkUrl },
  });
}

const replacementCause: Record<ReplacementReason, string> = {
  declined: 'declined to give a reference',
  bounced: 'could not be reached at the e-mail address you gave',
  expired: 'did not answer in time',
};

export function renderReplaceRefereeRequest(
  branding: TenantBranding,
  input: ReplaceRefereeRequestData,
): RenderedEmail {
  const b = parseBranding(branding);
  const d = ReplaceRefereeRequestData.parse(input);
  return renderLayout(b, {
    subject: `${b.companyName}: you may name another referee`,
    preheader: `One of your referees ${replacementCause[d.reason]}.`,
    greeting: `Hi ${d.candidateFirstName},`,
    paragraphs: [
      `One of your referees for your application${forRole(d.jobTitle)} at ${b.companyName} ${replacementCause[d.reason]}.`,
      `You may name someone else in their place by ${formatUtcDateTime(d.deadline)}. The page shows which referee it is and how the others are getting on.`,
    ],
    details: [{ label: 'Name someone else by', value: formatUtcDateTime(d.deadline) }],
    action: { label: 'Name another referee', url: d.linkUrl },
  });
}

export function renderNominationExpiry(branding: TenantBranding, input: NominationExpiryData): RenderedEmail {
  const b = parseBranding(branding);
  const d = NominationExpiryData.parse(input);
  return renderLayout(b, {
    subject: `Your referee nomination link for ${b.companyName} has expired`,
    preheader: `The nomination link expired on ${formatUtcDateTime(d.expiredAt)}.`,
    greeting: `Hi ${d.candidateFirstName},`,
    paragraphs: [
      `Your link for naming referees for your application${forRole(d.jobTitle)} at ${b.companyName} expired when the deadline passed, so it can no longer be used.`,
      'If you believe this is a mistake or need more time, please reply to this e-mail.',
    ],
    details: [{ label: 'Expired on', value: formatUtcDateTime(d.expiredAt) }],
  });
}
