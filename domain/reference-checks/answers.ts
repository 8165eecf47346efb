import { roundTo } from '../assessments/grading.js';
import type { ReferenceCheckTemplate } from './template.js';

/**
 * A referee's questionnaire: parsing the answers posted by the reference page, and the mean ratings
 * the report and Greenhouse's score show. Pure: imported by workflow code.
 *
 * - Rating questions take a whole number within the template's `ratingScale` (inclusive). The page
 *   posts text ("4"; "" = not answered); API callers may send numbers.
 * - Text questions take text, trimmed, at most `maxLength` characters after trimming; blank = not
 *   answered.
 * - A required question must be answered; an optional question left unanswered is absent from the
 *   answers. Keys that are not question ids of the template are ignored and never copied.
 */

/** By question id: rating → whole number, text → trimmed text; unanswered questions absent. */
export type RefereeAnswers = Record<string, number | string>;

export interface AnswerIssue {
  questionId: string;
  message: string;
}

const WHOLE_NUMBER = /^[-+]?\d+$/;

/** A posted value: blank / null / undefined → undefined, text trimmed, anything else as is. */
function given(raw: Record<string, unknown>, questionId: string): unknown {
  // Own properties only: `constructor` is a valid question id and every object inherits one.
  if (!Object.hasOwn(raw, questionId)) return undefined;
  const value = raw[questionId];
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  return value;
}

/** Checks a referee's answers against the template; on failure lists every issue in question order. */
export function parseRefereeAnswers(
  template: ReferenceCheckTemplate,
  raw: Record<string, unknown>,
): { success: true; answers: RefereeAnswers } | { success: false; issues: AnswerIssue[] } {
  const answers = new Map<string, number | string>();
  const issues: AnswerIssue[] = [];
  const { min, max } = template.ratingScale;

  for (const question of template.questions) {
    const value = given(raw, question.id);
    const issue = (message: string) => issues.push({ questionId: question.id, message });
    if (value === undefined) {
      if (question.required)
        issue(question.kind === 'rating' ? 'Choose a rating' : 'This answer is required');
      continue;
    }
    if (question.kind === 'rating') {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && WHOLE_NUMBER.test(value)
            ? Number(value)
            : NaN;
      if (!Number.isInteger(n) || n < min || n > max) issue(`Choose a rating from ${min} to ${max}`);
      else answers.set(question.id, n);
    } else if (typeof value !== 'string') {
      issue('Enter your answer as text');
    } else if (value.length > question.maxLength) {
      issue(`Keep this answer under ${question.maxLength} characters`);
    } else answers.set(question.id, value);
  }
  // Keys are template question ids (never `__proto__`, refused by the template schema).
  return issues.length === 0
    ? { success: true, answers: Object.fromEntries(answers) }
    : { success: false, issues };
}

export interface RatingAggregate {
  perQuestion: { questionId: string; prompt: string; mean: number | null; count: number }[];
  overallMean: number | null;
}

/**
 * Mean ratings over referees' answers: per rating question (in template order) the mean of the
 * referees who rated it and how many did; overall the mean of every single rating across questions
 * and referees (so a question more referees rated weighs more). Means are rounded to 2 decimals;
 * null when there is nothing to average. Values that are not numbers are ignored.
 */
export function aggregateRatings(
  template: ReferenceCheckTemplate,
  answers: RefereeAnswers[],
): RatingAggregate {
  let sum = 0;
  let count = 0;
  const perQuestion = template.questions
    .filter((q) => q.kind === 'rating')
    .map((question) => {
      const ratings = answers.flatMap((a) => {
        const value = Object.hasOwn(a, question.id) ? a[question.id] : undefined;
        return typeof value === 'number' && Number.isFinite(value) ? [value] : [];
      });
      const total = ratings.reduce((s, r) => s + r, 0);
      sum += total;
      count += ratings.length;
      return {
        questionId: question.id,
        prompt: question.prompt,
        mean: ratings.length ? roundTo(total / ratings.length, 2) : null,
        count: ratings.length,
      };
    });
  return { perQuestion, overallMean: count ? roundTo(sum / count, 2) : null };
}
