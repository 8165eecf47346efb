import type { Readings } from './assumptions.js';
import type { CredentialStore } from './credentials.js';
import type { Faults } from './faults.js';
import type { Operations } from './operations.js';
import type { PartnerClient } from './client/partner-client.js';
import type { RateLimiter } from './rate-limit.js';
import type { RequestLog } from './request-log.js';
import type { SandboxState } from './store.js';
import type { WebhookSender } from './webhooks/sender.js';

/** Switches between readings of Greenhouse that tests flip (SandboxOptions, PUT /_sandbox/settings). */
export interface SandboxSettings {
  /** 'retired' (default): v1 endpoints and the v1-key mint answer as a removed API. */
  v1: 'live' | 'retired';
  /** which lifetime field token answers carry */
  tokenAnswer: 'expires_at' | 'expires_in';
}

/** Everything the HTTP routes need, built once by startSandbox. */
export interface SandboxDeps {
  state: SandboxState;
  creds: CredentialStore;
  limiters: { v1: RateLimiter; v3: RateLimiter; token: RateLimiter };
  faults: Faults;
  log: RequestLog;
  ops: Operations;
  webhooks: WebhookSender;
  partner: PartnerClient;
  /** the switchable readings of unconfirmed behaviour (mutable: tests may flip one mid-run) */
  readings: Readings;
  settings: SandboxSettings;
}
