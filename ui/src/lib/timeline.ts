// The visual timeline: entries over time as a histogram stacked by kind, built from evenly spaced samples of the
// time-ordered list (each sample stands for total/n entries, so the bars' heights follow the real density).
import type { EntryKind } from "../bindings/commands";

export type Sample = { index: number; at: string; kind: EntryKind };
export type Bin = { from: number; to: number; byKind: Partial<Record<EntryKind, number>>; total: number; firstIndex: number };

/** Offsets of `n` samples spread over a list of `total` rows (all rows when there are few). */
export function sampleOffsets(total: number, n: number): number[] {
  if (total <= n) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: n }, (_, i) => Math.floor((i * (total - 1)) / (n - 1)));
}

/** Buckets samples into `bins` equal stretches of time; counts are scaled to stand for `total` entries. */
export function histogram(samples: Sample[], total: number, bins: number): Bin[] {
  if (samples.length === 0) return [];
  const times = samples.map((s) => new Date(s.at).getTime());
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  const span = Math.max(1, hi - lo);
  const weight = total / samples.length;
  const out: Bin[] = Array.from({ length: bins }, (_, i) => ({
    from: lo + (span * i) / bins,
    to: lo + (span * (i + 1)) / bins,
    byKind: {},
    total: 0,
    firstIndex: -1,
  }));
  samples.forEach((s, i) => {
    const b = out[Math.min(bins - 1, Math.floor(((times[i] - lo) / span) * bins))];
    b.byKind[s.kind] = (b.byKind[s.kind] ?? 0) + weight;
    b.total += weight;
    if (b.firstIndex < 0) b.firstIndex = s.index;
  });
  return out;
}
