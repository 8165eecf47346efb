import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import { pagePath, resolveLink } from '../../journeys/links.js';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import { findJourneyCandidate } from '../../db/repositories/journey-candidates.js';
import { findSubmission } from '../../db/repositories/submissions.js';
import {
  questionsOf,
  type FreeTextQuestion,
  type TestDefinition,
} from '../../domain/assessments/definition.js';
import {
  graderScoresSchemaFor,
  type AutoGrade,
  type GraderScores,
} from '../../domain/assessments/grading.js';
import { submitGradesUpdate } from '../../workflows/assessment/contract.js';
import { createJourneySealer } from '../../security/journey-sealing.js';
import type { SecretBox } from '../../security/secret-box.js';
import { html, join, messagePage, pageLayout } from './html.js';
import { answerRefusedUpdate, firstValue, linkPage, utc, type FormValues } from './link-page.js';
import { pageSecurityHeaders } from './security-headers.js';
import { z } from 'zod';
import { formValue, linkPageForm, linkPageView } from '../openapi/common.js';
import { note } from '../openapi/registry.js';
import { route } from '../openapi/route.js';

export interface GradeDeps {
  db: Database;
  journeys?: JourneyRepository;
  temporal: Client;
  catalogue: CatalogueService;
  /** Seals the grader's comments and identity with the journey's key (security/journey-sealing.ts). */
  secrets: SecretBox;
}

const NUMBER_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
const GRADED_BY_MAX = 200;
const COMMENT_MAX = 5000;

/** A free-text answer awaiting the grader, with its number in the test (as the candidate saw it). */
interface PendingAnswer {
  number: number;
  question: FreeTextQuestion;
  answer: string;
}

/** The form as the document describes it; the handler reads it field by field. */
const GradeForm = note(
  z.object({ gradedBy: z.string() }).catchall(formValue),
  'Who grades (`gradedBy`, an e-mail address or a name), plus `points:<questionId>` and an optional `comment:<questionId>` per answer awaiting a grader.',
);

const getGradeRoute = linkPageView(
  pagePath.grade,
  'Grader: answers awaiting a grade',
  'The free-text answers with the rubric, or why there is nothing to grade.',
);
const postGradeRoute = linkPageForm(pagePath.grade, 'Grader: submit grades', GradeForm, {
  invalid: 'The form again, with the messages.',
  closed: 'Already graded or closed.',
});

/**
 * The grader's page at /g/<token>: the candidate's free-text answers that await a person, each
 * with the grader guidance (rubric) of the test, a points field and an optional comment. A plain
 * HTML form (works without JavaScript); the scores go to the journey's workflow as the
 * `submitGrades` update. Wrong input re-renders the form with the message and everything typed.
 */
