import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import { pagePath, resolveLink } from '../../journeys/links.js';
import type { CatalogueService } from '../../catalogue/service.js';
import { kindHasPage } from '../../journeys/kinds/index.js';
import type { Database } from '../../db/client.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import { findJourneyCandidate } from '../../db/repositories/journey-candidates.js';
import { refereeNames, refereesOf } from '../../db/repositories/referees.js';
import { nominationFields, validateNominations } from '../../domain/reference-checks/nomination.js';
import {
  relationshipLabel,
  relationships,
  type ReferenceCheckTemplate,
  type Relationship,
} from '../../domain/reference-checks/template.js';
import { replaceableStatuses, type RefereeStatus } from '../../domain/reference-checks/types.js';
import {
  nominateRefereesUpdate,
  type NominationIssueView,
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

export interface NominationDeps {
  db: Database;
  journeys?: JourneyRepository;
  temporal: Client;
  /** Seals the nominations with the journey's data key before they enter Temporal. */
  secrets: SecretBox;
  catalogue: CatalogueService;
}

type NominationField = (typeof nominationFields)[number];
/** One row as typed (trimmed); '' for an empty field. */
type NominationRow = Record<NominationField, string>;

const requiredFields: ReadonlySet<NominationField> = new Set(['name', 'email', 'relationship']);
const fieldLabel: Record<NominationField, string> = {
  name: 'Full name',
  email: 'E-mail address',
  phone: 'Phone',
  company: 'Company',
  title: 'Their job title',
  relationship: 'How you know them',
  workedFrom: 'Worked together from',
  workedTo: 'Worked together until',
};
const maxLength: Record<NominationField, number> = {
  name: 200,
  email: 254,
  phone: 40,
  company: 200,
  title: 200,
  relationship: 40,
  workedFrom: 7,
  workedTo: 7,
};

/** How the page names a referee's progress, for the candidate. */
const statusWords: Record<RefereeStatus, string> = {
  nominated: 'asked',
  requested: 'asked',
  opened: 'opened the request',
  answered: 'answered',
  declined: 'declined',
  bounced: 'could not be reached',
  expired: 'did not answer in time',
  cancelled: 'no longer needed',
};
const statusIn = (status: string): string => statusWords[status as RefereeStatus] ?? status;

/** A page issue: `row` is the row on the page (0-based), null for the whole form. */
interface PageIssue {
  row: number | null;
  field: string;
  message: string;
}

/** The form as the document describes it; the handler reads it field by field. */
const NominationForm = note(
  z.record(z.string(), formValue),
  `One row per referee: \`r<i>.<field>\`, field one of ${nominationFields.join(', ')} (name, email and relationship required).`,
);

const getNominateRoute = linkPageView(
  pagePath.nominate,
  'Candidate: name referees',
  'What the check asks for, the referees named so far, rows to fill in.',
);
const postNominateRoute = linkPageForm(pagePath.nominate, 'Candidate: submit referees', NominationForm, {
  invalid: 'The form again, with the messages per row.',
  closed: 'The reference check is closed.',
});

/**
 * The candidate's page at /n/<token> for naming referees: what the check asks for, the referees
 * already named with their progress, and one fieldset per referee still to name (replacements for
 * those who declined, bounced or did not answer). A plain HTML form (the CSP forbids scripts); the
 * rows go to the journey's workflow as the `nominateReferees` update. The server validates
 * everything: wrong input re-renders the form with the messages and everything typed.
 */
export function nominationRoutes(deps: NominationDeps): Router {
  const router = Router();
  const sealer = createJourneySealer(deps);
  const form = express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 });

  async function load(token: string) {
    const journeyId = await resolveLink(deps.db, token, 'nominate');
    if (!journeyId) return null;
    const journey = await journeysOf(deps).get(journeyId);
    if (!journey || !kindHasPage(journey.kind, 'nominate') || !journey.testId || journey.testVersion === null)
      return null;
    const [template, candidate, referees] = await Promise.all([
      deps.catalogue.getReferenceTemplate(journey.tenantId, journey.testId, journey.testVersion),
      findJourneyCandidate(deps.db, journeyId),
      refereesOf(deps.db, journeyId),
    ]);
    return { journey, template: template.definition, candidate, referees };
  }
  type Loaded = NonNullable<Awaited<ReturnType<typeof load>>>;

  const rowsToOffer = ({ template, referees }: Loaded) =>
    Math.max(
      0,
      template.referees.max -
        referees.filter((r) => !replaceableStatuses.has(r.status as RefereeStatus)).length,
    );

  const render = (found: Loaded, token: string, rows: NominationRow[], issues: PageIssue[]) =>
    nominationPage({
      token,
      template: found.template,
      referees: found.referees,
      deadlineAt: found.journey.deadlineAt,
      rows,
      issues,
    });

  const page = linkPage({ load, closedPage: (found) => closedPage(found.journey.status) });

  route(
    router,
    getNominateRoute,
    page.view(async (_req, res, found, token) => {
      const rows = Array.from({ length: rowsToOffer(found) }, emptyRow);
      res.type('html').send(render(found, token, rows, []));
    }),
  );

  route(
    router,
    postNominateRoute,
    form,
    page.form(async (req, res, found, token) => {
      const typed = rowsFromForm((req.body ?? {}) as FormValues, found.template.referees.max);
      // Every typed row comes back on a re-render, at least as many as the page offers now.
      const shown = [
        ...typed,
        ...Array.from({ length: Math.max(0, rowsToOffer(found) - typed.length) }, emptyRow),
      ];
      // Blank rows are left out; `onPage[i]` is the page row of the i-th row sent.
      const onPage = typed.flatMap((row, i) => (isBlank(row) ? [] : [i]));
      const nominations = onPage.map((i) => toNomination(typed[i]!));
      const reject = (issues: NominationIssueView[]) =>
        void res
          .status(400)
          .type('html')
          .send(
            render(
              found,
              token,
              shown,
              issues.map((issue) => toPageIssue(issue, onPage)),
            ),
          );

      const checked = validateNominations({
        template: found.template,
        candidateEmail: found.candidate?.email ?? '',
        existing: found.referees.map((r) => ({
          email: r.email,
          relationship: r.relationship as Relationship,
          status: r.status as RefereeStatus,
        })),
        rows: nominations,
        now: new Date().toISOString(),
      });
      if (!checked.ok) return reject(checked.issues);
      if (nominations.length === 0) {
        return reject([{ index: null, field: 'referees', message: 'Name at least one referee' }]);
      }

      let result;
      try {
        result = await deps.temporal.workflow
          .getHandle(found.journey.id)
          .executeUpdate(nominateRefereesUpdate, {
            args: [
              {
                nominations: await sealer.seal(found.journey.id, nominations),
                client: await sealer.seal(found.journey.id, clientFingerprintOf(req)),
              },
            ],
          });
      } catch (err) {
        return answerRefusedUpdate(res, err, refusal);
      }
      if (!result.ok) return reject(result.issues);

      const added = await refereeNames(deps.db, result.refereeIds);
      const names = added.length ? added.map((r) => r.name) : nominations.map((n) => String(n.name));
      res.type('html').send(thankYouPage(names));
    }),
  );
  return router;
}

