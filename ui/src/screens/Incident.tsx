// One incident: a header edited in place, conflicts in plain sight, and the tabs.
import { useContext, useEffect, useState } from "preact/hooks";
import type { FieldChange, IncidentDetail, Resolution, Severity, Status, Tier, Tlp } from "../bindings/commands";
import { cmd, toError } from "../api";
import { IncidentRights, useApp } from "../state";
import { useLoad } from "../hooks";
import { ErrorNote, Loading, Modal, TlpBadge } from "../components/ui";
import { SEVERITY_LABEL, STATUS_ORDER, TLP_COLOUR, TLP_LABEL } from "../lib/format";
import { isTyping } from "../lib/keys";
import { Overview } from "../tabs/Overview";
import { Timeline } from "../tabs/Timeline";
import { Evidence } from "../tabs/Evidence";
import { Observables } from "../tabs/Observables";
import { Tasks } from "../tabs/Tasks";
import { Comments } from "../tabs/Comments";
import { Escalations } from "../tabs/Escalations";
import { Conflicts, ScopeConflicts } from "../tabs/Conflicts";
import { Report } from "../tabs/Report";
import { ChangesSince } from "../components/ChangesSince";

export const TABS = ["overview", "timeline", "evidence", "observables", "tasks", "comments", "escalations", "report"] as const;
export type Tab = (typeof TABS)[number];

