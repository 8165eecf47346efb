import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { ClientFingerprint } from '../../domain/reference-checks/types.js';

/** The request headers that describe the browser (not the request): stable across page loads. */
const identifyingHeaders = [
  'user-agent',
  'accept-language',
  'sec-ch-ua',
  'sec-ch-ua-platform',
  'sec-ch-ua-mobile',
] as const;

/**
 * What a person's browser told us with a page request, to compare the candidate's browser with
 * their referees' (fraud signals for a human, never a verdict). People's pages run no JavaScript
 * (the CSP forbids scripts), so there is no canvas or font probing: the fingerprint is a hash of
 * the headers the browser sends on its own. It is coarse on purpose: equal hashes from the same IP
 * are worth a look, different ones prove nothing.
 *
 * ip: Express's `req.ip`, which honours X-Forwarded-For only from loopback (app.ts sets
 * `trust proxy` to 'loopback'). fingerprint: the first 32 hex characters of the SHA-256 of the
 * headers, or null when the browser sent no User-Agent (nothing to compare).
 */
export function clientFingerprintOf(req: Request): ClientFingerprint {
  const ip = req.ip ?? null;
  const userAgent = req.get('user-agent');
  if (!userAgent) return { ip, fingerprint: null };
  const joined = identifyingHeaders.map((name) => `${name}:${req.get(name) ?? ''}`).join('\n');
  return { ip, fingerprint: createHash('sha256').update(joined).digest('hex').slice(0, 32) };
}
