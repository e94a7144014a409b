//! Who may do what: DESIGN.md's role table, enforced here so the app, the CLI and the server agree.
//!
//! One decision the table leaves open is made here: closing is also an edit, so a responder may close only an
//! incident they may edit (and a tier-1 responder only as false positive or benign).

use crate::model::{Resolution, Role, Tier};
use crate::UserId;

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
    /// Set for responders.
    pub tier: Option<Tier>,
}

/// The part of an incident that decides who may touch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentScope {
    pub tier: Tier,
    pub assignee: Option<UserId>,
}

/// Something a person asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read any incident, export reports and bundles.
    Read,
    CreateIncident,
    /// Edit the incident or add timeline, evidence, custody, observables, tasks, comments.
    Edit(IncidentScope),
    RequestEscalation,
    /// Acknowledge, accept or decline an escalation aimed at `to_tier` or at `assignee`.
    RespondToEscalation {
        to_tier: Tier,
        assignee: Option<UserId>,
    },
    /// Take an incident from a tier's queue.
    TakeFromQueue {
        tier: Tier,
    },
    /// Assign or reassign to another person, tier or queue.
    Assign,
    Close {
        scope: IncidentScope,
        resolution: Resolution,
    },
    /// Set response targets (a lead's job).
    SetResponseTargets,
    ManageAccounts,
    /// Put an alert in the queue (an import on a laptop, a SIEM's post to the server).
    RaiseAlert,
    /// Dismiss, promote or merge alerts.
    TriageAlert,
}

impl Action {
    fn describe(&self) -> &'static str {
        match self {
            Action::Read => "read incidents",
            Action::CreateIncident => "create incidents",
            Action::Edit(_) => "edit this incident",
            Action::RequestEscalation => "request escalations",
            Action::RespondToEscalation { .. } => "answer this escalation",
            Action::TakeFromQueue { .. } => "take incidents from this queue",
            Action::Assign => "assign or reassign incidents",
            Action::Close { .. } => "close this incident that way",
            Action::SetResponseTargets => "set response targets",
            Action::ManageAccounts => "manage accounts",
            Action::RaiseAlert => "raise alerts",
            Action::TriageAlert => "triage alerts",
        }
    }
}

/// A refusal, worded for the person refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{who} may not {what}: {why}")]
pub struct Denied {
    pub who: String,
    pub what: &'static str,
    pub why: String,
}

fn who(actor: &Actor) -> String {
    match (actor.role, actor.tier) {
        (Role::Responder, Some(t)) => format!("a tier-{t} responder"),
        (Role::Lead, _) => "a lead".into(),
        (Role::Integration, _) => "an integration".into(),
        (role, _) => format!("an {role}"),
    }
}

fn may_edit(actor: &Actor, scope: IncidentScope) -> bool {
    match (actor.role, actor.tier) {
        (Role::Lead, _) => true,
        (Role::Responder, Some(tier)) => {
            let assigned = scope.assignee == Some(actor.user);
            match tier.get() {
                1 => scope.tier == Tier::ONE || assigned,
                2 => scope.tier <= Tier::TWO || assigned,
                _ => true,
            }
        }
        _ => false,
    }
}