export function Incident({ incidentKey, initialTab }: { incidentKey: string; initialTab?: string }) {
  const app = useApp();
  const [tab, setTab] = useState<Tab>((TABS as readonly string[]).includes(initialTab ?? "") ? (initialTab as Tab) : "overview");
  const inc = useLoad(() => cmd.incident(incidentKey), [incidentKey, app.version]);
  // What I may do here, from the API (the core's role matrix at the incident's tier and assignee).
  const rights = useLoad(() => cmd.allowed(incidentKey), [incidentKey, app.version]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || document.querySelector(".modal")) return;
      const n = Number(e.key);
      if (n >= 1 && n <= TABS.length) {
        e.preventDefault();
        setTab(TABS[n - 1]);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  if (inc.error && !inc.data) return <section class="screen"><ErrorNote error={inc.error} retry={inc.reload} /></section>;
  if (!inc.data) return <section class="screen"><Loading what={incidentKey} /></section>;
  const d = inc.data;
  return (
    <IncidentRights.Provider value={rights.data ?? null}>
    <section class="screen incident" data-screen="incident" data-key={d.key}>
      <Header d={d} />
      <ChangesSince incidentKey={d.key} />
      {d.conflicts.length > 0 && <Conflicts d={d} />}
      {d.scope_conflicts.length > 0 && <ScopeConflicts d={d} />}
      <div class="tabs" role="tablist">
        {TABS.map((t, i) => (
          <button role="tab" aria-selected={tab === t} class={tab === t ? "active" : ""} data-tab={t} onClick={() => setTab(t)} title={`${t} (${i + 1})`}>
            {t[0].toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      <div class="tab-body">
        {tab === "overview" && <Overview d={d} />}
        {tab === "timeline" && <Timeline d={d} />}
        {tab === "evidence" && <Evidence d={d} />}
        {tab === "observables" && <Observables d={d} />}
        {tab === "tasks" && <Tasks d={d} />}
        {tab === "comments" && <Comments d={d} />}
        {tab === "escalations" && <Escalations d={d} />}
        {tab === "report" && <Report d={d} />}
      </div>
    </section>
    </IncidentRights.Provider>
  );
}

function Header({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const rights = useContext(IncidentRights);
  const ro = !rights?.edit;
  const [editingTitle, setEditingTitle] = useState(false);
  const [title, setTitle] = useState(d.title);
  const [closing, setClosing] = useState(false);
  const [assigning, setAssigning] = useState(false);
  const [tag, setTag] = useState("");

  const save = async (changes: FieldChange[]) => {
    try {
      await cmd.setFields(d.key, changes);
      app.changed();
    } catch (e) {
      app.fail(toError(e));
    }
  };
  const run = async (p: Promise<unknown>, ok?: string) => {
    try {
      await p;
      app.changed();
      if (ok) app.notify(ok);
    } catch (e) {
      app.fail(toError(e));
    }
  };

  return (
    <header class="incident-head" data-testid="incident-head">
      <div class="line1">
        <span class="mono key">{d.key}</span>
        {editingTitle && !ro ? (
          <input
            class="title-input"
            autoFocus
            value={title}
            data-edit
            onInput={(e) => setTitle(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") { setEditingTitle(false); if (title !== d.title) save([{ title }]); }
              if (e.key === "Escape") { setEditingTitle(false); setTitle(d.title); }
            }}
            onBlur={() => setEditingTitle(false)}
          />
        ) : (
          <h1 class={ro ? "" : "editable"} title={ro ? "" : "Click to edit"} onClick={() => !ro && setEditingTitle(true)} data-testid="incident-title">
            {d.title}
          </h1>
        )}
      </div>
      <div class="fields">
        <Field label="Severity">
          {ro ? <span>{SEVERITY_LABEL[d.severity]}</span> : (
            <select data-edit aria-label="Severity" class={`sev-select sev-${d.severity}`} value={d.severity} onChange={(e) => save([{ severity: e.currentTarget.value as Severity }])}>
              {(Object.keys(SEVERITY_LABEL) as Severity[]).map((s) => <option value={s}>{SEVERITY_LABEL[s]}</option>)}
            </select>
          )}
        </Field>
        <Field label="Status">
          {ro || d.status === "closed" ? <span data-testid="status">{d.status}{d.resolution ? ` (${d.resolution})` : ""}</span> : (
            <select data-edit aria-label="Status" data-testid="status" value={d.status} onChange={(e) => {
              const s = e.currentTarget.value as Status;
              if (s === "closed") { e.currentTarget.value = d.status; setClosing(true); } else save([{ status: s }]);
            }}>
              {STATUS_ORDER.filter((s) => s !== "closed" || rights?.close_as.length).map((s) => <option value={s}>{s === "closed" ? "closed…" : s}</option>)}
            </select>
          )}
        </Field>
        <Field label="TLP">
          {ro ? <TlpBadge tlp={d.tlp} /> : (
            <select data-edit aria-label="TLP" class="tlp-select" style={{ color: TLP_COLOUR[d.tlp] }} value={d.tlp} onChange={(e) => save([{ tlp: e.currentTarget.value as Tlp }])}>
              {(Object.keys(TLP_LABEL) as Tlp[]).map((t) => <option value={t}>{TLP_LABEL[t]}</option>)}
            </select>
          )}
        </Field>
        <Field label="Tier"><span data-testid="tier">{d.tier}</span></Field>
        <Field label="Assignee">
          <span data-testid="assignee">{d.assignee_name ?? <span class="muted">unassigned</span>}</span>
          {rights?.take && (
            <button class="small" data-edit onClick={() => run(cmd.take(d.key), `You took ${d.key}`)}>Take</button>
          )}
          {rights?.assign && <button class="small" data-edit data-testid="assign" onClick={() => setAssigning(true)}>Assign…</button>}
        </Field>
        <Field label="Tags">
          <span class="tags">
            {d.tags.map((t) => (
              <span class="tag">{t}{!ro && <button class="tag-x" data-edit aria-label={`Remove tag ${t}`} onClick={() => run(cmd.removeTag(d.key, t))}>×</button>}</span>
            ))}
            {!ro && (
              <input class="tag-input" data-edit placeholder="+ tag" value={tag} onInput={(e) => setTag(e.currentTarget.value)}
                onKeyDown={(e) => { if (e.key === "Enter" && tag.trim()) { run(cmd.addTag(d.key, tag)); setTag(""); } }} />
            )}
            {ro && d.tags.length === 0 && <span class="muted">none</span>}
          </span>
        </Field>
      </div>
      {closing && <CloseDialog d={d} onClose={() => setClosing(false)} />}
      {assigning && <AssignDialog d={d} onClose={() => setAssigning(false)} />}
    </header>
  );
}

function Field({ label, children }: { label: string; children: preact.ComponentChildren }) {
  return <div class="field"><span class="field-label">{label}</span><span class="field-value">{children}</span></div>;
}

const RESOLUTION_LABEL: Record<Resolution, string> = {
  "true-positive": "True positive",
  "false-positive": "False positive",
  benign: "Benign",
  duplicate: "Duplicate",
};

function CloseDialog({ d, onClose }: { d: IncidentDetail; onClose: () => void }) {
  const app = useApp();
  // Only the resolutions I may close with (tier 1 closes as false positive or benign; the API says which).
  const allowed = useContext(IncidentRights)?.close_as ?? [];
  const [resolution, setResolution] = useState<Resolution>(allowed[0] ?? "true-positive");
  const [note, setNote] = useState("");
  return (
    <Modal title={`Close ${d.key}`} onClose={onClose}>
      <form class="form" onSubmit={async (e) => {
        e.preventDefault();
        try { await cmd.close(d.key, resolution, note); app.changed(); onClose(); } catch (err) { app.fail(toError(err)); }
      }}>
        <label>Resolution
          <select value={resolution} onChange={(e) => setResolution(e.currentTarget.value as Resolution)}>
            {allowed.map((r) => <option value={r}>{RESOLUTION_LABEL[r]}</option>)}
          </select>
        </label>
        <label>Note<textarea rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} /></label>
        <div class="row end"><button type="button" onClick={onClose}>Cancel</button><button class="primary" type="submit">Close incident</button></div>
      </form>
    </Modal>
  );
}

export function AssignDialog({ d, onClose }: { d: IncidentDetail; onClose: () => void }) {
  const app = useApp();
  const users = useLoad(() => cmd.users(), []);
  const [tier, setTier] = useState<Tier>(d.tier);
  const [who, setWho] = useState("");
  const [note, setNote] = useState("");
  return (
    <Modal title={`Assign ${d.key}`} onClose={onClose}>
      <form class="form" data-testid="assign-form" onSubmit={async (e) => {
        e.preventDefault();
        try { await cmd.assign(d.key, tier, who || null, note); app.changed(); app.notify(`${d.key} assigned`); onClose(); } catch (err) { app.fail(toError(err)); }
      }}>
        <div class="row">
          <label>Tier<select name="tier" value={tier} onChange={(e) => setTier(Number(e.currentTarget.value) as Tier)}>{[1, 2, 3].map((t) => <option value={t}>Tier {t}</option>)}</select></label>
          <label>Analyst<select name="assignee" value={who} onChange={(e) => setWho(e.currentTarget.value)}>
            <option value="">The tier's queue</option>
            {users.data?.filter((u) => u.role === "responder").map((u) => <option value={u.id}>{u.name} (tier {u.tier})</option>)}
          </select></label>
        </div>
        <label>Hand-off note<textarea name="note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} /></label>
        <div class="row end"><button type="button" onClick={onClose}>Cancel</button><button class="primary" type="submit" data-testid="assign-submit">Assign</button></div>
      </form>
    </Modal>
  );
}
