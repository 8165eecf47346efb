/** The sandbox's in-memory records. Times are epoch milliseconds; serializers turn them into ISO strings. */

export const VALUE_TYPES = [
  'short_text',
  'long_text',
  'yes_no',
  'single_select',
  'multi_select',
  'number',
  'currency',
  'number_range',
  'currency_range',
  'date',
  'url',
  'user',
] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export const NOTE_VISIBILITIES = ['admin_only', 'private', 'public'] as const;
export type NoteVisibility = (typeof NOTE_VISIBILITIES)[number];

export const ATTACHMENT_TYPES = [
  'resume',
  'cover_letter',
  'admin_only',
  'take_home_test',
  'offer_packet',
  'offer_letter',
  'signed_offer_letter',
  'other',
] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

export interface User {
  id: number;
  firstName: string;
  lastName: string;
  emails: string[]; // first one is the primary
  siteAdmin: boolean;
  disabled: boolean;
  employeeId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface Interview {
  id: number;
  name: string;
}

export interface Stage {
  id: number;
  jobId: number;
  name: string;
  priority: number;
  active: boolean;
  /** The stage holds a take-home test interview of the partner (where "Send test" is offered). */
  takeHomeTest: boolean;
  interviews: Interview[];
  createdAt: number;
  updatedAt: number;
}

export interface TeamMember {
  userId: number;
  responsible: boolean;
  active: boolean;
}

export interface Job {
  id: number;
  name: string;
  requisitionId: string | null;
  notes: string | null;
  confidential: boolean;
  status: 'open' | 'closed' | 'draft';
  createdAt: number;
  openedAt: number | null;
  closedAt: number | null;
  updatedAt: number;
  departments: { id: number; name: string }[];
  offices: { id: number; name: string; location: string }[];
  stageIds: number[];
  hiringTeam: {
    hiringManagers: TeamMember[];
    recruiters: TeamMember[];
    coordinators: TeamMember[];
    sourcers: TeamMember[];
  };
}

export interface CustomFieldOption {
  id: number;
  name: string;
  priority: number;
  externalId: string | null;
}

export interface CustomField {
  id: number;
  name: string;
  nameKey: string;
  fieldType: 'candidate' | 'application' | 'job';
  valueType: ValueType;
  private: boolean;
  required: boolean;
  active: boolean;
  priority: number;
  description: string | null;
  options: CustomFieldOption[];
  createdAt: number;
}

/** Canonical stored values: option ids for selects, a user id for `user`. */
export type StoredValue =
  | string
  | number
  | boolean
  | number[]
  | { unit: string; amount: number }
  | { min_value: number; max_value: number; unit?: string };

export interface Attachment {
  id: number;
  filename: string;
  type: AttachmentType;
  contentType: string | null;
  visibility: NoteVisibility;
  content: Buffer | null;
  sourceUrl: string | null;
  createdAt: number;
}

export interface Note {
  id: number;
  candidateId: number;
  /** v3 notes may name the application they are about */
  applicationId: number | null;
  /** v3 `note_type` (null for v1 notes) */
  noteType: string | null;
  userId: number;
  body: string;
  visibility: NoteVisibility;
  createdAt: number;
}

export interface Candidate {
  id: number;
  firstName: string;
  lastName: string;
  company: string | null;
  title: string | null;
  isPrivate: boolean;
  createdAt: number;
  updatedAt: number;
  lastActivity: number;
  emails: { value: string; type: string }[];
  phones: { value: string; type: string }[];
  tags: string[];
  applicationIds: number[];
  attachments: Attachment[];
  notes: Note[];
  customFields: Map<number, StoredValue>;
  recruiterId: number | null;
  coordinatorId: number | null;
  anonymized: boolean;
}

export interface Application {
  id: number;
  candidateId: number;
  jobId: number;
  stageId: number | null;
  status: 'active' | 'rejected' | 'hired';
  prospect: boolean;
  appliedAt: number;
  rejectedAt: number | null;
  lastActivityAt: number;
  source: { id: number; public_name: string } | null;
  creditedToId: number | null;
  rejectionReason: { id: number; name: string; type: { id: number; name: string } } | null;
  attachments: Attachment[];
  customFields: Map<number, StoredValue>;
}

export interface EmailTemplate {
  id: number;
  name: string;
  description: string | null;
  isDefault: boolean;
  type: string;
  from: string | null;
  cc: string[];
  body: string | null;
  htmlBody: string | null;
  userId: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A take-home test as Greenhouse tracks it for one application (created by "Send test"). */
export interface TakeHomeTest {
  id: number;
  applicationId: number;
  candidateId: number;
  partnerTestId: string;
  partnerTestName: string | null;
  partnerInterviewId: string | null;
  /** Greenhouse's own view: sending → sent | send_failed; cancelled by the admin API. */
  state: 'sending' | 'sent' | 'send_failed' | 'cancelled';
  partnerStatus: string | null;
  partnerScore: number | null;
  partnerProfileUrl: string | null;
  metadata: Record<string, unknown> | null;
  sentBy: string | null;
  createdAt: number;
}

export interface PartnerApiSettings {
  /** Our partner API base; endpoint URLs default to `${baseUrl}/<name>` and may be overridden one by one. */
  baseUrl: string;
  apiKey: string;
  urls?: Partial<Record<'list_tests' | 'send_test' | 'test_status' | 'response_error', string>>;
}

export type CallbackAuth = { kind: 'basic_key'; key: string } | { kind: 'bearer'; token: string };

export interface WebhookSettings {
  url: string;
  secret: string;
  enabled: boolean;
  /**
   * The events the customer subscribed to (Greenhouse configures one webhook per event); null: all.
   * A merge sends `merge_candidate` when subscribed, else `delete_candidate` with empty
   * `deleted_application_ids` when that one is (greenhouse.md §0, delete via merge).
   */
  events: string[] | null;
}

export interface IntegrationSettings {
  partnerApi: PartnerApiSettings | null;
  callbackAuth: CallbackAuth;
  webhook: WebhookSettings | null;
}
