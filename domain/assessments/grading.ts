import { z } from 'zod';
import {
  questionsOf,
  type MultipleChoiceQuestion,
  type NumericQuestion,
  type Question,
  type QuestionKind,
  type TestDefinition,
} from './definition.js';

/**
 * Grading of one submission against the pinned test definition. Pure and deterministic: the
 * assessment workflow may call it directly.
 *
 * 1. `parseAnswers(def, input)` (or `answersSchemaFor(def)` with the API's `parseInput`) checks the
 *    candidate's answers against the test: unknown question ids, wrong shapes and option ids the
 *    question does not have are refused, naming the question (`q3`, `q3.1`).
 * 2. `autoGrade(def, answers)` scores every keyed question (rules in definition.ts) and lists the
 *    free-text questions that await a grader. Unanswered questions score 0; an unanswered free-text
 *    question (absent, null or blank) scores 0 without a grader.
 * 3. `finalizeGrade(def, auto, graderScores)` adds the grader's points (0..points of the question,
 *    optional comment) and computes totals, per-section results and pass/fail.
 *
 * Rounding: each question's points to 2 decimals (totals are sums of those), percentages to
 * 1 decimal. `passed` compares the rounded `scorePercent` with the pass mark, so that what the
 * recruiter sees (60.0 % against a 60 % pass mark) agrees with the verdict.
 */

// --- Answers ----------------------------------------------------------------------------------

/** One answer: option id (single choice), option ids (multiple choice), number, text; null = skipped. */
export type AnswerValue = string | string[] | number | null;
/** The candidate's answers by question id; questions left out are unanswered. */
export type Answers = Record<string, AnswerValue>;

/** The generic shape of answers, without knowledge of the test (e.g. to type a stored submission). */
export const Answers = z.record(
  z.string(),
  z.union([z.string(), z.array(z.string()), z.number(), z.null()]),
) as z.ZodType<Answers>;

const NUMBER_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * The answers schema of one test: an object keyed by question id whose values must fit each
 * question's kind. Numeric answers may be numbers or decimal strings ("12.5"; forms post text).
 */
export function answersSchemaFor(def: TestDefinition): z.ZodType<Answers, unknown> {
  const byId = new Map(questionsOf(def).map(({ question }) => [question.id, question]));
  return z.record(z.string(), z.unknown()).transform((raw, ctx): Answers => {
    const out: Answers = {};
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    for (const [questionId, value] of Object.entries(raw)) {
      const question = byId.get(questionId);
      if (!question) {
        issue([questionId], `there is no question ${questionId} in test ${def.testId}`);
        continue;
      }
      if (value === null || value === undefined) {
        out[questionId] = null;
        continue;
      }
      switch (question.kind) {
        case 'single_choice': {
          if (typeof value !== 'string') {
            issue([questionId], 'must be the id of one option (a string)');
          } else if (!question.options.some((o) => o.id === value)) {
            issue([questionId], `question ${questionId} has no option ${value}`);
          } else out[questionId] = value;
          break;
        }
        case 'multiple_choice': {
          if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
            issue([questionId], 'must be a list of option ids (strings)');
            break;
          }
          const seen = new Set<string>();
          let ok = true;
          value.forEach((id: string, i) => {
            if (!question.options.some((o) => o.id === id)) {
              issue([questionId, i], `question ${questionId} has no option ${id}`);
              ok = false;
            } else if (seen.has(id)) {
              issue([questionId, i], `option ${id} is chosen twice`);
              ok = false;
            }
            seen.add(id);
          });
          if (ok) out[questionId] = [...value];
          break;
        }
        case 'numeric': {
          const n =
            typeof value === 'number'
              ? value
              : typeof value === 'string' && NUMBER_TEXT.test(value)
                ? Number(value)
                : NaN;
          if (!Number.isFinite(n)) issue([questionId], 'must be a number');
          else out[questionId] = n;
          break;
        }
        case 'free_text': {
          if (typeof value !== 'string') issue([questionId], 'must be text (a string)');
          else if (value.length > question.maxLength) {
            issue([questionId], `must be at most ${question.maxLength} characters (got ${value.length})`);
          } else out[questionId] = value;
          break;
        }
      }
    }
    return out;
  });
}

/** Validates answers against the test; on failure names the first wrong field (`q3`, `q4.1`). */
export function parseAnswers(
  def: TestDefinition,
  input: unknown,
): { success: true; answers: Answers } | { success: false; field: string; message: string } {
  const result = answersSchemaFor(def).safeParse(input);
  if (result.success) return { success: true, answers: result.data };
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.map(String).join('.') : 'answers';
  return { success: false, field, message: `${field}: ${issue?.message ?? 'is invalid'}` };
}

