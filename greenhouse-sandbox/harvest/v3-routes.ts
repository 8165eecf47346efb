import type { Request, Response } from 'express';
import { Router } from 'express';
import { ASSUMPTIONS } from '../assumptions.js';
import type { SandboxDeps } from '../deps.js';
import { intParam, notFound, validationError } from '../http-util.js';
import type { Application, Job } from '../model.js';
import type { Outcome } from '../operations.js';
import type { PageSource } from '../paging.js';
import { arraySource, v3Cursor } from '../paging.js';
import type { V3Scope } from '../permissions.js';
import type { Org } from '../store.js';
import { ctxOf, rateLimit, v3Auth, v3Need } from './context.js';
import * as shape from './v3-shapes.js';

const bodyOf = (req: Request): Record<string, unknown> =>
  req.body && typeof req.body === 'object' && !Array.isArray(req.body)
    ? (req.body as Record<string, unknown>)
    : {};

function sendOutcome<T>(res: Response, o: Outcome<T>, ok: (v: T) => void): void {
  if (o.ok) ok(o.value);
  else validationError(res, o.errors, o.message === undefined ? 'Validation error' : o.message);
}

const jobsOf = (o: Org, jobIds: number[] | undefined): Job[] =>
  jobIds === undefined ? o.jobs.all() : jobIds.map((id) => o.jobs.get(id)).filter((j): j is Job => !!j);

const byId = <T extends { id: number }>(xs: T[]): T[] => xs.sort((a, b) => a.id - b.id);
const defined = <T>(x: T | undefined): x is T => x !== undefined;

/**
 * A plural id filter (`ids`, `job_ids`, …): a comma list of at most ASSUMPTIONS.v3MaxFilterIds ids.
 * Returns undefined when absent, null after answering 422.
 */
function idsFilter(f: Record<string, string>, name: string, res: Response): number[] | undefined | null {
  const raw = f[name];
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((x) => x.trim());
  const ids = parts.map((x) => intParam(x));
  if (parts.length === 0 || ids.some((x) => x === undefined)) {
    validationError(res, [{ message: `${name} must be a comma-separated list of ids`, field: name }]);
    return null;
  }
  const max = ASSUMPTIONS.v3MaxFilterIds;
  if (ids.length > max) {
    validationError(res, [{ message: `${name} takes at most ${max} ids`, field: name }]);
    return null;
  }
  return [...new Set(ids as number[])];
}

/**
 * Harvest v3 (`/v3/...`): bearer tokens, scopes, Site Admin `sub` for lists, cursor paging by id
 * descending, plural id filters (an unknown query parameter is a 422), no single-record GET for
 * applications and candidates (`?ids=` instead), 204 for actions.
 */
