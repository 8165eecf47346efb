import type { Clock } from './clock.js';
import { IdList } from './id-list.js';
import type {
  Application,
  Candidate,
  CustomField,
  EmailTemplate,
  IntegrationSettings,
  Job,
  Stage,
  TakeHomeTest,
  User,
} from './model.js';

/** One Greenhouse organisation (one vendor tenant's customer account). */
export class Org {
  readonly users = new IdList<User>();
  readonly jobs = new IdList<Job>();
  readonly stages = new Map<number, Stage>();
  readonly customFields = new IdList<CustomField>();
  readonly emailTemplates = new IdList<EmailTemplate>();
  readonly candidates = new IdList<Candidate>();
  readonly applications = new IdList<Application>();
  readonly tests = new IdList<TakeHomeTest>();
  /** lower-cased e-mail → candidate ids */
  private readonly byEmail = new Map<string, Set<number>>();
  /** job id → application ids (ascending) */
  private readonly byJob = new Map<number, number[]>();

  constructor(
    readonly id: number,
    public name: string,
    public plan: 'enterprise' | 'standard',
    public integration: IntegrationSettings,
  ) {}

  addCandidate(c: Candidate): Candidate {
    this.candidates.add(c);
    for (const e of c.emails) this.indexEmail(e.value, c.id);
    return c;
  }

  indexEmail(email: string, candidateId: number): void {
    const k = email.toLowerCase();
    let s = this.byEmail.get(k);
    if (!s) this.byEmail.set(k, (s = new Set()));
    s.add(candidateId);
  }

  unindexCandidateEmails(c: Candidate): void {
    for (const e of c.emails) this.byEmail.get(e.value.toLowerCase())?.delete(c.id);
  }

  candidateIdsByEmail(email: string): number[] {
    return [...(this.byEmail.get(email.toLowerCase()) ?? [])].sort((a, b) => a - b);
  }

  addApplication(a: Application): Application {
    this.applications.add(a);
    let list = this.byJob.get(a.jobId);
    if (!list) this.byJob.set(a.jobId, (list = []));
    list.push(a.id);
    this.candidates.get(a.candidateId)?.applicationIds.push(a.id);
    return a;
  }

  applicationIdsForJob(jobId: number): number[] {
    return (this.byJob.get(jobId) ?? []).filter((id) => this.applications.has(id));
  }

  removeCandidate(id: number): { candidate: Candidate; applicationIds: number[] } | undefined {
    const c = this.candidates.get(id);
    if (!c) return undefined;
    this.unindexCandidateEmails(c);
    for (const appId of c.applicationIds) this.applications.remove(appId);
    this.candidates.remove(id);
    return { candidate: c, applicationIds: [...c.applicationIds] };
  }

  siteAdmin(): User | undefined {
    return this.users.all().find((u) => u.siteAdmin && !u.disabled);
  }

  stagesOfJob(jobId: number): Stage[] {
    const job = this.jobs.get(jobId);
    return job ? job.stageIds.map((id) => this.stages.get(id)).filter((s): s is Stage => !!s) : [];
  }

  /** The take-home tests of an application that were not cancelled. */
  testsOf(applicationId: number): TakeHomeTest[] {
    return this.tests.all().filter((t) => t.applicationId === applicationId && t.state !== 'cancelled');
  }
}

/** Monotonic id generator shared by every organisation, so ids never collide across orgs. */
export class IdGen {
  constructor(private next = 1000) {}
  id(): number {
    return this.next++;
  }
  /** Jump so seeded data of different orgs keeps readable id ranges. */
  atLeast(n: number): void {
    if (this.next < n) this.next = n;
  }
}

export class SandboxState {
  readonly orgs = new Map<number, Org>();
  readonly ids = new IdGen();
  /** Public base URL of the sandbox (used in Link headers, profile URLs, callback URLs, file URLs). */
  url = 'http://127.0.0.1';

  constructor(readonly clock: Clock) {}

  org(id: number): Org | undefined {
    return this.orgs.get(id);
  }

  addOrg(org: Org): Org {
    this.orgs.set(org.id, org);
    return org;
  }

  now(): number {
    return this.clock.now();
  }
}
