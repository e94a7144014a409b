//! Response metrics across incidents: time to detect, contain and resolve per severity, and escalation response
//! times per target tier and severity, with breach counts; the alert queue's figures (volume per day and per rule,
//! false-positive rate per rule, time to triage, time from alert to incident).

use std::collections::BTreeMap;

use casebook_core::metrics::{median_and_p90, KeyTimes, ResponseMetrics};
use casebook_core::model::{Severity, Tier};
use casebook_store::read::{self, IncidentDetail, IncidentFilter};
use serde::Serialize;

use crate::{Casebook, Result};

/// The key times the response metrics of `d` are measured between: the one definition every front end, the
/// metrics screen and the report use. An incident closed without a resolved time counts as resolved when it was
/// closed.
pub fn key_times(d: &IncidentDetail) -> KeyTimes {
    KeyTimes {
        occurred: d.occurred_at,
        detected: d.detected_at,
        reported: d.reported_at,
        contained: d.contained_at,
        resolved: d.resolved_at.or(d.closed_at),
    }
}

/// The response metrics of one incident (see [`key_times`]).
pub fn response_metrics(d: &IncidentDetail) -> ResponseMetrics {
    key_times(d).metrics()
}

/// One incident's response times in seconds, absent when unknown (see [`key_times`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResponseTimes {
    pub time_to_detect: Option<i64>,
    pub time_to_contain: Option<i64>,
    pub time_to_resolve: Option<i64>,
}

impl From<ResponseMetrics> for ResponseTimes {
    fn from(m: ResponseMetrics) -> Self {
        ResponseTimes {
            time_to_detect: m.time_to_detect,
            time_to_contain: m.time_to_contain,
            time_to_resolve: m.time_to_resolve,
        }
    }
}

/// Median and 90th percentile of a set of durations, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Spread {
    pub count: usize,
    pub median_secs: i64,
    pub p90_secs: i64,
}

