import type { Request, RequestHandler } from 'express';
import { messagePage } from './html.js';
import { pageSecurityHeaders } from './security-headers.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const pageHeaders = pageSecurityHeaders();

/**
 * CSRF defence in depth for the forms of people's pages. The link token in the URL is already a
 * secret a foreign page cannot know; on top of that, a state-changing request (POST) must not come
 * from another site:
 * - with an `Origin` header (other than `null`), it must be our own origin: the public base URL's,
 *   or the one the request was addressed to (scheme and Host, as a proxy on loopback forwards them);
 * - without one, or with `Origin: null` (browsers send `null` on form posts from our pages: their
 *   `Referrer-Policy: no-referrer` applies to the Origin header of non-GET requests too), the
 *   browser's `Sec-Fetch-Site` must not say `cross-site` or `same-site` (a sibling subdomain is
 *   another origin).
 * Requests with neither header (curl, scripts, old browsers) pass: a browser that sends neither
 * cannot be driven by a foreign page into a cross-site form post that we could tell apart anyway.
 * Refused: 403 with an HTML page.
 */
export function rejectCrossSiteForms(options: { publicBaseUrl?: string } = {}): RequestHandler {
  const publicOrigin = originOf(options.publicBaseUrl);
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method) || isSameSite(req, publicOrigin)) return next();
    pageHeaders(req, res, () => undefined);
    res
      .status(403)
      .type('html')
      .send(
        messagePage(
          'This form cannot be sent from another site',
          'Please open the link from your e-mail again and send the form from that page.',
        ),
      );
  };
}

function isSameSite(req: Request, publicOrigin: string | null): boolean {
  const origin = req.get('origin')?.trim();
  if (origin && origin !== 'null') {
    const given = originOf(origin);
    return (
      given !== null &&
      (given === publicOrigin || given === originOf(`${req.protocol}://${req.get('host') ?? ''}`))
    );
  }
  const site = req.get('sec-fetch-site')?.trim().toLowerCase();
  return site !== 'cross-site' && site !== 'same-site';
}

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * People's forms post `application/x-www-form-urlencoded` (the browser's default for a form). Any
 * other body (JSON, multipart, text, bytes, none at all) is not one of our forms: 415 with a page,
 * instead of reading whatever a parser made of it as the form's fields.
 */
export function requireFormPosts(): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || req.is('application/x-www-form-urlencoded')) return next();
    pageHeaders(req, res, () => undefined);
    res
      .status(415)
      .type('html')
      .send(
        messagePage(
          'This form could not be read',
          'Please open the link from your e-mail again and send the form from that page.',
        ),
      );
  };
}
