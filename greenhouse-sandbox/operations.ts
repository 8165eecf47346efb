import { ASSUMPTIONS } from './assumptions.js';
import type { FieldError } from './custom-field-values.js';
import { applyWrites, resolveCustomFieldWrites } from './custom-field-values.js';
import type { Application, Attachment, AttachmentType, Candidate, Note, NoteVisibility } from './model.js';
import { ATTACHMENT_TYPES, NOTE_VISIBILITIES } from './model.js';
import type { Org, SandboxState } from './store.js';
import {
  anonymizedPayload,
  applicationPayload,
  deleteCandidatePayload,
  mergeCandidatePayload,
} from './webhooks/payloads.js';
import type { WebhookSender } from './webhooks/sender.js';

export type Outcome<T> =
  { ok: true; value: T } | { ok: false; errors: FieldError[]; status?: number; message?: string | null };

const fail = <T>(errors: FieldError[], message: string | null = 'Validation error'): Outcome<T> => ({
  ok: false,
  errors,
  message,
});
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** v3 takes no content_type: the stored file's type follows its extension. */
const contentTypeOf = (filename: string): string | null =>
  ({ pdf: 'application/pdf', txt: 'text/plain', html: 'text/html', png: 'image/png', jpg: 'image/jpeg' })[
    filename.split('.').pop()?.toLowerCase() ?? ''
  ] ?? null;

/** State changes shared by Harvest v1, v3 and the admin API (a recruiter's clicks). */
export class Operations {
  constructor(
    private readonly state: SandboxState,
    private readonly webhooks: WebhookSender,
  ) {}

  private touch(c: Candidate | undefined, a?: Application): void {
    const now = this.state.now();
    if (c) {
      c.updatedAt = now;
      c.lastActivity = now;
    }
    if (a) a.lastActivityAt = now;
  }

  /** Custom-field writes (all-or-nothing). Application fields exist on Enterprise plans only. */
  writeCustomFields(
    org: Org,
    target: { kind: 'candidate'; c: Candidate } | { kind: 'application'; a: Application },
    input: unknown,
    keying: 'id_or_name_key' | 'name_key' = 'id_or_name_key',
  ): Outcome<null> {
    const enterpriseOnly = ASSUMPTIONS.applicationCustomFieldsEnterpriseOnly && org.plan !== 'enterprise';
    if (target.kind === 'application' && enterpriseOnly) {
      return fail([
        {
          message:
            'Application custom fields are available on Enterprise plans only; write candidate custom fields instead',
          field: 'custom_fields',
        },
      ]);
    }
    const { writes, errors } = resolveCustomFieldWrites(org, target.kind, input, undefined, keying);
    if (errors.length) return fail(errors);
    if (target.kind === 'candidate') {
      applyWrites(target.c.customFields, writes);
      this.touch(target.c);
    } else {
      applyWrites(target.a.customFields, writes);
      this.touch(org.candidates.get(target.a.candidateId), target.a);
    }
    return { ok: true, value: null };
  }

  addNote(
    org: Org,
    c: Candidate,
    userId: number,
    body: unknown,
    visibility: unknown,
    extra: { applicationId?: number | null; noteType?: string | null } = {},
  ): Outcome<Note> {
    if (typeof body !== 'string' || body.trim() === '')
      return fail([{ message: 'Missing required field: body', field: 'body' }], null);
    if (visibility === undefined)
      return fail([{ message: 'Missing required field: visibility', field: 'visibility' }], null);
    if (!NOTE_VISIBILITIES.includes(visibility as NoteVisibility))
      return fail([{ message: `Must be one of: ${NOTE_VISIBILITIES.join(', ')}`, field: 'visibility' }]);
    const note: Note = {
      id: this.state.ids.id(),
      candidateId: c.id,
      applicationId: extra.applicationId ?? null,
      noteType: extra.noteType ?? null,
      userId,
      body,
      visibility: visibility as NoteVisibility,
      createdAt: this.state.now(),
    };
    c.notes.push(note);
    this.touch(c);
    return { ok: true, value: note };
  }

