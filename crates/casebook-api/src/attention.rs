//! What needs the acting person's attention now, for desktop notifications: escalations waiting for them, and
//! response targets about to fall (or fallen) in the queues they answer for. The clocks are the escalation board's
//! (`Casebook::with_clocks`, the core's response clocks), read at the API's clock.

use std::time::Duration;

use casebook_core::authz::Actor;
use casebook_core::model::Role;
use casebook_store::read::{self, EscalationView};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::escalations::EscalationStatus;
use crate::{Casebook, Result};

/// How close a response target must be to count as breaching soon.
pub const SOON: Duration = Duration::from_secs(15 * 60);

/// What needs the acting person now. Each escalation carries its id (`id` in JSON), stable across calls, so a
/// front end notifies once per escalation (and, for `breaching_soon`, once per `due_at`: a reassignment restarts
/// the clock).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Attention {
    /// The moment the clocks were read.
    pub at: DateTime<Utc>,
    /// Pending escalations addressed to them: named to them, or to their tier's queue. Oldest request first.
    pub escalations: Vec<EscalationStatus>,
    /// Pending escalations of the queues they answer for (a responder: as above; a lead: every queue) whose next
    /// response target falls within [`SOON`] or has passed. Most urgent first.
    pub breaching_soon: Vec<EscalationStatus>,
}

/// Whether an escalation waits for this person: named to them, or sent to their tier's queue. One named to a
/// colleague is theirs, though anyone of its tier may answer it.
fn addressed_to(actor: &Actor, e: &EscalationView) -> bool {
    match e.assignee {
        Some(named) => named == actor.user,
        None => actor.role == Role::Responder && actor.tier == Some(e.to_tier),
    }
}

impl Casebook {
    /// Escalations waiting for the acting person, and those of their queues whose response target is near or past.
    /// Nothing in a data directory without a profile.
    pub fn attention(&self) -> Result<Attention> {
        let at = self.now();
        let none = Attention {
            at,
            escalations: vec![],
            breaching_soon: vec![],
        };
        if read::profile(self.store.conn())?.is_none() {
            return Ok(none);
        }
        let (actor, _) = self.actor()?;
        let soon =
            at + chrono::Duration::from_std(SOON).unwrap_or_else(|_| chrono::Duration::zero());
        let mut attention = none;
        for e in read::escalations(self.store.conn(), None, true)? {
            let mine = addressed_to(&actor, &e);
            if !mine && actor.role != Role::Lead {
                continue;
            }
            let status = self.with_clocks(e)?;
            if status.due_at.is_some_and(|due| due <= soon) {
                attention.breaching_soon.push(status.clone());
            }
            if mine {
                attention.escalations.push(status);
            }
        }
        attention.breaching_soon.sort_by_key(|s| s.due_at);
        Ok(attention)
    }
}
