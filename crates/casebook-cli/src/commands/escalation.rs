//! `casebook escalation …`

use casebook_api::attention::SOON;
use casebook_api::escalations::{Answer, EscalationStatus};
use casebook_api::Casebook;
use casebook_core::escalation::{ClockState, ResponseTarget};
use casebook_core::metrics::human_duration;
use casebook_core::model::Tier;

use crate::cli::EscalationCmd;
use crate::output::{clip, table, time, Out};

pub fn run(cb: &mut Casebook, c: EscalationCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        EscalationCmd::List { key, tier } => {
            let list = match &key {
                Some(k) => cb.escalations(k)?,
                None => cb.pending_escalations(tier)?,
            };
            out.show(&list, || render(&list, key.is_none()))
        }
        EscalationCmd::Ack(w) => answered(
            out,
            cb.answer_escalation(&w.key, w.escalation.as_deref(), Answer::Acknowledge)?,
        ),
        EscalationCmd::Accept(w) => answered(
            out,
            cb.answer_escalation(&w.key, w.escalation.as_deref(), Answer::Accept)?,
        ),
        EscalationCmd::Decline { which, reason } => answered(
            out,
            cb.answer_escalation(
                &which.key,
                which.escalation.as_deref(),
                Answer::Decline { reason },
            )?,
        ),
        EscalationCmd::Assign {
            which,
            to_tier,
            to,
            note,
        } => answered(
            out,
            cb.reassign_escalation(
                &which.key,
                which.escalation.as_deref(),
                to_tier,
                to.as_deref(),
                &note,
            )?,
        ),
        EscalationCmd::Targets {
            severity,
            ack,
            accept,
        } => {
            cb.set_response_targets(vec![ResponseTarget {
                severity,
                acknowledge_minutes: ack,
                accept_minutes: accept,
            }])?;
            out.show(&serde_json::json!({"severity": severity, "acknowledge_minutes": ack, "accept_minutes": accept}), || {
                format!("{severity}: acknowledge within {ack} min, accept within {accept} min.")
            })
        }
    }
}

/// `casebook attention`
pub fn attention(cb: &Casebook, out: &Out) -> anyhow::Result<()> {
    let a = cb.attention()?;
    out.show(&a, || {
        if a.escalations.is_empty() && a.breaching_soon.is_empty() {
            return "Nothing needs you right now: no escalation waits for you and no response target is near.".into();
        }
        let mut t = String::new();
        if !a.escalations.is_empty() {
            t.push_str(&format!("Waiting for you ({}):\n", a.escalations.len()));
            t.push_str(&render(&a.escalations, true));
        }
        if !a.breaching_soon.is_empty() {
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str(&format!(
                "Response targets within {} or passed ({}):\n",
                human_duration(SOON.as_secs() as i64),
                a.breaching_soon.len()
            ));
            let rows: Vec<Vec<String>> = a
                .breaching_soon
                .iter()
                .map(|s| {
                    let e = &s.escalation;
                    let due = s.due_at.map(|d| {
                        let left = (d - a.at).num_seconds();
                        if left < 0 {
                            format!("{} ago", human_duration(-left))
                        } else {
                            format!("in {}", human_duration(left))
                        }
                    });
                    vec![
                        e.incident_key.clone(),
                        e.severity.as_str().to_uppercase(),
                        e.assignee_name
                            .clone()
                            .unwrap_or_else(|| format!("tier-{} queue", e.to_tier)),
                        e.state.as_str().to_string(),
                        due.unwrap_or_default(),
                        clip(&e.incident_title, 50),
                    ]
                })
                .collect();
            t.push_str(&table(
                &["INCIDENT", "SEV", "TO", "STATE", "TARGET", "TITLE"],
                &rows,
            ));
        }
        t
    })
}

fn answered(out: &Out, s: EscalationStatus) -> anyhow::Result<()> {
    out.show(&s, || {
        format!(
            "Escalation of {} to tier {} is now {}.",
            s.escalation.incident_key,
            s.escalation.to_tier,
            s.escalation.state.as_str()
        )
    })
}

fn clock(state: ClockState, secs: Option<i64>) -> String {
    match (state, secs) {
        (ClockState::Met, Some(s)) => format!("met ({})", human_duration(s)),
        (ClockState::Breached, Some(s)) => format!("LATE ({})", human_duration(s)),
        (ClockState::Breached, None) => "BREACHED".into(),
        (ClockState::DueSoon, _) => "due soon".into(),
        (ClockState::Running, _) => "running".into(),
        (ClockState::Met, None) => "met".into(),
    }
}

fn render(list: &[EscalationStatus], board: bool) -> String {
    if list.is_empty() {
        return if board {
            "No pending escalations.".into()
        } else {
            "No escalations on this incident.".into()
        };
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|s| {
            let e = &s.escalation;
            let mut state = e.state.as_str().to_string();
            if !e.conflicts.is_empty() {
                state.push_str(&format!(" ({} conflicting)", e.conflicts.len()));
            }
            vec![
                e.incident_key.clone(),
                e.severity.as_str().to_uppercase(),
                format!("T{}→T{}", e.from_tier, e.to_tier),
                e.assignee_name.clone().unwrap_or_else(|| "queue".into()),
                state,
                time(&e.requested_at),
                clock(s.acknowledge_clock, s.acknowledge_secs),
                clock(s.accept_clock, s.accept_secs),
                clip(&e.reason, 50),
            ]
        })
        .collect();
    table(
        &[
            "INCIDENT",
            "SEV",
            "TIERS",
            "TO",
            "STATE",
            "REQUESTED (UTC)",
            "ACK",
            "ACCEPT",
            "REASON",
        ],
        &rows,
    )
}

pub fn request(
    cb: &mut Casebook,
    key: &str,
    to_tier: Tier,
    to: Option<&str>,
    reason: &str,
    handoff: &str,
    out: &Out,
) -> anyhow::Result<()> {
    let s = cb.escalate(key, to_tier, to, reason, handoff)?;
    out.show(&s, || {
        format!(
            "Escalation to {} requested for {} (acknowledge within {}, accept within {}).",
            s.escalation
                .assignee_name
                .clone()
                .unwrap_or_else(|| format!("the tier-{} queue", s.escalation.to_tier)),
            s.escalation.incident_key,
            human_duration(i64::from(s.acknowledge_target_minutes) * 60),
            human_duration(i64::from(s.accept_target_minutes) * 60),
        )
    })
}
