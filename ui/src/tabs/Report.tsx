// The post-incident report: export a verifiable PDF through a save dialog with progress, and verify a report file.
// Reading and exporting are open to every role, auditors included: nothing here changes the case.
import { useState } from "preact/hooks";
import type { CommandError, IncidentDetail, ReportKind, ReportSummary, ReportVerdict, VerdictKind } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp } from "../state";
import { ErrorNote, ProgressBar } from "../components/ui";
import { fmtBytes, TLP_LABEL } from "../lib/format";

// The same three answers as `casebook verify` (exit codes 0, 3 and 1): a report whose pages were not re-rendered
// is never shown as verified.
const VERDICT_TEXT: Record<VerdictKind, string> = { verified: "verified", partly_checked: "not verified: pages not re-rendered", failed: "does not match" };
const VERDICT_BADGE: Record<VerdictKind, string> = { verified: "ok", partly_checked: "warn", failed: "bad" };
export function Report({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const [kind, setKind] = useState<ReportKind>("technical");
  const [keyOnly, setKeyOnly] = useState(false);
  const [job, setJob] = useState<string | null>(null);
  const [done, setDone] = useState<ReportSummary | null>(null);
  const [verdict, setVerdict] = useState<ReportVerdict | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [exportPath, setExportPath] = useState("");
  const [verifyPath, setVerifyPath] = useState("");

  const exportTo = async (path: string) => {
    const j = `report-${Date.now()}`;
    setJob(j);
    setError(null);
    try {
      setDone(await cmd.exportReport(d.key, path, kind, keyOnly, j));
      app.notify("Report written");
    } catch (e) {
      setError(toError(e));
    } finally {
      setJob(null);
    }
  };
  const pickAndExport = async () => {
    const path = await cmd.pickSave(`${d.key}-report.pdf`, [{ name: "PDF", extensions: ["pdf"] }]);
    if (path) exportTo(path);
  };
  const verify = async (path: string) => {
    setError(null);
    try {
      setVerdict(await cmd.verifyReport(path));
    } catch (e) {
      setError(toError(e));
    }
  };
  const pickAndVerify = async () => {
    const [path] = await cmd.pickOpen(false, [{ name: "PDF", extensions: ["pdf"] }]);
    if (path) verify(path);
  };

  return (
    <div class="report">
      <div class="card form">
        <h3>Export the post-incident report</h3>
        <p class="muted small">A PDF with the {TLP_LABEL[d.tlp]} marking on every page. It carries the exact case data it was built from, so anyone can verify it later.</p>
        <div class="row">
          <label class="check"><input type="radio" name="kind" checked={kind === "technical"} onChange={() => setKind("technical")} /> Technical (everything)</label>
          <label class="check"><input type="radio" name="kind" checked={kind === "executive"} onChange={() => setKind("executive")} /> Executive summary</label>
          <label class="check"><input type="checkbox" checked={keyOnly || kind === "executive"} disabled={kind === "executive"} onChange={(e) => setKeyOnly(e.currentTarget.checked)} /> Key events only</label>
        </div>
        <div class="row">
          <button class="primary" data-testid="export-report" onClick={pickAndExport} disabled={!!job}>Export PDF…</button>
          <input class="path-input" data-testid="report-path" placeholder="or type where to save ⏎" value={exportPath}
            onInput={(e) => setExportPath(e.currentTarget.value)}
            onKeyDown={(e) => { if (e.key === "Enter" && exportPath.trim()) exportTo(exportPath.trim()); }} />
        </div>
        {job && <ProgressBar label="Writing the report" done={app.progress[job]?.done ?? 0} total={app.progress[job]?.total ?? null} />}
        {done && (
          <dl class="kv" data-testid="report-summary">
            <dt>Written to</dt><dd class="mono select-all">{done.path}</dd>
            <dt>Pages</dt><dd data-testid="report-pages">{done.pages}</dd>
            <dt>Size</dt><dd>{fmtBytes(done.bytes)}</dd>
            <dt>Content digest</dt><dd class="mono select-all small">{done.content_digest}</dd>
          </dl>
        )}
      </div>
      <div class="card form">
        <h3>Verify a report</h3>
        <p class="muted small">Checks a PDF against the case data inside it, the evidence files here and the live case.</p>
        <div class="row">
          <button data-testid="verify-report" onClick={pickAndVerify}>Choose a PDF…</button>
          <input class="path-input" data-testid="verify-path" placeholder="or type its path ⏎" value={verifyPath}
            onInput={(e) => setVerifyPath(e.currentTarget.value)}
            onKeyDown={(e) => { if (e.key === "Enter" && verifyPath.trim()) verify(verifyPath.trim()); }} />
        </div>
        {verdict && (
          <div data-testid="report-verdict" data-verified={String(verdict.verified)} data-verdict={verdict.verdict}>
            <p><span class={`badge ${VERDICT_BADGE[verdict.verdict]}`}>{VERDICT_TEXT[verdict.verdict]}</span>{" "}
              {verdict.incident_key ?? ""}{verdict.case_present ? "" : " (the case is not in this data folder: only the PDF itself was checked)"}</p>
            <ul class="checks">{verdict.checks.map((c) => <li class={`check-${c.result}`}>{c.result === "ok" ? "✓" : c.result === "notice" ? "•" : "✗"} {c.message}</li>)}</ul>
            {verdict.not_checked.length > 0 && (
              <p class="muted small" data-testid="report-not-checked">Not checked: {verdict.not_checked.join("; ")}.</p>
            )}
          </div>
        )}
      </div>
      {error && <ErrorNote error={error} />}
    </div>
  );
}
