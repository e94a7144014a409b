import { describe, expect, it } from "vitest";
import { between, clockBadge, fmtBytes, fmtDuration, fmtPreciseTime, fmtTime, parseUtc } from "./format";

describe("times and durations", () => {
  it("shows times in UTC to the second", () => {
    expect(fmtTime("2026-11-20T10:04:05.123456Z")).toBe("2026-11-20 10:04:05");
    expect(fmtTime(null)).toBe("—");
  });
  it("keeps microseconds on the timeline", () => {
    expect(fmtPreciseTime("2012-03-14T04:17:38.27634Z")).toBe("2012-03-14 04:17:38.276340");
    expect(fmtPreciseTime("2012-03-14T04:17:38Z")).toBe("2012-03-14 04:17:38.000000");
  });
  it("says durations in their two largest units", () => {
    expect(fmtDuration(45)).toBe("45 s");
    expect(fmtDuration(3 * 3600 + 12 * 60 + 5)).toBe("3 h 12 min");
    expect(fmtDuration(2 * 86400 + 4 * 3600)).toBe("2 d 4 h");
    expect(fmtDuration(0)).toBe("0 s");
    expect(fmtDuration(null)).toBe("—");
  });
  it("measures between two instants", () => {
    expect(between("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z")).toBe(3600);
    expect(between(null, "2026-01-01T01:00:00Z")).toBeNull();
  });
  it("reads typed UTC times and refuses impossible ones", () => {
    const today = new Date("2026-11-20T15:00:00Z");
    expect(parseUtc("", today)).toBeNull();
    expect(parseUtc("10:04", today)).toBe("2026-11-20T10:04:00.000Z");
    expect(parseUtc("2026-11-19 23:59:30", today)).toBe("2026-11-19T23:59:30.000Z");
    expect(parseUtc("2026-11-19T23:59:30.123456Z", today)).toBe("2026-11-19T23:59:30.123456Z");
    expect(parseUtc("2026-02-30 10:00", today)).toBeUndefined();
    expect(parseUtc("25:00", today)).toBeUndefined();
    expect(parseUtc("yesterday", today)).toBeUndefined();
  });
});

describe("labels", () => {
  it("sizes in binary units", () => {
    expect(fmtBytes(512)).toBe("512 B");
    expect(fmtBytes(1536)).toBe("1.5 KiB");
    expect(fmtBytes(5 * 1024 ** 3)).toBe("5.0 GiB");
  });
  it("badges only clocks that need attention", () => {
    expect(clockBadge("breached")).toEqual({ text: "breached", tone: "bad" });
    expect(clockBadge("due_soon")).toEqual({ text: "due soon", tone: "warn" });
    expect(clockBadge("running")).toBeNull();
    expect(clockBadge("met")).toBeNull();
  });
});
