import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import { pagePath, resolveRefereeLink } from '../../journeys/links.js';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import { findJourneyCandidate } from '../../db/repositories/journey-candidates.js';
import { findReferee } from '../../db/repositories/referees.js';
import { parseRefereeAnswers } from '../../domain/reference-checks/answers.js';
import {
  relationshipLabel,
  type ReferenceCheckTemplate,
  type ReferenceQuestion,
  type Relationship,
} from '../../domain/reference-checks/template.js';
import {
  declineReferenceUpdate,
  refereeOpenedSignal,
  submitReferenceUpdate,
} from '../../workflows/reference-check/contract.js';
import { createJourneySealer } from '../../security/journey-sealing.js';
import type { SecretBox } from '../../security/secret-box.js';
import { clientFingerprintOf } from './client-fingerprint.js';
import { html, join, raw, messagePage, pageLayout, type SafeHtml } from './html.js';
import {
  answerRefusedUpdate,
  firstValue,
  linkPage,
  utc,
  type FormValues,
  type UpdateRefusal,
} from './link-page.js';
import { z } from 'zod';
import { formValue, linkPageForm, linkPageView } from '../openapi/common.js';
import { note } from '../openapi/registry.js';
import { route } from '../openapi/route.js';

export interface ReferenceDeps {
  db: Database;
  journeys?: JourneyRepository;
  temporal: Client;
  /** Seals the answers and the browser with the journey's data key before they enter Temporal. */
  secrets: SecretBox;
  catalogue: CatalogueService;
}

const DECLINE_REASON_MAX = 2000;

/** A message for the whole form (`questionId` null) or next to one question. */
interface PageIssue {
  questionId: string | null;
  message: string;
}

/** The form as the document describes it; the handler reads it field by field. */
const ReferenceForm = note(
  z
    .object({
      action: z.enum(['submit', 'decline']).optional(),
      openedAt: z.string().optional(),
      declineReason: z.string().optional(),
    })
    .catchall(formValue),
  '`action` submit (default) or decline, `openedAt` (when the page was rendered, ISO 8601), `declineReason`, plus `q:<questionId>` per answer (a rating or text).',
);

const getReferenceRoute = linkPageView(
  pagePath.reference,
  'Referee: the questionnaire',
  'The questions, and a way to decline.',
);
const postReferenceRoute = linkPageForm(pagePath.reference, 'Referee: answer or decline', ReferenceForm, {
  invalid: 'The form again, with the messages.',
  closed: 'The request is closed.',
});

/**
 * A referee's questionnaire at /q/<token>: who the candidate is, how the candidate says they know
 * each other, the template's questions as a plain HTML form (the CSP forbids scripts), and a
 * separate way to decline. Answers go to the referee's own workflow (its id is the referee id) as
 * the `submitReference` update, a refusal as `declineReference`. Opening the page signals
 * `refereeOpened`. Wrong input re-renders the form with the messages and everything typed.
 */
