//! Escalations: request, acknowledge, accept, decline, reassign; the lead's board with response clocks.

use casebook_core::authz::Action;
use casebook_core::escalation::{self, check, ClockState, EscalationState, Transition};
use casebook_core::model::Tier;
use casebook_core::{EscalationId, IncidentId, Payload};
use casebook_store::read::{self, EscalationView};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{Casebook, Error, Field, Hint, Result};

/// An escalation with its response clocks evaluated now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EscalationStatus {
    #[serde(flatten)]
    pub escalation: EscalationView,
    pub acknowledge_clock: ClockState,
    pub accept_clock: ClockState,
    pub acknowledge_secs: Option<i64>,
    pub accept_secs: Option<i64>,
    pub breached: bool,
    pub acknowledge_target_minutes: u32,
    pub accept_target_minutes: u32,
    /// When the next unanswered target falls (past, if breached); `None` once the escalation is settled.
    pub due_at: Option<DateTime<Utc>>,
}

/// An answer to an escalation.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Acknowledge,
    Accept,
    Decline { reason: String },
}

impl Casebook {
    /// Requests an escalation of an incident to another tier's queue, or to a named analyst.
    pub fn escalate(
        &mut self,
        key_or_id: &str,
        to_tier: Tier,
        assignee: Option<&str>,
        reason: &str,
        handoff: &str,
    ) -> Result<EscalationStatus> {
        let id = self.resolve(key_or_id)?;
        self.authorize(Action::RequestEscalation)?;
        if reason.trim().is_empty() {
            return Err(
                Error::invalid("an escalation needs a reason").hint(Hint::Input {
                    field: Field::Reason,
                    example: "Credential theft confirmed".into(),
                }),
            );
        }
        let scope = self.scope(id)?;
        if to_tier == scope.tier && assignee.is_none() {
            return Err(Error::invalid(format!(
                "the incident is already at tier {to_tier}; name another tier or an analyst"
            )));
        }
        if let Some(pending) = read::escalations(self.store.conn(), Some(id), true)?
            .into_iter()
            .next()
        {
            return Err(Error::conflict(format!(
                "an escalation to tier {} is already pending; it must be accepted, declined or reassigned first",
                pending.to_tier
            )));
        }
        let assignee = self.optional_user(assignee)?;
        let escalation = EscalationId(Uuid::now_v7());
        self.commit(
            Some(id),
            vec![Payload::EscalationRequested {
                escalation,
                from_tier: scope.tier,
                to_tier,
                assignee,
                reason: reason.trim().to_string(),
                handoff: handoff.to_string(),
            }],
        )?;
        self.escalation_status(id, escalation)
    }

    /// The escalation an answer is about: the one named, or the incident's pending one.
    fn pending_escalation(&self, id: IncidentId, which: Option<&str>) -> Result<EscalationView> {
        let all = read::escalations(self.store.conn(), Some(id), false)?;
        match which {
            Some(w) => all
                .into_iter()
                .find(|e| e.id.to_string().starts_with(w.trim()))
                .ok_or_else(|| Error::not_found(format!("no escalation `{w}` on this incident"))),
            None => all
                .iter()
                .rev()
                .find(|e| e.state.is_pending())
                .or(all.last())
                .cloned()
                .ok_or_else(|| {
                    Error::not_found("this incident has no escalation").hint(
                        Hint::RequestEscalation {
                            incident: self.incident_key(id),
                        },
                    )
                }),
        }
    }

    /// Acknowledges, accepts or declines an escalation. Accepting moves the incident to the target tier and assigns
    /// it to whoever accepted; declining leaves it with the requesting tier.
    pub fn answer_escalation(
        &mut self,
        key_or_id: &str,
        which: Option<&str>,
        answer: Answer,
    ) -> Result<EscalationStatus> {
        let id = self.resolve(key_or_id)?;
        let e = self.pending_escalation(id, which)?;
        self.authorize(Action::RespondToEscalation {
            to_tier: e.to_tier,
            assignee: e.assignee,
        })?;
        let (transition, payload) = match answer {
            Answer::Acknowledge => (
                Transition::Acknowledge,
                Payload::EscalationAcknowledged { escalation: e.id },
            ),
            Answer::Accept => (
                Transition::Accept,
                Payload::EscalationAccepted { escalation: e.id },
            ),
            Answer::Decline { reason } => {
                if reason.trim().is_empty() {
                    return Err(
                        Error::invalid("declining needs a reason").hint(Hint::Input {
                            field: Field::Reason,
                            example: "Benign admin activity".into(),
                        }),
                    );
                }
                (
                    Transition::Decline {
                        reason: reason.clone(),
                    },
                    Payload::EscalationDeclined {
                        escalation: e.id,
                        reason,
                    },
                )
            }
        };
        check(e.state, &transition)?;
        self.commit(Some(id), vec![payload])?;
        self.escalation_status(id, e.id)
    }

