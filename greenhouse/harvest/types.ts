/**
 * The one domain shape the client returns for both Harvest versions. Ids are numbers as Greenhouse
 * sends them; anything a version does not send is null (never guessed).
 */

export type HarvestVersion = 'v1' | 'v3';

export interface HarvestJob {
  id: number;
  name: string;
  status: string | null;
  requisitionId: string | null;
}

export interface HarvestStage {
  id: number;
  jobId: number | null;
  name: string;
  priority: number | null;
  active: boolean | null;
}

export type HiringTeamRole = 'hiring_manager' | 'recruiter' | 'coordinator' | 'sourcer';

export interface HiringTeamMember {
  userId: number;
  role: HiringTeamRole;
  responsible: boolean | null;
  active: boolean | null;
}

export interface HarvestUser {
  id: number;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  /** v1 `primary_email_address`, v3 `primary_email` */
  primaryEmail: string | null;
  emails: string[];
  /** v1 `disabled`, v3 `deactivated` */
  disabled: boolean;
  siteAdmin: boolean | null;
}

export type CustomFieldType = 'application' | 'candidate';

export interface CustomFieldOption {
  id: number;
  name: string;
  priority: number | null;
}

export interface CustomFieldDefinition {
  id: number;
  name: string;
  nameKey: string | null;
  fieldType: string;
  /** short_text, long_text, yes_no, single_select, multi_select, number, date, url, user, … */
  valueType: string | null;
  active: boolean;
  required: boolean | null;
  private: boolean | null;
  options: CustomFieldOption[];
}

export interface HarvestEmailTemplate {
  id: number;
  name: string;
  type: string | null;
  isDefault: boolean | null;
  description: string | null;
  from: string | null;
  body: string | null;
  htmlBody: string | null;
}

export interface HarvestCandidate {
  id: number;
  firstName: string | null;
  lastName: string | null;
  emails: string[];
  /** v1 lists them; v3 does not embed children (null) */
  applicationIds: number[] | null;
}

export interface HarvestApplication {
  id: number;
  candidateId: number | null;
  /** v1 `jobs[0].id`, v3 flat `job_id` */
  jobId: number | null;
  /**
   * v1 `current_stage.id`, v3 flat `stage_id`: a job interview stage id, or (one reading of v3) an
   * application-stage id. Compare stages by name across versions; send it back as a move's guard.
   */
  stageId: number | null;
  /** v1 `current_stage.name`; v3 `stage_name`, or looked up among the job's stages by getApplication */
  stageName: string | null;
  status: string | null;
  prospect: boolean;
  customFields: Record<string, unknown>;
}

export interface CandidateMatch {
  candidate: HarvestCandidate;
  /** the candidate's applications (only those of `jobId` when one was given) */
  applications: HarvestApplication[];
}

export type NoteVisibility = 'admin_only' | 'private' | 'public';

export interface HarvestNote {
  id: number | null;
  body: string | null;
  visibility: string | null;
}

export type AttachmentType = 'resume' | 'cover_letter' | 'admin_only' | 'other' | 'take_home_test' | string;

export interface NewAttachment {
  filename: string;
  type: AttachmentType;
  /** base64 of the file */
  content: string;
  /** e.g. application/pdf */
  contentType: string;
  /** honoured by Greenhouse for type `other` only; default admin_only */
  visibility?: NoteVisibility;
}

export interface HarvestAttachment {
  filename: string;
  url: string | null;
  type: string | null;
}

/** One value to write: by field id or name_key; `value`, or `delete: true` to clear it. */
export type CustomFieldValue =
  | { id: number; nameKey?: never; value: unknown; delete?: never }
  | { nameKey: string; id?: never; value: unknown; delete?: never }
  | { id: number; nameKey?: never; delete: true; value?: never }
  | { nameKey: string; id?: never; delete: true; value?: never };

export interface ListOptions {
  /** page size (≤ 500); default 100 */
  perPage?: number;
}

/** The Harvest operations a vendor needs (greenhouse.md §3.3), identical for v1 and v3. */
export interface HarvestClient {
  readonly version: HarvestVersion;
  /** the Greenhouse user writes are made as (On-Behalf-Of in v1, `sub` in v3), when known */
  readonly auditUserId: number | null;

  listJobs(opts?: ListOptions): AsyncIterable<HarvestJob>;
  listJobStages(jobId: number): Promise<HarvestStage[]>;
  getHiringTeam(jobId: number): Promise<HiringTeamMember[]>;
  listUsers(opts?: ListOptions): AsyncIterable<HarvestUser>;
  listCustomFields(fieldType: CustomFieldType): Promise<CustomFieldDefinition[]>;
  listEmailTemplates(opts?: ListOptions): AsyncIterable<HarvestEmailTemplate>;
  listCandidates(opts?: ListOptions): AsyncIterable<HarvestCandidate>;
  /** exact, case-insensitive e-mail match; with `jobId`, only candidates with an application to it */
  findCandidatesByEmail(email: string, opts?: { jobId?: number }): Promise<CandidateMatch[]>;
  getApplication(applicationId: number): Promise<HarvestApplication>;
  updateApplicationCustomFields(applicationId: number, values: CustomFieldValue[]): Promise<void>;
  /** the fallback where application custom fields are unavailable (non-Enterprise plans) */
  updateCandidateCustomFields(candidateId: number, values: CustomFieldValue[]): Promise<void>;
  /** The candidate's notes: checked before a note is added again (a retry after a crash). */
  listCandidateNotes(candidateId: number): Promise<HarvestNote[]>;
  /** The application's attachments (v1 reads them from the candidate, hence both ids). */
  listApplicationAttachments(applicationId: number, candidateId: number): Promise<HarvestAttachment[]>;
  /** `applicationId`: the application the note is about (v3 records it; v1 ignores it) */
  addCandidateNote(
    candidateId: number,
    note: { body: string; visibility: NoteVisibility; applicationId?: number },
  ): Promise<HarvestNote>;
  addApplicationAttachment(applicationId: number, attachment: NewAttachment): Promise<HarvestAttachment>;
  /** `fromStageId` must be the application's `stageId` as read (Greenhouse's guard) */
  moveApplicationStage(
    applicationId: number,
    move: { fromStageId: number; toStageId: number },
  ): Promise<void>;
}
