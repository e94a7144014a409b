// The status bar: where this laptop stands with its team at all times (online, offline, syncing), what waits to go
// up, open conflicts and refused changes; each count opens the sync panel, "Sync now" (Shift+S) syncs at once.
import { useEffect, useState } from "preact/hooks";
import { useApp } from "../state";
import { describeSync } from "../lib/sync";

export function StatusBar() {
  const app = useApp();
  // Re-render every 30 s so "last synced 3 min ago" stays true.
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(t);
  }, []);
  const v = describeSync(app.team, now);
  return (
    <footer class="statusbar" data-testid="statusbar" data-phase={app.team?.phase ?? "not_joined"}>
      <span class={`sync-dot ${v.tone}`} aria-hidden="true" />
      <span class="sync-headline" data-testid="sync-headline" title={v.detail}>{v.headline}</span>
      {v.last && <span class="muted" data-testid="sync-last">{v.last}</span>}
      {v.items.map((i) => (
        <button class={`link sync-item ${i.tone}`} data-testid={`sync-${i.panel}`} data-count={i.count} onClick={() => app.openSync(i.panel)}>
          {i.text}
        </button>
      ))}
      <span class="grow muted small sync-detail">{v.tone === "warn" || v.tone === "error" ? v.detail : ""}</span>
      {v.canSync && (
        <button class="small" data-testid="sync-now" onClick={app.syncNow} title="Sync now (Shift+S)">
          Sync now <kbd>S</kbd>
        </button>
      )}
    </footer>
  );
}
