// Overview: the Markdown summary, key times and the response times the core derives from them.
import { useState } from "preact/hooks";
import type { IncidentDetail, TextField } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp, useMayEdit } from "../state";
import { useLoad } from "../hooks";
import { fmtDuration, fmtTime } from "../lib/format";
import { renderMarkdown } from "../lib/markdown";

export function Overview({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const times = useLoad(() => cmd.responseTimes(d.key), [d.key, app.version]);
  return (
    <div class="overview">
      <div class="main-col">
        <LongText d={d} field="summary" label="Summary" text={d.summary} empty="No summary yet." />
        <LongText d={d} field="root-cause" label="Root cause" text={d.root_cause} empty="Not known yet." />
        <LongText d={d} field="lessons" label="Lessons learned" text={d.lessons} empty="Written at closure." />
      </div>
      <aside class="side-col">
        <h3>Response times</h3>
        <dl class="kv" data-testid="response-times">
          <dt>Time to detect</dt><dd>{fmtDuration(times.data?.time_to_detect)}</dd>
          <dt>Time to contain</dt><dd>{fmtDuration(times.data?.time_to_contain)}</dd>
          <dt>Time to resolve</dt><dd>{fmtDuration(times.data?.time_to_resolve)}</dd>
        </dl>
        <h3>Key times (UTC)</h3>
        <dl class="kv mono-values">
          <dt>Occurred</dt><dd>{fmtTime(d.occurred_at)}</dd>
          <dt>Detected</dt><dd>{fmtTime(d.detected_at)}</dd>
          <dt>Reported</dt><dd>{fmtTime(d.reported_at)}</dd>
          <dt>Contained</dt><dd>{fmtTime(d.contained_at)}</dd>
          <dt>Resolved</dt><dd>{fmtTime(d.resolved_at)}</dd>
          <dt>Closed</dt><dd>{fmtTime(d.closed_at)}</dd>
        </dl>
        <h3>Details</h3>
        <dl class="kv">
          <dt>Category</dt><dd>{d.category || "—"}</dd>
          <dt>Detected by</dt><dd>{d.detection_source || "—"}</dd>
          <dt>Affected</dt><dd>{d.affected_assets.length ? d.affected_assets.join(", ") : "—"}</dd>
          <dt>Opened by</dt><dd>{d.created_by_name ?? "—"}</dd>
        </dl>
      </aside>
    </div>
  );
}

function LongText({ d, field, label, text, empty }: { d: IncidentDetail; field: TextField; label: string; text: string; empty: string }) {
  const app = useApp();
  const mayEdit = useMayEdit();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(text);
  const save = async () => {
    try {
      await cmd.editText(d.key, field, draft, []);
      setEditing(false);
      app.changed();
    } catch (e) {
      app.fail(toError(e));
    }
  };
  return (
    <section class="long-text" data-field={field}>
      <div class="section-head">
        <h3>{label}</h3>
        {mayEdit && !editing && <button class="small" data-edit onClick={() => { setDraft(text); setEditing(true); }}>Edit</button>}
      </div>
      {editing ? (
        <div class="form">
          <textarea rows={8} autoFocus value={draft} onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) save(); }} />
          <div class="row end">
            <span class="muted small">Markdown · Ctrl+Enter saves</span>
            <button onClick={() => setEditing(false)}>Cancel</button>
            <button class="primary" onClick={save}>Save</button>
          </div>
        </div>
      ) : text ? (
        <div class="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />
      ) : (
        <p class="muted">{empty}</p>
      )}
    </section>
  );
}
