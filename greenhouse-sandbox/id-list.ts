/**
 * An insertion-ordered collection keyed by ascending numeric id. Ids are handed out by a global
 * counter, so appending keeps the array sorted: paging is a slice (v1) or a binary search (v3 cursor).
 */
export class IdList<T extends { id: number }> {
  private readonly byId = new Map<number, T>();
  private ids: number[] = [];

  add(item: T): T {
    const last = this.ids[this.ids.length - 1];
    if (last !== undefined && item.id <= last) throw new Error(`ids must ascend (${item.id} after ${last})`);
    this.byId.set(item.id, item);
    this.ids.push(item.id);
    return item;
  }

  get(id: number): T | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  remove(id: number): boolean {
    if (!this.byId.delete(id)) return false;
    const i = lowerBound(this.ids, id);
    if (this.ids[i] === id) this.ids.splice(i, 1);
    return true;
  }

  get size(): number {
    return this.ids.length;
  }

  /** Items [offset, offset + count). */
  slice(offset: number, count: number): T[] {
    return this.ids.slice(offset, offset + count).map((id) => this.byId.get(id) as T);
  }

  /** Up to `count` items with id > afterId. */
  after(afterId: number, count: number): T[] {
    const start = upperBound(this.ids, afterId);
    return this.slice(start, count);
  }

  /** Up to `count` items with id < beforeId (all when null), highest id first (v3 lists). */
  before(beforeId: number | null, count: number): T[] {
    const end = beforeId === null ? this.ids.length : lowerBound(this.ids, beforeId);
    return this.ids
      .slice(Math.max(0, end - count), end)
      .reverse()
      .map((id) => this.byId.get(id) as T);
  }

  all(): T[] {
    return this.ids.map((id) => this.byId.get(id) as T);
  }

  values(): IterableIterator<T> {
    return this.byId.values();
  }
}

export function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
