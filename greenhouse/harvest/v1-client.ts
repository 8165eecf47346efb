import { z } from 'zod';
import { HarvestError } from './errors.js';
import { clampPerPage, customFieldsBody, explainCustomFieldError, ops, paginate } from './operations.js';
import type { HarvestRequest, HarvestTransport } from './transport.js';
import type {
  CandidateMatch,
  CustomFieldDefinition,
  CustomFieldType,
  CustomFieldValue,
  HarvestApplication,
  HarvestAttachment,
  HarvestClient,
  HarvestEmailTemplate,
  HarvestJob,
  HarvestNote,
  HarvestCandidate,
  HarvestStage,
  HarvestUser,
  HiringTeamMember,
  ListOptions,
  NewAttachment,
  NoteVisibility,
} from './types.js';
import {
  anyObject,
  v1Application,
  v1ActivityFeedNotes,
  v1Attachment,
  v1CandidateAttachments,
  v1Candidate,
  v1CustomField,
  v1EmailTemplate,
  v1HiringTeam,
  v1Job,
  v1Note,
  v1Stage,
  v1User,
} from './v1-schemas.js';

/** The v1 `Link` is followed exactly as Greenhouse sent it: page URLs are never built. */
const followV1 = (next: string): HarvestRequest => ({ method: 'GET', path: next });

/** Harvest v1/v2 (legacy; removed by Greenhouse on 2026-08-31): Basic key, On-Behalf-Of on writes. */
export class HarvestV1Client implements HarvestClient {
  readonly version = 'v1' as const;

  constructor(readonly transport: HarvestTransport) {}

  get auditUserId(): number | null {
    return this.transport.auth.auditUserId;
  }

  private list<S extends z.ZodType>(
    op: ReturnType<typeof ops.listJobs>,
    path: string,
    item: S,
    perPage: number,
    query: Record<string, string | number | undefined> = {},
  ) {
    return paginate(
      this.transport,
      op,
      { method: 'GET', path, query: { ...query, per_page: perPage } },
      item,
      followV1,
    );
  }

  listJobs(opts: ListOptions = {}): AsyncIterable<HarvestJob> {
    return this.list(ops.listJobs(), '/v1/jobs', v1Job, clampPerPage(opts.perPage));
  }

  async listJobStages(jobId: number): Promise<HarvestStage[]> {
    const r = await this.transport.send(
      ops.listJobStages(jobId),
      { method: 'GET', path: `/v1/jobs/${jobId}/stages` },
      z.array(v1Stage),
    );
    return r.data.map((s) => ({ ...s, jobId: s.jobId ?? jobId }));
  }

  async getHiringTeam(jobId: number): Promise<HiringTeamMember[]> {
    const r = await this.transport.send(
      ops.getHiringTeam(jobId),
      { method: 'GET', path: `/v1/jobs/${jobId}/hiring_team` },
      v1HiringTeam,
    );
    return r.data;
  }

  listUsers(opts: ListOptions = {}): AsyncIterable<HarvestUser> {
    return this.list(ops.listUsers(), '/v1/users', v1User, clampPerPage(opts.perPage));
  }

  async listCustomFields(fieldType: CustomFieldType): Promise<CustomFieldDefinition[]> {
    const out: CustomFieldDefinition[] = [];
    for await (const f of this.list(
      ops.listCustomFields(),
      `/v1/custom_fields/${fieldType}`,
      v1CustomField,
      500,
    ))
      out.push(f);
    return out;
  }

  listEmailTemplates(opts: ListOptions = {}): AsyncIterable<HarvestEmailTemplate> {
    return this.list(
      ops.listEmailTemplates(),
      '/v1/email_templates',
      v1EmailTemplate,
      clampPerPage(opts.perPage),
    );
  }

  async *listCandidates(opts: ListOptions = {}): AsyncIterable<HarvestCandidate> {
    for await (const c of this.list(
      ops.listCandidates(),
      '/v1/candidates',
      v1Candidate,
      clampPerPage(opts.perPage),
    ))
      yield c.candidate;
  }

  async findCandidatesByEmail(email: string, opts: { jobId?: number } = {}): Promise<CandidateMatch[]> {
    const out: CandidateMatch[] = [];
    const lower = email.trim().toLowerCase();
    for await (const c of this.list(ops.findCandidates(), '/v1/candidates', v1Candidate, 100, {
      email: email.trim(),
      job_id: opts.jobId,
    })) {
      // Keep the match exact and case-insensitive whatever the server's matching does.
      if (!c.candidate.emails.some((e) => e.toLowerCase() === lower)) continue;
      const applications =
        opts.jobId === undefined ? c.applications : c.applications.filter((a) => a.jobId === opts.jobId);
      if (opts.jobId !== undefined && applications.length === 0) continue;
      out.push({ candidate: c.candidate, applications });
    }
    return out;
  }

