//! Response metrics across incidents and escalations, and the alert queue's figures.

use casebook_api::Casebook;
use casebook_core::metrics::human_duration;

use crate::output::{clip, table, Out};

/// Everything `casebook metrics` shows, as its --json gives it.
#[derive(serde::Serialize)]
struct AllMetrics {
    #[serde(flatten)]
    incidents: casebook_api::metrics::Metrics,
    alerts: casebook_api::metrics::AlertMetrics,
}

pub fn metrics(cb: &Casebook, out: &Out) -> anyhow::Result<()> {
    let all = AllMetrics {
        incidents: cb.metrics()?,
        alerts: cb.alert_metrics()?,
    };
    let (m, a) = (&all.incidents, &all.alerts);
    out.show(&all, || {
        let d = |s: &Option<casebook_api::metrics::Spread>| {
            s.map(|s| {
                format!(
                    "{} / {}",
                    human_duration(s.median_secs),
                    human_duration(s.p90_secs)
                )
            })
            .unwrap_or_else(|| "—".into())
        };
        let rows: Vec<Vec<String>> = m
            .by_severity
            .iter()
            .map(|s| {
                vec![
                    s.severity.to_string(),
                    s.incidents.to_string(),
                    s.open.to_string(),
                    d(&s.time_to_detect),
                    d(&s.time_to_contain),
                    d(&s.time_to_resolve),
                ]
            })
            .collect();
        let mut text = String::from("Incidents (median / p90)\n");
        text.push_str(&table(
            &[
                "SEVERITY",
                "INCIDENTS",
                "OPEN",
                "DETECT",
                "CONTAIN",
                "RESOLVE",
            ],
            &rows,
        ));
        let rows: Vec<Vec<String>> = m
            .escalations
            .iter()
            .map(|e| {
                vec![
                    format!("tier {}", e.to_tier),
                    e.severity.to_string(),
                    e.escalations.to_string(),
                    e.pending.to_string(),
                    e.breached.to_string(),
                    d(&e.time_to_acknowledge),
                    d(&e.time_to_accept),
                ]
            })
            .collect();
        text.push_str("\nEscalations (median / p90)\n");
        if rows.is_empty() {
            text.push_str("none yet\n");
        } else {
            text.push_str(&table(
                &[
                    "TO",
                    "SEVERITY",
                    "COUNT",
                    "PENDING",
                    "BREACHED",
                    "ACKNOWLEDGE",
                    "ACCEPT",
                ],
                &rows,
            ));
        }
        text.push_str(&alert_section(a, &d));
        text
    })
}

fn alert_section(
    a: &casebook_api::metrics::AlertMetrics,
    d: &dyn Fn(&Option<casebook_api::metrics::Spread>) -> String,
) -> String {
    let mut text = format!(
        "\nAlerts: {} ({} untriaged); time to triage {}, alert to incident {} (median / p90)\n",
        a.alerts,
        a.untriaged,
        d(&a.time_to_triage),
        d(&a.alert_to_incident)
    );
    if a.alerts == 0 {
        return text;
    }
    let rows: Vec<Vec<String>> = a
        .per_rule
        .iter()
        .map(|r| {
            vec![
                clip(&r.rule, 40),
                r.alerts.to_string(),
                r.triaged.to_string(),
                r.false_positives.to_string(),
                r.false_positive_rate
                    .map(|x| format!("{:.0}%", x * 100.0))
                    .unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    text.push_str(&table(
        &["RULE", "ALERTS", "TRIAGED", "FALSE +", "FP RATE"],
        &rows,
    ));
    let days: Vec<Vec<String>> = a
        .per_day
        .iter()
        .rev()
        .take(14)
        .map(|d| vec![d.day.clone(), d.alerts.to_string()])
        .collect();
    text.push_str("\nAlert volume per day (latest 14)\n");
    text.push_str(&table(&["DAY", "ALERTS"], &days));
    text
}
