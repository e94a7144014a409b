// Metrics as plain SVG bars: incidents per severity, median response times, escalation clocks per tier, and the
// alert queue's figures (volume per day and rule, false positives per rule, time to triage, alert to incident).
import type { AlertMetrics, Metrics as M, Spread } from "../bindings/commands";
import { cmd } from "../api";
import { useApp } from "../state";
import { useLoad } from "../hooks";
import { Empty, ErrorNote, Loading } from "../components/ui";
import { fmtDuration, SEVERITY_LABEL } from "../lib/format";
import { type Bar, falsePositiveBars, ruleBars, volumeBars } from "../lib/alerts";

export function Bars({ title, bars }: { title: string; bars: Bar[] }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {bars.length === 0 ? <p class="muted small">No data yet.</p> : (
        <div class="bars" role="img" aria-label={title}>
          {bars.map((b) => (
            <>
              <span class="chart-label" title={b.label}>{b.label}</span>
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
  const a = useLoad(() => cmd.alertMetrics(), [app.version]);
  return (
    <section class="screen" data-screen="metrics">
      <header class="screen-head"><h1>Metrics</h1><span class="muted">Medians over every incident on this device.</span></header>
      {m.error && <ErrorNote error={m.error} retry={m.reload} />}
      {m.loading && !m.data && <Loading what="metrics" />}
      {m.data && m.data.by_severity.length === 0 && <Empty>No incidents yet, so nothing to measure.</Empty>}
      {m.data && m.data.by_severity.length > 0 && <Charts m={m.data} />}
      <h2>Alerts</h2>
      {a.error && <ErrorNote error={a.error} retry={a.reload} />}
      {a.loading && !a.data && <Loading what="alert metrics" />}
      {a.data && a.data.alerts === 0 && <Empty>No alerts yet. Import a file in Alerts (g a).</Empty>}
      {a.data && a.data.alerts > 0 && <AlertCharts a={a.data} />}
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

/** A spread as two bars: the median and the 90th percentile. */
function spreadBars(s: Spread | null): Bar[] {
  if (!s) return [];
  return [
    { label: "p50", value: s.median_secs, text: `${fmtDuration(s.median_secs)} (n=${s.count})` },
    { label: "p90", value: s.p90_secs, text: fmtDuration(s.p90_secs) },
  ];
}

function AlertCharts({ a }: { a: AlertMetrics }) {
  return (
    <div class="charts" data-testid="alert-metrics">
      <Bars title={`Alerts per day (${a.alerts} in all, ${a.untriaged} waiting)`} bars={volumeBars(a.per_day)} />
      <Bars title="Alerts per rule" bars={ruleBars(a.per_rule)} />
      <Bars title="False-positive rate per rule (of triaged alerts)" bars={falsePositiveBars(a.per_rule)} />
      <Bars title="Time to triage" bars={spreadBars(a.time_to_triage)} />
      <Bars title="Alert to incident (part of time to detect)" bars={spreadBars(a.alert_to_incident)} />
    </div>
  );
}
