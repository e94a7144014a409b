// The queue: incidents per tier with counts, filters, sort, full-text search and response-clock badges.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ClockState, IncidentRow, Severity, Status, Tier } from "../bindings/commands";
import { cmd } from "../api";
import { useApp } from "../state";
import { useLoad } from "../hooks";
import { ClockBadge, Empty, ErrorNote, Loading, SeverityBadge, StatusBadge, TlpBadge } from "../components/ui";
import { fmtTime, SEVERITY_LABEL, STATUS_ORDER } from "../lib/format";
import { isTyping } from "../lib/keys";
import { sortIncidents, type SortKey, worstClock } from "../lib/queue";

export function Queue() {
  const app = useApp();
  const [tier, setTier] = useState<Tier | "all">("all");
  const [status, setStatus] = useState<Status | "open" | "any">("open");
  const [severity, setSeverity] = useState<Severity | "">("");
  const [assignee, setAssignee] = useState<string>("");
  const [sort, setSort] = useState<SortKey>("updated");
  const [text, setText] = useState("");
  const [matchIds, setMatchIds] = useState<Set<string> | null>(null);
  const [sel, setSel] = useState(0);
  const listRef = useRef<HTMLTableSectionElement>(null);

  const mineId = app.me?.user.id ?? "";
  const rows = useLoad(
    () =>
      cmd.incidents({
        status: status === "open" || status === "any" ? null : status,
        open_only: status === "open",
        severity: severity || null,
        tier: null,
        assignee: assignee === "" || assignee === "unassigned" ? null : assignee === "mine" ? mineId : assignee,
        unassigned: assignee === "unassigned",
        limit: 5000,
      }),
    [status, severity, assignee, mineId, app.version],
  );
  const pending = useLoad(() => cmd.pendingEscalations(null), [app.version]);
  const users = useLoad(() => cmd.users(), []);

  useEffect(() => {
    if (!text.trim()) return setMatchIds(null);
    const t = setTimeout(
      () => cmd.search(text, null, 1000).then((h) => setMatchIds(new Set(h.map((x) => x.incident_id))), app.fail),
      150,
    );
    return () => clearTimeout(t);
  }, [text]);

  const clocks = useMemo(() => {
    const m = new Map<string, ClockState>();
    for (const e of pending.data ?? []) m.set(e.incident_id, worstClock([m.get(e.incident_id), e.acknowledge_clock, e.accept_clock]));
    return m;
  }, [pending.data]);

  const matching = (rows.data ?? []).filter((r) => !matchIds || matchIds.has(r.id));
  const counts = { all: matching.length, 1: 0, 2: 0, 3: 0 } as Record<string, number>;
  matching.forEach((r) => counts[r.tier]++);
  const shown = sortIncidents(matching.filter((r) => tier === "all" || r.tier === tier), sort, clocks);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || document.querySelector(".modal")) return;
      if (e.key === "j" || e.key === "ArrowDown") setSel((s) => Math.min(shown.length - 1, s + 1));
      else if (e.key === "k" || e.key === "ArrowUp") setSel((s) => Math.max(0, s - 1));
      else if (e.key === "Enter" && shown[sel]) app.go({ screen: "incident", key: shown[sel].key });
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [shown, sel]);
  useEffect(() => listRef.current?.querySelector(".selected")?.scrollIntoView({ block: "nearest" }), [sel]);

  return (
    <section class="screen" data-screen="queue">
      <header class="screen-head">
        <h1>Queue</h1>
        <div class="tabs" role="tablist" aria-label="Tier">
          {(["all", 1, 2, 3] as const).map((t) => (
            <button role="tab" aria-selected={tier === t} class={tier === t ? "active" : ""} data-tier={t} onClick={() => { setTier(t); setSel(0); }}>
              {t === "all" ? "All tiers" : `Tier ${t}`} <span class="count">{counts[t]}</span>
            </button>
          ))}
        </div>
      </header>
      <div class="filters">
        <input type="search" placeholder="Search text in incidents, timelines, observables…" value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="queue-search" />
        <select aria-label="Status" value={status} onChange={(e) => setStatus(e.currentTarget.value as Status)}>
          <option value="open">Open</option>
          <option value="any">Any status</option>
          {STATUS_ORDER.map((s) => <option value={s}>{s}</option>)}
        </select>
        <select aria-label="Severity" value={severity} onChange={(e) => setSeverity(e.currentTarget.value as Severity)}>
          <option value="">Any severity</option>
          {(Object.keys(SEVERITY_LABEL) as Severity[]).map((s) => <option value={s}>{SEVERITY_LABEL[s]}</option>)}
        </select>
        <select aria-label="Assignee" value={assignee} onChange={(e) => setAssignee(e.currentTarget.value)} data-testid="assignee-filter">
          <option value="">Anyone</option>
          <option value="mine">Mine</option>
          <option value="unassigned">Unassigned</option>
          {users.data?.map((u) => <option value={u.id}>{u.name}</option>)}
        </select>
        <select aria-label="Sort" value={sort} onChange={(e) => setSort(e.currentTarget.value as SortKey)}>
          <option value="updated">Recently changed</option>
          <option value="severity">Severity</option>
          <option value="clock">Response clock</option>
          <option value="key">Key</option>
          <option value="title">Title</option>
        </select>
      </div>
      {rows.error && <ErrorNote error={rows.error} retry={rows.reload} />}
      {rows.loading && !rows.data && <Loading what="the queue" />}
      {rows.data && shown.length === 0 && (
        <Empty>
          {rows.data.length === 0 && status === "open" && !severity && !assignee
            ? "No open incidents. Press n to open one."
            : "No incident matches these filters."}
        </Empty>
      )}
      {shown.length > 0 && (
        <table class="grid incidents" data-testid="queue-table">
          <thead>
            <tr><th>Key</th><th>Sev</th><th>Title</th><th>Status</th><th>TLP</th><th>Tier</th><th>Assignee</th><th>Clock</th><th>Changed (UTC)</th></tr>
          </thead>
          <tbody ref={listRef}>
            {shown.map((r: IncidentRow, i) => (
              <tr class={i === sel ? "selected" : ""} data-key={r.key} onClick={() => app.go({ screen: "incident", key: r.key })}>
                <td class="mono nowrap"><button class="link mono key-link" data-open={r.key} onClick={(e) => { e.stopPropagation(); app.go({ screen: "incident", key: r.key }); }}>{r.key}</button></td>
                <td><SeverityBadge severity={r.severity} /></td>
                <td class="title">{r.title}{r.tags.map((t) => <span class="tag">{t}</span>)}</td>
                <td><StatusBadge status={r.status} /></td>
                <td><TlpBadge tlp={r.tlp} /></td>
                <td>{r.tier}</td>
                <td>{r.assignee_name ?? <span class="muted">unassigned</span>}</td>
                <td>{clocks.get(r.id) && <ClockBadge state={clocks.get(r.id)!} />}</td>
                <td class="mono muted nowrap">{fmtTime(r.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