// --- Automatic grading --------------------------------------------------------------------------

/** Rounds half away from zero after removing binary floating-point noise (0.1 + 0.2 → 0.3). */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const scaled = Number((value * factor).toPrecision(12));
  return (Math.sign(scaled) * Math.round(Math.abs(scaled))) / factor;
}

export interface QuestionGrade {
  questionId: string;
  sectionId: string;
  kind: QuestionKind;
  /** False when the question was left out, null, an empty choice or blank text. */
  answered: boolean;
  /** `graded`: points are final; `pending_grader`: an answered free-text question. */
  status: 'graded' | 'pending_grader';
  /** Null while pending. */
  points: number | null;
  maxPoints: number;
}

export interface AutoGrade {
  testId: string;
  questions: QuestionGrade[];
  /** Sum of the points of every graded question. */
  autoPoints: number;
  maxPoints: number;
  /** Answered free-text questions, in test order: a grader must score them. */
  pendingQuestionIds: string[];
  needsGrader: boolean;
}

function isAnswered(value: AnswerValue | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'string') return value.trim().length > 0;
  return true;
}

function multipleChoiceFraction(question: MultipleChoiceQuestion, chosen: string[]): number {
  const picked = new Set(chosen);
  const correct = question.options.filter((o) => o.correct);
  const wrong = question.options.filter((o) => !o.correct);
  const hits = correct.filter((o) => picked.has(o.id)).length;
  const falseHits = wrong.filter((o) => picked.has(o.id)).length;
  if (question.scoring === 'all_or_nothing') return hits === correct.length && falseHits === 0 ? 1 : 0;
  const fraction = hits / correct.length - (wrong.length ? falseHits / wrong.length : 0);
  return Math.max(0, fraction);
}

function numericCorrect(question: NumericQuestion, given: number): boolean {
  const slack = 1e-9 * Math.max(1, Math.abs(question.answer), Math.abs(question.tolerance));
  return Math.abs(given - question.answer) <= question.tolerance + slack;
}

/** Fraction (0..1) of a keyed question's points earned; a wrongly shaped answer earns 0. */
function keyedFraction(question: Question, value: AnswerValue): number {
  switch (question.kind) {
    case 'single_choice':
      return typeof value === 'string' && question.options.some((o) => o.id === value && o.correct) ? 1 : 0;
    case 'multiple_choice':
      return Array.isArray(value) ? multipleChoiceFraction(question, value) : 0;
    case 'numeric': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      return Number.isFinite(n) && numericCorrect(question, n) ? 1 : 0;
    }
    case 'free_text':
      return 0;
  }
}

/**
 * Scores the keyed questions and lists the free-text questions awaiting a grader. Expects answers
 * checked by `parseAnswers`; it never throws: answers to unknown questions are ignored and an
 * answer of the wrong shape scores 0.
 */
export function autoGrade(def: TestDefinition, answers: Answers): AutoGrade {
  const questions: QuestionGrade[] = questionsOf(def).map(({ section, question }) => {
    const value = Object.hasOwn(answers, question.id) ? answers[question.id] : undefined;
    const answered = isAnswered(value);
    const base = {
      questionId: question.id,
      sectionId: section.id,
      kind: question.kind,
      answered,
      maxPoints: question.points,
    };
    if (!answered || value === undefined || value === null) return { ...base, status: 'graded', points: 0 };
    if (question.kind === 'free_text') return { ...base, status: 'pending_grader', points: null };
    return {
      ...base,
      status: 'graded',
      points: roundTo(question.points * keyedFraction(question, value), 2),
    };
  });
  const pendingQuestionIds = questions.filter((q) => q.status === 'pending_grader').map((q) => q.questionId);
  return {
    testId: def.testId,
    questions,
    autoPoints: roundTo(
      questions.reduce((sum, q) => sum + (q.points ?? 0), 0),
      2,
    ),
    maxPoints: roundTo(
      questions.reduce((sum, q) => sum + q.maxPoints, 0),
      2,
    ),
    pendingQuestionIds,
    needsGrader: pendingQuestionIds.length > 0,
  };
}

// --- The grader's scores and the final result -------------------------------------------------------

export interface GraderScore {
  points: number;
  comment?: string;
}
/** Points (and an optional comment) per pending free-text question id. */
export type GraderScores = Record<string, GraderScore>;

export const GraderScore = z.strictObject({
  points: z.number().min(0, 'must be 0 or more'),
  comment: z.string().trim().max(5000).optional(),
});

