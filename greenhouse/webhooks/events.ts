import { z } from 'zod';

/**
 * Webhook bodies `{ action, payload }` (greenhouse.md §4, shapes from Greenhouse's examples), read
 * into one normalised union with string ids. Only what the journeys act on is read; everything else
 * in the (large) payloads is ignored, so Greenhouse adding fields never breaks us. An action we do
 * not handle becomes `unsupported`: the route answers 200 and ignores it (4xx would only make
 * Greenhouse retry it for 15 hours).
 */

/** Greenhouse ids are JSON numbers; accept digit strings too and hand out strings. */
const Id = z
  .union([z.number().int().nonnegative(), z.string().trim().regex(/^\d+$/)])
  .transform((v) => String(v));

const Named = z.object({ id: Id, name: z.string() });
const Jobs = z
  .array(z.object({ id: Id }))
  .nullish()
  .transform((jobs) => (jobs ?? []).map((j) => j.id));

const Candidate = z.object({
  id: Id,
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  email_addresses: z
    .array(z.object({ value: z.string() }))
    .nullish()
    .transform((a) => (a ?? []).map((e) => e.value)),
});

const ApplicationBlock = z.object({
  id: Id,
  candidate: Candidate,
  jobs: Jobs,
});

export const CandidateStageChangeSchema = z.object({
  action: z.literal('candidate_stage_change'),
  payload: z.object({ application: ApplicationBlock.extend({ current_stage: Named }) }),
});
export const HireCandidateSchema = z.object({
  action: z.literal('hire_candidate'),
  payload: z.object({ application: ApplicationBlock }),
});
export const RejectCandidateSchema = z.object({
  action: z.literal('reject_candidate'),
  payload: z.object({ application: ApplicationBlock }),
});
export const DeleteCandidateSchema = z.object({
  action: z.literal('delete_candidate'),
  payload: z.object({
    person: z.object({
      id: Id,
      deleted_application_ids: z
        .array(Id)
        .nullish()
        .transform((v) => v ?? []),
    }),
  }),
});
export const CandidateAnonymizedSchema = z.object({
  action: z.literal('candidate_anonymized'),
  payload: z.object({
    candidate_id: Id,
    anonymized_fields: z
      .array(z.string())
      .nullish()
      .transform((v) => v ?? []),
  }),
});
/** `person.id` was merged into `new_candidate_id` (the surviving candidate). */
export const MergeCandidateSchema = z.object({
  action: z.literal('merge_candidate'),
  payload: z.object({ person: z.object({ id: Id, new_candidate_id: Id }) }),
});
/** Sent once when the webhook is set up; a failed ping creates the webhook disabled. */
export const PingSchema = z.object({
  action: z.literal('ping'),
  payload: z
    .object({ web_hook_id: Id.nullish() })
    .nullish()
    .transform((p) => p ?? {}),
});

export const SUPPORTED_WEBHOOK_ACTIONS = [
  'candidate_stage_change',
  'hire_candidate',
  'reject_candidate',
  'delete_candidate',
  'candidate_anonymized',
  'merge_candidate',
  'ping',
] as const;
export type SupportedWebhookAction = (typeof SUPPORTED_WEBHOOK_ACTIONS)[number];

export interface WebhookCandidate {
  firstName: string | null;
  lastName: string | null;
  emails: string[];
}

export type WebhookEvent =
  | {
      action: 'candidate_stage_change';
      applicationId: string;
      candidateId: string;
      jobIds: string[];
      stage: { id: string; name: string };
      candidate: WebhookCandidate;
    }
  | {
      action: 'hire_candidate' | 'reject_candidate';
      applicationId: string;
      candidateId: string;
      jobIds: string[];
    }
  | { action: 'delete_candidate'; candidateId: string; deletedApplicationIds: string[] }
  | { action: 'candidate_anonymized'; candidateId: string; anonymizedFields: string[] }
  | { action: 'merge_candidate'; candidateId: string; mergedIntoCandidateId: string }
  | { action: 'ping'; webHookId: string | null }
  | { action: 'unsupported'; name: string };

