// The sync panel, opened from the status bar: what waits to go up, what the server refused and why, and every open
// conflict with a way to the incident where it is settled.
import { useState } from "preact/hooks";
import { cmd } from "../api";
import { useApp, type SyncPanelTab } from "../state";
import { useLoad } from "../hooks";
import { Empty, ErrorNote, Loading, Modal } from "../components/ui";
import { fmtTime } from "../lib/format";
import { describeSync } from "../lib/sync";

const TITLES: Record<SyncPanelTab, string> = { waiting: "Waiting to go up", refused: "Refused by the server", conflicts: "Open conflicts" };

export function SyncPanel({ tab: first, onClose }: { tab: SyncPanelTab; onClose: () => void }) {
  const app = useApp();
  const [tab, setTab] = useState<SyncPanelTab>(first);
  const v = describeSync(app.team, new Date());
  return (
    <Modal title="Team sync" onClose={onClose}>
      <div class="sync-panel" data-testid="sync-panel" data-tab={tab}>
        <p class="muted small" data-testid="sync-panel-detail">{v.headline}: {v.detail}</p>
        <div class="tabs" role="tablist">
          {(Object.keys(TITLES) as SyncPanelTab[]).map((t) => (
            <button role="tab" aria-selected={tab === t} class={tab === t ? "active" : ""} data-sync-tab={t} onClick={() => setTab(t)}>
              {TITLES[t]}
            </button>
          ))}
        </div>
        {tab === "waiting" && <Waiting />}
        {tab === "refused" && <Refused />}
        {tab === "conflicts" && <OpenConflicts onOpen={onClose} />}
      </div>
    </Modal>
  );
}

function Waiting() {
  const app = useApp();
  const lines = useLoad(() => cmd.waitingEvents(500), [app.version, app.team?.status?.waiting]);
  if (lines.error) return <ErrorNote error={lines.error} retry={lines.reload} />;
  if (!lines.data) return <Loading what="waiting changes" />;
  if (!lines.data.length) return <Empty>Nothing waits: every change made here is on the server.</Empty>;
  return (
    <table class="grid" data-testid="waiting-list">
      <thead><tr><th>When</th><th>Who</th><th>Incident</th><th>What</th></tr></thead>
      <tbody>
        {lines.data.map((l) => (
          <tr><td class="nowrap">{fmtTime(l.at)}</td><td>{l.who}</td><td class="mono">{l.incident_key ?? "—"}</td><td>{l.what}</td></tr>
        ))}
      </tbody>
    </table>
  );
}

function Refused() {
  const app = useApp();
  const verdicts = app.team?.status?.verdicts ?? [];
  if (!verdicts.length) return <Empty>The server has refused nothing from this laptop.</Empty>;
  return (
    <div>
      <p class="muted small">
        These changes stay on this laptop but the team does not have them. The reason is the server's own; a lead or
        admin can tell whether a role or tier needs to change. Forks are two versions of the same change: the server
        kept the other one.
      </p>
      <table class="grid" data-testid="refused-list">
        <thead><tr><th>When</th><th>Incident</th><th>Change</th><th>Verdict</th><th>Reason</th></tr></thead>
        <tbody>
          {verdicts.map((r) => (
            <tr data-verdict={r.verdict}>
              <td class="nowrap">{fmtTime(r.at)}</td><td class="mono">{r.incident ?? "—"}</td><td>{r.kind}</td>
              <td>{r.verdict}</td><td data-testid="refused-reason">{r.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function OpenConflicts({ onOpen }: { onOpen: () => void }) {
  const app = useApp();
  const list = useLoad(() => cmd.openConflicts(), [app.version]);
  if (list.error) return <ErrorNote error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading what="conflicts" />;
  if (!list.data.length) return <Empty>No open conflicts.</Empty>;
  return (
    <table class="grid" data-testid="conflict-list">
      <thead><tr><th>Incident</th><th>What</th><th>Who</th><th>When</th><th /></tr></thead>
      <tbody>
        {list.data.map((c) => (
          <tr data-conflict-kind={c.kind}>
            <td class="mono">{c.key}</td>
            <td>{c.title} — {c.detail}</td>
            <td>{c.by ?? "someone"}</td>
            <td class="nowrap">{fmtTime(c.at)}</td>
            <td><button class="small" data-open-conflict={c.key} onClick={() => { onOpen(); app.go({ screen: "incident", key: c.key }); }}>Open</button></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
