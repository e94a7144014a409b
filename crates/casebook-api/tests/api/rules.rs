//! Rules as a person meets them through the API: roles, escalation flow, closing, clear errors.

use casebook_api::escalations::Answer;
use casebook_api::incidents::NewIncident;
use casebook_api::timeline::EntryInput;
use casebook_api::{ErrorCode, Field, Hint};
use casebook_core::escalation::{ClockState, EscalationState};
use casebook_core::event::FieldChange;
use casebook_core::model::{Resolution, Role, Severity, Status, Tier, Tlp};

use crate::{at, open};

fn team() -> (
    tempfile::TempDir,
    casebook_api::Casebook,
    std::sync::Arc<casebook_api::FixedClock>,
    String,
) {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, clock) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Root Admin", Role::Admin, None).unwrap();
    cb.add_user("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    cb.add_user("Ben Okafor", Role::Responder, Some(Tier::TWO))
        .unwrap();
    cb.add_user("Grace Lee", Role::Lead, None).unwrap();
    cb.add_user("Ines Duarte", Role::Auditor, None).unwrap();
    cb.act_as("Ana Silva").unwrap();
    let key = cb
        .new_incident(NewIncident::titled(
            "Credential theft",
            Severity::Sev1,
            Tlp::Red,
        ))
        .unwrap()
        .row
        .key;
    (dir, cb, clock, key)
}

#[test]
fn an_escalation_moves_the_incident_only_when_accepted_and_its_clock_runs_per_tier() {
    let (_d, mut cb, clock, key) = team();
    cb.escalate(
        &key,
        Tier::TWO,
        None,
        "Credential theft confirmed",
        "Accounts reset",
    )
    .unwrap();
    assert_eq!(
        cb.incident(&key).unwrap().row.tier,
        Tier::ONE,
        "a request alone leaves the incident with tier 1"
    );

    clock.set(at("2026-11-20T10:20:00Z"));
    let board = cb.pending_escalations(Some(Tier::TWO)).unwrap();
    assert_eq!(board.len(), 1);
    assert_eq!(
        board[0].acknowledge_clock,
        ClockState::Breached,
        "SEV1 must be acknowledged within 15 minutes by default"
    );

    cb.act_as("Ben Okafor").unwrap();
    cb.answer_escalation(&key, None, Answer::Accept).unwrap();
    let d = cb.incident(&key).unwrap();
    assert_eq!(
        d.row.tier,
        Tier::TWO,
        "accepting moves the incident to the target tier"
    );
    assert_eq!(
        d.row.assignee_name.as_deref(),
        Some("Ben Okafor"),
        "and to whoever accepted"
    );

    cb.act_as("Ana Silva").unwrap();
    let err = cb
        .add_entry(
            &key,
            EntryInput {
                summary: "late note".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::Forbidden,
        "a tier-1 responder no longer edits a tier-2 incident: {err}"
    );

    cb.act_as("Grace Lee").unwrap();
    let s = cb
        .escalate(&key, Tier::ONE, None, "De-escalate: contained", "")
        .unwrap();
    let s = cb
        .reassign_escalation(
            &key,
            Some(&s.escalation.id.to_string()),
            Tier::ONE,
            Some("Ana Silva"),
            "yours again",
        )
        .unwrap();
    assert_eq!(s.escalation.assignee_name.as_deref(), Some("Ana Silva"));
    let timeline = cb.entries(&key, &Default::default(), 0, 100).unwrap().1;
    assert!(
        timeline
            .iter()
            .any(|e| e.summary.starts_with("Escalation accepted")),
        "every escalation change appears on the timeline as a system entry"
    );
}

#[test]
fn declined_escalations_cannot_be_accepted_and_say_why() {
    let (_d, mut cb, _clock, key) = team();
    cb.escalate(&key, Tier::TWO, None, "Looks bad", "").unwrap();
    cb.act_as("Ben Okafor").unwrap();
    let err = cb
        .answer_escalation(&key, None, Answer::Decline { reason: " ".into() })
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::InvalidInput,
        "declining needs a reason"
    );
    let s = cb
        .answer_escalation(
            &key,
            None,
            Answer::Decline {
                reason: "Benign admin activity".into(),
            },
        )
        .unwrap();
    assert_eq!(s.state(), EscalationState::Declined);
    assert_eq!(
        cb.incident(&key).unwrap().row.tier,
        Tier::ONE,
        "a declined escalation leaves the incident with the requester"
    );
    let err = cb
        .answer_escalation(&key, None, Answer::Accept)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(
        err.message,
        "cannot accept an escalation that is already declined; request a new escalation instead"
    );
}

