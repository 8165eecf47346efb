import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import {
  computeWebhookSignature,
  safeParseWebhookBody,
  verifyWebhookSignature,
} from '../../greenhouse/webhooks/index.js';
import type { Captured } from './helpers.js';
import { CaptureServer, waitFor } from './helpers.js';

// Characters a naive re-serialisation would change: the signature covers Greenhouse's escaped bytes.
const SECRET = 'whsec-Zoë-<&>-123';

let sb: Sandbox;
let hooks: CaptureServer;

beforeAll(async () => {
  hooks = await new CaptureServer().start();
  sb = await startSandbox({ orgs: [{ candidates: 30 }], webhooks: { retryDelaysMs: [] } });
  await sb.admin.configureIntegration(sb.orgs[0]!.org.id, {
    webhook: { url: `${hooks.url}/greenhouse/webhooks`, secret: SECRET },
  });
});
afterAll(async () => {
  await sb?.close();
  await hooks?.stop();
});

const org = () => sb.orgs[0]!.org;
const header = (c: Captured, name: string) => {
  const v = c.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
};

/** Run `trigger`, wait for the sandbox's delivery of `action`, return the captured request. */
async function deliver(action: string, trigger: () => void | Promise<unknown>): Promise<Captured> {
  const before = hooks.received.length;
  await trigger();
  await sb.idle();
  return waitFor(`${action} delivery`, () =>
    hooks.received.slice(before).find((c) => c.raw.toString('utf8').includes(`"action":"${action}"`)),
  );
}

/** An active application whose candidate's name is not ASCII (the seed has some on purpose). */
function activeApplication(nonAscii: boolean) {
  const used = new Set<number>();
  return () => {
    const a = org()
      .applications.all()
      .find((x) => {
        const c = org().candidates.get(x.candidateId);
        return (
          x.status === 'active' &&
          !used.has(x.id) &&
          !used.has(x.candidateId) &&
          c !== undefined &&
          /[^ -~]/.test(`${c.firstName}${c.lastName}`) === nonAscii
        );
      });
    if (!a) throw new Error('no suitable application in the seed');
    used.add(a.id);
    used.add(a.candidateId);
    return a;
  };
}
const nextNonAscii = activeApplication(true);
const nextAscii = activeApplication(false);

function otherStage(a: { jobId: number; stageId: number | null }) {
  const stage = org()
    .stagesOfJob(a.jobId)
    .find((s) => s.id !== a.stageId);
  if (!stage) throw new Error('no other stage');
  return stage;
}