const emptyRow = (): NominationRow =>
  Object.fromEntries(nominationFields.map((f) => [f, ''])) as NominationRow;

const isBlank = (row: NominationRow): boolean => nominationFields.every((f) => row[f] === '');

/** Rows `r0.*` … `r<max-1>.*` of the form, trimmed, up to the last row with a field sent. */
function rowsFromForm(values: FormValues, max: number): NominationRow[] {
  const rows: NominationRow[] = [];
  let last = -1;
  for (let i = 0; i < max; i++) {
    const row = emptyRow();
    let sent = false;
    for (const field of nominationFields) {
      const raw = values[`r${i}.${field}`];
      if (raw !== undefined) sent = true;
      row[field] = firstValue(raw).trim();
    }
    rows.push(row);
    if (sent) last = i;
  }
  return rows.slice(0, last + 1);
}

/** What the workflow receives for a row: the fields typed; optional ones left empty are left out. */
function toNomination(row: NominationRow): Record<string, string> {
  return Object.fromEntries(
    nominationFields.flatMap((f) => (row[f] || requiredFields.has(f) ? [[f, row[f]]] : [])),
  );
}

/** Maps an issue about the i-th row sent to the row on the page. */
function toPageIssue(issue: NominationIssueView, onPage: number[]): PageIssue {
  const row = issue.index === null ? null : (onPage[issue.index] ?? null);
  return { row, field: issue.field, message: issue.message };
}

