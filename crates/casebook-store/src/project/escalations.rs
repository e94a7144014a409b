//! Escalations: every transition is kept and the state refolded in HLC order by the core whenever one arrives; the
//! outcome moves the incident's tier and assignee claims and shows on the timeline as system entries.

use crate::sql::Cached as _;
use casebook_core::escalation::{self, Recorded, Request, Transition};
use casebook_core::event::NewEntry;
use casebook_core::{EntryId, Hlc, Payload};
use rusqlite::{params, OptionalExtension, Transaction};

use super::claims::settle_field;
use super::entries::insert_entry;
use super::{misrouted, At};
use crate::sql::parse;
use crate::Result;

/// A request opens an escalation; any later transition is kept beside it. Either way the escalation is refolded.
pub(super) fn apply(at: &At, p: &Payload) -> Result<()> {
    let (tx, e, inc, hlc, id) = (at.tx, at.event, &at.incident, &at.hlc, &at.id);
    let author = e.body.author.to_string();
    let escalation = match p {
        Payload::EscalationRequested {
            escalation,
            from_tier,
            to_tier,
            assignee,
            reason,
            handoff,
        } => {
            tx.exec_cached(
                "INSERT OR IGNORE INTO escalations (id, incident_id, request_event, from_tier, requested_tier, requested_assignee,
                 to_tier, assignee, state, reason, handoff, requested_by, requested_hlc, clock_start_hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6, 'requested', ?7, ?8, ?9, ?10, ?10)",
                params![
                    escalation.to_string(),
                    inc,
                    id,
                    from_tier.get(),
                    to_tier.get(),
                    assignee.map(|a| a.to_string()),
                    reason,
                    handoff,
                    author,
                    hlc
                ],
            )?;
            let summary = format!(
                "Escalation requested: tier {from_tier} → tier {to_tier}. Reason: {reason}"
            );
            system_entry(at, summary, handoff.clone())?;
            escalation
        }
        Payload::EscalationAcknowledged { escalation }
        | Payload::EscalationAccepted { escalation }
        | Payload::EscalationDeclined { escalation, .. }
        | Payload::EscalationAssigned { escalation, .. } => {
            tx.exec_cached(
                "INSERT OR IGNORE INTO escalation_transitions (event_id, escalation_id, incident_id, hlc, by_user, transition)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, escalation.to_string(), inc, hlc, author, e.payload_json],
            )?;
            let (summary, details) = transition_summary(p);
            system_entry(at, summary, details)?;
            escalation
        }
        other => return Err(misrouted("escalation", other)),
    };
    refold_escalation(tx, &escalation.to_string())
}

/// The system timeline entry's text for an escalation transition. It names no person: names are looked up when
/// shown, so the text is the same whichever events arrived first.
fn transition_summary(p: &Payload) -> (String, String) {
    match p {
        Payload::EscalationAcknowledged { .. } => ("Escalation acknowledged".into(), String::new()),
        Payload::EscalationAccepted { .. } => ("Escalation accepted".into(), String::new()),
        Payload::EscalationDeclined { reason, .. } => (
            format!("Escalation declined. Reason: {reason}"),
            String::new(),
        ),
        Payload::EscalationAssigned { to_tier, note, .. } => (
            format!("Escalation reassigned to tier {to_tier}"),
            note.clone(),
        ),
        other => (
            format!("Escalation changed ({})", other.kind()),
            String::new(),
        ),
    }
}

/// Escalation changes also appear on the incident's timeline, as system entries named after their event.
fn system_entry(at: &At, summary: String, details: String) -> Result<()> {
    let e = at.event;
    let entry = NewEntry {
        entry: EntryId(e.body.id.0),
        event_time: e.body.hlc.wall_time(),
        time_zone: None,
        kind: casebook_core::model::EntryKind::System,
        summary,
        details,
        source: Default::default(),
        key_event: false,
        evidence: vec![],
        observables: vec![],
        attributes: Default::default(),
        supersedes: None,
    };
    insert_entry(at, &entry)
}

