import { z } from 'zod';
import { ItemId, ReminderPolicy, TestId, text } from '../assessments/definition.js';

/**
 * A reference-check template of a tenant's catalogue: what referees are asked, how many referees of
 * which relationship the candidate names, and the timing rules. It shares the catalogue (and
 * Greenhouse's `list_tests`) with assessments and is told apart by `kind: "reference_check"`.
 * Pure: imported by workflow code.
 */

const count = z.number().int('must be a whole number').min(1).max(10);

export const relationships = ['manager', 'peer', 'direct_report', 'client', 'other'] as const;
export const Relationship = z.enum(relationships);
export type Relationship = z.infer<typeof Relationship>;

/** How the pages and the report name each relationship. */
export const relationshipLabel: Record<Relationship, string> = {
  manager: 'Manager',
  peer: 'Peer',
  direct_report: 'Direct report',
  client: 'Client',
  other: 'Other',
};

export const RatingQuestion = z.strictObject({
  id: ItemId,
  kind: z.literal('rating'),
  prompt: text(2000),
  required: z.boolean().default(true),
});
export const TextQuestion = z.strictObject({
  id: ItemId,
  kind: z.literal('text'),
  prompt: text(2000),
  required: z.boolean().default(false),
  maxLength: z.number().int().min(1).max(20_000).default(5000),
});
export const ReferenceQuestion = z.discriminatedUnion('kind', [RatingQuestion, TextQuestion]);
export type ReferenceQuestion = z.infer<typeof ReferenceQuestion>;

export const RatingScale = z
  .strictObject({
    min: z.number().int().min(0).max(1).default(1),
    max: z.number().int().min(2).max(10).default(5),
    minLabel: text(60).optional(),
    maxLabel: text(60).optional(),
  })
  .refine((s) => s.max > s.min, { message: 'max must be greater than min', path: ['max'] });
export type RatingScale = z.infer<typeof RatingScale>;

export const RelationshipRequirement = z.strictObject({ relationship: Relationship, count });
export type RelationshipRequirement = z.infer<typeof RelationshipRequirement>;

export const ReferenceCheckTemplate = z
  .strictObject({
    kind: z.literal('reference_check'),
    testId: TestId,
    name: text(200),
    description: text(5000).optional(),
    questions: z.array(ReferenceQuestion).min(1, 'needs at least one question').max(50),
    ratingScale: RatingScale.default({ min: 1, max: 5 }),
    referees: z
      .strictObject({
        /** The candidate must name at least this many … */
        min: count,
        /** … and may name at most this many (replacements for bounced or declined referees aside). */
        max: count,
        /** Answers needed to complete the check (default: min). */
        quorum: count.optional(),
      })
      .refine((r) => r.max >= r.min, { message: 'max must be at least min', path: ['max'] })
      .refine((r) => r.quorum === undefined || r.quorum <= r.max, {
        message: 'quorum must not exceed max',
        path: ['quorum'],
      }),
    /** E.g. at least one manager: counts the candidate's nominations must meet. */
    requiredRelationships: z.array(RelationshipRequirement).max(5).default([]),
    /** Where a work address is expected: a free-mail address for these is a fraud signal. */
    workEmailExpectedFor: z.array(Relationship).default(['manager', 'peer', 'direct_report', 'client']),
    /** The candidate's deadline for naming referees, counted from the invite. */
    nominationDeadlineDays: z.number().int().min(1).max(30),
    /** Each referee's deadline, counted from their request. */
    refereeDeadlineDays: z.number().int().min(1).max(30),
    /** The whole check's deadline from the invite: then it completes with what has arrived. */
    deadlineDays: z.number().int().min(1).max(90),
    reminders: z
      .strictObject({
        candidate: ReminderPolicy.default({ afterInviteHours: [], beforeDeadlineHours: [] }),
        referee: ReminderPolicy.default({ afterInviteHours: [], beforeDeadlineHours: [] }),
      })
      .default({
        candidate: { afterInviteHours: [], beforeDeadlineHours: [] },
        referee: { afterInviteHours: [], beforeDeadlineHours: [] },
      }),
    /** Answers submitted faster than this after the referee opened the page are flagged. */
    minimumAnswerSeconds: z.number().int().min(0).max(3600).default(60),
  })
  .superRefine((t, ctx) => {
    const ids = new Set<string>();
    t.questions.forEach((q, i) => {
      if (ids.has(q.id))
        ctx.addIssue({
          code: 'custom',
          path: ['questions', i, 'id'],
          message: `question id ${q.id} is used twice`,
        });
      ids.add(q.id);
    });
    const seen = new Set<Relationship>();
    let required = 0;
    t.requiredRelationships.forEach((r, i) => {
      if (seen.has(r.relationship))
        ctx.addIssue({
          code: 'custom',
          path: ['requiredRelationships', i, 'relationship'],
          message: `${r.relationship} is listed twice`,
        });
      seen.add(r.relationship);
      required += r.count;
    });
    if (required > t.referees.max)
      ctx.addIssue({
        code: 'custom',
        path: ['requiredRelationships'],
        message: `the required relationships need ${required} referees but referees.max is ${t.referees.max}`,
      });
    if (t.nominationDeadlineDays >= t.deadlineDays)
      ctx.addIssue({
        code: 'custom',
        path: ['nominationDeadlineDays'],
        message: 'must be shorter than deadlineDays (referees need time to answer)',
      });
  });
/** A validated template, defaults filled in: what is stored, hashed and pinned by journeys. */
export type ReferenceCheckTemplate = z.infer<typeof ReferenceCheckTemplate>;
export type ReferenceCheckTemplateInput = z.input<typeof ReferenceCheckTemplate>;

/** Answers that complete the check. */
export const quorumOf = (t: Pick<ReferenceCheckTemplate, 'referees'>): number =>
  t.referees.quorum ?? t.referees.min;
