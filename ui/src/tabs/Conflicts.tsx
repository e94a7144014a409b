// Concurrent edits of a long text that nobody has settled: shown, never hidden, with a way to keep one.
import type { IncidentDetail } from "../bindings/commands";
import { cmd, readOnly, toError } from "../api";
import { useApp } from "../state";
import { fmtTime } from "../lib/format";

export function Conflicts({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const keep = async (field: (typeof d.conflicts)[number]["field"], text: string) => {
    const resolves = d.conflicts.filter((c) => c.field === field).map((c) => c.event);
    try {
      await cmd.editText(d.key, field, text, resolves);
      app.changed();
      app.notify("Conflict settled");
    } catch (e) {
      app.fail(toError(e));
    }
  };
  return (
    <div class="conflicts" role="alert" data-testid="conflicts">
      <strong>Concurrent edits kept side by side.</strong> Someone changed the same text at the same time on another
      device; nothing was lost. Read both and keep one (or edit the text to combine them).
      {d.conflicts.map((c) => (
        <div class="conflict">
          <div class="muted small">{c.field} · {c.author_name ?? "someone"} · {fmtTime(c.at)}</div>
          <pre class="conflict-text">{c.text}</pre>
          {!readOnly(app.me) && <button class="small" data-edit onClick={() => keep(c.field, c.text)}>Keep this version</button>}
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