#[test]
fn auditors_read_everything_and_change_nothing() {
    let (_d, mut cb, _clock, key) = team();
    cb.act_as("Ines Duarte").unwrap();
    let before = casebook_store::dump::dump(cb.store().conn()).unwrap();
    let attempts = [
        cb.add_entry(
            &key,
            EntryInput {
                summary: "x".into(),
                ..Default::default()
            },
        )
        .map(|_| ()),
        cb.set_fields(&key, vec![FieldChange::Severity(Severity::Sev4)])
            .map(|_| ()),
        cb.add_comment(&key, "hello").map(|_| ()),
        cb.close(&key, Resolution::Benign, "").map(|_| ()),
        cb.new_incident(NewIncident::titled("x", Severity::Sev4, Tlp::Clear))
            .map(|_| ()),
        cb.escalate(&key, Tier::TWO, None, "x", "").map(|_| ()),
    ];
    for a in attempts {
        let err = a.expect_err("an auditor's write must be refused");
        assert_eq!(err.code, ErrorCode::Forbidden, "{err}");
    }
    assert_eq!(
        before,
        casebook_store::dump::dump(cb.store().conn()).unwrap(),
        "refused writes change nothing"
    );
    assert_eq!(cb.incident(&key).unwrap().row.key, key, "auditors read");
}

#[test]
fn closing_needs_a_resolution_and_tier_1_closes_only_false_positives() {
    let (_d, mut cb, _clock, key) = team();
    let err = cb
        .set_fields(&key, vec![FieldChange::Status(Status::Closed)])
        .unwrap_err();
    assert!(err.message.contains("closing needs a resolution"), "{err}");
    let err = cb.close(&key, Resolution::TruePositive, "").unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "{err}");
    let d = cb
        .close(&key, Resolution::FalsePositive, "Test alert")
        .unwrap();
    assert_eq!(
        (d.row.status, d.row.resolution),
        (Status::Closed, Some(Resolution::FalsePositive))
    );
    assert!(
        d.resolved_at.is_some(),
        "closing stamps the resolved time for time-to-resolve"
    );
}

#[test]
fn unknown_keys_and_missing_files_get_plain_errors() {
    let (_d, mut cb, _clock, key) = team();
    let err = cb.incident("INC-ZZZZZZ").unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert!(
        err.message.contains("INC-ZZZZZZ"),
        "the message names the key: {err}"
    );
    assert_eq!(
        err.hint,
        Some(Hint::ListIncidents),
        "the next step is to look at what exists"
    );
    let err = cb
        .add_evidence(
            &key,
            std::path::Path::new("/nonexistent/mail.eml"),
            Default::default(),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("there is no file") && err.message.contains("nothing was added"),
        "{err}"
    );
    assert!(cb.evidence(&key).unwrap().is_empty());
}

#[test]
fn errors_carry_the_next_step_as_a_hint_and_name_no_command() {
    let (_d, mut cb, _clock, key) = team();
    let err = cb.escalate(&key, Tier::TWO, None, "  ", "").unwrap_err();
    assert_eq!(
        err.hint,
        Some(Hint::Input {
            field: Field::Reason,
            example: "Credential theft confirmed".into()
        }),
        "the missing input is named for the front end to ask for: {err}"
    );
    let err = cb.sync(&|_| {}).unwrap_err();
    assert_eq!(err.hint, Some(Hint::JoinTeam), "{err}");

    let fresh = tempfile::tempdir().unwrap();
    let (mut empty, _) = open(fresh.path(), "2026-11-20T10:00:00Z");
    let err = empty
        .new_incident(NewIncident::titled("Phish", Severity::Sev3, Tlp::Green))
        .unwrap_err();
    assert_eq!(
        (err.code, err.hint.clone()),
        (ErrorCode::NotInitialized, Some(Hint::CreateProfile)),
        "{err}"
    );
    assert!(
        !err.message.contains("casebook ") && !err.message.contains("--"),
        "the message names no command: {err}"
    );
}

#[test]
fn a_playbook_pre_creates_the_tasks_of_its_category() {
    let (_d, mut cb, _clock, _key) = team();
    let mut n = NewIncident::titled("Lure to finance", Severity::Sev3, Tlp::Amber);
    n.category = "Phishing".into();
    let key = cb.new_incident(n).unwrap().row.key;
    let tasks: Vec<String> = cb
        .tasks(&key)
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(
        tasks,
        casebook_api::incidents::playbook_tasks("phishing"),
        "the phishing playbook's tasks, in order"
    );
    assert!(!tasks.is_empty());
    let mut n = NewIncident::titled("Something odd", Severity::Sev4, Tlp::Clear);
    n.category = "unusual".into();
    let key = cb.new_incident(n).unwrap().row.key;
    assert!(cb.tasks(&key).unwrap().is_empty(), "no playbook, no tasks");
}

#[test]
fn time_to_resolve_is_one_figure_on_the_incident_the_metrics_and_the_report() {
    let (_d, mut cb, clock, key) = team();
    cb.act_as("Grace Lee").unwrap();
    clock.set(at("2026-11-20T12:00:00Z"));
    cb.close(&key, Resolution::TruePositive, "contained and cleaned")
        .unwrap();
    // The resolved time cleared after closing: the incident counts as resolved when it was closed, everywhere.
    cb.set_fields(
        &key,
        vec![FieldChange::KeyTime {
            which: casebook_core::model::KeyTime::Resolved,
            at: None,
        }],
    )
    .unwrap();
    let d = cb.incident(&key).unwrap();
    assert_eq!(d.resolved_at, None, "the resolved time is cleared");
    let two_hours = Some(2 * 3600);
    assert_eq!(cb.response_times(&key).unwrap().time_to_resolve, two_hours);
    let sev1 = cb
        .metrics()
        .unwrap()
        .by_severity
        .into_iter()
        .find(|m| m.severity == Severity::Sev1)
        .unwrap();
    assert_eq!(sev1.time_to_resolve.map(|s| s.median_secs), two_hours);
    assert_eq!(
        cb.report_case(d.row.id)
            .unwrap()
            .metrics
            .time_to_resolve_secs,
        two_hours
    );
}