describe('webhook signatures from the sandbox sender', () => {
  let stageChange: Captured;
  let expected: Record<string, unknown>;
  let candidateName: { firstName: string; lastName: string };

  beforeAll(async () => {
    const a = nextNonAscii();
    const stage = otherStage(a);
    stageChange = await deliver('candidate_stage_change', () =>
      sb.admin.moveStage(org().id, a.id, { stageId: stage.id }),
    );
    expected = {
      action: 'candidate_stage_change',
      applicationId: String(a.id),
      candidateId: String(a.candidateId),
      jobIds: [String(a.jobId)],
      stage: { id: String(stage.id), name: stage.name },
    };
    const c = org().candidates.get(a.candidateId)!;
    candidateName = { firstName: c.firstName, lastName: c.lastName };
  });

  it('verifies the raw bytes of a candidate_stage_change and parses them', () => {
    const sig = header(stageChange, 'Signature');
    expect(sig).toMatch(/^sha256 [0-9a-f]{64}$/);
    expect(header(stageChange, 'Greenhouse-Event-ID')).toBeTruthy();
    expect(verifyWebhookSignature(stageChange.raw, sig, SECRET)).toEqual({ ok: true });
    const parsed = safeParseWebhookBody(stageChange.raw);
    expect(parsed).toMatchObject({ ok: true, event: { ...expected, candidate: candidateName } });
    // our signature computation agrees with the sandbox's delivery record
    const delivery = sb.webhooks.deliveries({ action: 'candidate_stage_change' }).at(-1)!;
    expect(`sha256 ${computeWebhookSignature(stageChange.raw, SECRET)}`).toBe(delivery.signature);
  });

  it('signs Greenhouse-escaped unicode: a re-serialised body would not verify', () => {
    const raw = stageChange.raw.toString('utf8');
    expect(raw).toMatch(/\\u00[0-9a-f]{2}|\\u01[0-9a-f]{2}/);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw)));
    expect(reserialised.equals(stageChange.raw)).toBe(false);
    expect(verifyWebhookSignature(reserialised, header(stageChange, 'Signature'), SECRET)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('fails on a one-byte change anywhere in the body', () => {
    const sig = header(stageChange, 'Signature');
    for (const at of [0, Math.floor(stageChange.raw.length / 2), stageChange.raw.length - 1]) {
      const tampered = Buffer.from(stageChange.raw);
      tampered[at] = tampered[at]! ^ 0x01;
      expect(verifyWebhookSignature(tampered, sig, SECRET)).toMatchObject({ ok: false, reason: 'mismatch' });
    }
    const longer = Buffer.concat([stageChange.raw, Buffer.from(' ')]);
    expect(verifyWebhookSignature(longer, sig, SECRET)).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('fails with a wrong secret, a missing header, sha1, a malformed header or no secret', () => {
    const raw = stageChange.raw;
    const sig = header(stageChange, 'Signature')!;
    const hex = sig.split(' ')[1]!;
    const check = (h: string | undefined, secret = SECRET) => {
      const r = verifyWebhookSignature(raw, h, secret);
      return r.ok ? 'ok' : r.reason;
    };
    expect(check(sig, 'whsec-wrong')).toBe('mismatch');
    expect(check(sig, `${SECRET} `)).toBe('mismatch');
    expect(check(undefined)).toBe('missing_header');
    expect(check('')).toBe('missing_header');
    expect(check(`sha1 ${hex.slice(0, 40)}`)).toBe('unsupported_algorithm');
    expect(check(`sha512 ${hex}${hex}`)).toBe('unsupported_algorithm');
    expect(check(hex)).toBe('malformed_header');
    expect(check(`sha256 ${hex.slice(0, 63)}`)).toBe('malformed_header');
    expect(check(`sha256 ${hex}00`)).toBe('malformed_header');
    expect(check(`sha256 ${hex.slice(0, 63)}g`)).toBe('malformed_header');
    expect(check(`${sig}, ${sig}`)).toBe('malformed_header');
    expect(check(sig, '')).toBe('no_secret');
    const parsedBody = JSON.parse(raw.toString('utf8')) as unknown as Buffer; // a route mistake
    expect(verifyWebhookSignature(parsedBody, sig, SECRET)).toMatchObject({ reason: 'not_raw_body' });
    // tolerated spellings of the same signature
    expect(check(`SHA256 ${hex.toUpperCase()}`)).toBe('ok');
    expect(check(`sha256=${hex}`)).toBe('ok');
    expect(check(`  sha256   ${hex} `)).toBe('ok');
  });

  it('verifies and parses every action the sandbox sends', async () => {
    const cases: [string, () => void, (raw: Captured) => void][] = [];
    const hire = nextAscii();
    cases.push([
      'hire_candidate',
      () => sb.admin.hire(org().id, hire.id),
      (c) =>
        expect(safeParseWebhookBody(c.raw)).toEqual({
          ok: true,
          event: {
            action: 'hire_candidate',
            applicationId: String(hire.id),
            candidateId: String(hire.candidateId),
            jobIds: [String(hire.jobId)],
          },
        }),
    ]);
    const reject = nextAscii();
    cases.push([
      'reject_candidate',
      () => sb.admin.reject(org().id, reject.id),
      (c) =>
        expect(safeParseWebhookBody(c.raw)).toMatchObject({
          ok: true,
          event: { action: 'reject_candidate', applicationId: String(reject.id) },
        }),
    ]);
    const anon = nextNonAscii();
    cases.push([
      'candidate_anonymized',
      () => sb.admin.anonymizeCandidate(org().id, anon.candidateId, ['full_name']),
      (c) =>
        expect(safeParseWebhookBody(c.raw)).toEqual({
          ok: true,
          event: {
            action: 'candidate_anonymized',
            candidateId: String(anon.candidateId),
            anonymizedFields: ['full_name'],
          },
        }),
    ]);
    const del = nextAscii();
    cases.push([
      'delete_candidate',
      () => sb.admin.deleteCandidate(org().id, del.candidateId),
      (c) =>
        expect(safeParseWebhookBody(c.raw)).toMatchObject({
          ok: true,
          event: { action: 'delete_candidate', candidateId: String(del.candidateId) },
        }),
    ]);
    for (const [action, trigger, assert] of cases) {
      const c = await deliver(action, trigger);
      expect(verifyWebhookSignature(c.raw, header(c, 'Signature'), SECRET), action).toEqual({ ok: true });
      assert(c);
    }
  });

  it('verifies and parses the setup ping', async () => {
    const c = await deliver('ping', () =>
      sb.admin.configureIntegration(org().id, {
        webhook: { url: `${hooks.url}/greenhouse/webhooks`, secret: SECRET, ping: true },
      }),
    );
    expect(verifyWebhookSignature(c.raw, header(c, 'Signature'), SECRET)).toEqual({ ok: true });
    expect(safeParseWebhookBody(c.raw)).toEqual({
      ok: true,
      event: { action: 'ping', webHookId: String(org().id) },
    });
  });
});