/// Recomputes an escalation from its request and every transition recorded for it, in HLC order, and moves the
/// incident's tier and assignee claims to follow the outcome.
fn refold_escalation(tx: &Transaction, escalation: &str) -> Result<()> {
    type RequestRow = (String, String, String, String, u8, u8, Option<String>);
    let request: Option<RequestRow> = tx
        .query_row(
            "SELECT incident_id, request_event, requested_hlc, requested_by, from_tier, requested_tier, requested_assignee
             FROM escalations WHERE id = ?1",
            [escalation],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .optional()?;
    // Transitions that arrive before their request wait for it.
    let Some((incident, req_event, req_hlc, req_by, from_tier, to_tier, assignee)) = request else {
        return Ok(());
    };
    let tier = |n: u8| {
        casebook_core::model::Tier::new(n).map_err(|e| crate::StoreError::Corrupt(e.to_string()))
    };
    let request = Request {
        event: parse("event id", &req_event)?,
        hlc: parse("hlc", &req_hlc)?,
        by: parse("user id", &req_by)?,
        from_tier: tier(from_tier)?,
        to_tier: tier(to_tier)?,
        assignee: crate::sql::opt_parse("user id", assignee)?,
    };
    // Only transitions recorded in the escalation's own incident count, whatever an event from elsewhere names. Each
    // comes with its author's role when the author was verified, so the fold judges who may answer at its place.
    let mut stmt = tx.prepare_cached(
        "SELECT t.event_id, t.hlc, t.by_user, t.transition, u.role, u.tier, e.standing
         FROM escalation_transitions t LEFT JOIN users u ON u.id = t.by_user LEFT JOIN events e ON e.id = t.event_id
         WHERE t.escalation_id = ?1 AND t.incident_id = ?2",
    )?;
    type TransitionRow = (
        String,
        String,
        String,
        String,
        Option<String>,
        Option<u8>,
        Option<String>,
    );
    let rows: Vec<TransitionRow> = stmt
        .query_map([escalation, incident.as_str()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut recorded = Vec::with_capacity(rows.len());
    for (event, hlc, by, payload, role, by_tier, standing) in rows {
        let role = match (role, standing.as_deref()) {
            (Some(role), Some("verified" | "authority")) => Some((
                parse::<casebook_core::model::Role>("role", &role)?,
                by_tier.map(tier).transpose()?,
            )),
            _ => None,
        };
        let transition = match serde_json::from_str::<Payload>(&payload)? {
            Payload::EscalationAcknowledged { .. } => Transition::Acknowledge,
            Payload::EscalationAccepted { .. } => Transition::Accept,
            Payload::EscalationDeclined { reason, .. } => Transition::Decline { reason },
            Payload::EscalationAssigned {
                to_tier, assignee, ..
            } => Transition::Assign { to_tier, assignee },
            other => {
                return Err(crate::StoreError::Corrupt(format!(
                    "{} recorded as an escalation transition",
                    other.kind()
                )))
            }
        };
        recorded.push(Recorded {
            event: parse("event id", &event)?,
            hlc: parse::<Hlc>("hlc", &hlc)?,
            by: parse("user id", &by)?,
            role,
            transition,
        });
    }
    let f = escalation::fold(&request, &recorded);
    tx.exec_cached(
        "UPDATE escalations SET state = ?2, to_tier = ?3, assignee = ?4, clock_start_hlc = ?5, acknowledged_hlc = ?6,
         acknowledged_by = ?7, settled_hlc = ?8, settled_by = ?9, decline_reason = ?10 WHERE id = ?1",
        params![
            escalation,
            f.state.as_str(),
            f.to_tier.get(),
            f.assignee.map(|a| a.to_string()),
            f.clock_start.encode(),
            f.acknowledged.map(|(h, _)| h.encode()),
            f.acknowledged.map(|(_, u)| u.to_string()),
            f.settled.map(|(h, _, _)| h.encode()),
            f.settled.map(|(_, u, _)| u.to_string()),
            f.decline_reason,
        ],
    )?;
    tx.exec_cached(
        "UPDATE escalation_transitions SET conflict = NULL WHERE escalation_id = ?1",
        [escalation],
    )?;
    for c in &f.conflicts {
        tx.exec_cached(
            "UPDATE escalation_transitions SET conflict = ?2 WHERE event_id = ?1",
            params![c.event.to_string(), c.reason],
        )?;
    }
    // Only the winning accept moves the incident; an accept that lost a race gives up its claim.
    tx.exec_cached(
        "DELETE FROM field_claims WHERE entity_id = ?1 AND field IN ('tier', 'assignee')
         AND event_id IN (SELECT event_id FROM escalation_transitions WHERE escalation_id = ?2)",
        params![incident, escalation],
    )?;
    if let (escalation::EscalationState::Accepted, Some((hlc, by, event))) = (f.state, f.settled) {
        let (hlc, event) = (hlc.encode(), event.to_string());
        tx.exec_cached(
            "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'tier', ?2, ?3, ?4)",
            params![incident, hlc, event, f.to_tier.get()],
        )?;
        tx.exec_cached(
            "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'assignee', ?2, ?3, ?4)",
            params![incident, hlc, event, by.to_string()],
        )?;
    }
    settle_field(tx, &incident, "tier")?;
    settle_field(tx, &incident, "assignee")?;
    Ok(())
}
