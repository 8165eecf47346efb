import { z } from 'zod';
import { IsoDateTime, Label, LongText, NonNegative, ReportBranding } from './fields.js';

const points = { points: NonNegative, maxPoints: z.number().finite().positive() };
/** Shared refinement for every `points` out of `maxPoints` (> 0, so percentages are always defined). */
const withinMax = (p: { points: number; maxPoints: number }): boolean => p.points <= p.maxPoints;
const withinMaxError = { message: 'points must not exceed maxPoints', path: ['points'] };

export const AssessmentSection = z.object({ name: Label, ...points }).refine(withinMax, withinMaxError);

export const FreeTextAnswer = z
  .object({
    question: LongText.min(1),
    answer: LongText,
    ...points,
    graderComment: LongText.optional(),
    gradedBy: Label.optional(),
  })
  .refine(withinMax, withinMaxError);

export const AssessmentReportInput = z.object({
  branding: ReportBranding,
  candidate: z.object({ name: Label, email: z.email().optional() }),
  test: z.object({ name: Label, version: Label }),
  score: z
    .object({ ...points, passMarkPercent: z.number().min(0).max(100).optional() })
    .refine(withinMax, withinMaxError),
  sections: z.array(AssessmentSection).max(200),
  freeTextAnswers: z.array(FreeTextAnswer).max(500).default([]),
  timing: z.object({
    invitedAt: IsoDateTime,
    startedAt: IsoDateTime.optional(),
    submittedAt: IsoDateTime.optional(),
    timeLimitMinutes: z.number().int().positive().optional(),
  }),
  /** Who graded: people for free-text answers, or e.g. "Automatic scoring". */
  gradedBy: z.array(Label).default([]),
  /** Also used as the PDF CreationDate/ModDate, which keeps the bytes deterministic. */
  generatedAt: IsoDateTime,
});
export type AssessmentReportInput = z.input<typeof AssessmentReportInput>;
export type AssessmentReportData = z.output<typeof AssessmentReportInput>;
