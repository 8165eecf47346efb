import type { Request, Response } from 'express';
import { ASSUMPTIONS } from './assumptions.js';
import { lowerBound } from './id-list.js';
import { queryStrings, validationError } from './http-util.js';

export const MAX_PER_PAGE = 500;
export const DEFAULT_PER_PAGE = 100;

/** Anything that can be sliced by position and by id (IdList, or a filtered sorted array). */
export interface PageSource<T extends { id: number }> {
  readonly size: number;
  slice(offset: number, count: number): T[];
  after(afterId: number, count: number): T[];
  /** Up to `count` items with id < beforeId (all when null), highest id first. */
  before(beforeId: number | null, count: number): T[];
}

/** Wrap an id-ascending array (the result of a filter) as a PageSource. */
export function arraySource<T extends { id: number }>(items: T[]): PageSource<T> {
  const ids = items.map((i) => i.id);
  return {
    size: items.length,
    slice: (o, n) => items.slice(o, o + n),
    after: (a, n) => {
      let i = lowerBound(ids, a);
      if (ids[i] === a) i++;
      return items.slice(i, i + n);
    },
    before: (b, n) => {
      const end = b === null ? ids.length : lowerBound(ids, b);
      return items.slice(Math.max(0, end - n), end).reverse();
    },
  };
}

function perPage(raw: string | undefined, res: Response): number | undefined {
  if (raw === undefined) return DEFAULT_PER_PAGE;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PER_PAGE) {
    validationError(res, [
      { message: `per_page must be an integer between 1 and ${MAX_PER_PAGE}`, field: 'per_page' },
    ]);
    return undefined;
  }
  return n;
}

/**
 * v1 paging: `per_page` (≤ 500) and `page`, answered with a Link header (next, prev, last) that keeps
 * the other query parameters, like `<https://harvest.greenhouse.io/v1/applications?page=2&per_page=100>; rel="next"`.
 */
export function v1Page<T extends { id: number }>(
  req: Request,
  res: Response,
  baseUrl: string,
  src: PageSource<T>,
): T[] | undefined {
  const q = queryStrings(req.query);
  const n = perPage(q.per_page, res);
  if (n === undefined) return undefined;
  const page = q.page === undefined ? 1 : Number(q.page);
  if (!Number.isInteger(page) || page < 1) {
    validationError(res, [{ message: 'page must be a positive integer', field: 'page' }]);
    return undefined;
  }
  const last = Math.max(1, Math.ceil(src.size / n));
  const link = (p: number) => {
    const { page: _p, per_page: _n, ...rest } = q;
    const params = new URLSearchParams({ ...rest, page: String(p), per_page: String(n) });
    return `<${baseUrl}${req.path}?${params.toString()}>`;
  };
  const rels: string[] = [];
  if (page < last) rels.push(`${link(page + 1)}; rel="next"`);
  if (page > 1) rels.push(`${link(Math.min(page - 1, last))}; rel="prev"`);
  rels.push(`${link(last)}; rel="last"`);
  res.setHeader('Link', rels.join(', '));
  return src.slice((page - 1) * n, n);
}

interface CursorState {
  /** route path the cursor belongs to */
  p: string;
  /** the first call's filters */
  f: Record<string, string>;
  n: number;
  /** last id served (v3 lists run by id descending: the next page holds lower ids); null at the start */
  a: number | null;
}

/**
 * v3 cursor paging. The first call carries the filters; the cursor encodes them, so follow-up calls
 * must carry the cursor as their only query parameter (anything else → 422, greenhouse.md §3.2).
 * Returns the filters to apply and a function that pages a source and sets the Link header.
 */
export function v3Cursor(
  req: Request,
  res: Response,
  baseUrl: string,
):
  | { filters: Record<string, string>; page: <T extends { id: number }>(src: PageSource<T>) => T[] }
  | undefined {
  const q = queryStrings(req.query);
  const cp = ASSUMPTIONS.v3CursorParam;
  let state: CursorState;
  if (q[cp] !== undefined) {
    const others = Object.keys(req.query as object).filter((k) => k !== cp);
    if (others.length > 0) {
      validationError(
        res,
        others.map((k) => ({ message: `${cp} must be the only query parameter`, field: k })),
      );
      return undefined;
    }
    try {
      state = JSON.parse(Buffer.from(q[cp], 'base64url').toString('utf8')) as CursorState;
      if (state.p !== req.path || typeof state.a !== 'number' || typeof state.n !== 'number')
        throw new Error('cursor');
    } catch {
      validationError(res, [{ message: 'Invalid cursor', field: cp }]);
      return undefined;
    }
  } else {
    const { [ASSUMPTIONS.v3PageSizeParam]: size, ...filters } = q;
    const n = perPage(size, res);
    if (n === undefined) return undefined;
    state = { p: req.path, f: filters, n, a: null };
  }
  return {
    filters: state.f,
    page: (src) => {
      // Newest first (by id descending); one extra item tells whether a next page exists.
      const items = src.before(state.a, state.n + 1);
      const pageItems = items.slice(0, state.n);
      const lastItem = pageItems[pageItems.length - 1];
      if (items.length > state.n && lastItem) {
        const next: CursorState = { ...state, a: lastItem.id };
        const cursor = Buffer.from(JSON.stringify(next)).toString('base64url');
        res.setHeader('Link', `<${baseUrl}${req.path}?${cp}=${cursor}>; rel="next"`);
      }
      return pageItems;
    },
  };
}
