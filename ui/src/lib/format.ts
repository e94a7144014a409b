// How values read on screen: times in UTC (responders compare logs from many zones), durations, sizes, labels.
import type { ClockState, Severity, Tlp, Status, EntryKind } from "../bindings/commands";

/** `2026-11-20 10:04:05` in UTC, or an em dash for no time. */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace("T", " ").slice(0, 19);
}

/** Microsecond-precise form for the timeline: `2026-11-20 10:04:05.123456`. */
export function fmtPreciseTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(iso);
  if (!m) return fmtTime(iso);
  const frac = (m[3] ?? "").slice(1).padEnd(6, "0").slice(0, 6);
  return `${m[1]} ${m[2]}.${frac}`;
}

/** A duration in the two largest units: `2 d 4 h`, `3 h 12 min`, `45 s`. */
export function fmtDuration(secs: number | null | undefined): string {
  if (secs === null || secs === undefined) return "—";
  const neg = secs < 0;
  let s = Math.abs(Math.round(secs));
  const units: [string, number][] = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
  const parts: string[] = [];
  for (const [name, size] of units) {
    if (s >= size || (parts.length === 0 && size === 1)) {
      parts.push(`${Math.floor(s / size)} ${name}`);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  return (neg ? "−" : "") + parts.join(" ");
}

export function fmtBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const SEVERITY_LABEL: Record<Severity, string> = {
  sev1: "SEV1 critical",
  sev2: "SEV2 high",
  sev3: "SEV3 medium",
  sev4: "SEV4 low",
};

export const STATUS_ORDER: Status[] = [
  "new", "triage", "investigating", "contained", "eradicated", "recovered", "closed",
];

export const TLP_LABEL: Record<Tlp, string> = {
  clear: "TLP:CLEAR",
  green: "TLP:GREEN",
  amber: "TLP:AMBER",
  "amber+strict": "TLP:AMBER+STRICT",
  red: "TLP:RED",
};

/** TLP 2.0 colours: the marking's colour as text on black. */
export const TLP_COLOUR: Record<Tlp, string> = {
  clear: "#FFFFFF",
  green: "#33FF00",
  amber: "#FFC000",
  "amber+strict": "#FFC000",
  red: "#FF2B2B",
};

export const KIND_COLOUR: Record<EntryKind, string> = {
  detection: "#e11d48",
  alert: "#f97316",
  action: "#2563eb",
  containment: "#7c3aed",
  communication: "#0891b2",
  finding: "#16a34a",
  note: "#64748b",
  system: "#a8a29e",
};

/** The badge a response clock earns, or null when it needs no attention. */
export function clockBadge(state: ClockState): { text: string; tone: "bad" | "warn" } | null {
  if (state === "breached") return { text: "breached", tone: "bad" };
  if (state === "due_soon") return { text: "due soon", tone: "warn" };
  return null;
}

/** Seconds between two instants, or null when either is missing. */
export function between(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  return (new Date(to).getTime() - new Date(from).getTime()) / 1000;
}

/**
 * Reads a UTC time typed by a person: `2026-11-20 10:04`, `2026-11-20T10:04:05Z`, `10:04` (today). Returns the
 * ISO form, null for an empty field (meaning "now"), or undefined when it cannot be read.
 */
export function parseUtc(input: string, today: Date = new Date()): string | null | undefined {
  const s = input.trim();
  if (!s) return null;
  const time = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (time) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), +time[1], +time[2], +(time[3] ?? 0)));
    return +time[1] < 24 && +time[2] < 60 ? d.toISOString() : undefined;
  }
  const full = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|UTC)?$/i.exec(s);
  if (!full) return undefined;
  const [, y, mo, da, h = "0", mi = "0", se = "0", frac = ""] = full;
  const ms = Date.UTC(+y, +mo - 1, +da, +h, +mi, +se);
  const d = new Date(ms);
  if (d.getUTCMonth() !== +mo - 1 || d.getUTCDate() !== +da || +h > 23 || +mi > 59 || +se > 59) return undefined;
  const iso = d.toISOString();
  return frac ? iso.replace(/\.\d{3}Z$/, `${frac.padEnd(4, "0").slice(0, 7)}Z`) : iso;
}
