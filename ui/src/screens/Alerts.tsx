// The alert queue for tier 1: one row per group (same rule, same key observable), keyboard-first triage (j/k,
// Enter for the detail, d dismiss, p promote, m merge), import from a file the person chooses. The controls follow
// what `allowed` answers; the raw payload is shown as text in a <pre>, never as markup.
import { useEffect, useRef, useState } from "preact/hooks";
import type { AlertDetail, AlertGroupView, AlertVerdict, CommandError, Severity } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp } from "../state";
import { useAutoFocus, useLoad } from "../hooks";
import { Empty, ErrorNote, Loading, Modal, ProgressBar, SeverityBadge } from "../components/ui";
import { fmtTime, SEVERITY_LABEL } from "../lib/format";
import { isTyping } from "../lib/keys";
import {
  ALERT_FILTERS, type AlertFilter, dismissTarget, filterState, groupStatus, moveSelection, ruleLabel, STATE_LABEL,
  VERDICT_LABEL,
} from "../lib/alerts";

const PAGE = 200;
type Dialog = { kind: "dismiss" | "promote" | "merge"; row: AlertGroupView } | null;

export function Alerts() {
  const app = useApp();
  const can = app.can;
  const [filter, setFilter] = useState<AlertFilter>("new");
  const [extra, setExtra] = useState<AlertGroupView[]>([]);
  const [exhausted, setExhausted] = useState(false);
  const [sel, setSel] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [importJob, setImportJob] = useState<string | null>(null);
  const [pathText, setPathText] = useState("");
  const listRef = useRef<HTMLTableSectionElement>(null);
  // The key after `g` belongs to the app's navigation (`g m` goes to metrics; it must not also merge).
  const afterG = useRef(false);

  const page = useLoad(() => cmd.alerts({ status: filterState(filter), limit: PAGE, cursor: null }), [filter, app.version]);
  useEffect(() => { setExtra([]); setExhausted(false); }, [page.data]);
  const rows = [...(page.data ?? []), ...extra];
  const last = rows[rows.length - 1];
  const more = !exhausted && (page.data?.length ?? 0) >= PAGE;
  const loadMore = () =>
    cmd.alerts({ status: filterState(filter), limit: PAGE, cursor: last.cursor }).then((r) => {
      setExtra((x) => [...x, ...r]);
      if (r.length < PAGE) setExhausted(true);
    }, (e) => app.fail(toError(e)));

  const current = rows[Math.min(sel, rows.length - 1)];
  const triage = !!can?.triage_alerts;
  const act = (kind: NonNullable<Dialog>["kind"], row: AlertGroupView | undefined) => {
    if (!row) return;
    if (kind === "promote" ? !can?.promote_alerts : !triage) return;
    setDialog({ kind, row });
  };

  // One listener for the screen's life that reads the latest render's values: a key pressed the moment the rows
  // appear acts on them.
  const now = useRef({ rows, current, open, dialog });
  now.current = { rows, current, open, dialog };
  const actRef = useRef(act);
  actRef.current = act;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { rows, current, open, dialog } = now.current;
      if (e.key === "Escape" && !dialog && open) return setOpen(null);
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || document.querySelector(".modal")) return;
      const navigating = afterG.current;
      afterG.current = e.key === "g";
      if (navigating) return;
      if (e.key === "j" || e.key === "ArrowDown") setSel((s) => moveSelection(s, 1, rows.length));
      else if (e.key === "k" || e.key === "ArrowUp") setSel((s) => moveSelection(s, -1, rows.length));
      else if (e.key === "Enter" && current) setOpen((o) => (o === current.id ? null : current.id));
      else if (e.key === "d") actRef.current("dismiss", current);
      else if (e.key === "p") actRef.current("promote", current);
      else if (e.key === "m") actRef.current("merge", current);
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  useEffect(() => listRef.current?.querySelector(".selected")?.scrollIntoView({ block: "nearest" }), [sel]);
  // The detail follows the selection once open.
  useEffect(() => { if (open && current && open !== current.id) setOpen(current.id); }, [current?.id]);

  const importPath = async (path: string) => {
    const job = `alerts-${Date.now()}`;
    setImportJob(job);
    try {
      const s = await cmd.importAlerts(path, job);
      app.notify(`Imported ${s.new} new ${s.new === 1 ? "alert" : "alerts"} in ${s.groups} ${s.groups === 1 ? "group" : "groups"}${s.duplicates ? ` (${s.duplicates} already here)` : ""}`);
      app.changed();
    } catch (e) {
      app.fail(toError(e));
    } finally {
      setImportJob(null);
    }
  };
  const importFile = async () => {
    const [path] = await cmd.pickOpen(false, [{ name: "Alerts (JSON or JSON lines)", extensions: ["json", "jsonl", "ndjson"] }]);
    if (path) importPath(path);
  };

  return (
    <section class="screen" data-screen="alerts">
      <header class="screen-head">
        <h1>Alerts</h1>
        <span class="muted">One row per rule and key observable within a day. j/k to move, Enter for the detail{triage ? ", d dismiss, p promote, m merge" : ""}.</span>
      </header>
      <div class="filters">
        <select aria-label="Status" data-testid="alert-filter" value={filter} onChange={(e) => { setFilter(e.currentTarget.value as AlertFilter); setSel(0); }}>
          {ALERT_FILTERS.map(([f, label]) => <option value={f}>{label}</option>)}
        </select>
        <span class="grow" />
        {can?.import_alerts && <button data-testid="import-alerts" onClick={importFile} disabled={!!importJob}>Import alerts…</button>}
        {can?.import_alerts && (
          <input class="path-input" data-testid="alert-import-path" placeholder="or paste a file path ⏎" value={pathText}
            onInput={(e) => setPathText(e.currentTarget.value)}
            onKeyDown={(e) => { if (e.key === "Enter" && pathText.trim()) { importPath(pathText.trim()); setPathText(""); } }} />
        )}
      </div>
      {importJob && <ProgressBar label="Importing alerts" done={app.progress[importJob]?.done ?? 0} total={null} />}
      {page.error && <ErrorNote error={page.error} retry={page.reload} />}
      {page.loading && !page.data && <Loading what="the alert queue" />}
      {page.data && rows.length === 0 && (
        <Empty>{filter === "new" ? "No alerts waiting. Import a file or connect a SIEM through the team server." : "No alert group has an alert in this state."}</Empty>
      )}
      {rows.length > 0 && (
        <table class="grid incidents alerts" data-testid="alert-table">
          <thead>
            <tr><th>Sev</th><th>Rule</th><th>Key observable</th><th>Alerts</th><th>First seen (UTC)</th><th>Last seen (UTC)</th><th>Status</th></tr>
          </thead>
          <tbody ref={listRef}>
            {rows.map((g, i) => {
              const st = groupStatus(g);
              return (
                <tr class={i === sel ? "selected" : ""} data-alert={g.id} data-count={g.alerts} data-waiting={st.waiting}
                  onClick={() => { setSel(i); setOpen(g.id); }}>
                  <td><SeverityBadge severity={g.severity} /></td>
                  <td class="title">{ruleLabel(g)}<span class="muted small"> · {g.source}</span>
                    {g.title !== ruleLabel(g) && <div class="muted small">{g.title}</div>}</td>
                  <td class="mono">{g.key_observable || <span class="muted">none</span>}</td>
                  <td class="num" data-testid="alert-count">{g.alerts}</td>
                  <td class="mono muted nowrap">{fmtTime(g.first_seen)}</td>
                  <td class="mono muted nowrap">{fmtTime(g.last_seen)}</td>
                  <td><span class={`badge status ${st.waiting ? "status-new" : "status-closed"}`}>{st.text}</span></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {more && last && <button class="link" onClick={loadMore}>Show more</button>}
      {open && <AlertPane id={open} triage={triage} promote={!!can?.promote_alerts} onAct={(kind) => act(kind, current)} onClose={() => setOpen(null)} />}
      {dialog?.kind === "dismiss" && <DismissDialog row={dialog.row} onClose={() => setDialog(null)} />}
      {dialog?.kind === "promote" && <PromoteDialog row={dialog.row} onClose={() => setDialog(null)} />}
      {dialog?.kind === "merge" && <MergeDialog row={dialog.row} onClose={() => setDialog(null)} />}
    </section>
  );
}

function AlertPane({ id, triage, promote, onAct, onClose }: {
  id: string; triage: boolean; promote: boolean; onAct: (k: "dismiss" | "promote" | "merge") => void; onClose: () => void;
}) {
  const app = useApp();
  const d = useLoad(() => cmd.alert(id), [id, app.version]);
  return (
    <section class="alert-detail" data-testid="alert-detail" data-alert={id}>
      {d.error && <ErrorNote error={d.error} retry={d.reload} />}
      {d.loading && !d.data && <Loading what="the alert" />}
      {d.data && <AlertFacts d={d.data} />}
      <div class="row end">
        {triage && d.data?.alert.state === "new" && <button onClick={() => onAct("dismiss")}>Dismiss <kbd>d</kbd></button>}
        {promote && d.data?.alert.state === "new" && <button class="primary" onClick={() => onAct("promote")}>Promote <kbd>p</kbd></button>}
        {triage && d.data?.alert.state === "new" && <button onClick={() => onAct("merge")}>Merge into… <kbd>m</kbd></button>}
        <button onClick={onClose}>Close <kbd>Esc</kbd></button>
      </div>
    </section>
  );
}

function AlertFacts({ d }: { d: AlertDetail }) {
  const app = useApp();
  const a = d.alert;
  const addr = (ip: string | null, port: number | null) => (ip ? (port !== null ? `${ip}:${port}` : ip) : null);
  const facts: [string, string | null][] = [
    ["Rule", [a.rule_name, a.rule_id && `(${a.rule_id})`].filter(Boolean).join(" ") || null],
    ["Source", [a.source, a.format !== a.source && a.format, a.source_id].filter(Boolean).join(" · ")],
    ["Source severity", a.source_severity],
    ["Event time", a.event_time && fmtTime(a.event_time)],
    ["Raised", a.raised_at && fmtTime(a.raised_at)],
    ["Received", fmtTime(a.received_at)],
    ["Host", a.host],
    ["User", a.user],
    ["Source address", addr(a.source_ip, a.source_port)],
    ["Destination address", addr(a.destination_ip, a.destination_port)],
    ["Raised times", a.raises > 1 ? String(a.raises) : null],
    ["Alerts in its group", String(d.group_alerts)],
    ["Status", STATE_LABEL[a.state] + (a.triaged_at ? ` on ${fmtTime(a.triaged_at)}` : "")],
    ["Reason", a.reason],
  ];
  return (
    <>
      <h2 class="alert-title"><SeverityBadge severity={a.severity} /> {a.title}</h2>
      {a.description && a.description !== a.title && <p>{a.description}</p>}
      <dl class="facts">
        {facts.filter(([, v]) => v).map(([k, v]) => <><dt>{k}</dt><dd>{v}</dd></>)}
        {d.incident_key && (
          <><dt>Incident</dt><dd><button class="link mono" data-open={d.incident_key} onClick={() => app.go({ screen: "incident", key: d.incident_key! })}>{d.incident_key}</button></dd></>
        )}
      </dl>
      {a.claims.some((c) => c.lost) && (
        <p class="state error" data-testid="alert-conflict">A dismissal made elsewhere lost to a promotion or merge: the incident stands, the dismissal is kept as a conflict.</p>
      )}
      <h3>Observables</h3>
      {a.observables.length === 0 ? <p class="muted">None.</p> : (
        <ul class="observables" data-testid="alert-observables">
          {a.observables.map((o) => <li><span class="muted">{o.kind}</span> <span class="mono">{o.value}</span></li>)}
        </ul>
      )}
      <h3>Raw payload, as received</h3>
      <pre class="raw" data-testid="alert-raw">{d.raw}</pre>
    </>
  );
}

/** Dismissal: a verdict and a reason; a row of several alerts dismisses its whole group. */
function DismissDialog({ row, onClose }: { row: AlertGroupView; onClose: () => void }) {
  const app = useApp();
  const [verdict, setVerdict] = useState<AlertVerdict>("false-positive");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<CommandError | null>(null);
  const [busy, setBusy] = useState(false);
  const reasonRef = useAutoFocus<HTMLInputElement>();
  const target = dismissTarget(row);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const s = await cmd.dismissAlerts(target.ids, target.wholeGroups, verdict, reason);
      app.notify(`Dismissed ${s.alerts.length} ${s.alerts.length === 1 ? "alert" : "alerts"} as ${VERDICT_LABEL[s.verdict].toLowerCase()}${s.skipped ? ` (${s.skipped} already in an incident)` : ""}`);
      app.changed();
      onClose();
    } catch (err) {
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={target.wholeGroups ? `Dismiss the group (${row.new_alerts} waiting)` : "Dismiss the alert"} onClose={onClose}>
      <form class="form" onSubmit={submit} data-testid="dismiss-dialog" onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <p class="muted">{ruleLabel(row)} · {row.key_observable || "no key observable"}</p>
        <div class="row" role="radiogroup" aria-label="Verdict">
          {(["false-positive", "benign"] as AlertVerdict[]).map((v) => (
            <label class="check"><input type="radio" name="verdict" value={v} data-testid={`verdict-${v}`} checked={verdict === v} onChange={() => setVerdict(v)} /> {VERDICT_LABEL[v]}</label>
          ))}
        </div>
        <label>Reason<input name="reason" ref={reasonRef} data-testid="dismiss-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder="vulnerability scanner, scheduled" /></label>
        {error && <ErrorNote error={error} />}
        <div class="row end">
          <button type="button" onClick={onClose}>Cancel</button>
          <button class="primary" type="submit" data-testid="dismiss-submit" disabled={busy}>Dismiss</button>
        </div>
      </form>
    </Modal>
  );
}

/** Promotion: an incident opens from the alert (its severity unless another is chosen), and the app goes there. */
function PromoteDialog({ row, onClose }: { row: AlertGroupView; onClose: () => void }) {
  const app = useApp();
  const [severity, setSeverity] = useState<Severity | "">("");
  const [error, setError] = useState<CommandError | null>(null);
  const [busy, setBusy] = useState(false);
  const sevRef = useAutoFocus<HTMLSelectElement>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const p = await cmd.promoteAlert(row.id, severity || null);
      app.notify(`Promoted to ${p.incident_key} with ${p.observables.length} ${p.observables.length === 1 ? "observable" : "observables"}`);
      app.changed();
      onClose();
      app.go({ screen: "incident", key: p.incident_key });
    } catch (err) {
      setError(toError(err));
      setBusy(false);
    }
  };
  return (
    <Modal title="Promote to an incident" onClose={onClose}>
      <form class="form" onSubmit={submit} data-testid="promote-dialog" onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <p>{row.title}</p>
        <label>Severity
          <select name="severity" ref={sevRef} data-testid="promote-severity" value={severity} onChange={(e) => setSeverity(e.currentTarget.value as Severity | "")}>
            <option value="">The alert's ({SEVERITY_LABEL[row.severity]})</option>
            {(Object.keys(SEVERITY_LABEL) as Severity[]).map((s) => <option value={s}>{SEVERITY_LABEL[s]}</option>)}
          </select>
        </label>
        <p class="muted small">The incident gets the alert's observables, its times, and the raw alert as evidence.</p>
        {error && <ErrorNote error={error} />}
        <div class="row end">
          <button type="button" onClick={onClose}>Cancel</button>
          <button class="primary" type="submit" data-testid="promote-submit" disabled={busy}>Promote</button>
        </div>
      </form>
    </Modal>
  );
}

/** Merge: a picker of the open incidents. */
function MergeDialog({ row, onClose }: { row: AlertGroupView; onClose: () => void }) {
  const app = useApp();
  const open = useLoad(() => cmd.incidents({ status: null, open_only: true, severity: null, tier: null, assignee: null, unassigned: false, limit: 500 }), []);
  const [text, setText] = useState("");
  const [key, setKey] = useState("");
  const [error, setError] = useState<CommandError | null>(null);
  const textRef = useAutoFocus<HTMLInputElement>();
  const words = text.trim().toLowerCase();
  const shown = (open.data ?? []).filter((i) => !words || `${i.key} ${i.title}`.toLowerCase().includes(words));
  const chosen = key || shown[0]?.key || "";
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!chosen) return;
    try {
      const k = await cmd.mergeAlert(row.id, chosen);
      app.notify(`Merged into ${k}`);
      app.changed();
      onClose();
    } catch (err) {
      setError(toError(err));
    }
  };
  return (
    <Modal title="Merge into an open incident" onClose={onClose}>
      <form class="form" onSubmit={submit} data-testid="merge-dialog" onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <p>{row.title}</p>
        <label>Find<input ref={textRef} value={text} onInput={(e) => { setText(e.currentTarget.value); setKey(""); }} placeholder="key or words of the title" /></label>
        {open.error && <ErrorNote error={open.error} retry={open.reload} />}
        {open.data && shown.length === 0 && <p class="muted">{open.data.length === 0 ? "No open incident to merge into." : "No open incident matches."}</p>}
        {shown.length > 0 && (
          <select size={8} data-testid="merge-incident" aria-label="Incident" value={chosen} onChange={(e) => setKey(e.currentTarget.value)}>
            {shown.map((i) => <option value={i.key}>{i.key} · {i.title}</option>)}
          </select>
        )}
        {error && <ErrorNote error={error} />}
        <div class="row end">
          <button type="button" onClick={onClose}>Cancel</button>
          <button class="primary" type="submit" data-testid="merge-submit" disabled={!chosen}>Merge</button>
        </div>
      </form>
    </Modal>
  );
}
