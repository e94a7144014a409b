// Metrics as plain SVG bars: incidents per severity, median response times, escalation clocks per tier.
import type { Metrics as M } from "../bindings/commands";
import { cmd } from "../api";
import { useApp } from "../state";
import { useLoad } from "../hooks";
import { Empty, ErrorNote, Loading } from "../components/ui";
import { fmtDuration, SEVERITY_LABEL } from "../lib/format";

type Bar = { label: string; value: number; text: string; tone?: string };

export function Bars({ title, bars }: { title: string; bars: Bar[] }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {bars.length === 0 ? <p class="muted small">No data yet.</p> : (
        <div class="bars" role="img" aria-label={title}>
          {bars.map((b) => (
            <>
              <span class="chart-label">{b.label}</span>
              <svg class="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                <rect x="0" y="0" height="10" width={Math.max(0.5, (b.value / max) * 100)} class={`bar ${b.tone ?? ""}`} />
              </svg>
              <span class="chart-value">{b.text}</span>
            </>
          ))}
        </div>
      )}
    </figure>
  );
}

export function Metrics() {
  const app = useApp();
  const m = useLoad(() => cmd.metrics(), [app.version]);
  return (
    <section class="screen" data-screen="metrics">
      <header class="screen-head"><h1>Metrics</h1><span class="muted">Medians over every incident on this device.</span></header>
      {m.error && <ErrorNote error={m.error} retry={m.reload} />}
      {m.loading && !m.data && <Loading what="metrics" />}
      {m.data && m.data.by_severity.length === 0 && <Empty>No incidents yet, so nothing to measure.</Empty>}
      {m.data && m.data.by_severity.length > 0 && <Charts m={m.data} />}
    </section>
  );
}

function Charts({ m }: { m: M }) {
  const sev = m.by_severity;
  const spread = (k: "time_to_detect" | "time_to_contain" | "time_to_resolve") =>
    sev.filter((s) => s[k]).map((s) => ({ label: SEVERITY_LABEL[s.severity], value: s[k]!.median_secs, text: `${fmtDuration(s[k]!.median_secs)} (n=${s[k]!.count})` }));
  return (
    <div class="charts">
      <Bars title="Incidents by severity (open of all)" bars={sev.map((s) => ({ label: SEVERITY_LABEL[s.severity], value: s.incidents, text: `${s.open} open of ${s.incidents}` }))} />
      <Bars title="Median time to detect" bars={spread("time_to_detect")} />
      <Bars title="Median time to contain" bars={spread("time_to_contain")} />
      <Bars title="Median time to resolve" bars={spread("time_to_resolve")} />
      <Bars title="Escalations per target tier and severity (breached in red)" bars={m.escalations.map((e) => ({
        label: `Tier ${e.to_tier} · ${e.severity.toUpperCase()}`, value: e.escalations, tone: e.breached ? "bad" : "",
        text: `${e.escalations} (${e.pending} pending, ${e.breached} breached)`,
      }))} />
      <Bars title="Median time to accept an escalation" bars={m.escalations.filter((e) => e.time_to_accept).map((e) => ({
        label: `Tier ${e.to_tier} · ${e.severity.toUpperCase()}`, value: e.time_to_accept!.median_secs, text: fmtDuration(e.time_to_accept!.median_secs),
      }))} />
    </div>
  );
}
