import { z } from 'zod';

/**
 * A test of a vendor's catalogue, as an operator defines it (operator API, JSON) and as a journey
 * pins it (`testId` + version). Pure: imported by workflow code.
 *
 * Question kinds:
 * - `single_choice`: options with ids, exactly one marked `correct`. Full points for the correct
 *   option, 0 otherwise.
 * - `multiple_choice`: options with ids, at least one marked `correct`. `scoring` (default
 *   `partial`) is one of
 *   - `partial`: proportional with a penalty. With k correct and w wrong options in the question,
 *     a candidate who picks h correct and f wrong options scores
 *     `points × max(0, h / k − f / w)` (the penalty term is 0 when w = 0). Picking every option
 *     scores 0, picking nothing scores 0, picking exactly the correct set scores full points.
 *   - `all_or_nothing`: full points only for exactly the correct set, 0 otherwise.
 * - `numeric`: `answer` and an absolute `tolerance` (default 0): full points when
 *   |given − answer| ≤ tolerance (inclusive; a relative 1e-9 slack absorbs binary floating point,
 *   so 0.4 is within 0.1 of 0.3), 0 otherwise.
 * - `free_text`: no key; `points` is the most a grader can award, `rubric` guides the grader.
 *
 * Every question has an `id` (unique across the whole test), a `prompt` and `points` (> 0).
 */

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Greenhouse's `partner_test_id`: stable for the life of the test. */
export const TestId = z
  .string()
  .min(1, 'must be 1-100 characters')
  .max(100, 'must be 1-100 characters')
  .regex(ID_PATTERN, 'must contain only letters, digits, _ or -');
export type TestId = z.infer<typeof TestId>;

/** The id of a section, question or option (keys of answer objects). */
export const ItemId = z
  .string()
  .min(1, 'must be 1-64 characters')
  .max(64, 'must be 1-64 characters')
  .regex(ID_PATTERN, 'must contain only letters, digits, _ or -')
  // Ids key answer objects: this one would set the object's prototype instead.
  .refine((id) => id !== '__proto__', 'must not be __proto__');

/** Text a person reads: trimmed, not empty, at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const points = z.number().positive('must be greater than 0').max(1000);

const Option = z.strictObject({
  id: ItemId,
  text: text(1000),
  correct: z.boolean().default(false),
});
export type TestOption = z.infer<typeof Option>;

const questionBase = {
  id: ItemId,
  prompt: text(5000),
  points,
};

const options = z.array(Option).min(2, 'needs at least 2 options').max(26, 'may have at most 26 options');

export const SingleChoiceQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('single_choice'),
  options,
});
export const MultipleChoiceQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('multiple_choice'),
  options,
  scoring: z.enum(['partial', 'all_or_nothing']).default('partial'),
});
export const NumericQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('numeric'),
  answer: z.number(),
  tolerance: z.number().nonnegative().default(0),
  /** Shown next to the input, e.g. "ms" or "rows". */
  unit: z.string().trim().min(1).max(50).optional(),
});
export const FreeTextQuestion = z.strictObject({
  ...questionBase,
  kind: z.literal('free_text'),
  /** Guidance for the grader; never shown to the candidate. */
  rubric: text(10_000).optional(),
  /** Longest answer accepted, in characters. */
  maxLength: z.number().int().min(1).max(50_000).default(10_000),
});

export const questionKinds = ['single_choice', 'multiple_choice', 'numeric', 'free_text'] as const;
export type QuestionKind = (typeof questionKinds)[number];

export const Question = z.discriminatedUnion('kind', [
  SingleChoiceQuestion,
  MultipleChoiceQuestion,
  NumericQuestion,
  FreeTextQuestion,
]);
export type Question = z.infer<typeof Question>;
export type SingleChoiceQuestion = z.infer<typeof SingleChoiceQuestion>;
export type MultipleChoiceQuestion = z.infer<typeof MultipleChoiceQuestion>;
export type NumericQuestion = z.infer<typeof NumericQuestion>;
export type FreeTextQuestion = z.infer<typeof FreeTextQuestion>;

export const Section = z.strictObject({
  id: ItemId,
  title: text(200),
  description: text(5000).optional(),
  questions: z.array(Question).min(1, 'needs at least one question').max(200),
});
export type Section = z.infer<typeof Section>;

/** Hours, whole, at most 90 days. */
const hoursList = z
  .array(
    z
      .number()
      .int('must be whole hours')
      .min(1)
      .max(90 * 24),
  )
  .max(10)
  .refine((list) => new Set(list).size === list.length, 'must not repeat an hour');

export const ReminderPolicy = z.strictObject({
  /** Remind the candidate this many hours after the invite (while not submitted). */
  afterInviteHours: hoursList.default([]),
  /** Remind the candidate this many hours before the deadline (while not submitted). */
  beforeDeadlineHours: hoursList.default([]),
});
export type ReminderPolicy = z.infer<typeof ReminderPolicy>;

