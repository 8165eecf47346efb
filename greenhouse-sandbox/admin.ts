import type { CredentialStore, V1Key, V3Client } from './credentials.js';
import type { Faults } from './faults.js';
import type { CallbackAuth, PartnerApiSettings, TakeHomeTest } from './model.js';
import type { Operations } from './operations.js';
import type { PartnerClient } from './client/partner-client.js';
import type { V1Permission, V3Scope } from './permissions.js';
import type { OrgSeed } from './seed.js';
import { seedOrg } from './seed.js';
import type { Org, SandboxState } from './store.js';
import type { WebhookSender } from './webhooks/sender.js';

export class SandboxError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OrgInfo {
  id: number;
  name: string;
  plan: 'enterprise' | 'standard';
  siteAdminId: number;
  userIds: number[];
  jobIds: number[];
  candidateCount: number;
  credentials: {
    v1: { id: string; key: string; permissions: 'all' | string[]; revoked: boolean }[];
    v3: {
      id: string;
      clientId: string;
      clientSecret: string;
      scopes: 'all' | string[];
      integration: string;
      revoked: boolean;
    }[];
  };
  integration: Org['integration'];
}

export interface IntegrationInput {
  partnerApi?: PartnerApiSettings | null;
  callbackAuth?: CallbackAuth;
  webhook?: {
    url: string;
    secret: string;
    enabled?: boolean;
    ping?: boolean;
    /** Subscribed events (null or absent: all). */
    events?: string[] | null;
  } | null;
}

/** The recruiter's and the test author's levers, shared by the in-process API and `/_sandbox` routes. */
export class SandboxAdmin {
  constructor(
    private readonly state: SandboxState,
    private readonly creds: CredentialStore,
    private readonly ops: Operations,
    private readonly partner: PartnerClient,
    private readonly webhooks: WebhookSender,
    readonly faults: Faults,
  ) {}

  org(orgId: number): Org {
    const o = this.state.org(orgId);
    if (!o) throw new SandboxError(404, `organisation ${orgId} not found`);
    return o;
  }

  createOrg(spec: OrgSeed = {}): OrgInfo {
    return this.orgInfo(seedOrg(this.state, this.creds, spec).org.id);
  }

  orgInfo(orgId: number): OrgInfo {
    const o = this.org(orgId);
    const list = this.creds.list(orgId);
    return {
      id: o.id,
      name: o.name,
      plan: o.plan,
      siteAdminId: o.siteAdmin()?.id ?? -1,
      userIds: o.users.all().map((u) => u.id),
      jobIds: o.jobs.all().map((j) => j.id),
      candidateCount: o.candidates.size,
      credentials: {
        v1: list
          .filter((c): c is V1Key => c.kind === 'v1')
          .map((c) => ({
            id: c.id,
            key: c.key,
            permissions: c.permissions === 'all' ? 'all' : [...c.permissions],
            revoked: c.revoked,
          })),
        v3: list
          .filter((c): c is V3Client => c.kind === 'v3')
          .map((c) => ({
            id: c.id,
            clientId: c.clientId,
            clientSecret: c.clientSecret,
            scopes: c.scopes === 'all' ? 'all' : [...c.scopes],
            integration: c.integration,
            revoked: c.revoked,
          })),
      },
      integration: o.integration,
    };
  }

  addV1Key(orgId: number, permissions: 'all' | readonly V1Permission[] = 'all', key?: string): V1Key {
    this.org(orgId);
    return this.creds.addV1(orgId, { permissions, ...(key ? { key } : {}) });
  }

  addV3Client(
    orgId: number,
    opts: {
      scopes?: 'all' | readonly V3Scope[];
      integration?: 'custom' | 'partner';
      clientId?: string;
      clientSecret?: string;
    } = {},
  ): V3Client {
    this.org(orgId);
    return this.creds.addV3(orgId, opts);
  }

  revokeCredential(id: string): void {
    if (!this.creds.revoke(id)) throw new SandboxError(404, `credential ${id} not found`);
  }

  restoreCredential(id: string): void {
    if (!this.creds.restore(id)) throw new SandboxError(404, `credential ${id} not found`);
  }

  /** Point the organisation at our partner API, callback credential and webhook endpoint. */
  async configureIntegration(orgId: number, input: IntegrationInput): Promise<Org['integration']> {
    const o = this.org(orgId);
    if (input.partnerApi !== undefined) o.integration.partnerApi = input.partnerApi;
    if (input.callbackAuth !== undefined) o.integration.callbackAuth = input.callbackAuth;
    if (input.webhook !== undefined) {
      if (input.webhook === null) o.integration.webhook = null;
      else {
        o.integration.webhook = {
          url: input.webhook.url,
          secret: input.webhook.secret,
          enabled: input.webhook.enabled ?? true,
          events: input.webhook.events ?? null,
        };
        if (input.webhook.ping) await this.webhooks.ping(o);
      }
    }
    return o.integration;
  }

