import type { Request, Response } from 'express';
import { Router } from 'express';
import { ASSUMPTIONS } from '../assumptions.js';
import type { SandboxDeps } from '../deps.js';
import { intParam, missingField, notFound, queryStrings, validationError } from '../http-util.js';
import type { Application, Candidate } from '../model.js';
import type { Outcome } from '../operations.js';
import type { PageSource } from '../paging.js';
import { arraySource, v1Page } from '../paging.js';
import type { Org } from '../store.js';
import { ctxOf, onBehalfOf, rateLimit, v1Auth, v1Need } from './context.js';
import * as shape from './v1-shapes.js';

const bodyOf = (req: Request): Record<string, unknown> =>
  req.body && typeof req.body === 'object' && !Array.isArray(req.body)
    ? (req.body as Record<string, unknown>)
    : {};

function sendOutcome<T>(res: Response, o: Outcome<T>, ok: (v: T) => void): void {
  if (o.ok) ok(o.value);
  else validationError(res, o.errors, o.message === undefined ? 'Validation error' : o.message);
}

const candidateIn = (org: Org, id: unknown) => {
  const n = intParam(id);
  return n === undefined ? undefined : org.candidates.get(n);
};
const applicationIn = (org: Org, id: unknown) => {
  const n = intParam(id);
  return n === undefined ? undefined : org.applications.get(n);
};

