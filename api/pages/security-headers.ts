import type { RequestHandler } from 'express';

/** CSP directives by name, e.g. `{ 'img-src': "'self'" }`. */
export type CspDirectives = Record<string, string>;

/**
 * The Content-Security-Policy of people's pages: nothing may load or run (no scripts at all, the
 * pages work without them), the inline CSS of `pageLayout` may apply, forms post only to us, and
 * no other site may frame the page (clickjacking).
 */
export const basePageCsp: Readonly<CspDirectives> = {
  'default-src': "'none'",
  'style-src': "'unsafe-inline'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
  'base-uri': "'none'",
};

/** Serialises directives; `extra` adds to or replaces the base ones. */
export function contentSecurityPolicy(extra: CspDirectives = {}): string {
  return Object.entries({ ...basePageCsp, ...extra })
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}

/**
 * Headers for every page people open from an e-mail or a link (candidate, grader, recruiter,
 * operator's outbox): CSP, no MIME sniffing, no Referer (the URL holds the page's token), no
 * framing for older browsers, and no caching (the pages show personal data).
 * Use per route (`router.get(path, pageSecurityHeaders(), handler)`), not `router.use()` on a
 * router mounted at the root, which would stamp every other response passing through it.
 */
export function pageSecurityHeaders(options: { csp?: CspDirectives } = {}): RequestHandler {
  const csp = contentSecurityPolicy(options.csp);
  return (_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'private, no-store',
    });
    next();
  };
}