/** A problem with grader scores, naming the question (`q5.points`). */
export class GradingError extends Error {
  override name = 'GradingError';
  constructor(
    /** The wrong field: a question id, or `<questionId>.points`. */
    readonly field: string,
    /** The problem in plain words, without the field. */
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

function graderScoreProblems(def: TestDefinition, auto: AutoGrade, scores: GraderScores): GradingError[] {
  const problems: GradingError[] = [];
  const byId = new Map(questionsOf(def).map(({ question }) => [question.id, question]));
  const pending = new Set(auto.pendingQuestionIds);
  for (const [questionId, score] of Object.entries(scores)) {
    const question = byId.get(questionId);
    if (!question)
      problems.push(new GradingError(questionId, `there is no question ${questionId} in the test`));
    else if (!pending.has(questionId)) {
      problems.push(
        new GradingError(
          questionId,
          question.kind === 'free_text'
            ? `question ${questionId} was not answered and scores 0 without a grader`
            : `question ${questionId} is graded automatically`,
        ),
      );
    } else if (!Number.isFinite(score.points) || score.points < 0 || score.points > question.points) {
      problems.push(new GradingError(`${questionId}.points`, `must be between 0 and ${question.points}`));
    }
  }
  for (const questionId of auto.pendingQuestionIds) {
    if (!Object.hasOwn(scores, questionId)) {
      problems.push(new GradingError(questionId, `question ${questionId} awaits the grader's points`));
    }
  }
  return problems;
}

/** The grader's form for one submission: every pending question, points within 0..points. */
export function graderScoresSchemaFor(
  def: TestDefinition,
  auto: AutoGrade,
): z.ZodType<GraderScores, unknown> {
  return z.record(z.string(), GraderScore).superRefine((scores, ctx) => {
    for (const problem of graderScoreProblems(def, auto, scores)) {
      ctx.addIssue({
        code: 'custom',
        path: problem.field.split('.'),
        message: problem.detail,
      });
    }
  });
}

export interface SectionResult {
  id: string;
  title: string;
  points: number;
  maxPoints: number;
  percent: number;
}

export interface QuestionResult {
  questionId: string;
  sectionId: string;
  kind: QuestionKind;
  answered: boolean;
  points: number;
  maxPoints: number;
  gradedBy: 'auto' | 'grader';
  comment?: string;
}

export interface TestResult {
  testId: string;
  scorePoints: number;
  maxPoints: number;
  /** 0..100, one decimal. */
  scorePercent: number;
  passMarkPercent: number;
  passed: boolean;
  sections: SectionResult[];
  questions: QuestionResult[];
}

const percentOf = (points: number, max: number) => (max > 0 ? roundTo((points * 100) / max, 1) : 0);

/**
 * The final result. Throws GradingError (naming the question) when a pending question has no
 * score, a score is out of range, or a score is given for a question that does not await one.
 */
export function finalizeGrade(
  def: TestDefinition,
  auto: AutoGrade,
  graderScores: GraderScores = {},
): TestResult {
  if (auto.testId !== def.testId) {
    throw new GradingError('testId', `the automatic grade is of test ${auto.testId}, not ${def.testId}`);
  }
  const problem = graderScoreProblems(def, auto, graderScores)[0];
  if (problem) throw problem;
  const autoById = new Map(auto.questions.map((q) => [q.questionId, q]));

  const questions: QuestionResult[] = questionsOf(def).map(({ section, question }) => {
    const graded = autoById.get(question.id);
    if (!graded) throw new GradingError(question.id, `the automatic grade lacks question ${question.id}`);
    const base = {
      questionId: question.id,
      sectionId: section.id,
      kind: question.kind,
      answered: graded.answered,
      maxPoints: question.points,
    };
    if (graded.status === 'pending_grader') {
      const score = graderScores[question.id]!;
      return {
        ...base,
        points: roundTo(score.points, 2),
        gradedBy: 'grader',
        ...(score.comment ? { comment: score.comment } : {}),
      };
    }
    return { ...base, points: graded.points ?? 0, gradedBy: 'auto' };
  });

  const sum = (list: { points: number }[]) =>
    roundTo(
      list.reduce((s, q) => s + q.points, 0),
      2,
    );
  const sections = def.sections.map((section) => {
    const own = questions.filter((q) => q.sectionId === section.id);
    const points = sum(own);
    const maxPoints = sum(own.map((q) => ({ points: q.maxPoints })));
    return { id: section.id, title: section.title, points, maxPoints, percent: percentOf(points, maxPoints) };
  });
  const scorePoints = sum(questions);
  const maxPoints = sum(questions.map((q) => ({ points: q.maxPoints })));
  const scorePercent = percentOf(scorePoints, maxPoints);
  return {
    testId: def.testId,
    scorePoints,
    maxPoints,
    scorePercent,
    passMarkPercent: def.passMarkPercent,
    passed: scorePercent >= def.passMarkPercent,
    sections,
    questions,
  };
}
