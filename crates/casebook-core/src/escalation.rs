//! Escalations between tiers: the state machine, how concurrent transitions are settled, and response clocks.
//!
//! `requested → acknowledged → accepted | declined`; accepting or declining straight from `requested` is allowed (it
//! acknowledges implicitly). A lead may assign a pending escalation to another tier, queue or analyst, which starts a
//! new clock for the new target: each tier is measured only from the moment the work reached it, so a late tier-1
//! hand-off is never counted against tier 2. Transitions are applied in HLC order; one that is not valid at its place
//! in that order (say, an accept that lost to a concurrent decline) is kept as a conflict, never dropped.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::authz::{self, Action, Actor};
use crate::model::{Role, Severity, Tier};
use crate::{EventId, Hlc, UserId};

/// Where an escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EscalationState {
    Requested,
    Acknowledged,
    Accepted,
    Declined,
}

impl EscalationState {
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationState::Requested => "requested",
            EscalationState::Acknowledged => "acknowledged",
            EscalationState::Accepted => "accepted",
            EscalationState::Declined => "declined",
        }
    }

    pub fn is_pending(self) -> bool {
        matches!(
            self,
            EscalationState::Requested | EscalationState::Acknowledged
        )
    }
}

/// A change asked of an escalation after its request.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    Acknowledge,
    Accept,
    Decline {
        reason: String,
    },
    Assign {
        to_tier: Tier,
        assignee: Option<UserId>,
    },
}

impl Transition {
    fn verb(&self) -> &'static str {
        match self {
            Transition::Acknowledge => "acknowledge",
            Transition::Accept => "accept",
            Transition::Decline { .. } => "decline",
            Transition::Assign { .. } => "reassign",
        }
    }
}

/// The request that opened an escalation.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub event: EventId,
    pub hlc: Hlc,
    pub by: UserId,
    pub from_tier: Tier,
    pub to_tier: Tier,
    pub assignee: Option<UserId>,
}

/// One transition as recorded in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub event: EventId,
    pub hlc: Hlc,
    pub by: UserId,
    /// The author's role and tier, when the directory vouches for them; `None` for an author the replica cannot
    /// verify (only possible in a case imported for reading), whose transitions are folded without a role check.
    pub role: Option<(Role, Option<Tier>)>,
    pub transition: Transition,
}

/// A transition refused at its place in HLC order, kept and shown as a conflict.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub event: EventId,
    pub reason: String,
}

/// The state of an escalation after applying every recorded transition in HLC order.
#[derive(Debug, Clone, PartialEq)]
pub struct Folded {
    pub state: EscalationState,
    pub to_tier: Tier,
    pub assignee: Option<UserId>,
    /// When the current target (tier, queue or analyst) received the work: the clock's start.
    pub clock_start: Hlc,
    pub acknowledged: Option<(Hlc, UserId)>,
    /// The accept or decline that settled it.
    pub settled: Option<(Hlc, UserId, EventId)>,
    pub decline_reason: Option<String>,
    pub applied: Vec<EventId>,
    pub conflicts: Vec<Conflict>,
}

/// Why a transition cannot be made now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {verb} an escalation that is already {state}{hint}")]
pub struct InvalidTransition {
    pub verb: &'static str,
    pub state: &'static str,
    pub hint: &'static str,
}

/// Checks one transition against the current state.
pub fn check(state: EscalationState, t: &Transition) -> Result<(), InvalidTransition> {
    use EscalationState::*;
    let ok = match t {
        Transition::Acknowledge => state == Requested,
        Transition::Accept | Transition::Decline { .. } | Transition::Assign { .. } => {
            state.is_pending()
        }
    };
    if ok {
        return Ok(());
    }
    let hint = match state {
        Accepted | Declined => "; request a new escalation instead",
        _ => "",
    };
    Err(InvalidTransition {
        verb: t.verb(),
        state: state.as_str(),
        hint,
    })
}

