import { describe, expect, it } from "vitest";
import { histogram, sampleOffsets, type Sample } from "./timeline";

describe("visual timeline", () => {
  it("samples evenly from the first to the last entry", () => {
    expect(sampleOffsets(5, 10)).toEqual([0, 1, 2, 3, 4]);
    const s = sampleOffsets(100_000, 5);
    expect(s[0]).toBe(0);
    expect(s[4]).toBe(99_999);
    expect(s.length).toBe(5);
  });
  it("stacks kinds per bin and scales counts to the whole list", () => {
    const samples: Sample[] = [
      { index: 0, at: "2026-01-01T00:00:00Z", kind: "alert" },
      { index: 50, at: "2026-01-01T00:00:01Z", kind: "note" },
      { index: 100, at: "2026-01-01T01:00:00Z", kind: "alert" },
    ];
    const bins = histogram(samples, 300, 2);
    expect(bins).toHaveLength(2);
    expect(bins[0].byKind).toEqual({ alert: 100, note: 100 });
    expect(bins[1].byKind).toEqual({ alert: 100 });
    expect(bins[1].firstIndex).toBe(100);
    expect(bins.reduce((n, b) => n + b.total, 0)).toBe(300);
  });
});