  private app(orgId: number, applicationId: number) {
    const o = this.org(orgId);
    const a = o.applications.get(applicationId);
    if (!a) throw new SandboxError(404, `application ${applicationId} not found`);
    return { o, a };
  }

  private unwrap<T>(out: { ok: true; value: T } | { ok: false; errors: { message: string }[] }): T {
    if (!out.ok) throw new SandboxError(422, out.errors.map((e) => e.message).join('; '));
    return out.value;
  }

  /** A recruiter drags the candidate into a stage (by id or name): fires candidate_stage_change. */
  moveStage(orgId: number, applicationId: number, to: { stageId?: number; stageName?: string }): void {
    const { o, a } = this.app(orgId, applicationId);
    const stage =
      to.stageId !== undefined
        ? o.stages.get(to.stageId)
        : o.stagesOfJob(a.jobId).find((s) => s.name === to.stageName);
    if (!stage) throw new SandboxError(422, 'stage not found for this job');
    this.unwrap(this.ops.move(o, a, a.stageId, stage.id, 'admin'));
  }

  hire(orgId: number, applicationId: number): void {
    const { o, a } = this.app(orgId, applicationId);
    this.unwrap(this.ops.hire(o, a));
  }

  reject(orgId: number, applicationId: number, reason?: string): void {
    const { o, a } = this.app(orgId, applicationId);
    this.unwrap(this.ops.reject(o, a, reason));
  }

  deleteCandidate(orgId: number, candidateId: number): void {
    if (!this.ops.deleteCandidate(this.org(orgId), candidateId))
      throw new SandboxError(404, `candidate ${candidateId} not found`);
  }

  /** "Merge candidates" in Greenhouse: `candidateId`'s applications move to `intoCandidateId`. */
  mergeCandidates(orgId: number, candidateId: number, intoCandidateId: number): void {
    const o = this.org(orgId);
    if (candidateId === intoCandidateId)
      throw new SandboxError(422, 'a candidate cannot be merged into itself');
    for (const id of [candidateId, intoCandidateId]) {
      if (!o.candidates.get(id)) throw new SandboxError(404, `candidate ${id} not found`);
    }
    this.ops.mergeCandidates(o, candidateId, intoCandidateId);
  }

  anonymizeCandidate(orgId: number, candidateId: number, fields?: string[]): void {
    const o = this.org(orgId);
    const c = o.candidates.get(candidateId);
    if (!c) throw new SandboxError(404, `candidate ${candidateId} not found`);
    this.ops.anonymize(o, c, fields);
  }

  /** "Recruiter clicks Send test": the sandbox calls our send_test. `reuse` models a double click. */
  async sendTest(
    orgId: number,
    applicationId: number,
    opts: { partnerTestId: string; partnerTestName?: string; sentByUserId?: number; reuse?: boolean },
  ) {
    const { o, a } = this.app(orgId, applicationId);
    if (!o.integration.partnerApi)
      throw new SandboxError(409, 'no partner API configured for this organisation');
    return this.partner.track(this.partner.sendTest(o, a, opts));
  }

  async listTests(orgId: number) {
    const o = this.org(orgId);
    if (!o.integration.partnerApi)
      throw new SandboxError(409, 'no partner API configured for this organisation');
    return this.partner.listTests(o);
  }

  /** Greenhouse's own test_status call outside the PATCH flow (legacy polling). */
  async checkStatus(orgId: number, testId: number) {
    const o = this.org(orgId);
    const t = o.tests.get(testId);
    if (!t) throw new SandboxError(404, `test ${testId} not found`);
    return this.partner.track(this.partner.testStatus(o, t, 'admin'));
  }

  /** An outstanding take-home test without calling the partner (vendor-mode tests of the attachment rule). */
  addOutstandingTest(orgId: number, applicationId: number, partnerTestId = 'sandbox-test'): TakeHomeTest {
    const { o, a } = this.app(orgId, applicationId);
    return o.tests.add({
      id: this.state.ids.id(),
      applicationId: a.id,
      candidateId: a.candidateId,
      partnerTestId,
      partnerTestName: null,
      partnerInterviewId: null,
      state: 'sent',
      partnerStatus: null,
      partnerScore: null,
      partnerProfileUrl: null,
      metadata: null,
      sentBy: null,
      createdAt: this.state.now(),
    });
  }

  cancelTest(orgId: number, testId: number): void {
    const t = this.org(orgId).tests.get(testId);
    if (!t) throw new SandboxError(404, `test ${testId} not found`);
    t.state = 'cancelled';
  }

  tests(orgId: number): TakeHomeTest[] {
    return this.org(orgId).tests.all();
  }
}
