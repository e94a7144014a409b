import { describe, expect, it } from "vitest";
import type { IncidentRow } from "../bindings/commands";
import { sortIncidents, worstClock } from "./queue";

const row = (key: string, severity: IncidentRow["severity"], updated: string): IncidentRow => ({
  id: key, key, title: key, severity, status: "new", resolution: null, tlp: "amber", tier: 1, assignee: null,
  assignee_name: null, category: "", tags: [], created_at: updated, updated_at: updated,
});

describe("queue order", () => {
  it("takes the most urgent clock", () => {
    expect(worstClock(["met", "due_soon", undefined])).toBe("due_soon");
    expect(worstClock(["running", "breached"])).toBe("breached");
    expect(worstClock([])).toBe("met");
  });
  it("sorts by severity, then by the latest change", () => {
    const rows = [row("A", "sev3", "2026-01-02"), row("B", "sev1", "2026-01-01"), row("C", "sev3", "2026-01-03")];
    expect(sortIncidents(rows, "severity", new Map()).map((r) => r.key)).toEqual(["B", "C", "A"]);
  });
  it("puts breached clocks first when sorting by clock", () => {
    const rows = [row("A", "sev3", "2026-01-02"), row("B", "sev1", "2026-01-01")];
    expect(sortIncidents(rows, "clock", new Map([["B", "breached"]])).map((r) => r.key)).toEqual(["B", "A"]);
  });
});
