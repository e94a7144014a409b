// Small shared pieces: badges in the domain's colours, and the plain-words states (loading, empty, error).
import type { ComponentChildren } from "preact";
import type { ClockState, CommandError, Severity, Status, Tlp } from "../bindings/commands";
import { clockBadge, SEVERITY_LABEL, TLP_COLOUR, TLP_LABEL } from "../lib/format";
import { hintWords } from "../lib/hints";

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span class={`badge sev sev-${severity}`} title={SEVERITY_LABEL[severity]}>{severity.toUpperCase()}</span>;
}

export function TlpBadge({ tlp }: { tlp: Tlp }) {
  return (
    <span class="badge tlp" style={{ color: TLP_COLOUR[tlp] }} data-tlp={tlp}>
      {TLP_LABEL[tlp]}
    </span>
  );
}

export function StatusBadge({ status }: { status: Status }) {
  return <span class={`badge status status-${status}`}>{status}</span>;
}

export function ClockBadge({ state, label }: { state: ClockState; label?: string }) {
  const b = clockBadge(state);
  if (!b) return null;
  return <span class={`badge clock clock-${b.tone}`} data-clock={state}>{label ? `${label} ${b.text}` : b.text}</span>;
}

export function Loading({ what }: { what: string }) {
  return <div class="state loading" role="status">Loading {what}…</div>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state empty">{children}</div>;
}

export function ErrorNote({ error, retry }: { error: CommandError; retry?: () => void }) {
  return (
    <div class="state error" role="alert" data-code={error.code}>
      <strong>{error.code === "forbidden" ? "Not allowed. " : error.code === "not_found" ? "Not found. " : "Something went wrong. "}</strong>
      {error.message}
      {hintWords(error.hint) && <span class="hint"> {hintWords(error.hint)}</span>}
      {retry && <button class="link" onClick={retry}>Try again</button>}
    </div>
  );
}

export function ProgressBar({ done, total, label }: { done: number; total: number | null; label: string }) {
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : null;
  return (
    <div class="progress" role="progressbar" aria-valuenow={pct ?? undefined} aria-label={label}>
      <div class="progress-label">{label} {pct !== null ? `${pct} %` : ""}</div>
      <div class="progress-track"><div class="progress-fill" style={{ width: `${pct ?? 30}%` }} /></div>
    </div>
  );
}

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="modal" role="dialog" aria-label={title}>
        <div class="modal-head">
          <h2>{title}</h2>
          <button class="icon" aria-label="Close" onClick={onClose}>×</button>
        </div>
        {children}
      </div>
    </div>
  );
}