/** Harvest v1 (`/v1/...`): Basic key auth, per-endpoint permissions, On-Behalf-Of on writes, page/per_page. */
export function harvestV1Router(d: SandboxDeps): Router {
  const r = Router();
  r.use(v1Auth(d), rateLimit(d.limiters.v1, false));
  const base = () => d.state.url;
  const org = (res: Response) => ctxOf(res).org;

  r.get('/jobs', v1Need('Jobs: List'), (req, res) => {
    const q = queryStrings(req.query);
    const jobs = q.status
      ? arraySource(
          org(res)
            .jobs.all()
            .filter((j) => j.status === q.status),
        )
      : org(res).jobs;
    const page = v1Page(req, res, base() + '/v1', jobs);
    if (page) res.json(page.map((j) => shape.job(org(res), j)));
  });

  r.get('/jobs/:id', v1Need('Jobs: Retrieve'), (req, res) => {
    const j = org(res).jobs.get(intParam(req.params.id) ?? -1);
    if (!j) return notFound(res);
    res.json(shape.job(org(res), j));
  });

  r.get('/jobs/:id/stages', v1Need('Job Stages: List for job'), (req, res) => {
    const j = org(res).jobs.get(intParam(req.params.id) ?? -1);
    if (!j) return notFound(res);
    res.json(org(res).stagesOfJob(j.id).map(shape.stage));
  });

  r.get('/job_stages/:id', v1Need('Job Stages: Retrieve'), (req, res) => {
    const s = org(res).stages.get(intParam(req.params.id) ?? -1);
    if (!s) return notFound(res);
    res.json(shape.stage(s));
  });

  r.get('/jobs/:id/hiring_team', v1Need('Jobs: Get hiring team'), (req, res) => {
    const j = org(res).jobs.get(intParam(req.params.id) ?? -1);
    if (!j) return notFound(res);
    res.json(shape.hiringTeam(j));
  });

  r.get('/users', v1Need('Users: List'), (req, res) => {
    const q = queryStrings(req.query);
    const o = org(res);
    const src = q.email
      ? arraySource(
          o.users.all().filter((u) => u.emails.some((e) => e.toLowerCase() === q.email?.toLowerCase())),
        )
      : o.users;
    const page = v1Page(req, res, base() + '/v1', src);
    if (page) res.json(page.map(shape.user));
  });

  r.get('/users/:id', v1Need('Users: Retrieve'), (req, res) => {
    const u = org(res).users.get(intParam(req.params.id) ?? -1);
    if (!u) return notFound(res);
    res.json(shape.user(u));
  });

  const listFields = (req: Request, res: Response, fieldType: string | undefined) => {
    const o = org(res);
    if (
      fieldType !== undefined &&
      ![
        'candidate',
        'application',
        'job',
        'offer',
        'opening',
        'rejection_question',
        'referral_question',
        'user_attribute',
      ].includes(fieldType)
    ) {
      return notFound(res);
    }
    const hidden = (t: string) =>
      t === 'application' && ASSUMPTIONS.applicationCustomFieldsEnterpriseOnly && o.plan !== 'enterprise';
    const all = o.customFields
      .all()
      .filter((f) => (fieldType === undefined || f.fieldType === fieldType) && !hidden(f.fieldType));
    const page = v1Page(req, res, base() + '/v1', arraySource(all));
    if (page) res.json(page.map(shape.customField));
  };
  r.get('/custom_fields', v1Need('Custom Fields: List'), (req, res) => listFields(req, res, undefined));
  r.get('/custom_fields/:fieldType', v1Need('Custom Fields: List'), (req, res) =>
    listFields(req, res, String(req.params.fieldType)),
  );

  r.get('/email_templates', v1Need('Email Templates: List'), (req, res) => {
    const page = v1Page(req, res, base() + '/v1', org(res).emailTemplates);
    if (page) res.json(page.map((t) => shape.emailTemplate(org(res), t)));
  });

  r.get('/email_templates/:id', v1Need('Email Templates: Retrieve'), (req, res) => {
    const t = org(res).emailTemplates.get(intParam(req.params.id) ?? -1);
    if (!t) return notFound(res);
    res.json(shape.emailTemplate(org(res), t));
  });

  r.get('/candidates', v1Need('Candidates: List'), (req, res) => {
    const o = org(res);
    const q = queryStrings(req.query);
    let src: PageSource<Candidate> = o.candidates;
    if (q.email !== undefined || q.job_id !== undefined || q.candidate_ids !== undefined) {
      const jobId = q.job_id === undefined ? undefined : intParam(q.job_id);
      if (q.job_id !== undefined && jobId === undefined)
        return validationError(res, [{ message: 'job_id must be an integer', field: 'job_id' }]);
      let ids: number[];
      if (q.email !== undefined) ids = o.candidateIdsByEmail(q.email);
      else if (q.candidate_ids !== undefined)
        ids = [
          ...new Set(
            q.candidate_ids
              .split(',')
              .map((s) => intParam(s.trim()))
              .filter((n): n is number => n !== undefined),
          ),
        ].sort((a, b) => a - b);
      else
        ids = [
          ...new Set(
            o.applicationIdsForJob(jobId as number).map((id) => o.applications.get(id)?.candidateId),
          ),
        ]
          .filter((n): n is number => n !== undefined)
          .sort((a, b) => a - b);
      let list = ids.map((id) => o.candidates.get(id)).filter((c): c is Candidate => !!c);
      if (jobId !== undefined)
        list = list.filter((c) => c.applicationIds.some((a) => o.applications.get(a)?.jobId === jobId));
      src = arraySource(list);
    }
    const page = v1Page(req, res, base() + '/v1', src);
    if (page) res.json(page.map((c) => shape.candidate(o, base(), c)));
  });

  r.get('/candidates/:id', v1Need('Candidates: Retrieve'), (req, res) => {
    const c = candidateIn(org(res), req.params.id);
    if (!c) return notFound(res);
    res.json(shape.candidate(org(res), base(), c));
  });

  r.patch('/candidates/:id', v1Need('Candidates: Edit'), onBehalfOf, (req, res) => {
    const o = org(res);
    const c = candidateIn(o, req.params.id);
    if (!c) return notFound(res);
    const b = bodyOf(req);
    for (const k of ['first_name', 'last_name', 'company', 'title'] as const) {
      if (b[k] !== undefined && typeof b[k] !== 'string' && b[k] !== null)
        return validationError(res, [{ message: 'Must be a string', field: k }]);
    }
    if (b.custom_fields !== undefined) {
      const out = d.ops.writeCustomFields(o, { kind: 'candidate', c }, b.custom_fields);
      if (!out.ok) return sendOutcome(res, out, () => undefined);
    }
    if (typeof b.first_name === 'string') c.firstName = b.first_name;
    if (typeof b.last_name === 'string') c.lastName = b.last_name;
    if (b.company !== undefined) c.company = b.company as string | null;
    if (b.title !== undefined) c.title = b.title as string | null;
    res.json(shape.candidate(o, base(), c));
  });

  r.post('/candidates/:id/activity_feed/notes', v1Need('Candidates: Add note'), onBehalfOf, (req, res) => {
    const o = org(res);
    const c = candidateIn(o, req.params.id);
    if (!c) return notFound(res);
    const b = bodyOf(req);
    if (b.user_id === undefined) return missingField(res, 'user_id');
    const author = o.users.get(intParam(b.user_id) ?? -1);
    if (!author) return notFound(res);
    // Older clients (greenhouse_io) send `message`; the field is named `body`.
    const out = d.ops.addNote(o, c, author.id, b.body ?? b.message, b.visibility);
    sendOutcome(res, out, (n) => res.status(ASSUMPTIONS.noteCreatedStatus).json(shape.note(o, n)));
  });

  r.get('/candidates/:id/activity_feed', v1Need('Candidates: Activity feed'), (req, res) => {
    const c = candidateIn(org(res), req.params.id);
    if (!c) return notFound(res);
    res.json(shape.activityFeed(org(res), c));
  });

  r.get('/applications', v1Need('Applications: List'), (req, res) => {
    const o = org(res);
    const q = queryStrings(req.query);
    let src: PageSource<Application> = o.applications;
    if (q.job_id !== undefined || q.status !== undefined) {
      const jobId = q.job_id === undefined ? undefined : intParam(q.job_id);
      const base0 =
        jobId !== undefined
          ? o.applicationIdsForJob(jobId).map((id) => o.applications.get(id))
          : o.applications.all();
      src = arraySource(
        base0.filter(
          (a): a is NonNullable<typeof a> => !!a && (q.status === undefined || a.status === q.status),
        ),
      );
    }
    const page = v1Page(req, res, base() + '/v1', src);
    if (page) res.json(page.map((a) => shape.application(o, base(), a)));
  });

  r.get('/applications/:id', v1Need('Applications: Retrieve'), (req, res) => {
    const a = applicationIn(org(res), req.params.id);
    if (!a) return notFound(res);
    res.json(shape.application(org(res), base(), a));
  });

  r.patch('/applications/:id', v1Need('Applications: Update'), onBehalfOf, (req, res) => {
    const o = org(res);
    const a = applicationIn(o, req.params.id);
    if (!a) return notFound(res);
    const b = bodyOf(req);
    if (b.custom_fields !== undefined) {
      const out = d.ops.writeCustomFields(o, { kind: 'application', a }, b.custom_fields);
      if (!out.ok) return sendOutcome(res, out, () => undefined);
    }
    res.json(shape.application(o, base(), a));
  });

  r.post('/applications/:id/attachments', v1Need('Applications: Add attachment'), onBehalfOf, (req, res) => {
    const o = org(res);
    const a = applicationIn(o, req.params.id);
    if (!a) return notFound(res);
    const out = d.ops.addAttachment(o, a, bodyOf(req));
    sendOutcome(res, out, (att) =>
      res.status(ASSUMPTIONS.attachmentCreatedStatus).json({
        filename: att.filename,
        url: shape.attachment(base(), att).url,
        type: att.type,
        content_type: att.contentType,
      }),
    );
  });

  r.post('/applications/:id/move', v1Need('Applications: Move'), onBehalfOf, (req, res) => {
    const o = org(res);
    const a = applicationIn(o, req.params.id);
    if (!a) return notFound(res);
    const b = bodyOf(req);
    sendOutcome(res, d.ops.move(o, a, b.from_stage_id, b.to_stage_id, 'api'), (app) =>
      res.json(shape.application(o, base(), app)),
    );
  });

  r.use((_req, res) => notFound(res));
  return r;
}
