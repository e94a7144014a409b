// The visual timeline: entries over time as a histogram stacked by kind, counted by the backend in one call
// (`timelineHistogram`) over the same filter as the list; a click on a bar lands the list on the bucket's first entry.
import type { EntryKind, Histogram } from "../bindings/commands";

export type Segment = { kind: EntryKind; y: number; height: number };
export type Bar = { index: number; from: string; to: string; total: number; segments: Segment[] };

/**
 * Each bucket as a bar of stacked segments, bottom up in `kinds` order, heights scaled so the fullest bucket fills
 * `height`; a kind present gets at least `minSegment` so a single entry stays visible.
 */
export function bars(h: Histogram, kinds: readonly EntryKind[], height: number, minSegment = 1): Bar[] {
  const max = Math.max(1, ...h.buckets.map((b) => b.total));
  return h.buckets.map((b, index) => {
    let y = height;
    const segments: Segment[] = [];
    for (const kind of kinds) {
      const count = b.by_kind.find((c) => c.kind === kind)?.count ?? 0;
      if (count === 0) continue;
      const seg = Math.max(minSegment, (count / max) * height);
      y -= seg;
      segments.push({ kind, y, height: seg });
    }
    return { index, from: b.from, to: b.to, total: b.total, segments };
  });
}

/** The row to select after landing at `position` of `total` (an instant after every entry lands on the last). */
export function landingRow(position: number, total: number): number {
  return Math.max(0, Math.min(position, total - 1));
}
