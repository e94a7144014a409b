//! Scope at an event's place: whether its author might make this change to the incident as it stood at the event's
//! place in HLC order (the tier and assignee claims made before it). The rule is the core's `admission::in_scope`;
//! this module reads the state at that place. Every replica asks with the same events before it, so every replica
//! keeps the same events out.

use casebook_core::admission;
use casebook_core::authz::{Actor, IncidentScope};
use casebook_core::model::{Role, Tier};
use casebook_core::{Event, Payload};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::append::Standing;
use crate::sql::opt_parse;
use crate::{trust, Result, StoreError};

/// The reason an event is out of scope at its place, or `None` when it may be applied.
pub(super) fn out_of_scope(
    tx: &Transaction,
    e: &Event,
    standing: Standing,
) -> Result<Option<String>> {
    let b = &e.body;
    let Some(incident) = b.incident else {
        return Ok(None);
    };
    // A case imported for reading has no roles to judge; escalation answers are judged by the escalation fold.
    if standing.standing == admission::Standing::Unverified
        || matches!(
            b.payload,
            Payload::IncidentOpened { .. }
                | Payload::EscalationRequested { .. }
                | Payload::EscalationAcknowledged { .. }
                | Payload::EscalationAccepted { .. }
                | Payload::EscalationDeclined { .. }
                | Payload::EscalationAssigned { .. }
        )
    {
        return Ok(None);
    }
    let Some((role, tier, _)) = trust::directory_entry(tx, b.author)? else {
        return Ok(None);
    };
    if role == Role::Lead {
        return Ok(None);
    }
    let at =
        |field: &str| -> Result<Option<Option<String>>> {
            Ok(tx
            .prepare_cached(
                "SELECT value FROM field_claims WHERE entity_id = ?1 AND field = ?2 AND hlc < ?3
                 ORDER BY ahead, hlc DESC, event_id DESC LIMIT 1",
            )?
            .query_row(params![incident.to_string(), field, b.hlc.encode()], |r| r.get(0))
            .optional()?)
        };
    // Before its opening (by HLC) an incident has no scope to judge against.
    let Some(Some(tier_at)) = at("tier")? else {
        return Ok(None);
    };
    let scope = IncidentScope {
        tier: tier_at
            .parse::<u8>()
            .ok()
            .and_then(|t| Tier::new(t).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("tier claim `{tier_at}`")))?,
        assignee: opt_parse("user id", at("assignee")?.flatten())?,
    };
    let actor = Actor {
        user: b.author,
        role,
        tier,
    };
    Ok(admission::in_scope(&b.payload, &actor, scope)
        .err()
        .map(|denied| format!("out of scope at its place in the log: {denied}")))
}