    /// A lead sends a pending escalation to another tier, queue or analyst (this also escalates further).
    pub fn reassign_escalation(
        &mut self,
        key_or_id: &str,
        which: Option<&str>,
        to_tier: Tier,
        assignee: Option<&str>,
        note: &str,
    ) -> Result<EscalationStatus> {
        let id = self.resolve(key_or_id)?;
        self.authorize(Action::Assign)?;
        let e = self.pending_escalation(id, which)?;
        let transition = Transition::Assign {
            to_tier,
            assignee: None,
        };
        check(e.state, &transition)?;
        let assignee = self.optional_user(assignee)?;
        self.commit(
            Some(id),
            vec![Payload::EscalationAssigned {
                escalation: e.id,
                to_tier,
                assignee,
                note: note.to_string(),
            }],
        )?;
        self.escalation_status(id, e.id)
    }

    fn escalation_status(
        &self,
        id: IncidentId,
        escalation: EscalationId,
    ) -> Result<EscalationStatus> {
        let e = read::escalations(self.store.conn(), Some(id), false)?
            .into_iter()
            .find(|e| e.id == escalation)
            .ok_or_else(|| Error::not_found(format!("escalation {escalation}")))?;
        self.with_clocks(e)
    }

    pub(crate) fn with_clocks(&self, e: EscalationView) -> Result<EscalationStatus> {
        let targets = read::response_targets(self.store.conn())?;
        let target = escalation::target_for(&targets, e.severity);
        let folded = escalation::Folded {
            state: e.state,
            to_tier: e.to_tier,
            assignee: e.assignee,
            clock_start: e.clock_start,
            acknowledged: e.acknowledged,
            settled: e
                .settled
                .map(|(h, u)| (h, u, casebook_core::EventId(Uuid::nil()))),
            decline_reason: e.decline_reason.clone(),
            applied: vec![],
            conflicts: vec![],
        };
        let c = escalation::clocks(&folded, &target, self.now());
        Ok(EscalationStatus {
            escalation: e,
            acknowledge_clock: c.acknowledge,
            accept_clock: c.accept,
            acknowledge_secs: c.acknowledge_secs,
            accept_secs: c.accept_secs,
            breached: c.breached(),
            acknowledge_target_minutes: target.acknowledge_minutes,
            accept_target_minutes: target.accept_minutes,
            due_at: c.next_due,
        })
    }

    /// Every escalation of an incident, oldest first.
    pub fn escalations(&self, key_or_id: &str) -> Result<Vec<EscalationStatus>> {
        let id = self.resolve(key_or_id)?;
        read::escalations(self.store.conn(), Some(id), false)?
            .into_iter()
            .map(|e| self.with_clocks(e))
            .collect()
    }

    /// The lead's board: pending escalations of every incident, optionally of one target tier, breached first.
    pub fn pending_escalations(&self, tier: Option<Tier>) -> Result<Vec<EscalationStatus>> {
        let mut out: Vec<EscalationStatus> = read::escalations(self.store.conn(), None, true)?
            .into_iter()
            .filter(|e| tier.is_none_or(|t| e.to_tier == t))
            .map(|e| self.with_clocks(e))
            .collect::<Result<_>>()?;
        out.sort_by_key(|s| (!s.breached, s.escalation.requested_hlc));
        Ok(out)
    }

    /// Sets the response targets (leads only).
    pub fn set_response_targets(&mut self, targets: Vec<escalation::ResponseTarget>) -> Result<()> {
        self.authorize(Action::SetResponseTargets)?;
        if targets
            .iter()
            .any(|t| t.acknowledge_minutes == 0 || t.accept_minutes < t.acknowledge_minutes)
        {
            return Err(Error::invalid(
                "each target needs acknowledge minutes above 0 and accept minutes at least as long",
            ));
        }
        self.commit(None, vec![Payload::ResponseTargetsSet { targets }])?;
        Ok(())
    }
}

impl EscalationStatus {
    pub fn state(&self) -> EscalationState {
        self.escalation.state
    }
}
