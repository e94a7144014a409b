// How the alert queue reads: a group's status and counts, what a dismissal covers, and the alert metrics as bars.
import type { AlertDay, AlertGroupView, AlertState, AlertVerdict, RuleAlertMetrics } from "../bindings/commands";

/** The queue's status filter: the groups still waiting, every group, or groups holding an alert in one state. */
export type AlertFilter = "new" | "any" | Exclude<AlertState, "new">;

export const ALERT_FILTERS: [AlertFilter, string][] = [
  ["new", "Waiting"],
  ["any", "Every status"],
  ["false-positive", "False positive"],
  ["benign", "Benign"],
  ["duplicate", "Duplicate"],
  ["promoted", "Promoted"],
  ["merged", "Merged"],
];

/** The state the API filters on, null for every group. */
export function filterState(f: AlertFilter): AlertState | null {
  return f === "any" ? null : f;
}

export const VERDICT_LABEL: Record<AlertVerdict, string> = {
  "false-positive": "False positive",
  benign: "Benign",
  duplicate: "Duplicate",
};

export const STATE_LABEL: Record<AlertState, string> = {
  new: "New",
  "false-positive": "False positive",
  benign: "Benign",
  duplicate: "Duplicate",
  promoted: "Promoted",
  merged: "Merged",
};

/** A group's status in words: how many of its alerts still wait. */
export function groupStatus(g: Pick<AlertGroupView, "alerts" | "new_alerts">): { text: string; waiting: boolean } {
  if (g.new_alerts === 0) return { text: "Triaged", waiting: false };
  if (g.alerts === 1) return { text: "New", waiting: true };
  return { text: g.new_alerts === g.alerts ? "New" : `${g.new_alerts} of ${g.alerts} new`, waiting: true };
}

/** A row's rule as people know it: its name, else its id. */
export function ruleLabel(g: Pick<AlertGroupView, "rule" | "rule_name">): string {
  return g.rule_name?.trim() || g.rule;
}

/**
 * What `d` on a row dismisses: a row of several alerts is a group, and the whole group goes (its alerts still new);
 * a row of one alert is that alert.
 */
export function dismissTarget(g: Pick<AlertGroupView, "id" | "alerts">): { ids: string[]; wholeGroups: boolean } {
  return { ids: [g.id], wholeGroups: g.alerts > 1 };
}

/** One bar of a chart on the Metrics screen. */
export type Bar = { label: string; value: number; text: string; tone?: string };

/** Alerts per day, the latest `days` days that had any, oldest first. */
export function volumeBars(perDay: AlertDay[], days = 14): Bar[] {
  return perDay.slice(-days).map((d) => ({ label: d.day, value: d.alerts, text: String(d.alerts) }));
}

/** Alerts per rule, most first, at most `rules` of them. */
export function ruleBars(perRule: RuleAlertMetrics[], rules = 10): Bar[] {
  return perRule.slice(0, rules).map((r) => ({ label: r.rule, value: r.alerts, text: `${r.alerts} (${r.triaged} triaged)` }));
}

/**
 * False-positive rate per rule, worst first: only rules with triaged alerts (a rate of nothing means nothing).
 * Half or more false positives is drawn in red: the rule to fix first.
 */
export function falsePositiveBars(perRule: RuleAlertMetrics[], rules = 10): Bar[] {
  return perRule
    .filter((r) => r.false_positive_rate !== null)
    .sort((a, b) => b.false_positive_rate! - a.false_positive_rate! || b.triaged - a.triaged)
    .slice(0, rules)
    .map((r) => {
      const pct = Math.round(r.false_positive_rate! * 100);
      return { label: r.rule, value: pct, text: `${pct} % (${r.false_positives} of ${r.triaged})`, tone: pct >= 50 ? "bad" : "" };
    });
}

/** Moves a selection by `step` within `len` rows, staying on the list. */
export function moveSelection(sel: number, step: number, len: number): number {
  if (len === 0) return 0;
  return Math.min(len - 1, Math.max(0, sel + step));
}
