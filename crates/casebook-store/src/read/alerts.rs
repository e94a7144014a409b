//! The alert queue and its alerts: grouped rows for the first screen (an index walk, newest first), one alert with
//! its raw payload and triage claims, the claims that lost to a promotion (conflicts), and the rows metrics count.

use casebook_core::alert::{AlertState, NewAlert};
use casebook_core::model::{ObservableKind, Severity};
use casebook_core::{AlertId, IncidentId, Payload, UserId};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use serde::Serialize;

use crate::sql::{from_micros, opt_from_micros, opt_parse, parse};
use crate::{Result, StoreError};

/// Which groups the queue shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertQuery {
    /// Groups holding at least one alert in this state (`New`: the open queue).
    pub status: Option<AlertState>,
    /// Groups of this rule (its id, else its name).
    pub rule: Option<String>,
    /// After this place (the last row's `cursor` of the previous page).
    pub after: Option<(i64, String)>,
    pub limit: i64,
}

/// One row of the queue: a group of alerts of one rule and key observable.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertGroupView {
    /// The group's id: its earliest alert's.
    pub id: AlertId,
    pub title: String,
    pub rule: String,
    pub rule_name: Option<String>,
    pub key_observable: String,
    pub source: String,
    /// The worst severity among its alerts.
    pub severity: Severity,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub alerts: u64,
    pub new_alerts: u64,
    /// Where the next page starts (opaque).
    pub cursor: String,
}

/// An indicator an alert carries.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertObservableView {
    pub kind: ObservableKind,
    pub value: String,
}

/// One triage claim on an alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertClaimView {
    pub event: casebook_core::EventId,
    pub author: UserId,
    pub at: DateTime<Utc>,
    /// The state it asks for.
    pub state: AlertState,
    pub incident: Option<IncidentId>,
    pub reason: String,
    /// It lost to a promotion or merge: an open conflict.
    pub lost: bool,
}

/// One alert, everything the source gave and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertView {
    pub id: AlertId,
    pub source: String,
    pub source_id: String,
    pub format: String,
    pub rule_name: Option<String>,
    pub rule_id: Option<String>,
    pub key_observable: String,
    pub severity: Severity,
    pub source_severity: Option<String>,
    pub event_time: Option<DateTime<Utc>>,
    pub raised_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    /// When it stands in the queue: the event time, else raised, else received.
    pub seen_at: DateTime<Utc>,
    pub title: String,
    pub description: String,
    pub host: Option<String>,
    pub user: Option<String>,
    pub source_ip: Option<String>,
    pub source_port: Option<u16>,
    pub destination_ip: Option<String>,
    pub destination_port: Option<u16>,
    pub observables: Vec<AlertObservableView>,
    pub raised_by: UserId,
    /// How many times it was raised (a re-sent alert counts here, not as a new row).
    pub raises: u64,
    pub group: AlertId,
    pub state: AlertState,
    pub triaged_by: Option<UserId>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub incident: Option<IncidentId>,
    pub claims: Vec<AlertClaimView>,
}

/// A page of the queue, newest group first: with no rule and the `New` status, a walk of `alert_groups_queue`.
pub fn alert_groups(conn: &Connection, q: &AlertQuery) -> Result<Vec<AlertGroupView>> {
    let (sql, args) = queue_sql(q);
    type Row = (
        String,
        String,
        String,
        Option<String>,
        String,
        String,
        String,
        i64,
        i64,
        i64,
        i64,
    );
    let rows: Vec<Row> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(
            |(id, title, rule, rule_name, key, source, sev, first, last, n, new)| {
                Ok(AlertGroupView {
                    cursor: format!("{last}:{id}"),
                    id: parse("alert id", &id)?,
                    title,
                    rule,
                    rule_name,
                    key_observable: key,
                    source,
                    severity: parse("severity", &sev)?,
                    first_seen: from_micros(first),
                    last_seen: from_micros(last),
                    alerts: n as u64,
                    new_alerts: new as u64,
                })
            },
        )
        .collect()
}

/// The queue's query and its arguments.
fn queue_sql(q: &AlertQuery) -> (String, Vec<Value>) {
    let mut sql = String::from(
        "SELECT id, title, rule_key, rule_name, key_observable, source, severity, first_us, last_us, alerts, new_alerts
         FROM alert_groups g WHERE 1",
    );
    let mut args: Vec<Value> = Vec::new();
    match q.status {
        Some(AlertState::New) => sql.push_str(" AND open = 1"),
        Some(state) => {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM alerts a WHERE a.group_id = g.id AND a.state = ?)",
            );
            args.push(Value::Text(state.as_str().into()));
        }
        None => {}
    }
    if let Some(rule) = &q.rule {
        sql.push_str(" AND (rule_key = ? OR rule_name = ?)");
        args.push(Value::Text(rule.clone()));
        args.push(Value::Text(rule.clone()));
    }
    if let Some((last, id)) = &q.after {
        sql.push_str(" AND (last_us, id) < (?, ?)");
        args.push(Value::Integer(*last));
        args.push(Value::Text(id.clone()));
    }
    sql.push_str(" ORDER BY last_us DESC, id DESC LIMIT ?");
    args.push(Value::Integer(q.limit));
    (sql, args)
}

