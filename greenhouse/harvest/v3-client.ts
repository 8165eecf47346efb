import { z } from 'zod';
import type { OperationInfo } from './errors.js';
import { HarvestError } from './errors.js';
import { clampPerPage, explainCustomFieldError, ops, paginate } from './operations.js';
import type { HarvestRequest, HarvestTransport } from './transport.js';
import type {
  CandidateMatch,
  CustomFieldDefinition,
  CustomFieldType,
  CustomFieldValue,
  HarvestApplication,
  HarvestAttachment,
  HarvestCandidate,
  HarvestClient,
  HarvestEmailTemplate,
  HarvestJob,
  HarvestNote,
  HarvestStage,
  HarvestUser,
  HiringTeamMember,
  ListOptions,
  NewAttachment,
  NoteVisibility,
} from './types.js';
import {
  V3,
  v3Application,
  v3Attachment,
  v3Candidate,
  v3CustomField,
  v3CustomFieldOption,
  v3EmailTemplate,
  v3HiringManager,
  v3Job,
  v3JobOwner,
  v3Note,
  v3Stage,
  v3User,
} from './v3-shapes.js';

/** v3 cursor paging: follow-up calls carry the cursor from `Link rel="next"` as their only parameter. */
export function followV3(next: string): HarvestRequest {
  const u = new URL(next);
  const cursor = u.searchParams.get(V3.cursorParam);
  const path = `${u.origin}${u.pathname}`;
  return { method: 'GET', path, query: cursor === null ? {} : { [V3.cursorParam]: cursor } };
}

/** Split ids into the chunks a plural filter takes (at most V3.maxFilterIds each). */
const chunks = (ids: number[]): number[][] => {
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += V3.maxFilterIds) out.push(ids.slice(i, i + V3.maxFilterIds));
  return out;
};

/** Harvest v3 (default for new connections): bearer tokens, `sub` as the audit user, cursor paging. */
export class HarvestV3Client implements HarvestClient {
  readonly version = 'v3' as const;

  constructor(readonly transport: HarvestTransport) {}

  get auditUserId(): number | null {
    return this.transport.auth.auditUserId;
  }

  private list<S extends z.ZodType>(
    op: OperationInfo,
    path: string,
    item: S,
    perPage: number,
    query: Record<string, string | number | undefined> = {},
  ) {
    return paginate(
      this.transport,
      op,
      { method: 'GET', path, query: { ...query, [V3.pageSizeParam]: perPage } },
      item,
      followV3,
    );
  }

  private async all<S extends z.ZodType>(
    op: OperationInfo,
    path: string,
    item: S,
    query: Record<string, string | number | undefined> = {},
  ): Promise<z.output<S>[]> {
    const out: z.output<S>[] = [];
    for await (const x of this.list(op, path, item, V3.maxPageSize, query)) out.push(x);
    return out;
  }

  listJobs(opts: ListOptions = {}): AsyncIterable<HarvestJob> {
    return this.list(ops.listJobs(), V3.paths.jobs, v3Job, clampPerPage(opts.perPage));
  }

  async listJobStages(jobId: number): Promise<HarvestStage[]> {
    const stages = await this.all(
      ops.listJobStages(jobId),
      V3.paths.jobStages,
      v3Stage,
      V3.query.jobStages(jobId),
    );
    return stages.sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
  }

  async getHiringTeam(jobId: number): Promise<HiringTeamMember[]> {
    const op = ops.getHiringTeam(jobId);
    const [managers, owners] = await Promise.all([
      this.all(op, V3.paths.hiringManagers, v3HiringManager, V3.query.team(jobId)),
      this.all(op, V3.paths.jobOwners, v3JobOwner, V3.query.team(jobId)),
    ]);
    return [...managers, ...owners];
  }

  listUsers(opts: ListOptions = {}): AsyncIterable<HarvestUser> {
    return this.list(ops.listUsers(), V3.paths.users, v3User, clampPerPage(opts.perPage));
  }

