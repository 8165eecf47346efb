import type { Request, RequestHandler, Response } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { messagePage, notFoundPage } from './html.js';

/*
 * What the pages people open by their private link share (test /t/, grading /g/, nominating /n/,
 * questionnaire /q/), kept in one place so they answer alike: finding what the token opens, its
 * closed page, reading the form, a workflow update that was refused, how a time is shown.
 */

/** A form as express.urlencoded reads it: one string per field, several for a repeated name. */
export type FormValues = Record<string, string | string[] | undefined>;

/** A field as typed: the first value of a repeated name, '' for one not sent. */
export const firstValue = (value: string | string[] | undefined): string =>
  (Array.isArray(value) ? value[0] : value) ?? '';

/** "2026-01-31 17:00 UTC": a time as the pages show it. */
export const utc = (d: Date): string => `${d.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/** The rest of a page, once its link opens something that is not over. */
export type LinkPageHandler<T> = (req: Request, res: Response, found: T, token: string) => Promise<void>;

export interface LinkPage<T> {
  /** GET: the page, or its closed page (200). */
  view(handler: LinkPageHandler<T>): RequestHandler;
  /** POST: the form, or its closed page (409: the form can no longer be taken). */
  form(handler: LinkPageHandler<T>): RequestHandler;
}

/**
 * The start a link page's GET and POST share: the token from the path, what it opens (`load`:
 * null for an unknown, revoked or expired link, answered 404), and the page's `closedPage` when
 * that is over. Errors go to the app's error handler.
 */
export function linkPage<T>(page: {
  load: (token: string) => Promise<T | null>;
  closedPage: (found: T) => string | null;
}): LinkPage<T> {
  const serve =
    (closedStatus: 200 | 409, handler: LinkPageHandler<T>): RequestHandler =>
    async (req, res, next) => {
      try {
        const token = String(req.params.token);
        const found = await page.load(token);
        if (!found) return void res.status(404).type('html').send(notFoundPage());
        const closed = page.closedPage(found);
        if (closed) return void res.status(closedStatus).type('html').send(closed);
        await handler(req, res, found, token);
      } catch (err) {
        next(err);
      }
    };
  return { view: (handler) => serve(200, handler), form: (handler) => serve(409, handler) };
}

/** What a page says when the workflow refuses its form; `gone`, if it has words for an ended workflow. */
export interface UpdateRefusal {
  title: string;
  gone?: { title: string; message: string };
}

/**
 * For the catch around a form's workflow update: when the workflow refused the update (closed
 * meanwhile, deadline passed, …), answers 409 with a page giving its reason under `title`, or
 * `gone` when the workflow no longer exists. Anything else is thrown again.
 */
export function answerRefusedUpdate(res: Response, err: unknown, refusal: UpdateRefusal): void {
  let page: string;
  if (err instanceof WorkflowUpdateFailedError)
    page = messagePage(refusal.title, String(err.cause?.message ?? err.message));
  else if (err instanceof WorkflowNotFoundError && refusal.gone)
    page = messagePage(refusal.gone.title, refusal.gone.message);
  else throw err;
  res.status(409).type('html').send(page);
}