#[test]
fn an_entry_is_found_by_a_unique_start_of_its_id_within_its_incident() {
    let (_d, mut cb, _clock, key) = team();
    let note = |s: &str| EntryInput {
        summary: s.into(),
        ..Default::default()
    };
    let a = cb.add_entry(&key, note("first")).unwrap().id.to_string();
    let b = cb.add_entry(&key, note("second")).unwrap().id.to_string();
    // Made at the same instant, the two UUIDv7 ids share their time bits: find where they part.
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    assert!(common >= 8, "ids minted together share a start ({a}, {b})");

    assert_eq!(cb.entry_id(&key, &a).unwrap().to_string(), a, "a whole id");
    let unique = &a[..common + 1];
    assert_eq!(
        cb.entry_id(&key, unique).unwrap().to_string(),
        a,
        "a unique start"
    );
    assert_eq!(
        cb.entry_id(&key, &unique.to_uppercase())
            .unwrap()
            .to_string(),
        a,
        "as typed in capitals"
    );
    let err = cb.entry_id(&key, &a[..common]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("several") && err.message.contains("give more"),
        "{err}"
    );
    for nothing in ["zzzz", "'; DROP TABLE timeline_entries; --", ""] {
        let err = cb.entry_id(&key, nothing).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound, "{nothing:?}: {err}");
    }
    // Another incident's entry is not this incident's.
    let other = cb
        .new_incident(NewIncident::titled("Other", Severity::Sev4, Tlp::Clear))
        .unwrap()
        .row
        .key;
    assert_eq!(
        cb.entry_id(&other, unique).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(cb.entries(&key, &Default::default(), 0, 10).unwrap().0, 2);
}

#[test]
fn what_each_person_may_do_comes_from_the_role_matrix_at_the_incidents_scope() {
    use casebook_api::allowed::Allowed;
    let (_d, mut cb, _clock, key) = team();
    let as_who = |cb: &mut casebook_api::Casebook, who: &str| -> Allowed {
        cb.act_as(who).unwrap();
        cb.allowed(Some(&key)).unwrap()
    };

    // Tier 1 on its own tier's incident: edits it, closes it only as false positive or benign, assigns nothing.
    let ana = as_who(&mut cb, "Ana Silva");
    assert!(ana.change_cases && ana.edit && !ana.assign && !ana.set_response_targets);
    assert_eq!(
        ana.close_as,
        [Resolution::FalsePositive, Resolution::Benign]
    );
    let lead = as_who(&mut cb, "Grace Lee");
    assert!(lead.edit && lead.assign && lead.set_response_targets && !lead.take);
    assert_eq!(lead.close_as.len(), 4, "a lead closes with any resolution");
    let auditor = as_who(&mut cb, "Ines Duarte");
    assert_eq!(
        (
            auditor.change_cases,
            auditor.edit,
            auditor.assign,
            auditor.take,
            auditor.close_as.len()
        ),
        (false, false, false, false, 0),
        "an auditor reads"
    );
    assert!(
        ana.triage_alerts && ana.promote_alerts && ana.import_alerts,
        "tier 1 triages the alert queue"
    );
    assert!(
        !auditor.triage_alerts && !auditor.promote_alerts && !auditor.import_alerts,
        "an auditor sees the alert queue without triage controls"
    );
    let admin = as_who(&mut cb, "Root Admin");
    assert!(admin.manage_accounts && !admin.change_cases && !admin.edit);
    assert!(
        admin.triage_alerts && !admin.promote_alerts,
        "an admin dismisses alerts but opens no incident"
    );

    // Once tier 2 has it, tier 1 may no longer change it, and the answer follows at once.
    cb.act_as("Ana Silva").unwrap();
    cb.escalate(&key, Tier::TWO, None, "needs forensics", "")
        .unwrap();
    cb.act_as("Ben Okafor").unwrap();
    cb.answer_escalation(&key, None, Answer::Accept).unwrap();
    let ana = as_who(&mut cb, "Ana Silva");
    assert!(!ana.edit && !ana.take && ana.close_as.is_empty(), "{ana:?}");
    let ben = as_who(&mut cb, "Ben Okafor");
    assert!(
        ben.edit && ben.close_as.contains(&Resolution::TruePositive),
        "{ben:?}"
    );
    // Without an incident, only the general answers.
    cb.act_as("Grace Lee").unwrap();
    let general = cb.allowed(None).unwrap();
    assert!(general.change_cases && general.assign && !general.edit && general.close_as.is_empty());
}
