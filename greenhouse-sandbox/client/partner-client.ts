import type { Application, Candidate, PartnerApiSettings, TakeHomeTest } from '../model.js';
import type { RequestLog } from '../request-log.js';
import type { Org, SandboxState } from '../store.js';

export type PartnerCall = 'list_tests' | 'send_test' | 'test_status' | 'response_error';

export interface PartnerCallResult {
  call: PartnerCall;
  orgId: number;
  testId: number | null;
  at: number;
  status: number | null;
  /** request body sent (send_test, response_error) */
  request: unknown;
  body: unknown;
  /** problems Greenhouse found in our answer (also reported to response_error) */
  errors: string[];
  trigger?: 'patch' | 'admin' | 'poll';
  /** test_status only: whether the update stuck (the candidate must be active and unhired) */
  applied?: boolean;
}

export interface ReceivedPatch {
  testId: number;
  orgId: number | null;
  at: number;
  status: number;
  authorized: boolean;
}

const isPrimitive = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Greenhouse as a client of our Assessment Partner API (greenhouse.md §2). */
export class PartnerClient {
  readonly calls: PartnerCallResult[] = [];
  readonly patches: ReceivedPatch[] = [];
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly state: SandboxState,
    private readonly log: RequestLog,
    private readonly timeoutMs = 10_000,
  ) {}

  private urlOf(p: PartnerApiSettings, call: PartnerCall): string {
    return p.urls?.[call] ?? `${p.baseUrl.replace(/\/$/, '')}/${call}`;
  }

  private settings(org: Org): PartnerApiSettings {
    const p = org.integration.partnerApi;
    if (!p) throw new Error(`organisation ${org.id} has no partner API configured`);
    return p;
  }

  /** Track background work so tests and close() can wait for it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private async http(
    org: Org,
    call: PartnerCall,
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
  ): Promise<{ status: number | null; body: unknown; error?: string }> {
    const p = this.settings(org);
    const headers: Record<string, string> = {
      Authorization: `Basic ${Buffer.from(`${p.apiKey}:`).toString('base64')}`,
      Accept: 'application/json',
      'User-Agent': 'Greenhouse (sandbox)',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const started = Date.now();
    let status: number | null = null;
    let parsed: unknown = null;
    let error: string | undefined;
    try {
      const res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      const text = await res.text();
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const u = new URL(url);
    this.log.add({
      at: this.state.now(),
      direction: 'outbound',
      api: 'partner',
      method,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: { ...headers, Authorization: 'Basic [redacted]' },
      body: { call, request: body ?? null, response: parsed },
      status,
      durationMs: Date.now() - started,
      credentialId: null,
      orgId: org.id,
      fault: null,
      ...(error ? { error } : {}),
    });
    return { status, body: parsed, ...(error ? { error } : {}) };
  }

  private record(r: PartnerCallResult): PartnerCallResult {
    this.calls.push(r);
    return r;
  }

  async listTests(org: Org): Promise<PartnerCallResult> {
    const res = await this.http(org, 'list_tests', 'GET', this.urlOf(this.settings(org), 'list_tests'));
    const errors: string[] = [];
    if (res.status !== 200) errors.push(`list_tests answered ${res.status ?? res.error}`);
    else if (!Array.isArray(res.body)) errors.push('list_tests must answer a JSON array');
    else
      res.body.forEach((t: unknown, i) => {
        const o = t as Record<string, unknown> | null;
        if (!o || typeof o.partner_test_id !== 'string' || o.partner_test_id === '')
          errors.push(`test ${i}: partner_test_id must be a non-empty string`);
        if (!o || typeof o.partner_test_name !== 'string' || o.partner_test_name === '')
          errors.push(`test ${i}: partner_test_name must be a non-empty string`);
      });
    if (errors.length && res.status !== null && res.status < 500)
      await this.reportError(org, { api_call: 'list_tests', errors });
    return this.record({
      call: 'list_tests',
      orgId: org.id,
      testId: null,
      at: this.state.now(),
      status: res.status,
      request: null,
      body: res.body,
      errors,
    });
  }

  /** The exact send_test body of the docs, unused fields included and preferred_name null. */
  sendTestBody(org: Org, test: TakeHomeTest, c: Candidate, a: Application): Record<string, unknown> {
    const base = this.state.url;
    const sentBy = test.sentBy;
    return {
      partner_test_id: test.partnerTestId,
      candidate: {
        first_name: c.firstName,
        last_name: c.lastName,
        preferred_name: null,
        resume_url: `${base}/_sandbox/resumes/${c.id}?expires=${this.state.now() + 7 * 86_400_000}`,
        phone_number: c.phones[0]?.value ?? null,
        email: c.emails[0]?.value ?? null,
        greenhouse_profile_url: `${base}/people/${c.id}?application_id=${a.id}`,
      },
      sent_by: sentBy,
      url: `${base}/integrations/testing_partners/take_home_tests/${test.id}`,
    };
  }

  /** "Recruiter clicks Send test": creates (or, on a repeat, reuses) the take-home test and calls send_test. */
  async sendTest(
    org: Org,
    a: Application,
    opts: { partnerTestId: string; partnerTestName?: string | null; sentByUserId?: number; reuse?: boolean },
  ): Promise<{ test: TakeHomeTest; result: PartnerCallResult }> {
    const c = org.candidates.get(a.candidateId);
    if (!c) throw new Error('candidate not found');
    const sender = opts.sentByUserId !== undefined ? org.users.get(opts.sentByUserId) : org.siteAdmin();
    let test = opts.reuse ? org.testsOf(a.id).find((t) => t.partnerTestId === opts.partnerTestId) : undefined;
    if (!test) {
      test = org.tests.add({
        id: this.state.ids.id(),
        applicationId: a.id,
        candidateId: c.id,
        partnerTestId: opts.partnerTestId,
        partnerTestName: opts.partnerTestName ?? null,
        partnerInterviewId: null,
        state: 'sending',
        partnerStatus: null,
        partnerScore: null,
        partnerProfileUrl: null,
        metadata: null,
        sentBy: sender?.emails[0] ?? null,
        createdAt: this.state.now(),
      });
    }
    const request = this.sendTestBody(org, test, c, a);
    const res = await this.http(
      org,
      'send_test',
      'POST',
      this.urlOf(this.settings(org), 'send_test'),
      request,
    );
    const errors: string[] = [];
    const id = (res.body as Record<string, unknown> | null)?.partner_interview_id;
    if (res.status !== 200) errors.push(`send_test answered ${res.status ?? res.error}`);
    else if (typeof id !== 'string' || id === '')
      errors.push('partner_interview_id must be a non-empty string');
    if (errors.length === 0) {
      test.partnerInterviewId = id as string;
      test.state = 'sent';
    } else {
      if (test.state === 'sending') test.state = 'send_failed';
      if (res.status !== null && res.status < 500)
        await this.reportError(org, {
          api_call: 'send_test',
          errors,
          partner_test_id: test.partnerTestId,
          ...(test.partnerTestName ? { partner_test_name: test.partnerTestName } : {}),
          candidate_email: c.emails[0]?.value,
        });
    }
    const result = this.record({
      call: 'send_test',
      orgId: org.id,
      testId: test.id,
      at: this.state.now(),
      status: res.status,
      request,
      body: res.body,
      errors,
      trigger: 'admin',
    });
    return { test, result };
  }

  /** GET test_status and validate it as Greenhouse does; failures go to response_error. */
  async testStatus(
    org: Org,
    test: TakeHomeTest,
    trigger: 'patch' | 'admin' | 'poll',
  ): Promise<PartnerCallResult> {
    const url = new URL(this.urlOf(this.settings(org), 'test_status'));
    url.searchParams.set('partner_interview_id', test.partnerInterviewId ?? '');
    const res = await this.http(org, 'test_status', 'GET', url.toString());
    const errors: string[] = [];
    const b = res.body as Record<string, unknown> | null;
    if (res.status !== 200) errors.push(`test_status answered ${res.status ?? res.error}`);
    else if (!b || typeof b !== 'object' || Array.isArray(b))
      errors.push('test_status must answer a JSON object');
    else {
      if (typeof b.partner_status !== 'string' || b.partner_status === '')
        errors.push('partner_status is missing');
      if (
        b.partner_status === 'complete' &&
        (typeof b.partner_profile_url !== 'string' || b.partner_profile_url === '')
      ) {
        errors.push("partner_status is 'complete' but partner_profile url is missing");
      }
      if (
        b.partner_score !== undefined &&
        b.partner_score !== null &&
        (typeof b.partner_score !== 'number' || !Number.isFinite(b.partner_score))
      )
        errors.push('partner_score must be a number');
      if (b.metadata !== undefined && b.metadata !== null) {
        if (typeof b.metadata !== 'object' || Array.isArray(b.metadata))
          errors.push('metadata must be a flat object');
        else if (!Object.values(b.metadata).every(isPrimitive))
          errors.push('metadata values must be strings, numbers or booleans');
      }
    }
    let applied = false;
    const app = org.applications.get(test.applicationId);
    if (errors.length === 0 && b) {
      // Updates only stick while the candidate is active and unhired.
      if (app?.status === 'active' && test.state !== 'cancelled') {
        test.partnerStatus = b.partner_status as string;
        test.partnerProfileUrl = typeof b.partner_profile_url === 'string' ? b.partner_profile_url : null;
        test.partnerScore = typeof b.partner_score === 'number' ? b.partner_score : null;
        test.metadata = (b.metadata as Record<string, unknown> | undefined) ?? null;
        applied = true;
      }
    } else if (errors.length && res.status !== null && res.status < 500) {
      const c = org.candidates.get(test.candidateId);
      await this.reportError(org, {
        api_call: 'test_status',
        errors,
        partner_test_id: test.partnerTestId,
        ...(test.partnerTestName ? { partner_test_name: test.partnerTestName } : {}),
        ...(test.partnerInterviewId ? { partner_interview_id: test.partnerInterviewId } : {}),
        ...(c?.emails[0] ? { candidate_email: c.emails[0].value } : {}),
      });
    }
    return this.record({
      call: 'test_status',
      orgId: org.id,
      testId: test.id,
      at: this.state.now(),
      status: res.status,
      request: null,
      body: res.body,
      errors,
      trigger,
      applied,
    });
  }

  /**
   * Legacy polling: Greenhouse polled test_status (hourly) until `complete`, a hire, or 8 weeks.
   * One sweep over every sent test that still qualifies; the caller schedules sweeps.
   */
  async pollOnce(orgs: Iterable<Org>, maxAgeMs = 8 * 7 * 86_400_000): Promise<number> {
    const due: Promise<unknown>[] = [];
    for (const org of orgs) {
      if (!org.integration.partnerApi) continue;
      for (const t of org.tests.values()) {
        const app = org.applications.get(t.applicationId);
        if (t.state !== 'sent' || !t.partnerInterviewId || t.partnerStatus === 'complete') continue;
        if (!app || app.status === 'hired' || this.state.now() - t.createdAt > maxAgeMs) continue;
        due.push(this.track(this.testStatus(org, t, 'poll')).catch(() => undefined));
      }
    }
    await Promise.all(due);
    return due.length;
  }

  async reportError(
    org: Org,
    body: {
      api_call: PartnerCall;
      errors: string[];
      partner_test_id?: string;
      partner_test_name?: string;
      partner_interview_id?: string;
      candidate_email?: string | undefined;
    },
  ): Promise<PartnerCallResult> {
    const res = await this.http(
      org,
      'response_error',
      'POST',
      this.urlOf(this.settings(org), 'response_error'),
      body,
    );
    return this.record({
      call: 'response_error',
      orgId: org.id,
      testId: null,
      at: this.state.now(),
      status: res.status,
      request: body,
      body: res.body,
      errors: [],
    });
  }
}