/// Applies the transitions in HLC order (whatever order they are given in), keeping invalid ones as conflicts.
pub fn fold(request: &Request, transitions: &[Recorded]) -> Folded {
    let mut sorted: Vec<&Recorded> = transitions.iter().collect();
    sorted.sort_by(|a, b| a.hlc.cmp(&b.hlc).then(a.event.cmp(&b.event)));
    let mut f = Folded {
        state: EscalationState::Requested,
        to_tier: request.to_tier,
        assignee: request.assignee,
        clock_start: request.hlc,
        acknowledged: None,
        settled: None,
        decline_reason: None,
        applied: vec![request.event],
        conflicts: Vec::new(),
    };
    for r in sorted {
        // Who may answer depends on where the escalation stands at this place in HLC order: an accept by tier 2 that
        // lost to a lead's reassignment to tier 3 is out of scope here, on every replica alike.
        if let Some((role, tier)) = r.role {
            let actor = Actor {
                user: r.by,
                role,
                tier,
            };
            let action = match r.transition {
                Transition::Assign { .. } => Action::Assign,
                _ => Action::RespondToEscalation {
                    to_tier: f.to_tier,
                    assignee: f.assignee,
                },
            };
            if let Err(denied) = authz::authorize(&actor, action) {
                f.conflicts.push(Conflict {
                    event: r.event,
                    reason: format!("out of scope at its place: {denied}"),
                });
                continue;
            }
        }
        if let Err(e) = check(f.state, &r.transition) {
            f.conflicts.push(Conflict {
                event: r.event,
                reason: e.to_string(),
            });
            continue;
        }
        match &r.transition {
            Transition::Acknowledge => {
                f.state = EscalationState::Acknowledged;
                f.acknowledged = Some((r.hlc, r.by));
            }
            Transition::Accept => {
                f.acknowledged.get_or_insert((r.hlc, r.by));
                f.state = EscalationState::Accepted;
                f.settled = Some((r.hlc, r.by, r.event));
            }
            Transition::Decline { reason } => {
                f.acknowledged.get_or_insert((r.hlc, r.by));
                f.state = EscalationState::Declined;
                f.settled = Some((r.hlc, r.by, r.event));
                f.decline_reason = Some(reason.clone());
            }
            Transition::Assign { to_tier, assignee } => {
                f.state = EscalationState::Requested;
                f.to_tier = *to_tier;
                f.assignee = *assignee;
                f.clock_start = r.hlc;
                f.acknowledged = None;
            }
        }
        f.applied.push(r.event);
    }
    f
}

/// How fast a tier must acknowledge and accept an escalation of a given severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTarget {
    pub severity: Severity,
    pub acknowledge_minutes: u32,
    pub accept_minutes: u32,
}

/// The targets used until a lead sets others: tight for SEV1, a working day or two for SEV4.
pub fn default_targets() -> Vec<ResponseTarget> {
    vec![
        ResponseTarget {
            severity: Severity::Sev1,
            acknowledge_minutes: 15,
            accept_minutes: 30,
        },
        ResponseTarget {
            severity: Severity::Sev2,
            acknowledge_minutes: 30,
            accept_minutes: 60,
        },
        ResponseTarget {
            severity: Severity::Sev3,
            acknowledge_minutes: 240,
            accept_minutes: 480,
        },
        ResponseTarget {
            severity: Severity::Sev4,
            acknowledge_minutes: 1440,
            accept_minutes: 2880,
        },
    ]
}

/// The state of a response clock at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Met its target (or was settled in time).
    Met,
    /// Still running, more than a fifth of the target left.
    Running,
    /// Still running, less than a fifth of the target left.
    DueSoon,
    Breached,
}

/// Both clocks of an escalation's current target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseClocks {
    pub acknowledge: ClockState,
    pub accept: ClockState,
    /// Seconds from the clock's start to acknowledgement, if acknowledged.
    pub acknowledge_secs: Option<i64>,
    pub accept_secs: Option<i64>,
    /// The moment each target falls: the clock's start plus the target.
    pub acknowledge_due: DateTime<Utc>,
    pub accept_due: DateTime<Utc>,
    /// The earliest target not yet answered (past or to come), or `None` once the escalation is settled.
    pub next_due: Option<DateTime<Utc>>,
}

impl ResponseClocks {
    pub fn breached(&self) -> bool {
        self.acknowledge == ClockState::Breached || self.accept == ClockState::Breached
    }
}