export function referenceRoutes(deps: ReferenceDeps): Router {
  const router = Router();
  const sealer = createJourneySealer(deps);
  const form = express.urlencoded({ extended: false, limit: '400kb', parameterLimit: 200 });

  async function load(token: string) {
    const link = await resolveRefereeLink(deps.db, token);
    if (!link) return null;
    const [journey, referee, candidate] = await Promise.all([
      journeysOf(deps).get(link.journeyId),
      findReferee(deps.db, link.refereeId),
      findJourneyCandidate(deps.db, link.journeyId),
    ]);
    if (!journey?.testId || journey.testVersion === null || !referee || referee.journeyId !== journey.id)
      return null;
    const template = await deps.catalogue.getReferenceTemplate(
      journey.tenantId,
      journey.testId,
      journey.testVersion,
    );
    const candidateName = candidate ? `${candidate.firstName} ${candidate.lastName}`.trim() : 'the candidate';
    return { journey, referee, candidateName, template: template.definition };
  }
  type Loaded = NonNullable<Awaited<ReturnType<typeof load>>>;

  const render = (found: Loaded, token: string, values: FormValues, issues: PageIssue[], openedAt: string) =>
    questionnairePage({
      token,
      template: found.template,
      candidateName: found.candidateName,
      relationship: found.referee.relationship,
      workedFrom: found.referee.workedFrom,
      workedTo: found.referee.workedTo,
      deadlineAt: found.referee.dueAt,
      values,
      issues,
      openedAt,
    });

  const page = linkPage({ load, closedPage: (found) => closedPage(found.referee.status) });

  route(
    router,
    getReferenceRoute,
    page.view(async (req, res, found, token) => {
      // Opening the page is progress the recruiter sees ("opened"); a closed workflow is no reason
      // not to show the page (the submit then says why it cannot be taken).
      await deps.temporal.workflow
        .getHandle(found.referee.id)
        .signal(refereeOpenedSignal, {
          client: await sealer.seal(found.journey.id, clientFingerprintOf(req)),
        })
        .catch(() => undefined);
      res.type('html').send(render(found, token, {}, [], new Date().toISOString()));
    }),
  );

  route(
    router,
    postReferenceRoute,
    form,
    page.form(async (req, res, found, token) => {
      const values = (req.body ?? {}) as FormValues;
      const openedAtField = firstValue(values.openedAt);
      const openedAt = Number.isNaN(Date.parse(openedAtField)) ? null : new Date(openedAtField).toISOString();
      const handle = deps.temporal.workflow.getHandle(found.referee.id);
      const action = firstValue(values.action);

      if (action === 'decline') {
        const reason = lineBreaks(firstValue(values.declineReason)).trim();
        if (reason.length > DECLINE_REASON_MAX) {
          const issue = {
            questionId: 'declineReason',
            message: `Please keep the reason under ${DECLINE_REASON_MAX} characters.`,
          };
          return void res
            .status(400)
            .type('html')
            .send(render(found, token, values, [issue], openedAt ?? new Date().toISOString()));
        }
        try {
          // Sealed with the journey's key: erasure makes it unreadable in the history too.
          const sealed = reason ? await sealer.seal(found.journey.id, reason) : null;
          await handle.executeUpdate(declineReferenceUpdate, { args: [{ reason: sealed }] });
        } catch (err) {
          return answerRefusedUpdate(res, err, refusal);
        }
        return void res
          .type('html')
          .send(
            messagePage(
              'You declined this request',
              `Thank you for letting us know. We will not contact you again about ${found.candidateName}.`,
            ),
          );
      }

      if (action === 'submit') {
        const parsed = parseRefereeAnswers(found.template, answersFromForm(found.template, values));
        if (!parsed.success) {
          return void res
            .status(400)
            .type('html')
            .send(render(found, token, values, parsed.issues, openedAt ?? new Date().toISOString()));
        }
        try {
          await handle.executeUpdate(submitReferenceUpdate, {
            args: [
              {
                answers: await sealer.seal(found.journey.id, parsed.answers),
                client: await sealer.seal(found.journey.id, clientFingerprintOf(req)),
                openedAt,
              },
            ],
          });
        } catch (err) {
          return answerRefusedUpdate(res, err, refusal);
        }
        return void res.type('html').send(thankYouPage(found.candidateName));
      }

      res
        .status(400)
        .type('html')
        .send(messagePage('Something went wrong', 'Please go back and use one of the buttons on the page.'));
    }),
  );
  return router;
}

/** Browsers send a textarea's line breaks as CRLF; answers and reasons are stored with LF. */
const lineBreaks = (text: string): string => text.replace(/\r\n?/g, '\n');

/**
 * Form fields `q:<questionId>` → raw answers for parseRefereeAnswers: a rating as a number when it
 * is a whole number (else as sent, for the parser to reject), a text as typed (LF line breaks);
 * empty ones left out.
 */
function answersFromForm(template: ReferenceCheckTemplate, values: FormValues): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const q of template.questions) {
    const raw = firstValue(values[`q:${q.id}`]);
    if (raw.trim() === '') continue;
    answers[q.id] = q.kind === 'rating' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : lineBreaks(raw);
  }
  return answers;
}

/** What the page says when the workflow refuses the answers or the decline (answered, deadline passed, …). */
const refusal: UpdateRefusal = {
  title: 'This request is closed',
  gone: { title: 'This request is closed', message: 'This reference request is no longer open.' },
};

function closedPage(status: string): string | null {
  if (status === 'answered')
    return messagePage(
      'Thank you — your reference was received',
      'There is nothing left to do. You can close this page.',
    );
  if (status === 'declined')
    return messagePage('You declined this request', 'We will not contact you again about this reference.');
  if (status === 'cancelled')
    return messagePage(
      'This request is closed',
      'The reference is no longer needed. Thank you all the same.',
    );
  if (status === 'expired')
    return messagePage('This request is closed', 'The deadline passed, so the questionnaire is closed.');
  return null;
}

const pageStyle = html`<style>
.scale label{display:inline-block;margin:.25rem 1rem .25rem 0}
.field-error{color:#b3261e;font-weight:600;margin:.25rem 0}
.decline{margin-top:2.5rem;border-top:1px solid #ccd;padding-top:1rem}
.decline button{background:#5e5c64}
</style>`;

