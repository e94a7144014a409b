import { useEffect, useState } from "preact/hooks";
import type { CommandError, SearchHit } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp } from "../state";
import { Empty, ErrorNote, Modal } from "../components/ui";
import { useAutoFocus } from "../hooks";

/**
 * Full-text search over everything, or over the incident it was opened from when "only this incident" is ticked
 * (every word must appear, the last one as a prefix); hits are marked between `[` and `]` by the backend.
 */
export function SearchBox({ onClose }: { onClose: () => void }) {
  const app = useApp();
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [sel, setSel] = useState(0);
  const here = app.route.screen === "incident" ? app.route.key : null;
  const [onlyHere, setOnlyHere] = useState(false);
  const scope = onlyHere ? here : null;
  const inputRef = useAutoFocus<HTMLInputElement>();
  useEffect(() => {
    if (!q.trim()) return setHits(null);
    const t = setTimeout(() => cmd.search(q, scope, 50).then((h) => { setHits(h); setError(null); setSel(0); }, (e) => setError(toError(e))), 120);
    return () => clearTimeout(t);
  }, [q, scope]);
  const open = (h: SearchHit) => {
    onClose();
    app.go({ screen: "incident", key: h.incident_key, tab: h.kind === "entry" ? "timeline" : h.kind === "observable" ? "observables" : h.kind === "comment" ? "comments" : undefined });
  };
  return (
    <Modal title="Search" onClose={onClose}>
      <input
        class="search-input"
        ref={inputRef}
        placeholder="Search titles, timeline, observables, comments…"
        value={q}
        data-testid="search-input"
        onInput={(e) => setQ(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (!hits?.length) return;
          if (e.key === "ArrowDown") { e.preventDefault(); setSel((s) => Math.min(hits.length - 1, s + 1)); }
          if (e.key === "ArrowUp") { e.preventDefault(); setSel((s) => Math.max(0, s - 1)); }
          if (e.key === "Enter") open(hits[sel]);
        }}
      />
      {here && (
        <label class="check">
          <input type="checkbox" checked={onlyHere} data-testid="search-scope" onChange={(e) => setOnlyHere(e.currentTarget.checked)} /> Only {here}
        </label>
      )}
      {error && <ErrorNote error={error} />}
      {hits && hits.length === 0 && <Empty>Nothing matches “{q}”.</Empty>}
      <ul class="hits">
        {hits?.map((h, i) => (
          <li class={i === sel ? "selected" : ""} onClick={() => open(h)}>
            <span class="mono">{h.incident_key}</span> <span class="badge">{h.kind}</span>{" "}
            {h.snippet.split(/(\[[^\]]*\])/).map((part) => (part.startsWith("[") ? <mark>{part.slice(1, -1)}</mark> : part))}
          </li>
        ))}
      </ul>
    </Modal>
  );
}