export const TestDefinition = z
  .strictObject({
    testId: TestId,
    name: text(200),
    description: text(5000).optional(),
    sections: z.array(Section).min(1, 'needs at least one section').max(50),
    /** Passed when scorePercent (rounded to one decimal) ≥ passMarkPercent. */
    passMarkPercent: z.number().min(0).max(100),
    timeLimitMinutes: z.number().int().min(1).max(600).optional(),
    /** The candidate's deadline, counted from the invite. */
    deadlineDays: z.number().int().min(1).max(90),
    reminders: ReminderPolicy.default({ afterInviteHours: [], beforeDeadlineHours: [] }),
    /** Remind the grader this many hours after grading was requested. */
    graderReminderHours: hoursList.default([]),
  })
  .superRefine((def, ctx) => {
    const sectionIds = new Map<string, number>();
    const questionIds = new Map<string, string>();
    def.sections.forEach((section, s) => {
      const seenSection = sectionIds.get(section.id);
      if (seenSection !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['sections', s, 'id'],
          message: `section id ${section.id} is already used by sections.${seenSection}`,
        });
      } else sectionIds.set(section.id, s);

      section.questions.forEach((question, q) => {
        const at = ['sections', s, 'questions', q];
        const seen = questionIds.get(question.id);
        if (seen !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [...at, 'id'],
            message: `question id ${question.id} is already used by ${seen}`,
          });
        } else questionIds.set(question.id, at.join('.'));

        if (question.kind === 'single_choice' || question.kind === 'multiple_choice') {
          const optionIds = new Set<string>();
          question.options.forEach((option, o) => {
            if (optionIds.has(option.id)) {
              ctx.addIssue({
                code: 'custom',
                path: [...at, 'options', o, 'id'],
                message: `option id ${option.id} is used twice in question ${question.id}`,
              });
            }
            optionIds.add(option.id);
          });
          const correct = question.options.filter((o) => o.correct).length;
          if (question.kind === 'single_choice' && correct !== 1) {
            ctx.addIssue({
              code: 'custom',
              path: [...at, 'options'],
              message: `a single_choice question needs exactly one correct option (found ${correct})`,
            });
          }
          if (question.kind === 'multiple_choice' && correct < 1) {
            ctx.addIssue({
              code: 'custom',
              path: [...at, 'options'],
              message: 'a multiple_choice question needs at least one correct option',
            });
          }
        }
      });
    });
  });
/** A validated definition, defaults filled in: what is stored, hashed and pinned by journeys. */
export type TestDefinition = z.infer<typeof TestDefinition>;
/** What an operator may send (defaults may be left out). */
export type TestDefinitionInput = z.input<typeof TestDefinition>;

/** Every question with the section it belongs to, in test order. */
export function questionsOf(def: TestDefinition): { section: Section; question: Question }[] {
  return def.sections.flatMap((section) => section.questions.map((question) => ({ section, question })));
}

/** The most a candidate can score. */
export function maxPointsOf(def: TestDefinition): number {
  return questionsOf(def).reduce((sum, { question }) => sum + question.points, 0);
}

// ---------------------------------------------------------------------------------------------
// What the candidate's page may see: the test without keys (correct flags, numeric answers and
// tolerances) and without rubrics. Built field by field, never by copying, so that a field added
// to the definition later stays private until someone decides to show it.

export type CandidateQuestion =
  | {
      kind: 'single_choice';
      id: string;
      prompt: string;
      points: number;
      options: { id: string; text: string }[];
    }
  | {
      kind: 'multiple_choice';
      id: string;
      prompt: string;
      points: number;
      options: { id: string; text: string }[];
      scoring: 'partial' | 'all_or_nothing';
    }
  | { kind: 'numeric'; id: string; prompt: string; points: number; unit?: string }
  | { kind: 'free_text'; id: string; prompt: string; points: number; maxLength: number };

export interface CandidateView {
  testId: string;
  name: string;
  description?: string;
  timeLimitMinutes?: number;
  totalPoints: number;
  sections: { id: string; title: string; description?: string; questions: CandidateQuestion[] }[];
}

function candidateQuestion(question: Question): CandidateQuestion {
  const base = { id: question.id, prompt: question.prompt, points: question.points };
  const choices = (opts: TestOption[]) => opts.map((o) => ({ id: o.id, text: o.text }));
  switch (question.kind) {
    case 'single_choice':
      return { kind: question.kind, ...base, options: choices(question.options) };
    case 'multiple_choice':
      return { kind: question.kind, ...base, options: choices(question.options), scoring: question.scoring };
    case 'numeric':
      return { kind: question.kind, ...base, ...(question.unit ? { unit: question.unit } : {}) };
    case 'free_text':
      return { kind: question.kind, ...base, maxLength: question.maxLength };
  }
}

/** The test as the candidate's page shows it: no correct flags, numeric answers or rubrics. */
export function toCandidateView(def: TestDefinition): CandidateView {
  return {
    testId: def.testId,
    name: def.name,
    ...(def.description ? { description: def.description } : {}),
    ...(def.timeLimitMinutes ? { timeLimitMinutes: def.timeLimitMinutes } : {}),
    totalPoints: maxPointsOf(def),
    sections: def.sections.map((section) => ({
      id: section.id,
      title: section.title,
      ...(section.description ? { description: section.description } : {}),
      questions: section.questions.map(candidateQuestion),
    })),
  };
}

/** The first problem of a failed parse, as `{ field: "sections.0.questions.1.options", message }`. */
export function firstIssue(error: z.ZodError, where = 'definition'): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: where, message: 'is invalid' };
  const field = issue.path.length ? issue.path.map(String).join('.') : where;
  return { field, message: `${field}: ${issue.message}` };
}