/** What the page says when the workflow refuses the nominations (closed check, deadline passed). */
const refusal: UpdateRefusal = {
  title: 'Referees cannot be named now',
  gone: { title: 'This reference check is closed', message: 'Referees can no longer be named here.' },
};

function closedPage(status: string): string | null {
  if (status === 'complete')
    return messagePage(
      'This reference check is complete',
      'Thank you, there is nothing left to do. You can close this page.',
    );
  if (status === 'expired')
    return messagePage(
      'This reference check has closed',
      'The deadline has passed. Please contact the recruiter if you need more time.',
    );
  if (status === 'cancelled' || status === 'failed')
    return messagePage('This reference check is closed', 'The recruiter has closed this reference check.');
  return null;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "at least 1 manager and 2 peers" */
function requiredInWords(template: ReferenceCheckTemplate): string | null {
  const parts = template.requiredRelationships.map((r) =>
    plural(r.count, relationshipLabel[r.relationship].toLowerCase()),
  );
  if (parts.length === 0) return null;
  const list = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
  return `at least ${list}`;
}

function whatIsAsked(template: ReferenceCheckTemplate, deadlineAt: Date | null): string {
  const { min, max } = template.referees;
  const count = min === max ? plural(min, 'referee') : `between ${min} and ${max} referees`;
  const required = requiredInWords(template);
  return [
    `Please name ${count} who know your work${required ? `, including ${required}` : ''}.`,
    'We e-mail each of them a short questionnaire and only contact them about this reference.',
    deadlineAt ? `Please name them by ${utc(deadlineAt)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

interface RefereeRow {
  name: string;
  email: string;
  relationship: string;
  status: string;
}

function refereeList(referees: RefereeRow[]): SafeHtml | '' {
  if (referees.length === 0) return '';
  const items = referees.map((r) => {
    const label = relationshipLabel[r.relationship as Relationship] ?? r.relationship;
    return html`<li><strong>${r.name}</strong> (${label}, ${r.email}): ${statusIn(r.status)}</li>`;
  });
  return html`<section aria-labelledby="named"><h2 id="named">Referees you named</h2><ul>${items}</ul></section>`;
}

function replacementNotice(referees: RefereeRow[]): SafeHtml | '' {
  const replaceable = referees.filter((r) => replaceableStatuses.has(r.status as RefereeStatus));
  if (replaceable.length === 0) return '';
  return html`<div class="notice">${replaceable.map(
    (r) => html`<p>${r.name} ${statusIn(r.status)} — you may name someone else.</p>`,
  )}</div>`;
}

const pageStyle = html`<style>
.row input,.row select{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid #889;border-radius:.25rem}
.field{margin:0 0 .75rem}
.field-error{color:#b3261e;font-weight:600;margin:.25rem 0}
.notice{border:2px solid #1a5fb4;background:#eef4fc;padding:.25rem 1rem;border-radius:.375rem;margin:0 0 1rem}
.req{color:#b3261e}
</style>`;

function nominationPage(args: {
  token: string;
  template: ReferenceCheckTemplate;
  referees: RefereeRow[];
  deadlineAt: Date | null;
  rows: NominationRow[];
  issues: PageIssue[];
}): string {
  const { template, rows, issues } = args;
  const issueIn = (row: number, field: string) =>
    issues.filter((i) => i.row === row && i.field === field).map((i) => i.message);
  const rowLevel = (row: number) =>
    issues
      .filter((i) => i.row === row && !(nominationFields as readonly string[]).includes(i.field))
      .map((i) => i.message);

  const summary = issues.length
    ? html`<div class="error" role="alert"><strong>Please check the referees:</strong><ul>${issues.map(
        (i) => html`<li>${i.row === null ? '' : `Referee ${i.row + 1}: `}${i.message}</li>`,
      )}</ul></div>`
    : '';

  const field = (i: number, name: NominationField, value: string) => {
    const id = `r${i}.${name}`;
    const errors = issueIn(i, name);
    const errorId = `${id}-error`;
    const aria = errors.length ? html` aria-invalid="true" aria-describedby="${errorId}"` : '';
    const label = html`<label for="${id}">${fieldLabel[name]}${
      requiredFields.has(name)
        ? html` <span class="req">(required)</span>`
        : html` <span class="meta">(optional)</span>`
    }</label>`;
    const error = errors.length ? html`<p class="field-error" id="${errorId}">${errors.join(' ')}</p>` : '';
    const selected = (on: boolean) => (on ? raw(' selected') : '');
    let control: SafeHtml;
    if (name === 'relationship') {
      const options = [
        html`<option value=""${selected(value === '')}>Choose…</option>`,
        ...relationships.map(
          (r) => html`<option value="${r}"${selected(value === r)}>${relationshipLabel[r]}</option>`,
        ),
      ];
      // A value not in the list (tampered form) is kept so the message about it makes sense.
      if (value && !(relationships as readonly string[]).includes(value))
        options.push(html`<option value="${value}" selected>${value}</option>`);
      control = html`<select id="${id}" name="${id}"${aria}>${options}</select>`;
    } else {
      const type =
        name === 'email' ? 'email' : name === 'phone' ? 'tel' : name.startsWith('worked') ? 'month' : 'text';
      const extra =
        name === 'email'
          ? html` autocomplete="off" inputmode="email"`
          : type === 'month'
            ? html` placeholder="YYYY-MM"`
            : html` autocomplete="off"`;
      control = html`<input id="${id}" name="${id}" type="${type}" value="${value}" maxlength="${Math.max(
        maxLength[name],
        value.length,
      )}"${extra}${aria}>`;
    }
    return html`<div class="field">${label}${control}${error}</div>`;
  };

  const fieldsets = rows.map((row, i) => {
    const general = rowLevel(i);
    return html`<fieldset class="row"><legend>Referee ${i + 1}</legend>${
      general.length ? html`<p class="field-error">${general.join(' ')}</p>` : ''
    }${nominationFields.map((f) => field(i, f, row[f]))}</fieldset>`;
  });

  const formHtml = rows.length
    ? html`<form method="post" action="${`${pagePath.nominate}/${args.token}`}" novalidate>
<p class="meta">Fill in one box per referee; leave the ones you do not need empty.</p>
${join(fieldsets, '\n')}
<button type="submit">Send to referees</button>
</form>`
    : html`<p>You have named all the referees needed. Thank you, there is nothing to add now.</p>`;

  const body = html`${pageStyle}<h1>${template.name}</h1>
${template.description ? html`<p>${template.description}</p>` : ''}
<p>${whatIsAsked(template, args.deadlineAt)}</p>
${summary}
${replacementNotice(args.referees)}
${refereeList(args.referees)}
${formHtml}`;
  return pageLayout({ title: template.name, body });
}

function thankYouPage(names: string[]): string {
  const body = html`<h1>Thank you</h1>
<p>We will e-mail ${names.length === 1 ? 'this referee' : 'these referees'} a short questionnaire:</p>
<ul>${names.map((n) => html`<li>${n}</li>`)}</ul>
<p>You can open your link again to see their progress or to name someone else if a referee declines.</p>`;
  return pageLayout({ title: 'Thank you', body });
}