  async listCustomFields(fieldType: CustomFieldType): Promise<CustomFieldDefinition[]> {
    const op = ops.listCustomFields();
    const fields = await this.all(op, V3.paths.customFields, v3CustomField, V3.query.customFields(fieldType));
    const selectable = fields.filter(
      (f) => f.options.length === 0 && (f.valueType === 'single_select' || f.valueType === 'multi_select'),
    );
    if (selectable.length > 0) {
      // Options are listed apart in v3 (unconfirmed): one listing for all fields, grouped here.
      const options = await this.all(op, V3.paths.customFieldOptions, v3CustomFieldOption);
      for (const f of selectable)
        f.options = options
          .filter((o) => o.customFieldId === f.id)
          .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0) || a.id - b.id)
          .map((o) => ({ id: o.id, name: o.name, priority: o.priority }));
    }
    return fields.filter((f) => f.fieldType === fieldType);
  }

  listEmailTemplates(opts: ListOptions = {}): AsyncIterable<HarvestEmailTemplate> {
    return this.list(
      ops.listEmailTemplates(),
      V3.paths.emailTemplates,
      v3EmailTemplate,
      clampPerPage(opts.perPage),
    );
  }

  listCandidates(opts: ListOptions = {}): AsyncIterable<HarvestCandidate> {
    return this.list(ops.listCandidates(), V3.paths.candidates, v3Candidate, clampPerPage(opts.perPage));
  }

  async findCandidatesByEmail(email: string, opts: { jobId?: number } = {}): Promise<CandidateMatch[]> {
    const lower = email.trim().toLowerCase();
    const candidates = (
      await this.all(
        ops.findCandidates(),
        V3.paths.candidates,
        v3Candidate,
        V3.query.candidatesByEmail(email.trim()),
      )
    ).filter((c) => c.emails.some((e) => e.toLowerCase() === lower));
    if (candidates.length === 0) return [];
    // Children are not embedded in v3: list the applications of the matches (plural filter, ≤ 50 ids).
    const apps: HarvestApplication[] = [];
    for (const part of chunks(candidates.map((c) => c.id)))
      apps.push(
        ...(await this.all(
          ops.listApplications(),
          V3.paths.applications,
          v3Application,
          V3.query.applicationsOfCandidates(part, opts.jobId),
        )),
      );
    const out: CandidateMatch[] = [];
    for (const c of candidates) {
      const mine = apps.filter((a) => a.candidateId === c.id);
      const applications = opts.jobId === undefined ? mine : mine.filter((a) => a.jobId === opts.jobId);
      if (opts.jobId !== undefined && applications.length === 0) continue;
      // With a job filter only that job's applications were listed: the full id list is unknown.
      out.push({
        candidate: { ...c, applicationIds: opts.jobId === undefined ? mine.map((a) => a.id) : null },
        applications,
      });
    }
    return out;
  }

  /**
   * One application through `?ids=` (v3 has no GET of one record). Its stage name comes with it where
   * `stage_id` is an application-stage id; otherwise it is looked up among the job's stages.
   */
  async getApplication(applicationId: number): Promise<HarvestApplication> {
    const op = ops.getApplication(applicationId);
    const r = await this.transport.send(
      op,
      { method: 'GET', path: V3.paths.applications, query: V3.query.byIds([applicationId]) },
      z.array(v3Application),
    );
    const app = r.data.find((a) => a.id === applicationId);
    if (!app)
      throw new HarvestError({
        kind: 'not_found',
        operation: op.name,
        status: 404,
        message: `application ${applicationId} was not found`,
      });
    if (app.stageName === null && app.stageId !== null && app.jobId !== null) {
      const stages = await this.listJobStages(app.jobId);
      app.stageName = stages.find((st) => st.id === app.stageId)?.name ?? null;
    }
    return app;
  }

  /**
   * Custom fields are addressed by `name_key` [S]: values given by id are translated with one
   * `custom_fields?ids=` lookup (a field without a name_key keeps its id). Clearing sends `value: null`.
   */
  private async customFieldsBody(values: CustomFieldValue[]) {
    const ids = [...new Set(values.flatMap((v) => (v.id !== undefined ? [v.id] : [])))];
    const keys = new Map<number, string | null>();
    for (const part of chunks(ids))
      for (const f of await this.all(
        ops.listCustomFields(),
        V3.paths.customFields,
        v3CustomField,
        V3.query.byIds(part),
      ))
        keys.set(f.id, f.nameKey);
    return V3.body.customFields(
      values.map((v) => {
        const nameKey = v.nameKey ?? (v.id !== undefined ? keys.get(v.id) : null) ?? null;
        return {
          ...(nameKey !== null ? { name_key: nameKey } : { id: v.id }),
          value: v.delete ? null : v.value,
        };
      }),
    );
  }

  async updateApplicationCustomFields(applicationId: number, values: CustomFieldValue[]): Promise<void> {
    try {
      const body = await this.customFieldsBody(values);
      await this.transport.send(
        { ...ops.updateApplicationCustomFields(applicationId), auditUserId: this.auditUserId },
        { method: 'PATCH', path: V3.paths.application(applicationId), body },
        z.unknown(),
      );
    } catch (err) {
      throw explainCustomFieldError(err, values);
    }
  }

  async updateCandidateCustomFields(candidateId: number, values: CustomFieldValue[]): Promise<void> {
    try {
      const body = await this.customFieldsBody(values);
      await this.transport.send(
        { ...ops.updateCandidateCustomFields(candidateId), auditUserId: this.auditUserId },
        { method: 'PATCH', path: V3.paths.candidate(candidateId), body },
        z.unknown(),
      );
    } catch (err) {
      throw explainCustomFieldError(err, values);
    }
  }

  listCandidateNotes(candidateId: number): Promise<HarvestNote[]> {
    return this.all(
      ops.listCandidateNotes(candidateId),
      V3.paths.notes,
      v3Note,
      V3.query.notesOfCandidate(candidateId),
    );
  }

  listApplicationAttachments(applicationId: number): Promise<HarvestAttachment[]> {
    return this.all(
      ops.listApplicationAttachments(applicationId),
      V3.paths.attachments,
      v3Attachment,
      V3.query.attachmentsOfApplication(applicationId),
    );
  }

  async addCandidateNote(
    candidateId: number,
    note: { body: string; visibility: NoteVisibility; applicationId?: number },
  ): Promise<HarvestNote> {
    const r = await this.transport.send(
      { ...ops.addCandidateNote(candidateId), auditUserId: this.auditUserId },
      { method: 'POST', path: V3.paths.notes, body: V3.body.note(candidateId, note, this.auditUserId) },
      v3Note,
    );
    return r.data;
  }

  async addApplicationAttachment(applicationId: number, a: NewAttachment): Promise<HarvestAttachment> {
    const r = await this.transport.send(
      { ...ops.addApplicationAttachment(applicationId), auditUserId: this.auditUserId },
      { method: 'POST', path: V3.paths.attachments, body: V3.body.attachment(applicationId, a) },
      v3Attachment,
    );
    return r.data;
  }

  /** `fromStageId` is the application's `stage_id` as read: Greenhouse refuses the move if it changed. */
  async moveApplicationStage(
    applicationId: number,
    move: { fromStageId: number; toStageId: number },
  ): Promise<void> {
    // 204 with no body [P].
    await this.transport.send(
      { ...ops.moveApplicationStage(applicationId), auditUserId: this.auditUserId },
      { method: 'POST', path: V3.paths.moveApplication(applicationId), body: V3.body.move(move) },
      z.unknown(),
    );
  }
}
