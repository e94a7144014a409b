// The timeline: quick keyboard entry, filters, Timesketch import with progress, a visual timeline by kind, and a
// virtualised list that fetches pages through the API's keyset paging (smooth at 100,000 entries).
import { memo } from "preact/compat";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Cursor, EntryKind, EntryQuery, EntryView, Histogram, IncidentDetail, PageAt } from "../bindings/commands";
import { ENTRY_KINDS } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp, useMayEdit } from "../state";
import { Empty, ErrorNote, Modal, ProgressBar } from "../components/ui";
import { fmtPreciseTime, fmtTime, KIND_COLOUR, parseUtc } from "../lib/format";
import { isTyping } from "../lib/keys";
import { PageCache, pageRequest, pagesFor, visibleRange, withNeighbours } from "../lib/virtual";
import { bars, landingRow } from "../lib/timeline";

const KINDS = ENTRY_KINDS;
const ROW = 30;
const PAGE = 200;
const BUCKETS = 80;

const cursorOf = (e: EntryView): Cursor => ({ event_time: e.event_time, id: e.id });

type Filter = { kind: EntryKind | null; text: string; keyOnly: boolean; hideSuperseded: boolean };

export function Timeline({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const ro = !useMayEdit();
  const [filter, setFilter] = useState<Filter>({ kind: null, text: "", keyOnly: false, hideSuperseded: false });
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<ReturnType<typeof toError> | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [, setTick] = useState(0);
  const [sel, setSel] = useState(0);
  const [correcting, setCorrecting] = useState<EntryView | null>(null);
  const [importJob, setImportJob] = useState<string | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const entryRef = useRef<HTMLInputElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  const cache = useMemo(() => new PageCache<EntryView>(PAGE, 60), [d.key, filter, app.version]);

  const query = useMemo(
    (): EntryQuery => ({
      kind: filter.kind,
      key_events_only: filter.keyOnly,
      hide_superseded: filter.hideSuperseded,
      text: filter.text.trim() || null,
    }),
    [filter],
  );

  const fetchPage = useCallback(
    (p: number, at: PageAt) => {
      cmd.timelinePage(d.key, query, at, PAGE).then(
        (page) => {
          // A step from a neighbour that lands elsewhere means the list changed under it: ask by position instead.
          if (!("position" in at) && page.position !== p * PAGE) return fetchPage(p, { position: p * PAGE });
          cache.put(p, page.entries);
          setTotal(page.total);
          setError(null);
          setTick((t) => t + 1);
        },
        (e) => {
          cache.drop(p);
          setError(toError(e));
        },
      );
    },
    [cache, d.key, query],
  );

  const load = useCallback(
    (pages: number[]) => {
      for (const p of cache.claim(pages)) fetchPage(p, pageRequest(cache, p, cursorOf));
    },
    [cache, fetchPage],
  );

  // A new filter or a change elsewhere: start again from the first page (debounced for typing in the filter).
  useEffect(() => {
    const t = setTimeout(() => load([0]), filter.text ? 150 : 0);
    return () => clearTimeout(t);
  }, [cache]);

  const range = visibleRange(scrollTop, viewport, ROW, total ?? 0, 15);
  useEffect(() => load(withNeighbours(pagesFor(range, PAGE), total ?? 0, PAGE)), [range.start, range.end, cache]);

  useEffect(() => {
    const el = listRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewport(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onScroll = useCallback(() => {
    const el = listRef.current;
    if (el) requestAnimationFrame(() => setScrollTop(el.scrollTop));
  }, []);

  const scrollToIndex = (i: number) => {
    const el = listRef.current;
    if (!el) return;
    if (i * ROW < el.scrollTop) el.scrollTop = i * ROW;
    else if ((i + 1) * ROW > el.scrollTop + el.clientHeight) el.scrollTop = (i + 1) * ROW - el.clientHeight;
  };

  const star = useCallback(async (e: EntryView) => {
    try {
      await cmd.setKeyEvent(d.key, e.id, !e.key_event);
      app.changed();
    } catch (err) {
      app.fail(toError(err));
    }
  }, [d.key, app]);
  const jump = useCallback((i: number) => {
    if (listRef.current) listRef.current.scrollTop = i * ROW;
    setSel(i);
  }, []);
  // A bar of the visual timeline: the backend finds the first entry at or after its start and its position.
  const jumpToTime = useCallback(async (at: string) => {
    try {
      const page = await cmd.timelinePage(d.key, query, { time: at }, 1);
      jump(landingRow(page.position, page.total));
    } catch (e) {
      app.fail(toError(e));
    }
  }, [d.key, query, jump, app]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || document.querySelector(".modal")) return;
      const n = total ?? 0;
      const act: Record<string, () => void> = {
        a: () => entryRef.current?.focus(),
        f: () => filterRef.current?.focus(),
        j: () => { const i = Math.min(n - 1, sel + 1); setSel(i); scrollToIndex(i); },
        k: () => { const i = Math.max(0, sel - 1); setSel(i); scrollToIndex(i); },
        s: () => { const row = cache.row(sel); if (row && !ro) star(row); },
        c: () => { const row = cache.row(sel); if (row && !ro) setCorrecting(row); },
      };
      if (act[e.key]) {
        e.preventDefault();
        act[e.key]();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [total, sel, cache, ro]);

  const [pathText, setPathText] = useState("");
  const importFile = async () => {
    const [path] = await cmd.pickOpen(false, [{ name: "Timesketch CSV or JSONL", extensions: ["csv", "jsonl", "ndjson", "json"] }]);
    if (path) importPath(path);
  };
  const importPath = async (path: string) => {
    const job = `import-${Date.now()}`;
    setImportJob(job);
    try {
      const s = await cmd.importTimeline(d.key, path, job);
      app.notify(`Imported ${s.entries} entries`);
      app.changed();
    } catch (e) {
      app.fail(toError(e));
    } finally {
      setImportJob(null);
    }
  };

  const rows = [];
  for (let i = range.start; i < range.end; i++) {
    const e = cache.row(i);
    rows.push(
      <div key={i} class={`entry-row ${i === sel ? "selected" : ""} ${e?.superseded_by ? "superseded" : ""}`} style={{ transform: `translateY(${i * ROW}px)` }}
        data-index={i} onClick={() => setSel(i)} onDblClick={() => e && !ro && setCorrecting(e)}>
        {e ? <EntryRow e={e} ro={ro} onStar={star} /> : <span class="placeholder muted">…</span>}
      </div>,
    );
  }

  return (
    <div class="timeline">
      {!ro && <QuickEntry d={d} inputRef={entryRef} />}
      <div class="filters">
        <select aria-label="Kind" value={filter.kind ?? ""} onChange={(e) => setFilter({ ...filter, kind: (e.currentTarget.value || null) as EntryKind | null })}>
          <option value="">Every kind</option>
          {KINDS.map((k) => <option value={k}>{k}</option>)}
        </select>
        <input ref={filterRef} type="search" placeholder="Filter: words or word prefixes (f)" value={filter.text} data-testid="timeline-filter"
          onInput={(e) => setFilter({ ...filter, text: e.currentTarget.value })} />
        <label class="check"><input type="checkbox" checked={filter.keyOnly} onChange={(e) => setFilter({ ...filter, keyOnly: e.currentTarget.checked })} /> Key events only</label>
        <label class="check"><input type="checkbox" checked={filter.hideSuperseded} onChange={(e) => setFilter({ ...filter, hideSuperseded: e.currentTarget.checked })} /> Hide corrected</label>
        <span class="grow" />
        <span class="muted" data-testid="entry-count">{total === null ? "" : `${total.toLocaleString("en")} ${total === 1 ? "entry" : "entries"}`}</span>
        {!ro && <button data-edit data-testid="import-timeline" onClick={importFile} disabled={!!importJob}>Import Timesketch…</button>}
        {!ro && (
          <input data-edit class="path-input" data-testid="import-path" placeholder="or paste a file path ⏎" value={pathText}
            onInput={(e) => setPathText(e.currentTarget.value)}
            onKeyDown={(e) => { if (e.key === "Enter" && pathText.trim()) { importPath(pathText.trim()); setPathText(""); } }} />
        )}
      </div>
      {importJob && <ProgressBar label="Importing" done={app.progress[importJob]?.done ?? 0} total={app.progress[importJob]?.total ?? null} />}
      {error && <ErrorNote error={error} retry={() => { cache.clear(); load([0]); }} />}
      {total !== null && total > 0 && <VisualTimeline d={d} total={total} query={query} version={cache} onJump={jumpToTime} />}
      <div class="entry-head"><span>★</span><span>Event time (UTC)</span><span>Kind</span><span>Summary</span><span>Source</span><span>By</span></div>
      <div class="entry-list" ref={listRef} onScroll={onScroll} data-testid="entry-list" tabIndex={0}>
        {total === 0 ? (
          <Empty>{filter.text || filter.kind || filter.keyOnly ? "No entry matches this filter." : ro ? "No timeline entries yet." : "No timeline entries yet. Press a to add the first, or import a Timesketch file."}</Empty>
        ) : (
          <div class="entry-space" style={{ height: `${(total ?? 0) * ROW}px` }}>{rows}</div>
        )}
      </div>
      {correcting && <CorrectDialog d={d} e={correcting} onClose={() => setCorrecting(null)} />}
    </div>
  );
}

// Rows and the chart re-render only when their data changes, not on every scroll frame.
const EntryRow = memo(function EntryRow({ e, ro, onStar }: { e: EntryView; ro: boolean; onStar: (e: EntryView) => void }) {
  return (
    <>
      {ro ? <span class={`star ${e.key_event ? "on" : ""}`} aria-label={e.key_event ? "Key event" : ""}>{e.key_event ? "★" : ""}</span> : (
        <button class={`star ${e.key_event ? "on" : ""}`} data-edit aria-label={e.key_event ? "Unstar key event" : "Star as key event"} onClick={(ev) => { ev.stopPropagation(); onStar(e); }}>{e.key_event ? "★" : "☆"}</button>
      )}
      <span class="mono time" title={e.time_zone ? `source zone ${e.time_zone}` : ""}>{fmtPreciseTime(e.event_time)}</span>
      <span class="kind" style={{ borderColor: KIND_COLOUR[e.kind], color: KIND_COLOUR[e.kind] }}>{e.kind}</span>
      <span class="summary" title={e.details || e.summary}>
        {e.supersedes && <span class="badge small" title="This entry corrects an earlier one">correction</span>}
        {e.superseded_by && <span class="badge small warn" title="A later entry corrects this one">corrected</span>}
        {e.summary}
      </span>
      <span class="source muted">{e.source_host ?? e.source_tool ?? ""}</span>
      <span class="author muted">{e.author_name ?? ""}</span>
    </>
  );
});

const QuickEntry = memo(function QuickEntry({ d, inputRef }: { d: IncidentDetail; inputRef: preact.RefObject<HTMLInputElement> }) {
  const app = useApp();
  const [summary, setSummary] = useState("");
  const [kind, setKind] = useState<EntryKind>("note");
  const [at, setAt] = useState("");
  const [keyEvent, setKeyEvent] = useState(false);
  const [busy, setBusy] = useState(false);
  const when = parseUtc(at);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!summary.trim() || when === undefined || busy) return;
    setBusy(true);
    try {
      await cmd.addEntry(d.key, { summary, details: "", at: when, kind, source_host: null, key_event: keyEvent });
      setSummary("");
      setKeyEvent(false);
      app.changed();
      inputRef.current?.focus();
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="quick-entry" onSubmit={submit} data-testid="quick-entry">
      <input ref={inputRef} class="grow" data-edit data-testid="entry-summary" placeholder="What happened? (a to focus · Enter to add)" value={summary} onInput={(e) => setSummary(e.currentTarget.value)} />
      <select data-edit aria-label="Kind" data-testid="entry-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as EntryKind)}>
        {KINDS.map((k) => <option value={k}>{k}</option>)}
      </select>
      <input data-edit class={`time-input ${when === undefined ? "invalid" : ""}`} placeholder="now (UTC)" title="UTC: 2026-11-20 10:04 or 10:04; empty means now" value={at} onInput={(e) => setAt(e.currentTarget.value)} data-testid="entry-time" />
      <label class="check"><input data-edit type="checkbox" checked={keyEvent} onChange={(e) => setKeyEvent(e.currentTarget.checked)} /> key event</label>
      <button data-edit class="primary" type="submit" disabled={busy || !summary.trim() || when === undefined}>Add</button>
    </form>
  );
});

function CorrectDialog({ d, e, onClose }: { d: IncidentDetail; e: EntryView; onClose: () => void }) {
  const app = useApp();
  const [summary, setSummary] = useState(e.summary);
  const [details, setDetails] = useState(e.details);
  const [at, setAt] = useState(fmtPreciseTime(e.event_time));
  const when = parseUtc(at);
  return (
    <Modal title="Correct a timeline entry" onClose={onClose}>
      <form class="form" onSubmit={async (ev) => {
        ev.preventDefault();
        if (when === undefined) return;
        try {
          await cmd.correctEntry(d.key, e.id, { summary, details, at: when, kind: e.kind, source_host: e.source_host, key_event: e.key_event });
          app.changed();
          onClose();
        } catch (err) {
          app.fail(toError(err));
        }
      }}>
        <p class="muted small">Entries are never changed in place: the correction is a new entry, and the original stays visible, marked as corrected.</p>
        <label>Event time (UTC)<input class={when === undefined ? "invalid" : ""} value={at} onInput={(ev) => setAt(ev.currentTarget.value)} /></label>
        <label>Summary<input autoFocus value={summary} onInput={(ev) => setSummary(ev.currentTarget.value)} /></label>
        <label>Details<textarea rows={3} value={details} onInput={(ev) => setDetails(ev.currentTarget.value)} /></label>
        <div class="row end"><button type="button" onClick={onClose}>Cancel</button><button class="primary" type="submit">Save correction</button></div>
      </form>
    </Modal>
  );
}

const VisualTimeline = memo(function VisualTimeline({ d, total, query, version, onJump }: {
  d: IncidentDetail; total: number; query: EntryQuery; version: unknown; onJump: (at: string) => void;
}) {
  const [h, setH] = useState<Histogram | null>(null);
  useEffect(() => {
    let stop = false;
    cmd.timelineHistogram(d.key, query, null, BUCKETS).then((r) => { if (!stop) setH(r); }, () => {});
    return () => { stop = true; };
  }, [version, total]);
  const W = 800;
  const H = 44;
  const shown = h ? bars(h, KINDS, H - 2) : [];
  const bw = W / Math.max(1, shown.length);
  return (
    <div class="visual-timeline" data-testid="visual-timeline">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label="Entries over time, coloured by kind">
        {shown.map((b) => b.segments.map((s) => (
          <rect x={b.index * bw + 0.5} y={s.y + 2} width={Math.max(1, bw - 1)} height={s.height} fill={KIND_COLOUR[s.kind]} onClick={() => onJump(b.from)}>
            <title>{`${fmtTime(b.from)} – ${fmtTime(b.to)}: ${b.total.toLocaleString("en")} ${b.total === 1 ? "entry" : "entries"}`}</title>
          </rect>
        )))}
      </svg>
      <div class="axis muted small">
        <span>{h ? fmtTime(h.from) : ""}</span>
        <span class="legend">{KINDS.map((k) => <span><i style={{ background: KIND_COLOUR[k] }} />{k}</span>)}</span>
        <span>{h ? fmtTime(h.to) : ""}</span>
      </div>
    </div>
  );
});