export function gradeRoutes(deps: GradeDeps): Router {
  const router = Router();
  const headers = pageSecurityHeaders();
  const form = express.urlencoded({ extended: false, limit: '400kb', parameterLimit: 1000 });
  const sealer = createJourneySealer(deps);

  async function load(token: string) {
    const journeyId = await resolveLink(deps.db, token, 'grade');
    if (!journeyId) return null;
    const journey = await journeysOf(deps).getWithTenant(journeyId);
    if (!journey?.testId || journey.testVersion === null) return null;
    const [test, submission, candidate] = await Promise.all([
      deps.catalogue.getTest(journey.tenantId, journey.testId, journey.testVersion),
      findSubmission(deps.db, journeyId),
      findJourneyCandidate(deps.db, journeyId),
    ]);
    return { journey, test: test.definition, submission, candidate };
  }
  type Loaded = NonNullable<Awaited<ReturnType<typeof load>>>;

  /** The page to show instead of the form, or null when the answers await this grader. */
  function closedPage({ journey, submission }: Loaded): string | null {
    if (submission?.gradedAt || journey.status === 'complete') {
      return messagePage(
        'Already graded',
        `These answers were already graded${submission?.gradedBy ? ` by ${submission.gradedBy}` : ''}. Thank you, there is nothing left to do.`,
      );
    }
    if (journey.status === 'awaiting_grading' && submission) return null;
    if (['expired', 'cancelled', 'failed'].includes(journey.status)) {
      return messagePage('This grading link is closed', 'The recruiter has closed this assessment.');
    }
    return messagePage('Nothing to grade yet', 'The candidate has not submitted answers yet.');
  }

  const page = linkPage({ load, closedPage });

  route(
    router,
    getGradeRoute,
    headers,
    page.view(async (_req, res, found, token) => {
      // The grader the e-mail went to: the sender in Greenhouse, else the tenant's default grader.
      const values: FormValues = {
        gradedBy: found.journey.sentBy ?? found.journey.tenant.defaultGraderEmail ?? '',
      };
      res.type('html').send(gradePage(found, token, values, new Map()));
    }),
  );

  route(
    router,
    postGradeRoute,
    headers,
    form,
    page.form(async (req, res, found, token) => {
      const values = (req.body ?? {}) as FormValues;
      const pending = pendingAnswers(found.test, found.submission!);
      const { scores, gradedBy, errors } = readForm(found.test, found.submission!, pending, values);
      if (errors.size > 0) {
        return void res
          .status(400)
          .type('html')
          .send(gradePage(found, token, values, errors));
      }
      try {
        await deps.temporal.workflow.getHandle(found.journey.id).executeUpdate(submitGradesUpdate, {
          // Sealed with the journey's key: erasure makes comments and grader unreadable in the history.
          args: [
            {
              scores: await sealer.seal(found.journey.id, scores),
              gradedBy: await sealer.seal(found.journey.id, gradedBy),
            },
          ],
        });
      } catch (err) {
        return answerRefusedUpdate(res, err, { title: 'These answers cannot be graded now' });
      }
      res
        .type('html')
        .send(
          messagePage(
            'Thank you',
            'Your grades were recorded. The result goes to the recruiter in Greenhouse; you can close this page.',
          ),
        );
    }),
  );
  return router;
}

function pendingAnswers(test: TestDefinition, submission: { answers: unknown; autoGrade: unknown }) {
  const pending = new Set((submission.autoGrade as AutoGrade).pendingQuestionIds);
  const answers = (submission.answers ?? {}) as Record<string, unknown>;
  const list: PendingAnswer[] = [];
  questionsOf(test).forEach(({ question }, i) => {
    if (question.kind === 'free_text' && pending.has(question.id)) {
      list.push({ number: i + 1, question, answer: String(answers[question.id] ?? '') });
    }
  });
  return list;
}

/** Form fields `points:<questionId>`, `comment:<questionId>`, `gradedBy` → checked scores. */
function readForm(
  test: TestDefinition,
  submission: { autoGrade: unknown },
  pending: PendingAnswer[],
  values: FormValues,
): { scores: GraderScores; gradedBy: string; errors: Map<string, string> } {
  const errors = new Map<string, string>();
  const scores: GraderScores = {};
  for (const { question } of pending) {
    const raw = firstValue(values[`points:${question.id}`]).trim();
    const comment = firstValue(values[`comment:${question.id}`]).trim();
    if (raw === '') errors.set(`q:${question.id}`, `Enter the points, from 0 to ${question.points}.`);
    else if (!NUMBER_TEXT.test(raw) || !Number.isFinite(Number(raw)))
      errors.set(`q:${question.id}`, `Points must be a number from 0 to ${question.points}.`);
    else scores[question.id] = { points: Number(raw), ...(comment ? { comment } : {}) };
  }
  const checked = graderScoresSchemaFor(test, submission.autoGrade as AutoGrade).safeParse(scores);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const key = `q:${String(issue.path[0] ?? '')}`;
      const message =
        issue.path[1] === 'comment'
          ? `The comment must be at most ${COMMENT_MAX} characters.`
          : `Points ${issue.message}.`;
      if (!errors.has(key)) errors.set(key, message);
    }
  }
  const gradedBy = firstValue(values.gradedBy).trim();
  if (!gradedBy) errors.set('gradedBy', 'Enter your name or e-mail address.');
  else if (gradedBy.length > GRADED_BY_MAX)
    errors.set('gradedBy', `Your name or e-mail must be at most ${GRADED_BY_MAX} characters.`);
  return { scores: checked.success ? checked.data : scores, gradedBy, errors };
}

