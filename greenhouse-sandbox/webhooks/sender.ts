import { randomUUID } from 'node:crypto';
import { ASSUMPTIONS } from '../assumptions.js';
import type { RequestLog } from '../request-log.js';
import type { Org } from '../store.js';
import { greenhouseJson, signatureHeader } from './signing.js';

export interface DeliveryAttempt {
  at: number;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  /** the Greenhouse-Event-ID */
  eventId: string;
  orgId: number;
  action: string;
  url: string;
  /** the exact bytes sent and signed */
  body: string;
  signature: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  createdAt: number;
}

export interface WebhookOptions {
  /** Delays between attempts in ms (attempt n+1 waits delays[n]); defaults to the real schedule × retryScale. */
  retryDelaysMs?: number[];
  /** Multiplier on ASSUMPTIONS.webhookRetryDelaysS when retryDelaysMs is not given (e.g. 0.001). */
  retryScale?: number;
  timeoutMs?: number;
}

/** Sends signed webhooks to an organisation's endpoint and retries failures on a (compressed) schedule. */
export class WebhookSender {
  private readonly all: WebhookDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly delays: number[];
  private readonly timeoutMs: number;
  private closed = false;

  constructor(
    private readonly log: RequestLog,
    private readonly now: () => number,
    opts: WebhookOptions = {},
  ) {
    this.delays =
      opts.retryDelaysMs ?? ASSUMPTIONS.webhookRetryDelaysS.map((s) => s * 1000 * (opts.retryScale ?? 1));
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Queue one event for the org's webhook (no-op when none is configured or it is disabled). */
  send(org: Org, payload: { action: string }): WebhookDelivery | null {
    const hook = org.integration.webhook;
    if (!hook?.enabled || this.closed) return null;
    if (hook.events && payload.action !== 'ping' && !hook.events.includes(payload.action)) return null;
    const body = greenhouseJson(payload);
    const d: WebhookDelivery = {
      eventId: randomUUID(),
      orgId: org.id,
      action: payload.action,
      url: hook.url,
      body,
      signature: signatureHeader(hook.secret, body),
      state: 'pending',
      attempts: [],
      createdAt: this.now(),
    };
    this.all.push(d);
    this.track(this.attempt(d));
    return d;
  }

  /** The setup ping: a webhook whose ping fails is created disabled (greenhouse.md §4). */
  async ping(org: Org): Promise<boolean> {
    const hook = org.integration.webhook;
    if (!hook) return false;
    // The documented ping body [P, grnhse/greenhouse-api-docs#276]; one sandbox hook carries every event.
    const at = new Date(this.now()).toISOString();
    const body = greenhouseJson({
      action: 'ping',
      payload: {
        web_hook_id: org.id,
        endpoint_url: hook.url,
        created_at: at,
        updated_at: at,
        name: `${org.name} webhook`,
        event: 'all',
        active: true,
        'content-type': 'application/json',
      },
    });
    const r = await this.post(
      hook.url,
      body,
      signatureHeader(hook.secret, body),
      randomUUID(),
      'ping',
      org.id,
    );
    hook.enabled = r.status === 200;
    return hook.enabled;
  }

  deliveries(
    f: { orgId?: number; action?: string; state?: WebhookDelivery['state'] } = {},
  ): WebhookDelivery[] {
    return this.all.filter(
      (d) =>
        (f.orgId === undefined || d.orgId === f.orgId) &&
        (f.action === undefined || d.action === f.action) &&
        (f.state === undefined || d.state === f.state),
    );
  }

  /** Wait until nothing is being sent right now (retries scheduled later are not awaited). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async attempt(d: WebhookDelivery): Promise<void> {
    // Retries keep the event id so receivers can deduplicate (ASSUMPTIONS.webhookRetryKeepsEventId).
    const eventId = ASSUMPTIONS.webhookRetryKeepsEventId ? d.eventId : randomUUID();
    const r = await this.post(d.url, d.body, d.signature, eventId, d.action, d.orgId);
    d.attempts.push(r);
    // Only 200 counts as delivered [P]: a 201, 202 or 204 is a failure like a 5xx.
    if (r.status === 200) {
      d.state = 'delivered';
      return;
    }
    const delay = this.delays[d.attempts.length - 1];
    if (delay === undefined || this.closed) {
      d.state = 'failed';
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) this.track(this.attempt(d));
    }, delay);
    this.timers.add(t);
  }

  private async post(
    url: string,
    body: string,
    signature: string,
    eventId: string,
    action: string,
    orgId: number,
  ): Promise<DeliveryAttempt> {
    const started = Date.now();
    const at = this.now();
    const headers = {
      'Content-Type': 'application/json',
      Signature: signature,
      'Greenhouse-Event-ID': eventId,
      'User-Agent': 'Greenhouse-Webhooks (sandbox)',
    };
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const durationMs = Date.now() - started;
    this.log.add({
      at,
      direction: 'outbound',
      api: 'webhook',
      method: 'POST',
      path: url,
      query: {},
      headers,
      body: { action },
      status,
      durationMs,
      credentialId: null,
      orgId,
      fault: null,
      ...(error ? { error } : {}),
    });
    return { at, status, error, durationMs };
  }
}
