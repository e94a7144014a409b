//! Response metrics across incidents: time to detect, contain and resolve per severity, and escalation response
//! times per target tier and severity, with breach counts. Also the log's own checks (hash chains, rebuild).

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