/// Decides whether `actor` may do `action`.
pub fn authorize(actor: &Actor, action: Action) -> Result<(), Denied> {
    use Role::*;
    let responder_or_lead = matches!(actor.role, Responder | Lead);
    let (allowed, why): (bool, String) = match action {
        // An integration's account exists to post alerts; it reads nothing.
        Action::Read => (actor.role != Integration, "an integration only raises alerts".into()),
        Action::CreateIncident | Action::RequestEscalation => {
            (responder_or_lead, "only responders and leads change cases; auditors and admins read them".into())
        }
        Action::Edit(scope) => (
            may_edit(actor, scope),
            match actor.role {
                Responder => format!(
                    "the incident is at tier {} and not assigned to you; ask a lead to assign it or escalate it",
                    scope.tier
                ),
                _ => "only responders and leads change cases".into(),
            },
        ),
        Action::RespondToEscalation { to_tier, assignee } => (
            actor.role == Lead
                || (actor.role == Responder && (actor.tier == Some(to_tier) || assignee == Some(actor.user))),
            format!("the escalation is aimed at tier {to_tier}{}", if assignee.is_some() { " or a named analyst" } else { "" }),
        ),
        Action::TakeFromQueue { tier } => (
            actor.role == Lead || (actor.role == Responder && actor.tier == Some(tier)),
            format!("this is the tier-{tier} queue"),
        ),
        Action::Assign => (actor.role == Lead, "only a lead assigns and reassigns work".into()),
        Action::Close { scope, resolution } => {
            let ok = match (actor.role, actor.tier.map(Tier::get)) {
                (Lead, _) => true,
                (Responder, Some(1)) => {
                    matches!(resolution, Resolution::FalsePositive | Resolution::Benign) && may_edit(actor, scope)
                }
                (Responder, Some(_)) => may_edit(actor, scope),
                _ => false,
            };
            let why = match actor.role {
                Responder if actor.tier == Some(Tier::ONE) => {
                    "tier 1 closes only its own incidents, and only as false positive or benign; escalate otherwise".into()
                }
                Responder => "you may close only incidents you may edit".into(),
                _ => "only responders and leads close incidents".into(),
            };
            (ok, why)
        }
        Action::SetResponseTargets => (actor.role == Lead, "only a lead sets response targets".into()),
        Action::ManageAccounts => (actor.role == Admin, "only an admin manages accounts".into()),
        Action::RaiseAlert => (
            actor.role != Auditor,
            "auditors read cases; responders, leads, admins and integrations raise alerts".into(),
        ),
        Action::TriageAlert => (
            matches!(actor.role, Responder | Lead | Admin),
            "responders of every tier, leads and admins triage alerts".into(),
        ),
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied {
            who: who(actor),
            what: action.describe(),
            why,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    const ME: UserId = UserId(Uuid::from_u128(1));
    const OTHER: UserId = UserId(Uuid::from_u128(2));

    /// The six personas of DESIGN.md's table, in its column order.
    fn personas() -> Vec<(&'static str, Actor)> {
        let a = |role, tier: Option<u8>| Actor {
            user: ME,
            role,
            tier: tier.map(|t| Tier::new(t).unwrap()),
        };
        vec![
            ("tier1", a(Role::Responder, Some(1))),
            ("tier2", a(Role::Responder, Some(2))),
            ("tier3", a(Role::Responder, Some(3))),
            ("lead", a(Role::Lead, None)),
            ("auditor", a(Role::Auditor, None)),
            ("admin", a(Role::Admin, None)),
        ]
    }

    fn scope(tier: u8, assignee: Option<UserId>) -> IncidentScope {
        IncidentScope {
            tier: Tier::new(tier).unwrap(),
            assignee,
        }
    }

    /// Every row of the table × every persona. Each row lists the expected answer per persona, in column order.
    #[test]
    fn the_role_matrix_holds_cell_by_cell() {
        let rows: Vec<(&str, Action, [bool; 6])> = vec![
            ("read", Action::Read, [true, true, true, true, true, true]),
            (
                "create",
                Action::CreateIncident,
                [true, true, true, true, false, false],
            ),
            (
                "edit tier-1 incident",
                Action::Edit(scope(1, None)),
                [true, true, true, true, false, false],
            ),
            (
                "edit tier-2 incident",
                Action::Edit(scope(2, None)),
                [false, true, true, true, false, false],
            ),
            (
                "edit tier-3 incident",
                Action::Edit(scope(3, None)),
                [false, false, true, true, false, false],
            ),
            (
                "edit tier-3 incident assigned to me",
                Action::Edit(scope(3, Some(ME))),
                [true, true, true, true, false, false],
            ),
            (
                "edit tier-3 incident assigned to another",
                Action::Edit(scope(3, Some(OTHER))),
                [false, false, true, true, false, false],
            ),
            (
                "request escalation",
                Action::RequestEscalation,
                [true, true, true, true, false, false],
            ),
            (
                "answer escalation to tier 1",
                Action::RespondToEscalation {
                    to_tier: Tier::ONE,
                    assignee: None,
                },
                [true, false, false, true, false, false],
            ),
            (
                "answer escalation to tier 2",
                Action::RespondToEscalation {
                    to_tier: Tier::TWO,
                    assignee: None,
                },
                [false, true, false, true, false, false],
            ),
            (
                "answer escalation to tier 3",
                Action::RespondToEscalation {
                    to_tier: Tier::THREE,
                    assignee: None,
                },
                [false, false, true, true, false, false],
            ),
            (
                "answer escalation named to me",
                Action::RespondToEscalation {
                    to_tier: Tier::THREE,
                    assignee: Some(ME),
                },
                [true, true, true, true, false, false],
            ),
            (
                "take from tier-1 queue",
                Action::TakeFromQueue { tier: Tier::ONE },
                [true, false, false, true, false, false],
            ),
            (
                "take from tier-2 queue",
                Action::TakeFromQueue { tier: Tier::TWO },
                [false, true, false, true, false, false],
            ),
            (
                "take from tier-3 queue",
                Action::TakeFromQueue { tier: Tier::THREE },
                [false, false, true, true, false, false],
            ),
            (
                "assign",
                Action::Assign,
                [false, false, false, true, false, false],
            ),
            (
                "close own tier-1 as false positive",
                Action::Close {
                    scope: scope(1, None),
                    resolution: Resolution::FalsePositive,
                },
                [true, true, true, true, false, false],
            ),
            (
                "close own tier-1 as benign",
                Action::Close {
                    scope: scope(1, None),
                    resolution: Resolution::Benign,
                },
                [true, true, true, true, false, false],
            ),
            (
                "close tier-1 as true positive",
                Action::Close {
                    scope: scope(1, None),
                    resolution: Resolution::TruePositive,
                },
                [false, true, true, true, false, false],
            ),
            (
                "close tier-1 as duplicate",
                Action::Close {
                    scope: scope(1, None),
                    resolution: Resolution::Duplicate,
                },
                [false, true, true, true, false, false],
            ),
            (
                "close tier-3 as true positive",
                Action::Close {
                    scope: scope(3, None),
                    resolution: Resolution::TruePositive,
                },
                [false, false, true, true, false, false],
            ),
            (
                "set response targets",
                Action::SetResponseTargets,
                [false, false, false, true, false, false],
            ),
            (
                "manage accounts",
                Action::ManageAccounts,
                [false, false, false, false, false, true],
            ),
        ];
        for (row, action, expected) in rows {
            for ((persona, actor), want) in personas().into_iter().zip(expected) {
                let got = authorize(&actor, action);
                assert_eq!(
                    got.is_ok(),
                    want,
                    "cell ({row}, {persona}): expected {want}, got {got:?}"
                );
            }
        }
    }

    /// The alert rows × the six personas and an integration, which may raise alerts and do nothing else.
    #[test]
    fn alerts_are_raised_by_all_but_auditors_and_triaged_by_responders_leads_and_admins() {
        let integration = Actor {
            user: ME,
            role: Role::Integration,
            tier: None,
        };
        let mut people = personas();
        people.push(("integration", integration));
        let rows: Vec<(&str, Action, [bool; 7])> = vec![
            (
                "raise alert",
                Action::RaiseAlert,
                [true, true, true, true, false, true, true],
            ),
            (
                "triage alert",
                Action::TriageAlert,
                [true, true, true, true, false, true, false],
            ),
        ];
        for (row, action, expected) in rows {
            for ((persona, actor), want) in people.iter().zip(expected) {
                assert_eq!(
                    authorize(actor, action).is_ok(),
                    want,
                    "cell ({row}, {persona})"
                );
            }
        }
        for action in [
            Action::Read,
            Action::CreateIncident,
            Action::Edit(scope(1, Some(ME))),
            Action::RequestEscalation,
            Action::TakeFromQueue { tier: Tier::ONE },
            Action::Assign,
            Action::SetResponseTargets,
            Action::ManageAccounts,
        ] {
            assert!(
                authorize(&integration, action).is_err(),
                "an integration must not {}",
                action.describe()
            );
        }
    }

    #[test]
    fn a_refusal_says_who_what_and_why() {
        let auditor = Actor {
            user: ME,
            role: Role::Auditor,
            tier: None,
        };
        let err = authorize(&auditor, Action::Edit(scope(1, None))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "an auditor may not edit this incident: only responders and leads change cases"
        );
    }
}