function questionnairePage(args: {
  token: string;
  template: ReferenceCheckTemplate;
  candidateName: string;
  relationship: string;
  workedFrom: string | null;
  workedTo: string | null;
  deadlineAt: Date | null;
  values: FormValues;
  issues: PageIssue[];
  openedAt: string;
}): string {
  const { template, values, issues } = args;
  const action = `${pagePath.reference}/${args.token}`;
  const scale = template.ratingScale;
  const messagesFor = (id: string) => issues.filter((i) => i.questionId === id).map((i) => i.message);
  const typed = (id: string) => firstValue(values[`q:${id}`]);
  const errorBlock = (id: string, messages: string[]) =>
    messages.length ? html`<p class="field-error" id="${id}-error">${messages.join(' ')}</p>` : '';

  const question = (q: ReferenceQuestion, n: number) => {
    const name = `q:${q.id}`;
    const messages = messagesFor(q.id);
    const invalid = messages.length ? html` aria-invalid="true" aria-describedby="${name}-error"` : '';
    const legend = html`<legend>${n}. ${q.prompt} <span class="meta">(${q.required ? 'required' : 'optional'})</span></legend>`;
    if (q.kind === 'rating') {
      const radios: SafeHtml[] = [];
      for (let v = scale.min; v <= scale.max; v++) {
        const end = v === scale.min ? scale.minLabel : v === scale.max ? scale.maxLabel : undefined;
        radios.push(
          html`<label><input type="radio" name="${name}" value="${v}"${typed(q.id) === String(v) ? raw(' checked') : ''}${invalid}> ${v}${end ? html` – ${end}` : ''}</label>`,
        );
      }
      return html`<fieldset>${legend}${errorBlock(name, messages)}<div class="scale">${radios}</div></fieldset>`;
    }
    return html`<fieldset>${legend}${errorBlock(name, messages)}<label for="${name}">Your answer</label><textarea id="${name}" name="${name}" maxlength="${Math.max(q.maxLength, typed(q.id).length)}"${invalid}>${typed(q.id)}</textarea></fieldset>`;
  };

  const summary = issues.length
    ? html`<div class="error" role="alert"><strong>Please check your answers:</strong><ul>${issues.map(
        (i) => {
          const n = template.questions.findIndex((q) => q.id === i.questionId);
          const where = n >= 0 ? `Question ${n + 1}: ` : i.questionId === 'declineReason' ? 'Reason: ' : '';
          return html`<li>${where + i.message}</li>`;
        },
      )}</ul></div>`
    : '';
  const label = relationshipLabel[args.relationship as Relationship] ?? args.relationship;
  const period =
    args.workedFrom || args.workedTo
      ? ` They say you worked together${args.workedFrom ? ` from ${args.workedFrom}` : ''}${args.workedTo ? ` until ${args.workedTo}` : ''}.`
      : '';
  const declineMessages = messagesFor('declineReason');
  const declineTyped = firstValue(values.declineReason);

  const body = html`${pageStyle}<h1>Reference for ${args.candidateName}</h1>
<p>${args.candidateName} named you as a referee. How they describe your relationship: <strong>${label}</strong>.${period}</p>
${template.description ? html`<p>${template.description}</p>` : ''}
<p class="meta">${template.name}.${args.deadlineAt ? ` Please answer by ${utc(args.deadlineAt)}.` : ''}</p>
${summary}
<form method="post" action="${action}" novalidate>
<input type="hidden" name="openedAt" value="${args.openedAt}">
${join(
  template.questions.map((q, i) => question(q, i + 1)),
  '\n',
)}
<button type="submit" name="action" value="submit">Submit reference</button>
</form>
<section class="decline" aria-labelledby="decline">
<h2 id="decline">Would rather not give a reference?</h2>
<form method="post" action="${action}">
${errorBlock('declineReason', declineMessages)}
<label for="declineReason">Reason <span class="meta">(optional)</span></label>
<textarea id="declineReason" name="declineReason" maxlength="${DECLINE_REASON_MAX}">${declineTyped}</textarea>
<p><button type="submit" name="action" value="decline">Decline this request</button></p>
</form>
</section>`;
  return pageLayout({ title: `Reference for ${args.candidateName}`, body });
}

function thankYouPage(candidateName: string): string {
  return messagePage(
    'Thank you — your reference was received',
    `Your answers about ${candidateName} were sent to the recruiter. You can close this page.`,
  );
}