const inputStyle =
  'width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid #889;border-radius:.25rem';
const blockStyle = 'white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0 .75rem;padding:.5rem .75rem';

function gradePage(
  found: {
    journey: { sentBy: string | null; tenant: { defaultGraderEmail: string | null } };
    test: TestDefinition;
    submission: { answers: unknown; autoGrade: unknown; submittedAt: Date } | null;
    candidate: { firstName: string; lastName: string } | null;
  },
  token: string,
  values: FormValues,
  errors: Map<string, string>,
): string {
  const { test, submission, candidate } = found;
  const pending = pendingAnswers(test, submission!);
  const fieldError = (key: string, id: string) =>
    errors.has(key) ? html`<p id="${id}" class="error" style="margin:.25rem 0">${errors.get(key)}</p>` : '';
  const invalid = (key: string, id: string) =>
    errors.has(key) ? html` aria-invalid="true" aria-describedby="${id}"` : '';
  const question = ({ number, question: q, answer }: PendingAnswer) => {
    const pointsId = `points-${q.id}`;
    const commentId = `comment-${q.id}`;
    const errorId = `error-${q.id}`;
    return html`<fieldset>
<legend>Question ${number} <span class="meta">(up to ${q.points} point${q.points === 1 ? '' : 's'})</span></legend>
<p style="white-space:pre-wrap;margin-top:0">${q.prompt}</p>
<div style="border-left:4px solid #1a5fb4;background:#f1f5fb;${blockStyle}"><strong>Grader guidance</strong> <span class="meta">(never shown to the candidate)</span>
${q.rubric ? q.rubric : html`<span class="meta">This question has no guidance; use your judgement.</span>`}</div>
<p style="margin:0"><strong>The candidate's answer</strong></p>
<blockquote style="border:1px solid #ccd;background:#fafafa;${blockStyle}">${answer}</blockquote>
<label for="${pointsId}">Points (0 to ${q.points})</label>
<input id="${pointsId}" name="${`points:${q.id}`}" type="number" min="0" max="${q.points}" step="any" inputmode="decimal" required value="${firstValue(values[`points:${q.id}`])}"${invalid(`q:${q.id}`, errorId)}>
${fieldError(`q:${q.id}`, errorId)}
<label for="${commentId}">Comment for the report (optional)</label>
<textarea id="${commentId}" name="${`comment:${q.id}`}" maxlength="${COMMENT_MAX}" style="min-height:5rem">${firstValue(values[`comment:${q.id}`])}</textarea>
</fieldset>`;
  };
  const body = html`<h1>Grade: ${test.name}</h1>
<p>Candidate: <strong>${candidate ? `${candidate.firstName} ${candidate.lastName}` : 'the candidate'}</strong>. Submitted ${utc(submission!.submittedAt)}.</p>
<p class="meta">Score each answer below from 0 to its maximum. The other questions were scored automatically.</p>
${
  errors.size
    ? html`<div class="error" role="alert"><strong>Please check the form:</strong><ul>${[
        ...errors.entries(),
      ].map(([key, message]) => {
        const p = pending.find((a) => `q:${a.question.id}` === key);
        const target = p ? `points-${p.question.id}` : 'gradedBy';
        return html`<li><a href="#${target}">${p ? `Question ${p.number}: ` : ''}${message}</a></li>`;
      })}</ul></div>`
    : ''
}
<form method="post" action="${`${pagePath.grade}/${token}`}">
${join(pending.map(question), '\n')}
<label for="gradedBy">Your name or e-mail</label>
<input id="gradedBy" name="gradedBy" type="text" autocomplete="email" required maxlength="${GRADED_BY_MAX}" style="${inputStyle}" value="${firstValue(values.gradedBy)}"${invalid('gradedBy', 'error-gradedBy')}>
${fieldError('gradedBy', 'error-gradedBy')}
<p><button type="submit">Submit grades</button></p>
</form>`;
  return pageLayout({ title: `Grade: ${test.name}`, body });
}
