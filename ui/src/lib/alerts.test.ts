import { describe, expect, it } from "vitest";
import type { RuleAlertMetrics } from "../bindings/commands";
import { dismissTarget, falsePositiveBars, filterState, groupStatus, moveSelection, ruleLabel, volumeBars } from "./alerts";

const rule = (name: string, alerts: number, triaged: number, fp: number): RuleAlertMetrics => ({
  rule: name, alerts, triaged, false_positives: fp, false_positive_rate: triaged ? fp / triaged : null,
});

describe("alert queue", () => {
  it("says how many alerts of a group still wait", () => {
    expect(groupStatus({ alerts: 1, new_alerts: 1 })).toEqual({ text: "New", waiting: true });
    expect(groupStatus({ alerts: 5, new_alerts: 2 })).toEqual({ text: "2 of 5 new", waiting: true });
    expect(groupStatus({ alerts: 5, new_alerts: 0 })).toEqual({ text: "Triaged", waiting: false });
  });
  it("dismisses a whole group from a row of several alerts, and one alert from a row of one", () => {
    expect(dismissTarget({ id: "g", alerts: 3 })).toEqual({ ids: ["g"], wholeGroups: true });
    expect(dismissTarget({ id: "a", alerts: 1 })).toEqual({ ids: ["a"], wholeGroups: false });
  });
  it("names a rule by its name, else its id", () => {
    expect(ruleLabel({ rule: "5716", rule_name: "sshd: authentication failed." })).toBe("sshd: authentication failed.");
    expect(ruleLabel({ rule: "5716", rule_name: null })).toBe("5716");
    expect(ruleLabel({ rule: "5716", rule_name: "  " })).toBe("5716");
  });
  it("filters on the waiting groups or every group", () => {
    expect(filterState("new")).toBe("new");
    expect(filterState("any")).toBeNull();
    expect(filterState("promoted")).toBe("promoted");
  });
  it("keeps j and k on the list", () => {
    expect(moveSelection(0, -1, 3)).toBe(0);
    expect(moveSelection(2, 1, 3)).toBe(2);
    expect(moveSelection(1, 1, 3)).toBe(2);
    expect(moveSelection(4, 1, 0)).toBe(0);
  });
});

describe("alert metrics charts", () => {
  it("ranks rules by false-positive rate and leaves out rules nobody triaged", () => {
    const bars = falsePositiveBars([rule("quiet", 9, 0, 0), rule("noisy", 10, 4, 3), rule("fine", 20, 10, 1)]);
    expect(bars.map((b) => b.label)).toEqual(["noisy", "fine"]);
    expect(bars[0]).toMatchObject({ value: 75, text: "75 % (3 of 4)", tone: "bad" });
    expect(bars[1]).toMatchObject({ value: 10, tone: "" });
  });
  it("shows the latest days of volume, oldest first", () => {
    const days = Array.from({ length: 20 }, (_, i) => ({ day: `2026-11-${String(i + 1).padStart(2, "0")}`, alerts: i }));
    const bars = volumeBars(days, 14);
    expect(bars).toHaveLength(14);
    expect(bars[0].label).toBe("2026-11-07");
    expect(bars[13]).toMatchObject({ label: "2026-11-20", value: 19 });
  });
});