  /** Attachment rules of greenhouse.md §3.3 (base64 content + content_type, or url; visibility; take_home_test). */
  addAttachment(
    org: Org,
    a: Application,
    input: Record<string, unknown>,
    opts: { contentTypeRequired: boolean } = {
      contentTypeRequired: ASSUMPTIONS.attachmentContentTypeRequired,
    },
  ): Outcome<Attachment> {
    const { filename, type, content, content_type, url, visibility } = input;
    if (typeof filename !== 'string' || filename === '')
      return fail([{ message: 'Missing required field: filename', field: 'filename' }], null);
    if (type === undefined) return fail([{ message: 'Missing required field: type', field: 'type' }], null);
    if (!ATTACHMENT_TYPES.includes(type as AttachmentType))
      return fail([{ message: `Must be one of: ${ATTACHMENT_TYPES.join(', ')}`, field: 'type' }]);
    if (content === undefined && url === undefined)
      return fail([{ message: 'Either content or url is required', field: 'content' }]);
    if (content !== undefined && url !== undefined)
      return fail([{ message: 'Provide content or url, not both', field: 'url' }]);
    let bytes: Buffer | null = null;
    if (content !== undefined) {
      const s = typeof content === 'string' ? content.replace(/\s+/g, '') : '';
      if (s === '' || s.length % 4 !== 0 || !BASE64.test(s))
        return fail([{ message: 'content must be base64-encoded', field: 'content' }]);
      bytes = Buffer.from(s, 'base64');
      if (
        opts.contentTypeRequired &&
        (typeof content_type !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(content_type))
      ) {
        return fail([
          { message: 'content_type is required with content (e.g. application/pdf)', field: 'content_type' },
        ]);
      }
    } else if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) {
      return fail([{ message: 'url must be an http(s) URL', field: 'url' }]);
    }
    if (visibility !== undefined && !NOTE_VISIBILITIES.includes(visibility as NoteVisibility)) {
      return fail([{ message: `Must be one of: ${NOTE_VISIBILITIES.join(', ')}`, field: 'visibility' }]);
    }
    if (type === 'take_home_test' && ASSUMPTIONS.takeHomeTestNeedsTest && org.testsOf(a.id).length === 0) {
      return fail([
        {
          message: 'take_home_test attachments need an outstanding take-home test on the application',
          field: 'type',
        },
      ]);
    }
    // Visibility is honoured for `other` only, defaulting to admin_only; other types follow their type.
    const vis: NoteVisibility =
      type === 'other' ? ((visibility as NoteVisibility | undefined) ?? 'admin_only') : 'public';
    const att: Attachment = {
      id: this.state.ids.id(),
      filename,
      type: type as AttachmentType,
      contentType: typeof content_type === 'string' ? content_type : contentTypeOf(filename),
      visibility: vis,
      content: bytes,
      sourceUrl: bytes ? null : (url as string),
      createdAt: this.state.now(),
    };
    a.attachments.push(att);
    this.touch(org.candidates.get(a.candidateId), a);
    return { ok: true, value: att };
  }

  /** POST /applications/{id}/move with from_stage_id and to_stage_id (both checked). */
  move(org: Org, a: Application, from: unknown, to: unknown, via: 'api' | 'admin'): Outcome<Application> {
    if (from === undefined)
      return fail([{ message: 'Missing required field: from_stage_id', field: 'from_stage_id' }], null);
    if (to === undefined)
      return fail([{ message: 'Missing required field: to_stage_id', field: 'to_stage_id' }], null);
    if (a.status !== 'active')
      return fail([{ message: `Application is ${a.status} and cannot be moved`, field: 'application_id' }]);
    if (from !== a.stageId)
      return fail([
        { message: 'from_stage_id is not the current stage of the application', field: 'from_stage_id' },
      ]);
    const stage = typeof to === 'number' ? org.stages.get(to) : undefined;
    if (!stage || stage.jobId !== a.jobId)
      return fail([{ message: "to_stage_id is not a stage of the application's job", field: 'to_stage_id' }]);
    a.stageId = stage.id;
    const c = org.candidates.get(a.candidateId);
    this.touch(c, a);
    if (c && (via === 'admin' || ASSUMPTIONS.webhooksOnApiWrites))
      this.webhooks.send(
        org,
        applicationPayload(org, this.state.url, 'candidate_stage_change', a, c) as { action: string },
      );
    return { ok: true, value: a };
  }

  hire(org: Org, a: Application): Outcome<Application> {
    if (a.status !== 'active')
      return fail([{ message: `Application is ${a.status}`, field: 'application_id' }]);
    a.status = 'hired';
    const c = org.candidates.get(a.candidateId);
    this.touch(c, a);
    if (c)
      this.webhooks.send(
        org,
        applicationPayload(org, this.state.url, 'hire_candidate', a, c) as { action: string },
      );
    return { ok: true, value: a };
  }

  reject(org: Org, a: Application, reason = 'Lacking skill(s)/qualification(s)'): Outcome<Application> {
    if (a.status !== 'active')
      return fail([{ message: `Application is ${a.status}`, field: 'application_id' }]);
    a.status = 'rejected';
    a.rejectedAt = this.state.now();
    a.rejectionReason = { id: 8, name: reason, type: { id: 1, name: 'We rejected them' } };
    const c = org.candidates.get(a.candidateId);
    this.touch(c, a);
    if (c)
      this.webhooks.send(
        org,
        applicationPayload(org, this.state.url, 'reject_candidate', a, c) as { action: string },
      );
    return { ok: true, value: a };
  }

  deleteCandidate(org: Org, candidateId: number): boolean {
    const removed = org.removeCandidate(candidateId);
    if (!removed) return false;
    this.webhooks.send(
      org,
      deleteCandidatePayload(removed.candidate, removed.applicationIds) as { action: string },
    );
    return true;
  }

  /**
   * Merges `fromId` into `intoId`: the applications live on under the survivor, the merged-away
   * candidate is gone. The webhook depends on the customer's subscriptions (WebhookSettings.events).
   */
  mergeCandidates(org: Org, fromId: number, intoId: number): void {
    const from = org.candidates.get(fromId)!;
    const into = org.candidates.get(intoId)!;
    const moved = [...from.applicationIds];
    for (const appId of moved) {
      const a = org.applications.get(appId);
      if (!a) continue;
      a.candidateId = into.id;
      into.applicationIds.push(a.id);
    }
    from.applicationIds = [];
    org.removeCandidate(from.id);
    this.touch(into);
    const events = org.integration.webhook?.events ?? null;
    const subscribed = (e: string) => events === null || events.includes(e);
    if (subscribed('merge_candidate')) {
      this.webhooks.send(org, mergeCandidatePayload(from, into.id) as { action: string });
    } else if (subscribed('delete_candidate')) {
      // Greenhouse's documented quirk: without a merge subscription a merge reads as a deletion
      // whose applications were not deleted.
      this.webhooks.send(org, deleteCandidatePayload(from, []) as { action: string });
    }
  }

  anonymize(
    org: Org,
    c: Candidate,
    fields: string[] = ['full_name', 'email_addresses', 'phone_numbers'],
  ): void {
    if (fields.includes('full_name')) {
      c.firstName = 'Anonymized';
      c.lastName = 'Candidate';
    }
    if (fields.includes('email_addresses')) {
      org.unindexCandidateEmails(c);
      c.emails = [];
    }
    if (fields.includes('phone_numbers')) c.phones = [];
    if (fields.includes('current_title')) c.title = null;
    c.anonymized = true;
    this.touch(c);
    this.webhooks.send(org, anonymizedPayload(c.id, fields) as { action: string });
  }
}
