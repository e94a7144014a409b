//! Escalations as stored: state, target, times and the transitions kept as conflicts. Response clocks are computed
//! from these by the core (they depend on "now").

use casebook_core::escalation::EscalationState;
use casebook_core::model::{Severity, Tier};
use casebook_core::{EscalationId, EventId, Hlc, IncidentId, UserId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::sql::{opt_parse, parse};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EscalationView {
    pub id: EscalationId,
    pub incident_id: IncidentId,
    pub incident_key: String,
    pub incident_title: String,
    pub severity: Severity,
    pub from_tier: Tier,
    pub to_tier: Tier,
    pub assignee: Option<UserId>,
    pub assignee_name: Option<String>,
    pub state: EscalationState,
    pub reason: String,
    pub handoff: String,
    pub requested_by: UserId,
    pub requested_by_name: Option<String>,
    pub requested_at: DateTime<Utc>,
    #[serde(skip)]
    pub requested_hlc: Hlc,
    #[serde(skip)]
    pub clock_start: Hlc,
    #[serde(skip)]
    pub acknowledged: Option<(Hlc, UserId)>,
    #[serde(skip)]
    pub settled: Option<(Hlc, UserId)>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub settled_at: Option<DateTime<Utc>>,
    pub settled_by: Option<UserId>,
    pub decline_reason: Option<String>,
    pub conflicts: Vec<EscalationConflict>,
}

/// A transition refused at its place in HLC order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EscalationConflict {
    pub event: EventId,
    pub by: UserId,
    pub reason: String,
}

/// Escalations of one incident, or pending ones of every incident when `incident` is `None` and `pending_only`.
pub fn escalations(
    conn: &Connection,
    incident: Option<IncidentId>,
    pending_only: bool,
) -> Result<Vec<EscalationView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.incident_id, i.key, i.title, i.severity, e.from_tier, e.to_tier, e.assignee, ua.name, e.state, e.reason,
                e.handoff, e.requested_by, ur.name, e.requested_hlc, e.clock_start_hlc, e.acknowledged_hlc, e.acknowledged_by,
                e.settled_hlc, e.settled_by, e.decline_reason
         FROM escalations e JOIN incidents i ON i.id = e.incident_id
         LEFT JOIN users ua ON ua.id = e.assignee LEFT JOIN users ur ON ur.id = e.requested_by
         WHERE (?1 IS NULL OR e.incident_id = ?1) AND (?2 = 0 OR e.state IN ('requested', 'acknowledged'))
         ORDER BY e.requested_hlc, e.id",
    )?;
    let mut rows = stmt.query(params![incident.map(|i| i.to_string()), pending_only])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: EscalationId = parse("escalation id", &r.get::<_, String>(0)?)?;
        let requested_hlc: Hlc = parse("hlc", &r.get::<_, String>(14)?)?;
        let ack_hlc: Option<Hlc> = opt_parse("hlc", r.get(16)?)?;
        let ack_by: Option<UserId> = opt_parse("user id", r.get(17)?)?;
        let settled_hlc: Option<Hlc> = opt_parse("hlc", r.get(18)?)?;
        let settled_by: Option<UserId> = opt_parse("user id", r.get(19)?)?;
        let state: String = r.get(9)?;
        out.push(EscalationView {
            id,
            incident_id: parse("incident id", &r.get::<_, String>(1)?)?,
            incident_key: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            incident_title: r.get(3)?,
            severity: parse("severity", &r.get::<_, String>(4)?)?,
            from_tier: parse("tier", &r.get::<_, u8>(5)?.to_string())?,
            to_tier: parse("tier", &r.get::<_, u8>(6)?.to_string())?,
            assignee: opt_parse("user id", r.get(7)?)?,
            assignee_name: r.get(8)?,
            state: serde_json::from_value(serde_json::Value::String(state))?,
            reason: r.get(10)?,
            handoff: r.get(11)?,
            requested_by: parse("user id", &r.get::<_, String>(12)?)?,
            requested_by_name: r.get(13)?,
            requested_at: requested_hlc.wall_time(),
            requested_hlc,
            clock_start: parse("hlc", &r.get::<_, String>(15)?)?,
            acknowledged: ack_hlc.zip(ack_by),
            settled: settled_hlc.zip(settled_by),
            acknowledged_at: ack_hlc.map(|h| h.wall_time()),
            settled_at: settled_hlc.map(|h| h.wall_time()),
            settled_by,
            decline_reason: r.get(20)?,
            conflicts: conflicts(conn, id)?,
        });
    }
    Ok(out)
}

fn conflicts(conn: &Connection, escalation: EscalationId) -> Result<Vec<EscalationConflict>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, by_user, conflict FROM escalation_transitions WHERE escalation_id = ?1 AND conflict IS NOT NULL ORDER BY hlc",
    )?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map([escalation.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(e, by, reason)| {
            Ok(EscalationConflict {
                event: parse("event id", &e)?,
                by: parse("user id", &by)?,
                reason,
            })
        })
        .collect()
}

/// An escalation transition refused at its place in HLC order, with where it belongs, for lists across incidents.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionConflict {
    pub escalation: EscalationId,
    pub event: EventId,
    pub by: UserId,
    pub by_name: Option<String>,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// Every escalation transition kept as a conflict, across incidents, newest first, in one query.
pub fn all_transition_conflicts(
    conn: &Connection,
) -> Result<Vec<(super::IncidentRef, TransitionConflict)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.escalation_id, t.event_id, t.by_user, u.name, t.hlc, t.conflict, i.id, i.key, i.title
         FROM escalation_transitions t JOIN incidents i ON i.id = t.incident_id AND i.opened = 1
         LEFT JOIN users u ON u.id = t.by_user
         WHERE t.conflict IS NOT NULL ORDER BY t.hlc DESC, t.event_id DESC",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let conflict = TransitionConflict {
            escalation: parse("escalation id", &r.get::<_, String>(0)?)?,
            event: parse("event id", &r.get::<_, String>(1)?)?,
            by: parse("user id", &r.get::<_, String>(2)?)?,
            by_name: r.get(3)?,
            at: super::hlc_time(&r.get::<_, String>(4)?)?,
            reason: r.get(5)?,
        };
        out.push((super::incidents::incident_ref_from(r, 6)?, conflict));
    }
    Ok(out)
}
