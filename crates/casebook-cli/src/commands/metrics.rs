//! Response metrics across incidents and escalations.

use casebook_api::Casebook;
use casebook_core::metrics::human_duration;

use crate::output::{table, Out};

pub fn metrics(cb: &Casebook, out: &Out) -> anyhow::Result<()> {
    let m = cb.metrics()?;
    out.show(&m, || {
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
        text
    })
}
