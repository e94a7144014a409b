import { describe, expect, it } from "vitest";
import type { Histogram } from "../bindings/commands";
import { bars, landingRow } from "./timeline";

const h: Histogram = {
  from: "2026-01-01T00:00:00Z",
  to: "2026-01-01T02:00:00Z",
  total: 5,
  buckets: [
    { from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z", total: 4, by_kind: [{ kind: "alert", count: 1 }, { kind: "note", count: 3 }] },
    { from: "2026-01-01T01:00:00Z", to: "2026-01-01T02:00:00Z", total: 1, by_kind: [{ kind: "alert", count: 1 }] },
  ],
};

describe("visual timeline", () => {
  it("stacks each bucket's kinds bottom up in the legend's order, the fullest bucket filling the height", () => {
    const out = bars(h, ["note", "alert"], 40);
    expect(out.map((b) => b.total)).toEqual([4, 1]);
    expect(out[0].segments).toEqual([
      { kind: "note", y: 10, height: 30 },
      { kind: "alert", y: 0, height: 10 },
    ]);
    expect(out[1].segments).toEqual([{ kind: "alert", y: 30, height: 10 }]);
    expect(out[1].from).toBe("2026-01-01T01:00:00Z");
  });
  it("keeps a lone entry visible and draws nothing for an empty bucket", () => {
    const sparse: Histogram = { ...h, buckets: [{ ...h.buckets[0], total: 1000, by_kind: [{ kind: "note", count: 1000 }] }, { ...h.buckets[1], total: 1, by_kind: [{ kind: "alert", count: 1 }] }, { from: h.to, to: h.to, total: 0, by_kind: [] }] };
    const out = bars(sparse, ["note", "alert"], 40, 1);
    expect(out[1].segments[0].height).toBe(1);
    expect(out[2].segments).toEqual([]);
  });
  it("lands on the entry found, or on the last when the instant is after every entry", () => {
    expect(landingRow(120, 500)).toBe(120);
    expect(landingRow(500, 500)).toBe(499);
    expect(landingRow(0, 0)).toBe(0);
  });
});