fn spread(mut v: Vec<i64>) -> Option<Spread> {
    let n = v.len();
    median_and_p90(&mut v).map(|(m, p)| Spread {
        count: n,
        median_secs: m,
        p90_secs: p,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SeverityMetrics {
    pub severity: Severity,
    pub incidents: usize,
    pub open: usize,
    pub time_to_detect: Option<Spread>,
    pub time_to_contain: Option<Spread>,
    pub time_to_resolve: Option<Spread>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EscalationMetrics {
    pub to_tier: Tier,
    pub severity: Severity,
    pub escalations: usize,
    pub pending: usize,
    pub breached: usize,
    pub time_to_acknowledge: Option<Spread>,
    pub time_to_accept: Option<Spread>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Metrics {
    pub by_severity: Vec<SeverityMetrics>,
    pub escalations: Vec<EscalationMetrics>,
}

impl Casebook {
    /// One incident's response times (the incident screen's figures; the same as the report's and `metrics`').
    pub fn response_times(&self, key_or_id: &str) -> Result<ResponseTimes> {
        Ok(response_metrics(&self.incident(key_or_id)?).into())
    }

    pub fn metrics(&self) -> Result<Metrics> {
        let rows = read::incidents(self.store.conn(), &IncidentFilter::default(), i64::MAX)?;
        // Per severity: incidents, open ones, and the detect / contain / resolve durations.
        type Tally = (usize, usize, Vec<i64>, Vec<i64>, Vec<i64>);
        let mut by_sev: BTreeMap<Severity, Tally> = BTreeMap::new();
        for r in rows {
            let d = read::incident(self.store.conn(), r.id)?;
            let m = response_metrics(&d);
            let e = by_sev.entry(r.severity).or_default();
            e.0 += 1;
            e.1 += usize::from(r.status != casebook_core::model::Status::Closed);
            e.2.extend(m.time_to_detect);
            e.3.extend(m.time_to_contain);
            e.4.extend(m.time_to_resolve);
        }
        let by_severity = by_sev
            .into_iter()
            .map(|(severity, (incidents, open, d, c, r))| SeverityMetrics {
                severity,
                incidents,
                open,
                time_to_detect: spread(d),
                time_to_contain: spread(c),
                time_to_resolve: spread(r),
            })
            .collect();
        type Acc = (usize, usize, usize, Vec<i64>, Vec<i64>);
        let mut by_tier: BTreeMap<(Tier, Severity), Acc> = BTreeMap::new();
        for e in read::escalations(self.store.conn(), None, false)? {
            let s = self.with_clocks(e)?;
            let acc = by_tier
                .entry((s.escalation.to_tier, s.escalation.severity))
                .or_default();
            acc.0 += 1;
            acc.1 += usize::from(s.escalation.state.is_pending());
            acc.2 += usize::from(s.breached);
            acc.3.extend(s.acknowledge_secs);
            acc.4.extend(s.accept_secs);
        }
        let escalations = by_tier
            .into_iter()
            .map(
                |((to_tier, severity), (n, pending, breached, a, c))| EscalationMetrics {
                    to_tier,
                    severity,
                    escalations: n,
                    pending,
                    breached,
                    time_to_acknowledge: spread(a),
                    time_to_accept: spread(c),
                },
            )
            .collect();
        Ok(Metrics {
            by_severity,
            escalations,
        })
    }
}

/// Alerts seen on one UTC day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertDay {
    /// `YYYY-MM-DD`, by the alert's own time.
    pub day: String,
    pub alerts: usize,
}

/// One rule's alerts and how triage judged them: what tells detection engineers which rule to fix.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleAlertMetrics {
    pub rule: String,
    pub alerts: usize,
    /// Dismissed, promoted or merged.
    pub triaged: usize,
    pub false_positives: usize,
    /// False positives among the triaged alerts (0 to 1), absent before any triage.
    pub false_positive_rate: Option<f64>,
}

/// The alert queue's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertMetrics {
    pub alerts: usize,
    /// Still new.
    pub untriaged: usize,
    pub per_day: Vec<AlertDay>,
    /// Most alerts first.
    pub per_rule: Vec<RuleAlertMetrics>,
    /// From receiving an alert to its triage.
    pub time_to_triage: Option<Spread>,
    /// From an alert's time to the incident it was promoted to or merged into: the detection part of time to
    /// detect (a promoted incident's occurred and detected times are the alert's).
    pub alert_to_incident: Option<Spread>,
}

impl Casebook {
    pub fn alert_metrics(&self) -> Result<AlertMetrics> {
        use casebook_core::alert::AlertState;
        let facts = read::alert_facts(self.store.conn())?;
        let mut days: BTreeMap<String, usize> = BTreeMap::new();
        let mut rules: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        let (mut to_triage, mut to_incident) = (Vec::new(), Vec::new());
        let mut untriaged = 0;
        for f in &facts {
            *days
                .entry(f.seen.format("%Y-%m-%d").to_string())
                .or_default() += 1;
            let r = rules.entry(f.rule.clone()).or_default();
            r.0 += 1;
            if f.state == AlertState::New {
                untriaged += 1;
                continue;
            }
            r.1 += 1;
            r.2 += usize::from(f.state == AlertState::FalsePositive);
            if let Some(t) = f.triaged {
                let secs = (t - f.received).num_seconds();
                to_triage.extend((secs >= 0).then_some(secs));
                if f.incident.is_some() {
                    let secs = (t - f.seen).num_seconds();
                    to_incident.extend((secs >= 0).then_some(secs));
                }
            }
        }
        let mut per_rule: Vec<RuleAlertMetrics> = rules
            .into_iter()
            .map(|(rule, (alerts, triaged, fp))| RuleAlertMetrics {
                rule,
                alerts,
                triaged,
                false_positives: fp,
                false_positive_rate: (triaged > 0).then(|| fp as f64 / triaged as f64),
            })
            .collect();
        per_rule.sort_by(|a, b| b.alerts.cmp(&a.alerts).then_with(|| a.rule.cmp(&b.rule)));
        Ok(AlertMetrics {
            alerts: facts.len(),
            untriaged,
            per_day: days
                .into_iter()
                .map(|(day, alerts)| AlertDay { day, alerts })
                .collect(),
            per_rule,
            time_to_triage: spread(to_triage),
            alert_to_incident: spread(to_incident),
        })
    }
}
