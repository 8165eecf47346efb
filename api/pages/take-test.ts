import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import { pagePath, resolveLink } from '../../journeys/links.js';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import { toCandidateView, type CandidateQuestion } from '../../domain/assessments/definition.js';
import { parseAnswers } from '../../domain/assessments/grading.js';
import { submitAnswersUpdate, testStartedSignal } from '../../workflows/assessment/contract.js';
import { testAttemptsOf } from '../../db/repositories/test-attempts.js';
import type { Prisma } from '../../db/client.js';
import { createJourneySealer } from '../../security/journey-sealing.js';
import type { SecretBox } from '../../security/secret-box.js';
import { html, messagePage, pageLayout, raw } from './html.js';
import { answerRefusedUpdate, firstValue, linkPage, utc, type FormValues } from './link-page.js';
import { z } from 'zod';
import { formValue, linkPageForm, linkPageView } from '../openapi/common.js';
import { note } from '../openapi/registry.js';
import { route } from '../openapi/route.js';

export interface TakeTestDeps {
  db: Database;
  journeys?: JourneyRepository;
  temporal: Client;
  /** Seals the answers with the journey's data key before they enter Temporal. */
  secrets: SecretBox;
  catalogue: CatalogueService;
}

/** The form as the document describes it; the handler reads it field by field. */
const TakeTestForm = note(
  z.record(z.string(), formValue),
  'One field `q:<questionId>` per answered question: the option id (repeated for multiple choice), a number or the text.',
);

const getTakeTestRoute = linkPageView(
  pagePath.take_test,
  'Candidate: the test',
  'The questions as a form, or why the test is closed.',
  'Opening the page counts as starting (the recruiter sees in_progress); the first open starts the time limit, and the page shows the time left.',
);
const postTakeTestRoute = linkPageForm(
  pagePath.take_test,
  'Candidate: submit or save answers',
  TakeTestForm,
  {
    invalid: 'The form again, with the message and everything typed.',
    closed: 'The test is closed, or its time limit ran out (nothing is changed).',
  },
);

/**
 * The candidate's test page at /t/<token>: the questions as a plain HTML form (works without
 * JavaScript), submitted to the journey's workflow. A bad answer re-renders the form with a
 * message and everything typed so far.
 */
export function takeTestRoutes(deps: TakeTestDeps): Router {
  const router = Router();
  const sealer = createJourneySealer(deps);
  const form = express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 500 });
  const attempts = testAttemptsOf(deps.db);

  async function load(token: string) {
    const journeyId = await resolveLink(deps.db, token, 'take_test');
    if (!journeyId) return null;
    const journey = await journeysOf(deps).get(journeyId);
    if (!journey?.testId || journey.testVersion === null) return null;
    const test = await deps.catalogue.getTest(journey.tenantId, journey.testId, journey.testVersion);
    return { journey, test: test.definition };
  }

  /** The attempt, started by the first call; the workflow hears of it (it ignores a repeat). */
  async function start({ journey, test }: NonNullable<Awaited<ReturnType<typeof load>>>) {
    const attempt = await attempts.start(journey.id);
    await deps.temporal.workflow
      .getHandle(journey.id)
      .signal(testStartedSignal, {
        startedAt: attempt.startedAt.toISOString(),
        ...(test.timeLimitMinutes ? { timeLimitMinutes: test.timeLimitMinutes } : {}),
      })
      .catch(() => undefined);
    return attempt;
  }

  const page = linkPage({ load, closedPage: (found) => closedPage(found.journey.status) });

  route(
    router,
    getTakeTestRoute,
    page.view(async (_req, res, found, token) => {
      // Opening the page counts as starting: the recruiter sees "in_progress", the time limit runs.
      const attempt = await start(found);
      const endsAt = limitEndsAt(found.test, attempt.startedAt);
      if (endsAt && endsAt <= new Date()) return void res.type('html').send(timeUpPage(endsAt));
      res.type('html').send(
        testPage(found.test, token, {}, null, {
          deadlineAt: found.journey.deadlineAt,
          endsAt,
          savedAt: attempt.savedAt,
        }),
      );
    }),
  );

  route(
    router,
    postTakeTestRoute,
    form,
    page.form(async (req, res, found, token) => {
      // A form posted without an open (a stale tab, a script) starts the clock too.
      const attempt = await start(found);
      const endsAt = limitEndsAt(found.test, attempt.startedAt);
      // Past the limit nothing is taken: the workflow submits what was saved before it.
      if (endsAt && endsAt <= new Date()) return void res.status(409).type('html').send(timeUpPage(endsAt));
      const values = (req.body ?? {}) as FormValues;
      const answers = answersFromForm(found.test, values);
      const parsed = parseAnswers(found.test, answers);
      const timing = { deadlineAt: found.journey.deadlineAt, endsAt, savedAt: attempt.savedAt };
      if (!parsed.success) {
        return void res
          .status(400)
          .type('html')
          .send(testPage(found.test, token, values, parsed.message, timing));
      }
      if (values.action === 'save' && endsAt) {
        const sealed = await sealer.seal(found.journey.id, parsed.answers);
        const saved = await attempts.saveDraft(found.journey.id, sealed as unknown as Prisma.InputJsonValue);
        return void res.type('html').send(
          testPage(found.test, token, values, null, {
            ...timing,
            savedAt: saved.savedAt,
          }),
        );
      }
      try {
        await deps.temporal.workflow.getHandle(found.journey.id).executeUpdate(submitAnswersUpdate, {
          args: [{ answers: await sealer.seal(found.journey.id, parsed.answers) }],
        });
      } catch (err) {
        return answerRefusedUpdate(res, err, { title: 'This test is closed' });
      }
      res
        .type('html')
        .send(messagePage('Thank you', 'Your answers were submitted. You can close this page.'));
    }),
  );
  return router;
}

