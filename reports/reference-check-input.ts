import { z } from 'zod';
import { IsoDateTime, Label, LongText, ReportBranding } from './fields.js';

export const RatingScale = z
  .object({
    min: z.number().int().min(0).default(1),
    max: z.number().int().max(10).default(5),
    /** Optional words for the ends of the scale, e.g. "Poor" / "Outstanding". */
    minLabel: Label.optional(),
    maxLabel: Label.optional(),
  })
  .refine((s) => s.max > s.min, { message: 'max must be greater than min', path: ['max'] });

export const ReferenceQuestion = z.object({
  id: Label,
  text: LongText.min(1),
  kind: z.enum(['rating', 'text']),
});

export const RefereeAnswer = z.object({
  questionId: Label,
  rating: z.number().finite().optional(),
  text: LongText.optional(),
});

/** An observation for a human to weigh, e.g. kind "shared-ip" with a sentence explaining it. */
export const FraudSignal = z.object({ kind: Label, description: LongText.min(1) });

export const Referee = z.object({
  name: Label,
  relationship: Label,
  company: Label.optional(),
  email: z.email().optional(),
  status: z.enum(['answered', 'declined', 'pending', 'expired']),
  declineReason: LongText.optional(),
  nominatedAt: IsoDateTime.optional(),
  requestedAt: IsoDateTime.optional(),
  answeredAt: IsoDateTime.optional(),
  /** Answer deadline; an answer after it is reported as late. */
  dueAt: IsoDateTime.optional(),
  answers: z.array(RefereeAnswer).default([]),
  fraudSignals: z.array(FraudSignal).default([]),
});

export const ReferenceCheckReportInput = z
  .object({
    branding: ReportBranding,
    candidate: z.object({ name: Label, email: z.email().optional() }),
    templateName: Label,
    status: z.enum(['complete', 'partial']),
    ratingScale: RatingScale.default({ min: 1, max: 5 }),
    questions: z.array(ReferenceQuestion).max(200),
    referees: z.array(Referee).max(50),
    timeline: z
      .object({
        nominatedAt: IsoDateTime.optional(),
        requestedAt: IsoDateTime.optional(),
        completedAt: IsoDateTime.optional(),
      })
      .default({}),
    generatedAt: IsoDateTime,
  })
  .superRefine((input, ctx) => {
    const ids = new Set(input.questions.map((q) => q.id));
    input.referees.forEach((r, ri) =>
      r.answers.forEach((a, ai) => {
        if (!ids.has(a.questionId)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown question id "${a.questionId}"`,
            path: ['referees', ri, 'answers', ai, 'questionId'],
          });
        }
        if (
          a.rating !== undefined &&
          (a.rating < input.ratingScale.min || a.rating > input.ratingScale.max)
        ) {
          ctx.addIssue({
            code: 'custom',
            message: 'rating is outside the rating scale',
            path: ['referees', ri, 'answers', ai, 'rating'],
          });
        }
      }),
    );
  });
export type ReferenceCheckReportInput = z.input<typeof ReferenceCheckReportInput>;
export type ReferenceCheckReportData = z.output<typeof ReferenceCheckReportInput>;
