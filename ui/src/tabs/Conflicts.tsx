// Concurrent edits of a long text that nobody has settled: shown, never hidden, with a way to keep one.
import { useState } from "preact/hooks";
import type { IncidentDetail, TextField } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp, useMayEdit } from "../state";
import { fmtTime } from "../lib/format";

const FIELD_LABEL: Record<TextField, string> = { summary: "Summary", "root-cause": "Root cause", lessons: "Lessons learned" };

function current(d: IncidentDetail, field: TextField): string {
  return field === "summary" ? d.summary : field === "root-cause" ? d.root_cause : d.lessons;
}

export function Conflicts({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const ro = !useMayEdit();
  const [merging, setMerging] = useState<TextField | null>(null);
  const [draft, setDraft] = useState("");
  const fields = [...new Set(d.conflicts.map((c) => c.field))];
  const settle = async (field: TextField, text: string, how: string) => {
    const resolves = d.conflicts.filter((c) => c.field === field).map((c) => c.event);
    try {
      await cmd.editText(d.key, field, text, resolves);
      setMerging(null);
      app.changed();
      app.notify(how);
    } catch (e) {
      app.fail(toError(e));
    }
  };
  const startMerge = (field: TextField) => {
    const versions = [current(d, field), ...d.conflicts.filter((c) => c.field === field).map((c) => c.text)];
    setDraft(versions.join("\n\n"));
    setMerging(field);
  };
  return (
    <div class="conflicts" role="alert" data-testid="conflicts">
      <strong>Concurrent edits kept side by side.</strong> Someone changed the same text at the same time on another
      device; nothing was lost. Read the versions and keep one, or merge them by hand.
      {fields.map((field) => (
        <div class="conflict-field" data-conflict-field={field}>
          <h3>{FIELD_LABEL[field]}</h3>
          <div class="versions">
            <div class="conflict" data-version="current">
              <div class="muted small">Shown now</div>
              <pre class="conflict-text">{current(d, field)}</pre>
              {!ro && <button class="small" data-edit data-testid="keep-current" onClick={() => settle(field, current(d, field), "Kept the version shown; conflict settled")}>Keep this</button>}
            </div>
            {d.conflicts.filter((c) => c.field === field).map((c) => (
              <div class="conflict" data-version="other">
                <div class="muted small">{c.author_name ?? "someone"} · {fmtTime(c.at)}</div>
                <pre class="conflict-text">{c.text}</pre>
                {!ro && <button class="small" data-edit data-testid="keep-other" onClick={() => settle(field, c.text, `Kept ${c.author_name ?? "the other"}'s version; conflict settled`)}>Keep this</button>}
              </div>
            ))}
          </div>
          {!ro && (merging === field ? (
            <div class="form">
              <textarea rows={8} data-testid="merge-text" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
              <div class="row end">
                <button onClick={() => setMerging(null)}>Cancel</button>
                <button class="primary" data-testid="merge-save" onClick={() => settle(field, draft, "Merged by hand; conflict settled")}>Save the merge</button>
              </div>
            </div>
          ) : (
            <button class="small" data-edit data-testid="merge-by-hand" onClick={() => startMerge(field)}>Merge by hand…</button>
          ))}
        </div>
      ))}
    </div>
  );
}

// Changes kept in the log but not applied: their author was out of scope where they fall in the log (a tier-1 edit
// after a concurrent escalation moved the incident on). Shown so a lead can redo what still matters.
export function ScopeConflicts({ d }: { d: IncidentDetail }) {
  return (
    <div class="conflicts" role="status" data-testid="scope-conflicts">
      <strong>Changes not applied.</strong> These were made by someone who could no longer change this incident at
      that point (it had moved to another tier or person meanwhile). They are kept, not lost.
      <ul>
        {d.scope_conflicts.map((c) => (
          <li class="small">{c.author_name ?? "someone"} · {fmtTime(c.at)} · {c.reason}</li>
        ))}
      </ul>
    </div>
  );
}
