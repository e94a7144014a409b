// The lead's board: pending escalations per target tier with their clocks, breached first; assign in one step.
import { useState } from "preact/hooks";
import type { EscalationStatus, Tier } from "../bindings/commands";
import { cmd } from "../api";
import { useApp } from "../state";
import { useLoad } from "../hooks";
import { ClockBadge, Empty, ErrorNote, Loading, SeverityBadge } from "../components/ui";
import { fmtTime } from "../lib/format";
import { ReassignForm } from "../tabs/Escalations";

export function Board() {
  const app = useApp();
  const list = useLoad(() => cmd.pendingEscalations(null), [app.version]);
  const [assigning, setAssigning] = useState<string | null>(null);
  const byTier = (t: Tier) => (list.data ?? []).filter((e) => e.to_tier === t);
  return (
    <section class="screen" data-screen="board">
      <header class="screen-head">
        <h1>Lead's board</h1>
        <span class="muted">Escalations waiting for an answer, breached first. Clocks run per tier.</span>
      </header>
      {list.error && <ErrorNote error={list.error} retry={list.reload} />}
      {list.loading && !list.data && <Loading what="pending escalations" />}
      {list.data?.length === 0 && <Empty>No escalation is waiting. All quiet.</Empty>}
      <div class="board">
        {([1, 2, 3] as Tier[]).map((t) => (
          <div class="board-col" data-board-tier={t}>
            <h2>Tier {t} <span class="count">{byTier(t).length}</span></h2>
            {byTier(t).map((e: EscalationStatus) => (
              <div class="card board-card" data-key={e.incident_key}>
                <div class="row">
                  <SeverityBadge severity={e.severity} />
                  <button class="link mono" onClick={() => app.go({ screen: "incident", key: e.incident_key, tab: "escalations" })}>{e.incident_key}</button>
                  <span class="badge esc-state">{e.state}</span>
                  <span class="grow" />
                  <ClockBadge state={e.acknowledge_clock} label="ack" />
                  <ClockBadge state={e.accept_clock} label="accept" />
                </div>
                <div class="title">{e.incident_title}</div>
                <div class="muted small">{e.reason} · from tier {e.from_tier} by {e.requested_by_name ?? "someone"} · {fmtTime(e.requested_at)}{e.assignee_name ? ` · for ${e.assignee_name}` : ""}</div>
                {app.can?.assign && (assigning === e.id
                  ? <ReassignForm incidentKey={e.incident_key} current={e.to_tier} onDone={() => setAssigning(null)} />
                  : <button class="small" data-edit onClick={() => setAssigning(e.id)}>Assign…</button>)}
              </div>
            ))}
          </div>
        ))}
      </div>
    </section>
  );
}
