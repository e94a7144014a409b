import { useState } from "preact/hooks";
import type { IncidentDetail, TaskStatus } from "../bindings/commands";
import { TASK_STATUSES } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp, useMayEdit } from "../state";
import { useLoad } from "../hooks";
import { Empty, ErrorNote, Loading } from "../components/ui";
import { fmtTime, parseUtc } from "../lib/format";

const STATUSES = TASK_STATUSES;

export function Tasks({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const ro = !useMayEdit();
  const list = useLoad(() => cmd.tasks(d.key), [d.key, app.version]);
  const users = useLoad(() => cmd.users(), []);
  const [title, setTitle] = useState("");
  const [owner, setOwner] = useState("");
  const [due, setDue] = useState("");
  const dueAt = parseUtc(due);
  return (
    <div>
      {!ro && (
        <form class="filters" onSubmit={async (e) => {
          e.preventDefault();
          if (dueAt === undefined) return;
          try { await cmd.addTask(d.key, title, owner || null, dueAt); setTitle(""); setDue(""); app.changed(); }
          catch (err) { app.fail(toError(err)); }
        }}>
          <input data-edit class="grow" placeholder="New task" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
          <select data-edit aria-label="Owner" value={owner} onChange={(e) => setOwner(e.currentTarget.value)}>
            <option value="">No owner</option>
            {users.data?.filter((u) => u.role === "responder" || u.role === "lead").map((u) => <option value={u.id}>{u.name}</option>)}
          </select>
          <input data-edit class={dueAt === undefined ? "invalid" : ""} placeholder="Due (UTC), e.g. 2026-11-21 17:00" value={due} onInput={(e) => setDue(e.currentTarget.value)} />
          <button data-edit type="submit" disabled={!title.trim() || dueAt === undefined}>Add task</button>
        </form>
      )}
      {list.error && <ErrorNote error={list.error} retry={list.reload} />}
      {list.loading && !list.data && <Loading what="tasks" />}
      {list.data?.length === 0 && <Empty>No tasks yet.</Empty>}
      {!!list.data?.length && (
        <table class="grid">
          <thead><tr><th>Task</th><th>Owner</th><th>Due (UTC)</th><th>Status</th></tr></thead>
          <tbody>
            {list.data.map((t) => (
              <tr class={`task-${t.status}`}>
                <td>{t.title}</td>
                <td>{t.owner_name ?? <span class="muted">—</span>}</td>
                <td class="mono">{fmtTime(t.due)}</td>
                <td>{ro ? t.status : (
                  <select data-edit aria-label="Task status" value={t.status} onChange={async (e) => {
                    try { await cmd.setTaskStatus(d.key, t.id, e.currentTarget.value as TaskStatus); app.changed(); }
                    catch (err) { app.fail(toError(err)); }
                  }}>{STATUSES.map((s) => <option value={s}>{s}</option>)}</select>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