export type WebhookParseResult =
  { ok: true; event: WebhookEvent } | { ok: false; action: string | null; message: string };

const Envelope = z.object({ action: z.string().min(1) });

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

function normalise(action: SupportedWebhookAction, json: unknown): WebhookEvent | z.ZodError {
  switch (action) {
    case 'candidate_stage_change': {
      const r = CandidateStageChangeSchema.safeParse(json);
      if (!r.success) return r.error;
      const a = r.data.payload.application;
      return {
        action,
        applicationId: a.id,
        candidateId: a.candidate.id,
        jobIds: a.jobs,
        stage: { id: a.current_stage.id, name: a.current_stage.name },
        candidate: {
          firstName: a.candidate.first_name ?? null,
          lastName: a.candidate.last_name ?? null,
          emails: a.candidate.email_addresses,
        },
      };
    }
    case 'hire_candidate':
    case 'reject_candidate': {
      const schema = action === 'hire_candidate' ? HireCandidateSchema : RejectCandidateSchema;
      const r = schema.safeParse(json);
      if (!r.success) return r.error;
      const a = r.data.payload.application;
      return { action, applicationId: a.id, candidateId: a.candidate.id, jobIds: a.jobs };
    }
    case 'delete_candidate': {
      const r = DeleteCandidateSchema.safeParse(json);
      if (!r.success) return r.error;
      const p = r.data.payload.person;
      return { action, candidateId: p.id, deletedApplicationIds: p.deleted_application_ids };
    }
    case 'candidate_anonymized': {
      const r = CandidateAnonymizedSchema.safeParse(json);
      if (!r.success) return r.error;
      const p = r.data.payload;
      return { action, candidateId: p.candidate_id, anonymizedFields: p.anonymized_fields };
    }
    case 'merge_candidate': {
      const r = MergeCandidateSchema.safeParse(json);
      if (!r.success) return r.error;
      const p = r.data.payload.person;
      return { action, candidateId: p.id, mergedIntoCandidateId: p.new_candidate_id };
    }
    case 'ping': {
      const r = PingSchema.safeParse(json);
      if (!r.success) return r.error;
      return { action, webHookId: r.data.payload.web_hook_id ?? null };
    }
  }
}

/**
 * Never throws. `ok: false` only when the body is not a Greenhouse webhook at all (no `action`) or a
 * supported action's payload lacks what we need; the caller decides (log and answer 200, or 400).
 */
export function safeParseWebhookEvent(json: unknown): WebhookParseResult {
  const env = Envelope.safeParse(json);
  if (!env.success) return { ok: false, action: null, message: 'the webhook body has no "action"' };
  const name = env.data.action;
  if (!(SUPPORTED_WEBHOOK_ACTIONS as readonly string[]).includes(name)) {
    return { ok: true, event: { action: 'unsupported', name } };
  }
  const out = normalise(name as SupportedWebhookAction, json);
  if (out instanceof z.ZodError) {
    return { ok: false, action: name, message: `unreadable ${name} webhook: ${describeIssues(out)}` };
  }
  return { ok: true, event: out };
}

export class InvalidWebhookPayloadError extends Error {
  override readonly name = 'InvalidWebhookPayloadError';
  constructor(
    readonly action: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Like safeParseWebhookEvent, throwing InvalidWebhookPayloadError; unknown actions never throw. */
export function parseWebhookEvent(json: unknown): WebhookEvent {
  const r = safeParseWebhookEvent(json);
  if (!r.ok) throw new InvalidWebhookPayloadError(r.action, r.message);
  return r.event;
}

/** From the raw bytes (after the signature check): JSON.parse, then safeParseWebhookEvent. */
export function safeParseWebhookBody(rawBody: Buffer): WebhookParseResult {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, action: null, message: 'the webhook body is not JSON' };
  }
  return safeParseWebhookEvent(json);
}