  async getApplication(applicationId: number): Promise<HarvestApplication> {
    const r = await this.transport.send(
      ops.getApplication(applicationId),
      { method: 'GET', path: `/v1/applications/${applicationId}` },
      v1Application,
    );
    return r.data;
  }

  /**
   * A v1 write answering 404 means either the resource or the On-Behalf-Of user is unknown
   * (create_candidate_note_invalid_on_behalf_of.json): ask which, and say so.
   */
  private async write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof HarvestError) || err.kind !== 'not_found' || this.auditUserId === null) throw err;
      const userId = this.auditUserId;
      let userMissing: boolean | null;
      try {
        await this.transport.send(
          ops.getUser(userId),
          { method: 'GET', path: `/v1/users/${userId}` },
          anyObject,
        );
        userMissing = false;
      } catch (e) {
        userMissing = e instanceof HarvestError && e.kind === 'not_found' ? true : null;
      }
      if (userMissing === true) {
        throw new HarvestError({
          kind: 'audit_user_missing',
          operation: err.operation,
          status: 404,
          message: `audit user ${userId} does not exist`,
          cause: err,
        });
      }
      if (userMissing === null) {
        throw new HarvestError({
          kind: 'not_found',
          operation: err.operation,
          status: 404,
          message: `${err.message} (or audit user ${userId} does not exist)`,
          cause: err,
        });
      }
      throw err;
    }
  }

  async updateApplicationCustomFields(applicationId: number, values: CustomFieldValue[]): Promise<void> {
    try {
      await this.write(async () => {
        await this.transport.send(
          ops.updateApplicationCustomFields(applicationId),
          {
            method: 'PATCH',
            path: `/v1/applications/${applicationId}`,
            body: { custom_fields: customFieldsBody(values) },
          },
          v1Application,
        );
      });
    } catch (err) {
      throw explainCustomFieldError(err, values);
    }
  }

  async updateCandidateCustomFields(candidateId: number, values: CustomFieldValue[]): Promise<void> {
    try {
      await this.write(() =>
        this.transport.send(
          ops.updateCandidateCustomFields(candidateId),
          {
            method: 'PATCH',
            path: `/v1/candidates/${candidateId}`,
            body: { custom_fields: customFieldsBody(values) },
          },
          z.unknown(),
        ),
      );
    } catch (err) {
      throw explainCustomFieldError(err, values);
    }
  }

  async listCandidateNotes(candidateId: number): Promise<HarvestNote[]> {
    const r = await this.transport.send(
      ops.listCandidateNotes(candidateId),
      { method: 'GET', path: `/v1/candidates/${candidateId}/activity_feed` },
      v1ActivityFeedNotes,
    );
    return r.data;
  }

  async listApplicationAttachments(applicationId: number, candidateId: number): Promise<HarvestAttachment[]> {
    const r = await this.transport.send(
      ops.listApplicationAttachments(applicationId),
      { method: 'GET', path: `/v1/candidates/${candidateId}` },
      v1CandidateAttachments,
    );
    return r.data;
  }

  async addCandidateNote(
    candidateId: number,
    note: { body: string; visibility: NoteVisibility },
  ): Promise<HarvestNote> {
    return this.write(async () => {
      const r = await this.transport.send(
        ops.addCandidateNote(candidateId),
        {
          method: 'POST',
          path: `/v1/candidates/${candidateId}/activity_feed/notes`,
          body: { user_id: this.auditUserId, body: note.body, visibility: note.visibility },
        },
        v1Note,
      );
      return r.data;
    });
  }

  async addApplicationAttachment(applicationId: number, a: NewAttachment): Promise<HarvestAttachment> {
    return this.write(async () => {
      const r = await this.transport.send(
        ops.addApplicationAttachment(applicationId),
        {
          method: 'POST',
          path: `/v1/applications/${applicationId}/attachments`,
          body: {
            filename: a.filename,
            type: a.type,
            content: a.content,
            content_type: a.contentType,
            ...(a.visibility ? { visibility: a.visibility } : {}),
          },
        },
        v1Attachment,
      );
      return r.data;
    });
  }

  async moveApplicationStage(
    applicationId: number,
    move: { fromStageId: number; toStageId: number },
  ): Promise<void> {
    await this.write(async () => {
      await this.transport.send(
        ops.moveApplicationStage(applicationId),
        {
          method: 'POST',
          path: `/v1/applications/${applicationId}/move`,
          body: { from_stage_id: move.fromStageId, to_stage_id: move.toStageId },
        },
        v1Application,
      );
    });
  }
}
