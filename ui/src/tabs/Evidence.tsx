// Evidence: add by file dialog or drag and drop with hashing progress, SHA-256 shown and copyable, custody, verify.
import { useEffect, useState } from "preact/hooks";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { CustodyAction, EvidenceVerdict, EvidenceView, IncidentDetail } from "../bindings/commands";
import { CUSTODY_ACTIONS } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp, useMayEdit } from "../state";
import { useLoad } from "../hooks";
import { Empty, ErrorNote, Loading, ProgressBar } from "../components/ui";
import { fmtBytes, fmtTime } from "../lib/format";

const CUSTODY = CUSTODY_ACTIONS;

export function Evidence({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const ro = !useMayEdit();
  const items = useLoad(() => cmd.evidence(d.key), [d.key, app.version]);
  const [jobs, setJobs] = useState<{ job: string; label: string }[]>([]);
  const [verdicts, setVerdicts] = useState<Map<string, EvidenceVerdict> | null>(null);
  const [dragging, setDragging] = useState(false);

  const add = async (path: string) => {
    const job = `evidence-${Date.now()}-${Math.random().toString(36).slice(2, 7)}`;
    const name = path.split(/[\\/]/).pop() ?? path;
    setJobs((j) => [...j, { job, label: `Hashing ${name}` }]);
    try {
      const e = await cmd.addEvidence(d.key, { path, description: "", source_host: "" }, job);
      app.notify(`Added ${e.name} (SHA-256 ${e.sha256.slice(0, 12)}…)`);
      app.changed();
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setJobs((j) => j.filter((x) => x.job !== job));
    }
  };

  useEffect(() => {
    if (ro) return;
    const un = getCurrentWebview().onDragDropEvent((e) => {
      if (e.payload.type === "over" || e.payload.type === "enter") setDragging(true);
      else if (e.payload.type === "leave") setDragging(false);
      else if (e.payload.type === "drop") {
        setDragging(false);
        e.payload.paths.forEach(add);
      }
    });
    return () => void un.then((f) => f());
  }, [d.key, ro]);

  const pick = async () => {
    try {
      (await cmd.pickOpen(true, [])).forEach(add);
    } catch (e) {
      app.fail(toError(e));
    }
  };
  const [pathText, setPathText] = useState("");
  // Files recorded on another laptop come down ahead of time for the whole incident (before going offline).
  const fetchAll = async () => {
    const job = `fetch-all-${d.key}`;
    setJobs((j) => [...j, { job, label: "Downloading this incident's files" }]);
    try {
      const n = await cmd.fetchIncidentEvidence(d.key, job);
      app.notify(`Downloaded ${n} file(s), each verified by its SHA-256`);
      items.reload();
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setJobs((j) => j.filter((x) => x.job !== job));
    }
  };
  const verify = async () => {
    try {
      const v = await cmd.verifyEvidence(d.key, `verify-${d.key}`);
      setVerdicts(new Map(v.map((x) => [x.id, x])));
      const bad = v.filter((x) => x.status !== "ok").length;
      app.notify(bad ? `${bad} item(s) changed or missing` : `All ${v.length} item(s) match their SHA-256`, bad ? "error" : "ok");
    } catch (err) {
      app.fail(toError(err));
    }
  };

  return (
    <div class={`evidence ${dragging ? "dragging" : ""}`}>
      <div class="filters">
        {!ro && <button data-edit class="primary" data-testid="add-evidence" onClick={pick}>Add files…</button>}
        {!ro && (
          <input data-edit class="path-input" data-testid="evidence-path" placeholder="or paste a file path ⏎" value={pathText}
            onInput={(ev) => setPathText(ev.currentTarget.value)}
            onKeyDown={(ev) => { if (ev.key === "Enter" && pathText.trim()) { add(pathText.trim()); setPathText(""); } }} />
        )}
        {!ro && <span class="muted">or drop files anywhere on this tab</span>}
        <span class="grow" />
        {items.data?.some((e) => !e.stored_here) && (
          <button data-testid="fetch-all-evidence" onClick={fetchAll}>Download all files here</button>
        )}
        <button data-testid="verify-evidence" onClick={verify} disabled={!items.data?.length}>Verify integrity</button>
      </div>
      {jobs.map((j) => <ProgressBar label={j.label} done={app.progress[j.job]?.done ?? 0} total={app.progress[j.job]?.total ?? null} />)}
      {items.error && <ErrorNote error={items.error} retry={items.reload} />}
      {items.loading && !items.data && <Loading what="evidence" />}
      {items.data?.length === 0 && <Empty>{ro ? "No evidence recorded." : "No evidence yet. Add files with the button or drop them here; they are copied into the case and hashed."}</Empty>}
      {items.data?.map((e) => <Item d={d} e={e} verdict={verdicts?.get(e.id)} ro={ro} />)}
      {dragging && <div class="drop-overlay">Drop to add to {d.key}</div>}
    </div>
  );
}

function Item({ d, e, verdict, ro }: { d: IncidentDetail; e: EvidenceView; verdict?: EvidenceVerdict; ro: boolean }) {
  const app = useApp();
  const [open, setOpen] = useState(false);
  const [action, setAction] = useState<CustodyAction>("transferred");
  const [location, setLocation] = useState("");
  const [reason, setReason] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(e.sha256);
      app.notify("SHA-256 copied");
    } catch {
      app.notify("Could not reach the clipboard; select the hash and copy it by hand", "error");
    }
  };
  return (
    <div class="card evidence-item" data-evidence={e.name}>
      <div class="row">
        <strong>{e.name}</strong>
        <span class="muted">{fmtBytes(e.size)} · {e.media_type}</span>
        {verdict && <span class={`badge ${verdict.status === "ok" ? "ok" : "bad"}`} data-verdict={verdict.status}>{verdict.status === "ok" ? "verified" : verdict.status}</span>}
        {!e.stored_here && <span class="badge warn" data-testid="not-here" title="Recorded on another laptop; the file itself is on the team server">file not on this laptop</span>}
        {!e.stored_here && <FetchButton d={d} e={e} />}
        <span class="grow" />
        <span class="muted small">acquired {fmtTime(e.acquired_at)} by {e.acquired_by}</span>
      </div>
      <div class="row sha">
        <span class="field-label">SHA-256</span>
        <code class="mono select-all" data-testid="sha256">{e.sha256}</code>
        <button class="small" onClick={copy} title="Copy the SHA-256">Copy</button>
      </div>
      {e.description && <p>{e.description}</p>}
      <button class="link" onClick={() => setOpen(!open)}>{open ? "Hide" : "Show"} chain of custody ({e.custody.length})</button>
      {open && (
        <>
          <table class="grid custody">
            <thead><tr><th>When (UTC)</th><th>Action</th><th>Who</th><th>Where</th><th>Why</th></tr></thead>
            <tbody>{e.custody.map((c) => <tr><td class="mono">{fmtTime(c.at)}</td><td>{c.action}</td><td>{c.who}</td><td>{c.location}</td><td>{c.reason}</td></tr>)}</tbody>
          </table>
          {!ro && (
            <form class="row" onSubmit={async (ev) => {
              ev.preventDefault();
              try {
                await cmd.addCustody(d.key, e.id, { action, who: null, location, reason });
                setLocation(""); setReason(""); app.changed();
              } catch (err) { app.fail(toError(err)); }
            }}>
              <select data-edit aria-label="Custody action" value={action} onChange={(ev) => setAction(ev.currentTarget.value as CustodyAction)}>{CUSTODY.map((c) => <option value={c}>{c}</option>)}</select>
              <input data-edit placeholder="Where (locker, host, courier)" value={location} onInput={(ev) => setLocation(ev.currentTarget.value)} />
              <input data-edit class="grow" placeholder="Why" value={reason} onInput={(ev) => setReason(ev.currentTarget.value)} />
              <button data-edit type="submit">Record custody</button>
            </form>
          )}
        </>
      )}
    </div>
  );
}

/** Downloads one file made elsewhere, with progress; it is verified by its SHA-256 before it is kept. */
function FetchButton({ d, e }: { d: IncidentDetail; e: EvidenceView }) {
  const app = useApp();
  const job = `fetch-${e.id}`;
  const [busy, setBusy] = useState(false);
  const fetch = async () => {
    setBusy(true);
    try {
      await cmd.fetchEvidence(d.key, e.id, job);
      app.notify(`Downloaded ${e.name}; its SHA-256 matches`);
      app.changed();
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setBusy(false);
    }
  };
  if (busy) return <ProgressBar label={`Downloading ${e.name}`} done={app.progress[job]?.done ?? 0} total={app.progress[job]?.total ?? e.size} />;
  return <button class="small" data-testid="fetch-evidence" onClick={fetch}>Download</button>;
}
