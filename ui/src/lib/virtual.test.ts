import { describe, expect, it } from "vitest";
import { PageCache, pageRequest, pagesFor, visibleRange, withNeighbours } from "./virtual";

describe("windowing", () => {
  it("renders only the rows on screen plus the overscan", () => {
    expect(visibleRange(0, 300, 30, 100_000, 10)).toEqual({ start: 0, end: 21 });
    expect(visibleRange(30 * 50_000, 300, 30, 100_000, 10)).toEqual({ start: 49_990, end: 50_021 });
  });
  it("clamps at the end and for empty lists", () => {
    expect(visibleRange(30 * 99_995, 300, 30, 100_000, 10)).toEqual({ start: 99_985, end: 100_000 });
    expect(visibleRange(0, 300, 30, 0)).toEqual({ start: 0, end: 0 });
  });
  it("names the pages a range needs", () => {
    expect(pagesFor({ start: 190, end: 410 }, 200)).toEqual([0, 1, 2]);
    expect(pagesFor({ start: 0, end: 0 }, 200)).toEqual([]);
  });
});

describe("page cache", () => {
  it("asks for each page once until it arrives or fails", () => {
    const c = new PageCache<number>(10, 3);
    expect(c.claim([0, 1])).toEqual([0, 1]);
    expect(c.claim([0, 1, 2])).toEqual([2]);
    c.put(0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(c.row(7)).toBe(7);
    c.drop(1);
    expect(c.claim([1])).toEqual([1]);
  });
  it("keeps memory flat by forgetting the least recently loaded pages", () => {
    const c = new PageCache<number>(1, 3);
    for (let p = 0; p < 10; p++) c.put(p, [p]);
    expect(c.size).toBe(3);
    expect(c.has(9)).toBe(true);
    expect(c.has(0)).toBe(false);
  });
});

describe("page requests", () => {
  const cursor = (row: number) => `c${row}`;
  it("prefetches one page either side of those on screen, within the list", () => {
    expect(withNeighbours([3, 4], 2_000, 200)).toEqual([3, 4, 5, 2]);
    expect(withNeighbours([0], 1_000, 200)).toEqual([0, 1]);
    expect(withNeighbours([4], 1_000, 200)).toEqual([4, 3]);
    expect(withNeighbours([], 1_000, 200)).toEqual([]);
  });
  it("steps after the page before, or before the page after, and jumps by position otherwise", () => {
    const c = new PageCache<number>(3, 10);
    expect(pageRequest(c, 5, cursor)).toEqual({ position: 15 });
    c.put(4, [12, 13, 14]);
    expect(pageRequest(c, 5, cursor)).toEqual({ after: "c14" });
    expect(pageRequest(c, 3, cursor)).toEqual({ before: "c12" });
    c.put(7, [21, 22]);
    expect(pageRequest(c, 8, cursor)).toEqual({ position: 24 });
  });
});
