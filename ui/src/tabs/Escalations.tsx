// Escalations: request with reason and hand-off note; acknowledge, accept, decline with reason; leads reassign.
import { useState } from "preact/hooks";
import type { EscalationStatus, IncidentDetail, Tier } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp } from "../state";
import { useLoad } from "../hooks";
import { ClockBadge, Empty, ErrorNote, Loading } from "../components/ui";
import { fmtDuration, fmtTime } from "../lib/format";

export function Escalations({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const ro = !app.can?.change_cases;
  const list = useLoad(() => cmd.escalations(d.key), [d.key, app.version]);
  const pending = list.data?.some((e) => e.state === "requested" || e.state === "acknowledged");
  return (
    <div class="escalations">
      {list.error && <ErrorNote error={list.error} retry={list.reload} />}
      {list.loading && !list.data && <Loading what="escalations" />}
      {list.data?.length === 0 && <Empty>Never escalated.</Empty>}
      {list.data?.slice().reverse().map((e) => <EscalationCard d={d} e={e} />)}
      {!ro && list.data && !pending && d.status !== "closed" && <RequestForm d={d} />}
    </div>
  );
}

function EscalationCard({ d, e }: { d: IncidentDetail; e: EscalationStatus }) {
  const app = useApp();
  const ro = !app.can?.change_cases;
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState("");
  const [reassigning, setReassigning] = useState(false);
  const isPending = e.state === "requested" || e.state === "acknowledged";
  const answer = async (a: Parameters<typeof cmd.answerEscalation>[1], ok: string) => {
    try { await cmd.answerEscalation(d.key, a); app.changed(); app.notify(ok); }
    catch (err) { app.fail(toError(err)); }
  };
  return (
    <div class={`card escalation state-${e.state}`} data-escalation-state={e.state}>
      <div class="row">
        <strong>Tier {e.from_tier} → tier {e.to_tier}</strong>
        {e.assignee_name && <span>for {e.assignee_name}</span>}
        <span class={`badge esc-state ${e.state}`}>{e.state}</span>
        {isPending && <ClockBadge state={e.acknowledge_clock} label="acknowledge" />}
        {isPending && <ClockBadge state={e.accept_clock} label="accept" />}
        <span class="grow" />
        <span class="muted small">requested by {e.requested_by_name ?? "someone"} at {fmtTime(e.requested_at)} UTC</span>
      </div>
      <dl class="kv">
        <dt>Reason</dt><dd>{e.reason}</dd>
        <dt>Hand-off note</dt><dd>{e.handoff || <span class="muted">none</span>}</dd>
        <dt>Acknowledged</dt><dd>{e.acknowledged_at ? `${fmtTime(e.acknowledged_at)} (${fmtDuration(e.acknowledge_secs)}, target ${e.acknowledge_target_minutes} min)` : "not yet"}</dd>
        <dt>{e.state === "declined" ? "Declined" : "Accepted"}</dt><dd>{e.settled_at ? `${fmtTime(e.settled_at)} (${fmtDuration(e.accept_secs)}, target ${e.accept_target_minutes} min)` : "not yet"}</dd>
        {e.decline_reason && <><dt>Declined because</dt><dd>{e.decline_reason}</dd></>}
      </dl>
      {e.conflicts.length > 0 && (
        <div class="conflicts small" data-testid="escalation-conflicts">
          <strong>Concurrent answers:</strong> these came from another device at the same time and lost to the earlier one; they are kept for the record.
          <ul>{e.conflicts.map((c) => <li>{c.reason}</li>)}</ul>
        </div>
      )}
      {!ro && isPending && (
        <div class="row actions">
          {e.state === "requested" && <button data-edit data-testid="acknowledge" onClick={() => answer({ answer: "acknowledge" }, "Acknowledged")}>Acknowledge</button>}
          <button data-edit class="primary" data-testid="accept" onClick={() => answer({ answer: "accept" }, `Accepted: ${d.key} is now with tier ${e.to_tier}`)}>Accept</button>
          <button data-edit data-testid="decline" onClick={() => setDeclining(!declining)}>Decline…</button>
          {app.can?.assign && <button data-edit data-testid="reassign" onClick={() => setReassigning(!reassigning)}>Reassign…</button>}
        </div>
      )}
      {declining && (
        <form class="row" onSubmit={(ev) => { ev.preventDefault(); answer({ answer: "decline", reason }, "Declined: the incident stays with the requesting tier"); }}>
          <input data-edit class="grow" autoFocus placeholder="Why decline? (required; the requesting tier reads this)" value={reason} onInput={(ev) => setReason(ev.currentTarget.value)} />
          <button data-edit type="submit" disabled={!reason.trim()}>Decline</button>
        </form>
      )}
      {reassigning && <ReassignForm incidentKey={d.key} current={e.to_tier} onDone={() => setReassigning(false)} />}
    </div>
  );
}

export function ReassignForm({ incidentKey, current, onDone }: { incidentKey: string; current: Tier; onDone: () => void }) {
  const app = useApp();
  const users = useLoad(() => cmd.users(), []);
  const [tier, setTier] = useState<Tier>(current);
  const [who, setWho] = useState("");
  const [note, setNote] = useState("");
  return (
    <form class="row reassign" data-testid="reassign-form" onSubmit={async (ev) => {
      ev.preventDefault();
      try { await cmd.reassignEscalation(incidentKey, tier, who || null, note); app.changed(); app.notify(`Reassigned ${incidentKey}`); onDone(); }
      catch (err) { app.fail(toError(err)); }
    }}>
      <select data-edit name="tier" aria-label="Tier" value={tier} onChange={(ev) => setTier(Number(ev.currentTarget.value) as Tier)}>{[1, 2, 3].map((t) => <option value={t}>Tier {t}</option>)}</select>
      <select data-edit name="assignee" aria-label="Analyst" value={who} onChange={(ev) => setWho(ev.currentTarget.value)}>
        <option value="">The tier's queue</option>
        {users.data?.filter((u) => u.role === "responder").map((u) => <option value={u.id}>{u.name} (tier {u.tier})</option>)}
      </select>
      <input data-edit class="grow" name="note" placeholder="Note" value={note} onInput={(ev) => setNote(ev.currentTarget.value)} />
      <button data-edit class="primary" type="submit" data-testid="reassign-submit">Assign</button>
    </form>
  );
}

function RequestForm({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const users = useLoad(() => cmd.users(), []);
  const [tier, setTier] = useState<Tier>(Math.min(3, d.tier + 1) as Tier);
  const [who, setWho] = useState("");
  const [reason, setReason] = useState("");
  const [handoff, setHandoff] = useState("");
  return (
    <form class="card form" data-testid="escalate-form" onSubmit={async (ev) => {
      ev.preventDefault();
      try { await cmd.escalate(d.key, tier, who || null, reason, handoff); setReason(""); setHandoff(""); app.changed(); app.notify(`Escalated to tier ${tier}`); }
      catch (err) { app.fail(toError(err)); }
    }}>
      <h3>Request an escalation</h3>
      <div class="row">
        <label>To<select data-edit name="to_tier" value={tier} onChange={(ev) => setTier(Number(ev.currentTarget.value) as Tier)}>{[1, 2, 3].map((t) => <option value={t}>Tier {t}</option>)}</select></label>
        <label>Analyst<select data-edit name="assignee" value={who} onChange={(ev) => setWho(ev.currentTarget.value)}>
          <option value="">Anyone in the tier's queue</option>
          {users.data?.filter((u) => u.role === "responder" && u.tier === tier).map((u) => <option value={u.id}>{u.name}</option>)}
        </select></label>
      </div>
      <label>Reason<input data-edit name="reason" placeholder="Why this needs the next tier" value={reason} onInput={(ev) => setReason(ev.currentTarget.value)} /></label>
      <label>Hand-off note<textarea data-edit name="handoff" rows={3} placeholder="What was done, what is known, what to look at first" value={handoff} onInput={(ev) => setHandoff(ev.currentTarget.value)} /></label>
      <div class="row end"><button data-edit class="primary" type="submit" data-testid="escalate-submit" disabled={!reason.trim()}>Escalate</button></div>
    </form>
  );
}
