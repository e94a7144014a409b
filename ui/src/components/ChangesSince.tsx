// "Since you last opened this": what colleagues changed in an incident, brought by sync, listed when it is opened
// and as more arrives while it is open. Leaving the incident marks it seen.
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChangeView } from "../bindings/commands";
import { cmd } from "../api";
import { useApp } from "../state";
import { fmtTime } from "../lib/format";

export function ChangesSince({ incidentKey }: { incidentKey: string }) {
  const app = useApp();
  const [before, setBefore] = useState<{ total: number; changes: ChangeView[] } | null>(null);
  const [meanwhile, setMeanwhile] = useState<ChangeView[]>([]);
  const [hidden, setHidden] = useState(false);
  const opened = useRef(false);

  // On opening: what changed since the last visit, then the visit is recorded.
  useEffect(() => {
    let live = true;
    opened.current = false;
    cmd.changesSinceSeen(incidentKey)
      .then((c) => {
        if (live) setBefore(c);
        return cmd.markSeen(incidentKey);
      })
      .then(() => { opened.current = true; })
      .catch(() => { /* the banner is a courtesy; the incident itself shows everything */ });
    return () => {
      live = false;
      cmd.markSeen(incidentKey).catch(() => {});
    };
  }, [incidentKey]);

  // While open: whatever a sync brings since the visit began.
  useEffect(() => {
    if (!opened.current) return;
    cmd.changesSinceSeen(incidentKey).then((c) => setMeanwhile(c.changes), () => {});
  }, [incidentKey, app.version]);

  const changes = [...meanwhile, ...(before?.changes ?? [])];
  if (hidden || !changes.length) return null;
  const more = (before?.total ?? 0) - (before?.changes.length ?? 0);
  return (
    <div class="card changes-since" role="status" data-testid="changes-since">
      <div class="row">
        <strong class="grow">Changed by others since you last opened it</strong>
        <button class="link small" onClick={() => setHidden(true)}>Hide</button>
      </div>
      <ul>
        {changes.map((c) => (
          <li class="small" data-testid="change-line"><span class="muted">{fmtTime(c.at)}</span> · <strong>{c.who}</strong> {c.what}</li>
        ))}
      </ul>
      {more > 0 && <div class="muted small">and {more} earlier changes (see the timeline and history)</div>}
    </div>
  );
}