/// Evaluates the clocks of an escalation at `now` against `target`. A declined escalation's accept clock counts as
/// met: the tier answered.
pub fn clocks(f: &Folded, target: &ResponseTarget, now: DateTime<Utc>) -> ResponseClocks {
    let start = f.clock_start.wall_time();
    let ack_at = f.acknowledged.map(|(h, _)| h.wall_time());
    let settle_at = f.settled.map(|(h, _, _)| h.wall_time());
    let one = |done: Option<DateTime<Utc>>, minutes: u32| -> (ClockState, Option<i64>) {
        let limit = Duration::minutes(i64::from(minutes));
        match done {
            Some(at) => {
                let took = at - start;
                (
                    if took <= limit {
                        ClockState::Met
                    } else {
                        ClockState::Breached
                    },
                    Some(took.num_seconds()),
                )
            }
            None => {
                let elapsed = now - start;
                let state = if elapsed > limit {
                    ClockState::Breached
                } else if (limit - elapsed) * 5 < limit {
                    ClockState::DueSoon
                } else {
                    ClockState::Running
                };
                (state, None)
            }
        }
    };
    let (acknowledge, acknowledge_secs) = one(ack_at, target.acknowledge_minutes);
    let (accept, accept_secs) = one(settle_at, target.accept_minutes);
    let acknowledge_due = start + Duration::minutes(i64::from(target.acknowledge_minutes));
    let accept_due = start + Duration::minutes(i64::from(target.accept_minutes));
    let next_due = [(ack_at, acknowledge_due), (settle_at, accept_due)]
        .into_iter()
        .filter(|(done, _)| done.is_none())
        .map(|(_, due)| due)
        .min();
    ResponseClocks {
        acknowledge,
        accept,
        acknowledge_secs,
        accept_secs,
        acknowledge_due,
        accept_due,
        next_due,
    }
}

