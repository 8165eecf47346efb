import type { Request, Response } from 'express';
import { Router } from 'express';
import { ASSUMPTIONS } from '../assumptions.js';
import type { SandboxDeps } from '../deps.js';
import { intParam, notFound, validationError } from '../http-util.js';
import type { Application, Candidate, Job } from '../model.js';
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

const jobsOf = (o: Org, jobId: number | undefined): Job[] =>
  jobId === undefined ? o.jobs.all() : [o.jobs.get(jobId)].filter((j): j is Job => !!j);

const idList = (s: string | undefined): number[] | undefined =>
  s === undefined
    ? undefined
    : [
        ...new Set(
          s
            .split(',')
            .map((x) => intParam(x.trim()))
            .filter((n): n is number => n !== undefined),
        ),
      ].sort((a, b) => a - b);

/** Harvest v3 (`/v3/...`): bearer tokens, scopes, Site Admin `sub` for lists, cursor paging. */
export function harvestV3Router(d: SandboxDeps): Router {
  const r = Router();
  r.use(v3Auth(d), rateLimit(d.limiters.v3, ASSUMPTIONS.v3SendsRateLimitReset));
  const base = () => d.state.url;
  const org = (res: Response): Org => ctxOf(res).org;

  /** A cursor-paged list: `build` turns the first call's filters into an id-ascending source. */
  const list = <T extends { id: number }>(
    path: string,
    scope: V3Scope,
    build: (o: Org, f: Record<string, string>, res: Response) => PageSource<T> | undefined,
    render: (o: Org, item: T) => unknown,
  ) => {
    r.get(path, v3Need(scope, { list: true }), (req, res) => {
      const cur = v3Cursor(req, res, base() + '/v3');
      if (!cur) return;
      const o = org(res);
      const src = build(o, cur.filters, res);
      if (!src) return;
      res.json(cur.page(src).map((x) => render(o, x)));
    });
  };
  const needJob = (o: Org, f: Record<string, string>, res: Response) => {
    const id = intParam(f.job_id);
    if (f.job_id !== undefined && (id === undefined || !o.jobs.has(id))) {
      validationError(res, [{ message: 'job_id is not a job of this organization', field: 'job_id' }]);
      return null;
    }
    return id;
  };

  list(
    '/jobs',
    'harvest:jobs:list',
    (o) => o.jobs,
    (_o, j) => shape.job(j),
  );
  list(
    '/job_interview_stages',
    'harvest:job_interview_stages:list',
    (o, f, res) => {
      const jobId = needJob(o, f, res);
      if (jobId === null) return undefined;
      const stages = jobId === undefined ? [...o.stages.values()] : o.stagesOfJob(jobId);
      return arraySource(stages.sort((a, b) => a.id - b.id));
    },
    (_o, s) => shape.jobInterviewStage(s),
  );
  // Team rows have no id of their own here: number them in a stable order for the cursor.
  list(
    '/job_hiring_managers',
    'harvest:job_hiring_managers:list',
    (o, f, res) => {
      const jobId = needJob(o, f, res);
      if (jobId === null) return undefined;
      const jobs = jobsOf(o, jobId);
      return arraySource(
        jobs
          .flatMap((j) => j.hiringTeam.hiringManagers.map((m) => shape.jobHiringManager(j.id, m)))
          .map((row, i) => ({ id: i + 1, row })),
      );
    },
    (_o, x) => x.row,
  );
  list(
    '/job_owners',
    'harvest:job_owners:list',
    (o, f, res) => {
      const jobId = needJob(o, f, res);
      if (jobId === null) return undefined;
      const rows = jobsOf(o, jobId).flatMap((j) => [
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
    (o, f) =>
      f.email
        ? arraySource(
            o.users.all().filter((u) => u.emails.some((e) => e.toLowerCase() === f.email?.toLowerCase())),
          )
        : o.users,
    (_o, u) => shape.user(u),
  );
  list(
    '/custom_fields',
    'harvest:custom_fields:list',
    (o, f) => {
      const hidden = (t: string) =>
        t === 'application' && ASSUMPTIONS.applicationCustomFieldsEnterpriseOnly && o.plan !== 'enterprise';
      return arraySource(
        o.customFields
          .all()
          .filter(
            (cf) => (f.field_type === undefined || cf.fieldType === f.field_type) && !hidden(cf.fieldType),
          ),
      );
    },
    (_o, cf) => shape.customField(cf),
  );
  list(
    '/custom_field_options',
    'harvest:custom_field_options:list',
    (o, f) => {
      const id = intParam(f.custom_field_id);
      const fields = o.customFields.all().filter((cf) => id === undefined || cf.id === id);
      return arraySource(
        fields
          .flatMap((cf) => cf.options.map((opt) => ({ id: opt.id, cf, opt })))
          .sort((a, b) => a.id - b.id),
      );
    },
    (_o, x) => shape.customFieldOption(x.cf, x.opt),
  );
  list(
    '/email_templates',
    'harvest:email_templates:list',
    (o) => o.emailTemplates,
    (_o, t) => shape.emailTemplate(t),
  );
  list(
    '/candidates',
    'harvest:candidates:list',
    (o, f) => {
      // `email` is an exact, case-insensitive match (greenhouse.md §3.3).
      if (f.email !== undefined)
        return arraySource(
          o
            .candidateIdsByEmail(f.email)
            .map((id) => o.candidates.get(id))
            .filter((c): c is Candidate => !!c),
        );
      const ids = idList(f.candidate_ids);
      if (ids) return arraySource(ids.map((id) => o.candidates.get(id)).filter((c): c is Candidate => !!c));
      return o.candidates;
    },
    (o, c) => shape.candidate(o, c),
  );
  list(
    '/applications',
    'harvest:applications:list',
    (o, f) => {
      const ids = idList(f.candidate_ids);
      const jobId = intParam(f.job_id);
      if (!ids && jobId === undefined) return o.applications;
      let apps: Application[] = ids
        ? ids
            .flatMap((cid) => o.candidates.get(cid)?.applicationIds ?? [])
            .map((id) => o.applications.get(id))
            .filter((a): a is Application => !!a)
        : o
            .applicationIdsForJob(jobId as number)
            .map((id) => o.applications.get(id))
            .filter((a): a is Application => !!a);
      if (jobId !== undefined) apps = apps.filter((a) => a.jobId === jobId);
      return arraySource(apps.sort((a, b) => a.id - b.id));
    },
    (o, a) => shape.application(o, a),
  );
  list(
    '/notes',
    'harvest:notes:list',
    (o, f) => {
      const c = o.candidates.get(intParam(f.candidate_id) ?? -1);
      return arraySource(
        c
          ? [...c.notes]
          : o.candidates
              .all()
              .flatMap((x) => x.notes)
              .sort((a, b) => a.id - b.id),
      );
    },
    (_o, n) => shape.note(n),
  );
  list(
    '/attachments',
    'harvest:attachments:list',
    (o, f) => {
      const a = o.applications.get(intParam(f.application_id) ?? -1);
      const apps = a ? [a] : o.applications.all();
      return arraySource(
        apps
          .flatMap((x) => x.attachments.map((att) => ({ id: att.id, app: x, att })))
          .sort((p, q) => p.id - q.id),
      );
    },
    (_o, x) => shape.attachment(base(), x.app.id, x.app.candidateId, x.att),
  );

  r.get('/candidates/:id', v3Need('harvest:candidates:list'), (req, res) => {
    const c = org(res).candidates.get(intParam(req.params.id) ?? -1);
    if (!c) return notFound(res);
    res.json(shape.candidate(org(res), c));
  });

  r.patch('/candidates/:id', v3Need('harvest:candidates:update'), (req, res) => {
    const o = org(res);
    const c = o.candidates.get(intParam(req.params.id) ?? -1);
    if (!c) return notFound(res);
    const b = bodyOf(req);
    if (b.custom_fields !== undefined) {
      const out = d.ops.writeCustomFields(o, { kind: 'candidate', c }, b.custom_fields);
      if (!out.ok) return sendOutcome(res, out, () => undefined);
    }
    res.json(shape.candidate(o, c));
  });

  r.get('/applications/:id', v3Need('harvest:applications:list'), (req, res) => {
    const a = org(res).applications.get(intParam(req.params.id) ?? -1);
    if (!a) return notFound(res);
    res.json(shape.application(org(res), a));
  });

  r.patch('/applications/:id', v3Need('harvest:applications:update'), (req, res) => {
    const o = org(res);
    const a = o.applications.get(intParam(req.params.id) ?? -1);
    if (!a) return notFound(res);
    const b = bodyOf(req);
    if (b.custom_fields !== undefined) {
      const out = d.ops.writeCustomFields(o, { kind: 'application', a }, b.custom_fields);
      if (!out.ok) return sendOutcome(res, out, () => undefined);
    }
    res.json(shape.application(o, a));
  });

  r.post('/applications/:id/move', v3Need('harvest:applications:move'), (req, res) => {
    const o = org(res);
    const a = o.applications.get(intParam(req.params.id) ?? -1);
    if (!a) return notFound(res);
    const b = bodyOf(req);
    sendOutcome(res, d.ops.move(o, a, b.from_stage_id, b.to_stage_id, 'api'), (app) =>
      res.json(shape.application(o, app)),
    );
  });

  r.post('/notes', v3Need('harvest:notes:create'), (req, res) => {
    const o = org(res);
    const b = bodyOf(req);
    if (b.candidate_id === undefined)
      return validationError(
        res,
        [{ message: 'Missing required field: candidate_id', field: 'candidate_id' }],
        null,
      );
    const c = o.candidates.get(intParam(b.candidate_id) ?? -1);
    if (!c) return notFound(res);
    // The `sub` user is the author and audit user (it replaces On-Behalf-Of).
    sendOutcome(res, d.ops.addNote(o, c, ctxOf(res).userId as number, b.body, b.visibility), (n) =>
      res.status(201).json(shape.note(n)),
    );
  });

  r.post('/attachments', v3Need('harvest:attachments:create'), (req, res) => {
    const o = org(res);
    const b = bodyOf(req);
    if (b.application_id === undefined)
      return validationError(
        res,
        [{ message: 'Missing required field: application_id', field: 'application_id' }],
        null,
      );
    const a = o.applications.get(intParam(b.application_id) ?? -1);
    if (!a) return notFound(res);
    sendOutcome(res, d.ops.addAttachment(o, a, b), (att) =>
      res.status(201).json(shape.attachment(base(), a.id, a.candidateId, att)),
    );
  });

  r.use((_req, res) => notFound(res));
  return r;
}