/// Reads a cursor a page handed out.
pub fn parse_cursor(cursor: &str) -> Option<(i64, String)> {
    let (last, id) = cursor.split_once(':')?;
    Some((last.parse().ok()?, id.parse::<AlertId>().ok()?.to_string()))
}

/// The alerts of a group, oldest first, with their states.
pub fn group_alerts(conn: &Connection, group: AlertId) -> Result<Vec<(AlertId, AlertState)>> {
    let rows: Vec<(String, String)> = conn
        .prepare_cached("SELECT id, state FROM alerts WHERE group_id = ?1 ORDER BY seen_us, id")?
        .query_map([group.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, state)| Ok((parse("alert id", &id)?, parse("alert state", &state)?)))
        .collect()
}

/// The group an alert is in, when this replica holds it.
pub fn alert_group(conn: &Connection, id: AlertId) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT group_id FROM alerts WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?)
}

/// Whether this replica holds the alert.
pub fn alert_exists(conn: &Connection, id: AlertId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM alerts WHERE id = ?1")?
        .query_row([id.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Alerts whose id starts with `prefix` (people type the first characters of an id), at most `limit`.
pub fn alerts_by_prefix(conn: &Connection, prefix: &str, limit: i64) -> Result<Vec<AlertId>> {
    let rows: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM alerts WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT ?2",
        )?
        .query_map(rusqlite::params![prefix, limit], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    rows.iter().map(|id| parse("alert id", id)).collect()
}

/// One alert with its claims.
pub fn alert(conn: &Connection, id: AlertId) -> Result<AlertView> {
    let row = conn
        .prepare_cached(
            "SELECT source, source_id, format, rule_name, rule_id, key_observable, severity, source_severity, event_us,
             raised_us, received_us, seen_us, title, description, host, user_name, source_ip, source_port,
             destination_ip, destination_port, observables, raised_by, raises, group_id, state, triaged_by,
             triaged_hlc, reason, incident_id FROM alerts WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| {
            let v: Vec<Value> = (0..29).map(|i| r.get(i)).collect::<Result<_, _>>()?;
            Ok(v)
        })
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("alert {id}")))?;
    let mut v = row.into_iter();
    let mut next = || v.next().unwrap_or(Value::Null);
    let text = |x: Value| match x {
        Value::Text(s) => Some(s),
        _ => None,
    };
    let int = |x: Value| match x {
        Value::Integer(i) => Some(i),
        _ => None,
    };
    let req = |x: Option<String>, what: &str| {
        x.ok_or_else(|| StoreError::Corrupt(format!("alert {id} has no {what}")))
    };
    let source = req(text(next()), "source")?;
    let source_id = req(text(next()), "source id")?;
    let format = text(next()).unwrap_or_default();
    let rule_name = text(next());
    let rule_id = text(next());
    let key_observable = text(next()).unwrap_or_default();
    let severity = parse("severity", &req(text(next()), "severity")?)?;
    let source_severity = text(next());
    let event_time = opt_from_micros(int(next()));
    let raised_at = opt_from_micros(int(next()));
    let received_at = from_micros(int(next()).unwrap_or_default());
    let seen_at = from_micros(int(next()).unwrap_or_default());
    let title = text(next()).unwrap_or_default();
    let description = text(next()).unwrap_or_default();
    let host = text(next());
    let user = text(next());
    let source_ip = text(next());
    let source_port = int(next()).and_then(|p| u16::try_from(p).ok());
    let destination_ip = text(next());
    let destination_port = int(next()).and_then(|p| u16::try_from(p).ok());
    let observables = serde_json::from_str(&text(next()).unwrap_or_else(|| "[]".into()))?;
    let raised_by = parse("user id", &req(text(next()), "author")?)?;
    let raises = int(next()).unwrap_or(1) as u64;
    let group = parse("alert id", &req(text(next()), "group")?)?;
    let state = parse("alert state", &req(text(next()), "state")?)?;
    let triaged_by = opt_parse("user id", text(next()))?;
    let triaged_at =
        opt_parse::<casebook_core::Hlc>("hlc", text(next()))?.map(|h| from_micros(h.wall_micros));
    let reason = text(next());
    let incident = opt_parse("incident id", text(next()))?;
    Ok(AlertView {
        id,
        source,
        source_id,
        format,
        rule_name,
        rule_id,
        key_observable,
        severity,
        source_severity,
        event_time,
        raised_at,
        received_at,
        seen_at,
        title,
        description,
        host,
        user,
        source_ip,
        source_port,
        destination_ip,
        destination_port,
        observables,
        raised_by,
        raises,
        group,
        state,
        triaged_by,
        triaged_at,
        reason,
        incident,
        claims: claims(conn, id)?,
    })
}

/// Every triage claim on an alert, in HLC order.
pub fn claims(conn: &Connection, id: AlertId) -> Result<Vec<AlertClaimView>> {
    claim_rows(
        conn,
        "SELECT event_id, author, hlc, action, incident_id, reason, lost, alert_id FROM alert_triage
         WHERE alert_id = ?1 ORDER BY hlc, event_id",
        Some(id),
    )
    .map(|v| v.into_iter().map(|(_, c)| c).collect())
}

/// Every claim that lost to a promotion or merge, with its alert: the open alert conflicts.
pub fn alert_conflicts(conn: &Connection) -> Result<Vec<(AlertId, AlertClaimView)>> {
    claim_rows(
        conn,
        "SELECT event_id, author, hlc, action, incident_id, reason, lost, alert_id FROM alert_triage
         WHERE lost = 1 ORDER BY hlc, event_id",
        None,
    )
}

fn claim_rows(
    conn: &Connection,
    sql: &str,
    alert: Option<AlertId>,
) -> Result<Vec<(AlertId, AlertClaimView)>> {
    type Row = (
        String,
        String,
        String,
        String,
        Option<String>,
        String,
        bool,
        String,
    );
    let mut stmt = conn.prepare_cached(sql)?;
    let map = |r: &rusqlite::Row| -> rusqlite::Result<Row> {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    };
    let rows: Vec<Row> = match alert {
        Some(a) => stmt
            .query_map([a.to_string()], map)?
            .collect::<Result<_, _>>()?,
        None => stmt.query_map([], map)?.collect::<Result<_, _>>()?,
    };
    rows.into_iter()
        .map(
            |(event, author, hlc, action, incident, reason, lost, alert)| {
                Ok((
                    parse("alert id", &alert)?,
                    AlertClaimView {
                        event: parse("event id", &event)?,
                        author: parse("user id", &author)?,
                        at: from_micros(parse::<casebook_core::Hlc>("hlc", &hlc)?.wall_micros),
                        state: parse("alert state", &action)?,
                        incident: opt_parse("incident id", incident)?,
                        reason,
                        lost,
                    },
                ))
            },
        )
        .collect()
}

/// The alert exactly as its first raise carried it (the raw payload lives in the event, not in a projection).
pub fn raised_alert(conn: &Connection, id: AlertId) -> Result<NewAlert> {
    let event: String = conn
        .prepare_cached("SELECT raised_event FROM alerts WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("alert {id}")))?;
    match crate::append::read_one(conn, &event)?.map(|e| e.body.payload) {
        Some(Payload::AlertRaised(a)) => Ok(a),
        _ => Err(StoreError::Corrupt(format!(
            "alert {id} names event {event}, which does not raise it"
        ))),
    }
}

/// What the alert metrics count, one row per alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFacts {
    pub rule: String,
    pub received: DateTime<Utc>,
    pub seen: DateTime<Utc>,
    pub state: AlertState,
    pub triaged: Option<DateTime<Utc>>,
    pub incident: Option<IncidentId>,
}

/// Every alert's counted facts, in no particular order.
pub fn alert_facts(conn: &Connection) -> Result<Vec<AlertFacts>> {
    type Row = (String, i64, i64, String, Option<String>, Option<String>);
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT coalesce(rule_name, rule_key), received_us, seen_us, state, triaged_hlc, incident_id FROM alerts",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(rule, received, seen, state, triaged, incident)| {
            Ok(AlertFacts {
                rule,
                received: from_micros(received),
                seen: from_micros(seen),
                state: parse("alert state", &state)?,
                triaged: opt_parse::<casebook_core::Hlc>("hlc", triaged)?
                    .map(|h| from_micros(h.wall_micros)),
                incident: opt_parse("incident id", incident)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first screen of the queue stays under its target at 100,000 alerts only while it walks the queue index
    /// from the newest open group (no scan, no sort), first page or later.
    #[test]
    fn the_open_queue_walks_its_index_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(&dir.path().join("casebook.db")).unwrap();
        for after in [None, Some((5, "x".to_string()))] {
            let (sql, args) = queue_sql(&AlertQuery {
                status: Some(AlertState::New),
                after,
                limit: 50,
                ..AlertQuery::default()
            });
            let plan: Vec<String> = store
                .conn()
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                plan.iter()
                    .any(|s| s.contains("INDEX alert_groups_queue (open=?")),
                "{sql}\n{plan:?}"
            );
            assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
        }
    }
}