export function harvestV3Router(d: SandboxDeps): Router {
  const r = Router();
  r.use(v3Auth(d), rateLimit(d.limiters.v3, ASSUMPTIONS.v3SendsRateLimitReset));
  const base = () => d.state.url;
  const org = (res: Response): Org => ctxOf(res).org;
  const need = (scope: V3Scope, opts: { list?: boolean } = {}) =>
    v3Need(scope, { ...opts, nonAdminLists: () => d.readings.v3NonAdminLists });

  /**
   * A cursor-paged list taking the named filters only. `build` turns the first call's filters (id
   * lists already parsed) into an id-ascending source; pages are served highest id first.
   */
  const list = <T extends { id: number }>(
    path: string,
    scope: V3Scope,
    params: readonly string[],
    build: (
      o: Org,
      f: Record<string, string>,
      ids: Record<string, number[] | undefined>,
      res: Response,
    ) => PageSource<T> | undefined,
    render: (o: Org, item: T) => unknown,
  ) => {
    r.get(path, need(scope, { list: true }), (req, res) => {
      const cur = v3Cursor(req, res, base() + '/v3');
      if (!cur) return;
      const unknown = Object.keys(cur.filters).filter((k) => !params.includes(k));
      if (unknown.length)
        return validationError(
          res,
          unknown.map((k) => ({
            message: `Unknown query parameter: ${k}${params.length ? ` (this list takes ${params.join(', ')}, per_page, cursor)` : ''}`,
            field: k,
          })),
        );
      const ids: Record<string, number[] | undefined> = {};
      for (const p of params.filter((x) => x === 'ids' || x.endsWith('_ids'))) {
        const v = idsFilter(cur.filters, p, res);
        if (v === null) return;
        ids[p] = v;
      }
      const o = org(res);
      const src = build(o, cur.filters, ids, res);
      if (!src) return;
      res.json(cur.page(src).map((x) => render(o, x)));
    });
  };
  const pick = <T extends { id: number }>(all: { get(id: number): T | undefined }, ids: number[]) =>
    arraySource(byId(ids.map((id) => all.get(id)).filter(defined)));
  const only = <T extends { id: number }>(items: T[], ids: number[] | undefined) =>
    ids ? items.filter((x) => ids.includes(x.id)) : items;

  list(
    '/jobs',
    'harvest:jobs:list',
    ['ids'],
    (o, _f, ids) => (ids.ids ? pick(o.jobs, ids.ids) : o.jobs),
    (_o, j) => shape.job(j),
  );
  list(
    '/job_interview_stages',
    'harvest:job_interview_stages:list',
    ['ids', 'job_ids'],
    (o, _f, ids) => {
      const stages = ids.job_ids ? ids.job_ids.flatMap((j) => o.stagesOfJob(j)) : [...o.stages.values()];
      return arraySource(byId(only(stages, ids.ids)));
    },
    (_o, s) => shape.jobInterviewStage(s),
  );
  // Team rows have no id of their own here: number them in a stable order for the cursor.
  list(
    '/job_hiring_managers',
    'harvest:job_hiring_managers:list',
    ['job_ids'],
    (o, _f, ids) =>
      arraySource(
        jobsOf(o, ids.job_ids)
          .flatMap((j) => j.hiringTeam.hiringManagers.map((m) => shape.jobHiringManager(j.id, m)))
          .map((row, i) => ({ id: i + 1, row })),
      ),
    (_o, x) => x.row,
  );
  list(
    '/job_owners',
    'harvest:job_owners:list',
    ['job_ids'],
    (o, _f, ids) => {
      const rows = jobsOf(o, ids.job_ids).flatMap((j) => [
        ...j.hiringTeam.recruiters.map((m) => shape.jobOwner(j.id, 'recruiter', m)),
        ...j.hiringTeam.coordinators.map((m) => shape.jobOwner(j.id, 'coordinator', m)),
        ...j.hiringTeam.sourcers.map((m) => shape.jobOwner(j.id, 'sourcer', m)),
      ]);
      return arraySource(rows.map((row, i) => ({ id: i + 1, row })));
    },
    (_o, x) => x.row,
  );
  list(
    '/users',
    'harvest:users:list',
    ['ids', 'email'],
    (o, f, ids) => {
      if (f.email === undefined) return ids.ids ? pick(o.users, ids.ids) : o.users;
      const email = f.email.toLowerCase();
      return arraySource(
        only(o.users.all(), ids.ids).filter((u) => u.emails.some((e) => e.toLowerCase() === email)),
      );
    },
    (_o, u) => shape.user(u),
  );
  list(
    '/custom_fields',
    'harvest:custom_fields:list',
    ['ids', 'field_type'],
    (o, f, ids) => {
      const hidden = (t: string) =>
        t === 'application' && ASSUMPTIONS.applicationCustomFieldsEnterpriseOnly && o.plan !== 'enterprise';
      return arraySource(
        only(o.customFields.all(), ids.ids).filter(
          (cf) => (f.field_type === undefined || cf.fieldType === f.field_type) && !hidden(cf.fieldType),
        ),
      );
    },
    (_o, cf) => shape.customField(cf),
  );
  list(
    '/custom_field_options',
    'harvest:custom_field_options:list',
    ['ids', 'custom_field_ids'],
    (o, _f, ids) => {
      const fields = only(o.customFields.all(), ids.custom_field_ids);
      return arraySource(
        byId(
          only(
            fields.flatMap((cf) => cf.options.map((opt) => ({ id: opt.id, cf, opt }))),
            ids.ids,
          ),
        ),
      );
    },
    (_o, x) => shape.customFieldOption(x.cf, x.opt),
  );
  list(
    '/email_templates',
    'harvest:email_templates:list',
    ['ids'],
    (o, _f, ids) => (ids.ids ? pick(o.emailTemplates, ids.ids) : o.emailTemplates),
    (_o, t) => shape.emailTemplate(t),
  );
  list(
    '/candidates',
    'harvest:candidates:list',
    ['ids', 'email'],
    (o, f, ids) => {
      // `email` is an exact, case-insensitive match (greenhouse.md §3.3).
      if (f.email !== undefined)
        return arraySource(
          only(
            o
              .candidateIdsByEmail(f.email)
              .map((id) => o.candidates.get(id))
              .filter(defined),
            ids.ids,
          ),
        );
      return ids.ids ? pick(o.candidates, ids.ids) : o.candidates;
    },
    (o, c) => shape.candidate(o, c),
  );
  list(
    '/applications',
    'harvest:applications:list',
    ['ids', 'candidate_ids', 'job_ids'],
    (o, _f, ids) => {
      if (!ids.ids && !ids.candidate_ids && !ids.job_ids) return o.applications;
      let apps: Application[];
      if (ids.ids) apps = ids.ids.map((id) => o.applications.get(id)).filter(defined);
      else if (ids.candidate_ids)
        apps = ids.candidate_ids
          .flatMap((cid) => o.candidates.get(cid)?.applicationIds ?? [])
          .map((id) => o.applications.get(id))
          .filter(defined);
      else
        apps = (ids.job_ids ?? [])
          .flatMap((j) => o.applicationIdsForJob(j))
          .map((id) => o.applications.get(id))
          .filter(defined);
      if (ids.candidate_ids) apps = apps.filter((a) => ids.candidate_ids!.includes(a.candidateId));
      if (ids.job_ids) apps = apps.filter((a) => ids.job_ids!.includes(a.jobId));
      return arraySource(byId(apps));
    },
    (o, a) => shape.application(o, a, d.readings),
  );
  list(
    '/notes',
    'harvest:notes:list',
    ['ids', 'candidate_ids', 'application_ids'],
    (o, _f, ids) => {
      const appIds = ids.application_ids;
      const candidateIds =
        ids.candidate_ids ??
        (appIds ? appIds.map((id) => o.applications.get(id)?.candidateId).filter(defined) : undefined);
      let notes = candidateIds
        ? [...new Set(candidateIds)].flatMap((id) => o.candidates.get(id)?.notes ?? [])
        : o.candidates.all().flatMap((c) => c.notes);
      if (appIds) notes = notes.filter((n) => n.applicationId !== null && appIds.includes(n.applicationId));
      return arraySource(byId(only(notes, ids.ids)));
    },
    (_o, n) => shape.note(n),
  );
  list(
    '/attachments',
    'harvest:attachments:list',
    ['ids', 'application_ids', 'candidate_ids'],
    (o, _f, ids) => {
      let apps = ids.application_ids
        ? ids.application_ids.map((id) => o.applications.get(id)).filter(defined)
        : ids.candidate_ids
          ? ids.candidate_ids
              .flatMap((cid) => o.candidates.get(cid)?.applicationIds ?? [])
              .map((id) => o.applications.get(id))
              .filter(defined)
          : o.applications.all();
      if (ids.candidate_ids) apps = apps.filter((a) => ids.candidate_ids!.includes(a.candidateId));
      return arraySource(
        byId(
          only(
            apps.flatMap((x) => x.attachments.map((att) => ({ id: att.id, app: x, att }))),
            ids.ids,
          ),
        ),
      );
    },
    (_o, x) => shape.attachment(base(), x.app.id, x.app.candidateId, x.att),
  );

  // There is no GET /v3/candidates/{id} or /v3/applications/{id} [S]: those fall through to the 404.
  const keying = () => (d.readings.v3CustomFieldKey === 'name_key' ? 'name_key' : 'id_or_name_key');

  r.patch('/candidates/:id', need('harvest:candidates:update'), (req, res) => {
    const o = org(res);
    const c = o.candidates.get(intParam(req.params.id) ?? -1);
    if (!c) return notFound(res);
    const b = bodyOf(req);
    if (b.custom_fields !== undefined) {
      const out = d.ops.writeCustomFields(o, { kind: 'candidate', c }, b.custom_fields, keying());
      if (!out.ok) return sendOutcome(res, out, () => undefined);
    }
    res.json(shape.candidate(o, c));
  });

  r.patch('/applications/:id', need('harvest:applications:update'), (req, res) => {
    const o = org(res);
    const a = o.applications.get(intParam(req.params.id) ?? -1);
    if (!a) return notFound(res);
    const b = bodyOf(req);
    if (b.custom_fields !== undefined) {
      const out = d.ops.writeCustomFields(o, { kind: 'application', a }, b.custom_fields, keying());
      if (!out.ok) return sendOutcome(res, out, () => undefined);
    }
    res.json(shape.application(o, a, d.readings));
  });

  /** Actions answer 204 with no body (move [P]; reject and hire [S]). */
  const action = (
    path: string,
    scope: V3Scope,
    run: (o: Org, a: Application, b: Record<string, unknown>) => Outcome<unknown>,
  ) =>
    r.post(path, need(scope), (req, res) => {
      const o = org(res);
      const a = o.applications.get(intParam(req.params.id) ?? -1);
      if (!a) return notFound(res);
      sendOutcome(res, run(o, a, bodyOf(req)), () => res.status(204).end());
    });

  // from_stage_id is a guard [P]: it must equal the application's stage_id as read (either reading).
  action('/applications/:id/move', 'harvest:applications:move', (o, a, b) => {
    if (b.from_stage_id !== undefined && b.to_stage_id !== undefined) {
      if (b.from_stage_id !== shape.shownStageId(o, a, d.readings))
        return {
          ok: false,
          errors: [
            { message: 'from_stage_id is not the current stage of the application', field: 'from_stage_id' },
          ],
          message: 'Validation error',
        };
      return d.ops.move(o, a, a.stageId, b.to_stage_id, 'api');
    }
    return d.ops.move(o, a, b.from_stage_id, b.to_stage_id, 'api');
  });
  action('/applications/:id/reject', 'harvest:applications:reject', (o, a, b) =>
    d.ops.reject(o, a, typeof b.rejection_reason === 'string' ? b.rejection_reason : undefined),
  );
  action('/applications/:id/hire', 'harvest:applications:hire', (o, a) => d.ops.hire(o, a));

  r.post('/notes', need('harvest:notes:create'), (req, res) => {
    const o = org(res);
    const b = bodyOf(req);
    const typed = d.readings.v3NoteBody === 'typed';
    const required = typed
      ? ['candidate_id', 'body', 'visibility', 'note_type', 'user_id']
      : ['candidate_id', 'body', 'visibility'];
    const missing = required.filter((k) => b[k] === undefined);
    if (missing.length)
      return validationError(
        res,
        missing.map((k) => ({ message: `Missing required field: ${k}`, field: k })),
        null,
      );
    const c = o.candidates.get(intParam(b.candidate_id) ?? -1);
    if (!c) return notFound(res);
    let author = ctxOf(res).userId as number;
    let applicationId: number | null = null;
    if (typed) {
      const user = o.users.get(intParam(b.user_id) ?? -1);
      if (!user)
        return validationError(res, [
          { message: 'user_id is not a user of this organization', field: 'user_id' },
        ]);
      author = user.id;
      if (typeof b.note_type !== 'string' || b.note_type === '')
        return validationError(res, [{ message: 'note_type must be a string', field: 'note_type' }]);
      if (b.application_id !== undefined && b.application_id !== null) {
        const a = o.applications.get(intParam(b.application_id) ?? -1);
        if (!a || a.candidateId !== c.id)
          return validationError(res, [
            { message: 'application_id is not an application of this candidate', field: 'application_id' },
          ]);
        applicationId = a.id;
      }
    }
    sendOutcome(
      res,
      d.ops.addNote(o, c, author, b.body, b.visibility, {
        applicationId,
        noteType: typed ? (b.note_type as string) : null,
      }),
      (n) => res.status(201).json(shape.note(n)),
    );
  });

  r.post('/attachments', need('harvest:attachments:create'), (req, res) => {
    const o = org(res);
    const b = bodyOf(req);
    if (b.application_id === undefined)
      return validationError(
        res,
        [{ message: 'Missing required field: application_id', field: 'application_id' }],
        null,
      );
    // v3 takes no content_type [P]: the filename's extension is what Greenhouse checks.
    if (b.content_type !== undefined)
      return validationError(res, [
        {
          message: 'content_type is not a parameter of v3 attachments (the filename decides)',
          field: 'content_type',
        },
      ]);
    if (typeof b.filename === 'string' && b.filename !== '') {
      const ext = /\.([A-Za-z0-9]+)$/.exec(b.filename)?.[1]?.toLowerCase();
      if (!ext)
        return validationError(res, [{ message: 'filename must have an extension', field: 'filename' }]);
      if ((ASSUMPTIONS.v3AttachmentBlockedExtensions as readonly string[]).includes(ext))
        return validationError(res, [
          { message: `files of type .${ext} are not allowed by this organization`, field: 'filename' },
        ]);
    }
    const a = o.applications.get(intParam(b.application_id) ?? -1);
    if (!a) return notFound(res);
    sendOutcome(res, d.ops.addAttachment(o, a, b, { contentTypeRequired: false }), (att) =>
      res.status(201).json(shape.attachment(base(), a.id, a.candidateId, att)),
    );
  });

  r.use((_req, res) => notFound(res));
  return r;
}
