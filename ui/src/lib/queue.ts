// Ordering a queue for people: the sort keys and the most urgent of several response clocks.
import type { ClockState, IncidentRow } from "../bindings/commands";

export type SortKey = "updated" | "severity" | "clock" | "key" | "title";

const CLOCK_URGENCY: Record<ClockState, number> = { breached: 3, due_soon: 2, running: 1, met: 0 };

/** The most urgent of some clocks (missing ones ignored); `met` when there are none. */
export function worstClock(states: (ClockState | undefined)[]): ClockState {
  let worst: ClockState = "met";
  for (const s of states) if (s && CLOCK_URGENCY[s] > CLOCK_URGENCY[worst]) worst = s;
  return worst;
}

export function sortIncidents(rows: IncidentRow[], key: SortKey, clocks: Map<string, ClockState>): IncidentRow[] {
  const out = [...rows];
  const byUpdated = (a: IncidentRow, b: IncidentRow) => (b.updated_at ?? "").localeCompare(a.updated_at ?? "");
  const cmp: Record<SortKey, (a: IncidentRow, b: IncidentRow) => number> = {
    updated: byUpdated,
    severity: (a, b) => a.severity.localeCompare(b.severity) || byUpdated(a, b),
    clock: (a, b) =>
      CLOCK_URGENCY[clocks.get(b.id) ?? "met"] - CLOCK_URGENCY[clocks.get(a.id) ?? "met"] || byUpdated(a, b),
    key: (a, b) => a.key.localeCompare(b.key),
    title: (a, b) => a.title.localeCompare(b.title, undefined, { sensitivity: "base" }),
  };
  return out.sort(cmp[key]);
}
