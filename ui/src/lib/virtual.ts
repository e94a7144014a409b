// Windowing for long lists: only the rows on screen (plus a margin) exist in the DOM, and rows arrive from the
// backend a page at a time, so a timeline of 100,000 entries scrolls as lightly as one of 100. A page next to one
// already loaded is asked for after or before its edge row (a keyset step); any other page at its position (a far
// jump, which the backend answers from its map of the list without walking it).

export type Range = { start: number; end: number };

/** The rows to render for a scroll position: [start, end) clamped to the list, with `overscan` rows each side. */
export function visibleRange(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  total: number,
  overscan = 10,
): Range {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewport) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start: Math.min(start, end), end };
}

/** The page numbers that hold rows [start, end). */
export function pagesFor(range: Range, pageSize: number): number[] {
  if (range.end <= range.start) return [];
  const out: number[] = [];
  for (let p = Math.floor(range.start / pageSize); p <= Math.floor((range.end - 1) / pageSize); p++) out.push(p);
  return out;
}

/** The pages of `range` and one page either side, so scrolling finds its next page already there. */
export function withNeighbours(pages: number[], total: number, pageSize: number): number[] {
  if (pages.length === 0) return [];
  const last = Math.max(0, Math.ceil(total / pageSize) - 1);
  const before = pages[0] - 1;
  const after = pages[pages.length - 1] + 1;
  return [...pages, ...(after <= last ? [after] : []), ...(before >= 0 ? [before] : [])];
}

/** How to ask for page `page`: where it starts, as the backend's `PageAt` reads it. */
export type PageRequest<C> = { after: C } | { before: C } | { position: number };

/**
 * After the last row of the page before when that page is loaded and full, else before the first row of the page
 * after, else at the page's first position.
 */
export function pageRequest<T, C>(cache: PageCache<T>, page: number, cursor: (row: T) => C): PageRequest<C> {
  const prev = cache.peek(page - 1);
  if (prev && prev.length === cache.pageSize) return { after: cursor(prev[prev.length - 1]) };
  const next = cache.peek(page + 1);
  if (next && next.length > 0) return { before: cursor(next[0]) };
  return { position: page * cache.pageSize };
}

/**
 * Pages of rows by page number, keeping at most `capacity` pages (the least recently used go first) so memory stays
 * flat however far a person scrolls.
 */
export class PageCache<T> {
  private pages = new Map<number, T[]>();
  private inFlight = new Set<number>();

  constructor(
    readonly pageSize: number,
    private readonly capacity = 40,
  ) {}

  row(index: number): T | undefined {
    const page = this.pages.get(Math.floor(index / this.pageSize));
    return page?.[index % this.pageSize];
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  /** A loaded page's rows, without counting as a use. */
  peek(page: number): T[] | undefined {
    return this.pages.get(page);
  }

  /** Pages of `wanted` neither cached nor on their way; marks them as on their way. */
  claim(wanted: number[]): number[] {
    const out = wanted.filter((p) => !this.pages.has(p) && !this.inFlight.has(p));
    out.forEach((p) => this.inFlight.add(p));
    return out;
  }

  put(page: number, rows: T[]): void {
    this.inFlight.delete(page);
    this.pages.delete(page);
    this.pages.set(page, rows);
    while (this.pages.size > this.capacity) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
    }
  }

  /** Forgets a page that failed to load so it is asked for again. */
  drop(page: number): void {
    this.inFlight.delete(page);
    this.pages.delete(page);
  }

  clear(): void {
    this.pages.clear();
    this.inFlight.clear();
  }

  get size(): number {
    return this.pages.size;
  }
}