/** Form fields `q:<questionId>` → the answer shapes of domain/assessments/grading.ts. */
function answersFromForm(
  test: Parameters<typeof toCandidateView>[0],
  values: FormValues,
): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const section of test.sections) {
    for (const q of section.questions) {
      const raw = values[`q:${q.id}`];
      if (raw === undefined || raw === '') continue;
      // Checkboxes may repeat a name; every other field is one value.
      if (q.kind === 'multiple_choice') answers[q.id] = Array.isArray(raw) ? raw : [raw];
      else answers[q.id] = Array.isArray(raw) ? raw[0] : raw;
    }
  }
  return answers;
}

function testPage(
  definition: Parameters<typeof toCandidateView>[0],
  token: string,
  values: FormValues,
  error: string | null,
  timing: { deadlineAt: Date | null; endsAt: Date | null; savedAt: Date | null },
): string {
  const { deadlineAt, endsAt, savedAt } = timing;
  const view = toCandidateView(definition);
  const chosen = (q: string, option: string) => {
    const v = values[`q:${q}`];
    return (Array.isArray(v) ? v.includes(option) : v === option) ? raw(' checked') : '';
  };
  const text = (q: string) => firstValue(values[`q:${q}`]);
  const question = (q: CandidateQuestion, n: number) => {
    const name = `q:${q.id}`;
    const legend = html`<legend>${n}. ${q.prompt} <span class="meta">(${q.points} point${q.points === 1 ? '' : 's'})</span></legend>`;
    switch (q.kind) {
      case 'single_choice':
      case 'multiple_choice': {
        const type = q.kind === 'single_choice' ? 'radio' : 'checkbox';
        const hint = q.kind === 'multiple_choice' ? html`<p class="meta">Select all that apply.</p>` : '';
        return html`<fieldset>${legend}${hint}${q.options.map(
          (o) =>
            html`<label><input type="${type}" name="${name}" value="${o.id}"${chosen(q.id, o.id)}> ${o.text}</label>`,
        )}</fieldset>`;
      }
      case 'numeric':
        return html`<fieldset>${legend}<label for="${name}">Your answer${q.unit ? html` (${q.unit})` : ''}</label><input id="${name}" type="number" step="any" inputmode="decimal" name="${name}" value="${text(q.id)}"></fieldset>`;
      case 'free_text':
        return html`<fieldset>${legend}<label for="${name}">Your answer</label><textarea id="${name}" name="${name}" maxlength="${q.maxLength}">${text(q.id)}</textarea></fieldset>`;
    }
  };
  let n = 0;
  const body = html`<h1>${view.name}</h1>
${view.description ? html`<p>${view.description}</p>` : ''}
<p class="meta">${view.timeLimitMinutes ? `Time limit: ${view.timeLimitMinutes} minutes. ` : ''}${deadlineAt ? `Submit by ${utc(deadlineAt)}.` : ''}</p>
${endsAt ? html`<p class="time-left" role="status"><strong>Time left: ${timeLeft(endsAt)}</strong> (until ${utc(endsAt)}). When the time runs out, the answers you saved are submitted.${savedAt ? ` Last saved ${utc(savedAt)}.` : ''}</p>` : ''}
${error ? html`<div class="error" role="alert"><strong>Please check your answers:</strong> ${error}</div>` : ''}
<form method="post" action="${`${pagePath.take_test}/${token}`}">
${view.sections.map(
  (s, k) =>
    html`${k > 0 ? '\n' : ''}<section aria-labelledby="s-${s.id}"><h2 id="s-${s.id}">${s.title}</h2>${s.description ? html`<p>${s.description}</p>` : ''}${s.questions.map((q, i) => html`${i > 0 ? '\n' : ''}${question(q, ++n)}`)}</section>`,
)}
<button type="submit">Submit answers</button>${endsAt ? html` <button type="submit" name="action" value="save">Save answers</button>` : ''}
</form>`;
  return pageLayout({ title: view.name, body });
}

/** When the time limit of an attempt started at `startedAt` runs out; null for a test without one. */
function limitEndsAt(test: { timeLimitMinutes?: number | undefined }, startedAt: Date): Date | null {
  return test.timeLimitMinutes ? new Date(startedAt.getTime() + test.timeLimitMinutes * 60_000) : null;
}

/** Whole minutes left (rounded up), or seconds in the last minute. */
function timeLeft(endsAt: Date, now = new Date()): string {
  const seconds = Math.max(0, Math.ceil((endsAt.getTime() - now.getTime()) / 1000));
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

function timeUpPage(endsAt: Date): string {
  return messagePage(
    'Time is up',
    `The time limit ran out at ${utc(endsAt)}. The answers you saved before then are submitted; nothing sent after it is taken.`,
  );
}

function closedPage(status: string): string | null {
  if (status === 'expired')
    return messagePage(
      'This test has expired',
      'The deadline has passed. Please contact the recruiter if you need a new link.',
    );
  if (status === 'cancelled' || status === 'failed')
    return messagePage('This test is no longer available', 'The recruiter has closed this test.');
  if (status === 'awaiting_grading' || status === 'complete')
    return messagePage('Already submitted', 'Your answers were received. Thank you.');
  return null;
}