/// The target for a severity among those in force, or the default one.
pub fn target_for(targets: &[ResponseTarget], severity: Severity) -> ResponseTarget {
    targets
        .iter()
        .chain(default_targets().iter())
        .find(|t| t.severity == severity)
        .copied()
        .unwrap_or(ResponseTarget {
            severity,
            acknowledge_minutes: 60,
            accept_minutes: 120,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DeviceId;
    use uuid::Uuid;

    fn hlc(min: i64, dev: u128) -> Hlc {
        Hlc {
            wall_micros: 1_800_000_000_000_000 + min * 60_000_000,
            counter: 0,
            device: DeviceId(Uuid::from_u128(dev)),
        }
    }
    fn ev(n: u128) -> EventId {
        EventId(Uuid::from_u128(n))
    }
    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }
    fn request() -> Request {
        Request {
            event: ev(1),
            hlc: hlc(0, 1),
            by: user(1),
            from_tier: Tier::ONE,
            to_tier: Tier::TWO,
            assignee: None,
        }
    }

    #[test]
    fn accept_after_decline_is_refused_with_advice() {
        let err = check(EscalationState::Declined, &Transition::Accept).unwrap_err();
        assert_eq!(err.to_string(), "cannot accept an escalation that is already declined; request a new escalation instead");
    }

    #[test]
    fn of_two_concurrent_settlements_the_earlier_wins_and_the_other_is_kept() {
        let accept = Recorded {
            event: ev(2),
            hlc: hlc(5, 2),
            by: user(2),
            role: None,
            transition: Transition::Accept,
        };
        let decline = Recorded {
            event: ev(3),
            hlc: hlc(6, 3),
            by: user(3),
            role: None,
            transition: Transition::Decline {
                reason: "not ours".into(),
            },
        };
        for order in [
            vec![accept.clone(), decline.clone()],
            vec![decline.clone(), accept.clone()],
        ] {
            let f = fold(&request(), &order);
            assert_eq!(
                f.state,
                EscalationState::Accepted,
                "the earlier transition by HLC wins whatever the arrival order"
            );
            assert_eq!(
                f.conflicts.len(),
                1,
                "the losing decline must be kept as a conflict"
            );
            assert_eq!(f.conflicts[0].event, ev(3));
        }
    }

    #[test]
    fn an_accept_that_lost_to_a_reassignment_is_out_of_scope_at_its_place() {
        // Tier 2 accepts (offline) after a lead, earlier by HLC, sent the escalation on to tier 3.
        let assign = Recorded {
            event: ev(2),
            hlc: hlc(5, 2),
            by: user(2),
            role: Some((Role::Lead, None)),
            transition: Transition::Assign {
                to_tier: Tier::THREE,
                assignee: None,
            },
        };
        let accept = Recorded {
            event: ev(3),
            hlc: hlc(6, 3),
            by: user(3),
            role: Some((Role::Responder, Some(Tier::TWO))),
            transition: Transition::Accept,
        };
        for order in [
            vec![assign.clone(), accept.clone()],
            vec![accept.clone(), assign.clone()],
        ] {
            let f = fold(&request(), &order);
            assert_eq!(f.to_tier, Tier::THREE);
            assert_eq!(
                f.state,
                EscalationState::Requested,
                "tier 2's accept must not take an escalation that had moved to tier 3"
            );
            assert_eq!(
                f.conflicts.len(),
                1,
                "the accept is kept as a conflict leads see"
            );
            assert!(
                f.conflicts[0].reason.contains("out of scope"),
                "{}",
                f.conflicts[0].reason
            );
        }
    }

    #[test]
    fn reassignment_restarts_the_clock_for_the_new_tier() {
        let assign = Recorded {
            event: ev(2),
            hlc: hlc(50, 9),
            by: user(9),
            role: None,
            transition: Transition::Assign {
                to_tier: Tier::THREE,
                assignee: None,
            },
        };
        let ack = Recorded {
            event: ev(3),
            hlc: hlc(55, 3),
            by: user(3),
            role: None,
            transition: Transition::Acknowledge,
        };
        let f = fold(&request(), &[assign, ack]);
        assert_eq!(f.to_tier, Tier::THREE);
        let target = target_for(&[], Severity::Sev2);
        let c = clocks(&f, &target, hlc(56, 1).wall_time());
        assert_eq!(
            c.acknowledge,
            ClockState::Met,
            "tier 3 acknowledged 5 minutes after it received the work"
        );
        assert_eq!(c.acknowledge_secs, Some(300));
    }

    #[test]
    fn an_unanswered_escalation_breaches_after_its_target() {
        let f = fold(&request(), &[]);
        let target = target_for(&[], Severity::Sev1);
        assert_eq!(
            clocks(&f, &target, hlc(10, 1).wall_time()).acknowledge,
            ClockState::Running
        );
        assert_eq!(
            clocks(&f, &target, hlc(13, 1).wall_time()).acknowledge,
            ClockState::DueSoon
        );
        let late = clocks(&f, &target, hlc(16, 1).wall_time());
        assert_eq!(late.acknowledge, ClockState::Breached);
        assert!(late.breached());
    }

    #[test]
    fn the_next_target_is_the_earliest_one_not_yet_answered() {
        let target = target_for(&[], Severity::Sev2);
        let open = fold(&request(), &[]);
        let c = clocks(&open, &target, hlc(1, 1).wall_time());
        assert_eq!(
            c.next_due,
            Some(hlc(30, 1).wall_time()),
            "an unanswered SEV2 escalation is next due at its 30-minute acknowledge target"
        );
        let ack = Recorded {
            event: ev(2),
            hlc: hlc(40, 2),
            by: user(2),
            role: None,
            transition: Transition::Acknowledge,
        };
        let acknowledged = fold(&request(), std::slice::from_ref(&ack));
        assert_eq!(
            clocks(&acknowledged, &target, hlc(41, 1).wall_time()).next_due,
            Some(hlc(60, 1).wall_time()),
            "once acknowledged (even late), the accept target is next"
        );
        let accept = Recorded {
            event: ev(3),
            hlc: hlc(45, 2),
            by: user(2),
            role: None,
            transition: Transition::Accept,
        };
        let settled = fold(&request(), &[ack, accept]);
        assert_eq!(
            clocks(&settled, &target, hlc(46, 1).wall_time()).next_due,
            None,
            "a settled escalation has no target left"
        );
    }
}
