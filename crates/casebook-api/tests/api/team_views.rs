//! What the desktop's live team views read: the changes since a person last opened an incident, what needs their
//! attention, the open conflicts of the whole case load, and the events still waiting to go up.

use std::path::Path;

use casebook_api::escalations::Answer;
use casebook_api::incidents::NewIncident;
use casebook_api::timeline::EntryInput;
use casebook_api::Casebook;
use casebook_core::event::FieldChange;
use casebook_core::model::{Role, Severity, TextField, Tier, Tlp};

use crate::{at, open};

fn entry(summary: &str) -> EntryInput {
    EntryInput {
        summary: summary.into(),
        ..Default::default()
    }
}

fn incident(cb: &mut Casebook, title: &str, severity: Severity) -> String {
    cb.new_incident(NewIncident::titled(title, severity, Tlp::Amber))
        .unwrap()
        .row
        .key
}

/// Hands `key` from one data directory to another as a case bundle, trusting the sender's device.
fn hand_over(from: &Casebook, to: &mut Casebook, key: &str, dir: &Path, name: &str) {
    let bundle = dir.join(name);
    from.export_bundle(key, &bundle, &mut |_| {}).unwrap();
    let report = to
        .import_bundle(&bundle, &[from.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();
    assert_eq!(report.refused, 0, "{report:?}");
}

#[test]
fn changes_since_seen_are_per_person_and_per_incident_and_leave_out_ones_own() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, clock) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Root Admin", Role::Admin, None).unwrap();
    cb.add_user("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    cb.add_user("Ben Okafor", Role::Responder, Some(Tier::ONE))
        .unwrap();
    cb.act_as("Ana Silva").unwrap();
    let x = incident(&mut cb, "Phishing wave", Severity::Sev3);
    let y = incident(&mut cb, "Odd logons", Severity::Sev3);

    let first = cb.changes_since_seen(&x).unwrap();
    assert!(
        !first.seen_before && first.changes.is_empty() && first.total == 0,
        "opening an incident the first time is not 'changes since': {first:?}"
    );
    cb.mark_seen(&x).unwrap();
    cb.add_entry(&x, entry("My own note")).unwrap();
    assert_eq!(
        cb.changes_since_seen(&x).unwrap().changes,
        vec![],
        "a person's own changes are never listed"
    );

    cb.act_as("Ben Okafor").unwrap();
    clock.set(at("2026-11-20T10:05:00Z"));
    cb.set_fields(&x, vec![FieldChange::Severity(Severity::Sev1)])
        .unwrap();
    cb.add_entry(&y, entry("Ben looked at Y")).unwrap();
    assert!(
        !cb.changes_since_seen(&x).unwrap().seen_before,
        "Ana's mark is hers: Ben never opened X, so nothing counts as changed for him"
    );

    cb.act_as("Ana Silva").unwrap();
    let since = cb.changes_since_seen(&x).unwrap();
    assert!(since.seen_before);
    assert_eq!(since.total, 1, "{since:?}");
    assert_eq!(since.changes[0].who, "Ben Okafor");
    assert_eq!(since.changes[0].what, "changed the severity to sev1");
    assert_eq!(since.changes[0].at, at("2026-11-20T10:05:00Z"));
    assert!(
        !cb.changes_since_seen(&y).unwrap().seen_before,
        "a mark on X says nothing about Y"
    );

    let rebuilt = cb.rebuild(&mut |_| {}).unwrap();
    assert!(rebuilt.identical);
    assert_eq!(
        cb.changes_since_seen(&x).unwrap().total,
        1,
        "marks are local bookkeeping, not projections: a rebuild keeps them"
    );
    cb.mark_seen(&x).unwrap();
    let after = cb.changes_since_seen(&x).unwrap();
    assert!(after.seen_before && after.total == 0, "{after:?}");
}

#[test]
fn the_newest_fifty_changes_are_listed_with_the_full_count() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, _) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Root Admin", Role::Admin, None).unwrap();
    cb.add_user("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    cb.add_user("Ben Okafor", Role::Responder, Some(Tier::ONE))
        .unwrap();
    cb.act_as("Ana Silva").unwrap();
    let x = incident(&mut cb, "Phishing wave", Severity::Sev3);
    cb.mark_seen(&x).unwrap();
    cb.act_as("Ben Okafor").unwrap();
    for n in 0..60 {
        cb.add_entry(&x, entry(&format!("note {n}"))).unwrap();
    }
    cb.act_as("Ana Silva").unwrap();
    let since = cb.changes_since_seen(&x).unwrap();
    assert_eq!(since.total, 60);
    assert_eq!(
        since.changes.len(),
        casebook_api::activity::CHANGES_SHOWN as usize
    );
    assert_eq!(
        since.changes[0].what, "added a timeline entry: note 59",
        "newest first"
    );
}

#[test]
fn an_event_that_arrives_later_is_new_even_when_its_clock_is_older_than_the_mark() {
    let (a_dir, b_dir, x) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (mut ana, a_clock) = open(a_dir.path(), "2026-11-20T10:00:00Z");
    let (mut ben, b_clock) = open(b_dir.path(), "2026-11-20T10:00:00Z");
    ana.init("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    ben.init("Ben Okafor", Role::Responder, Some(Tier::ONE))
        .unwrap();
    let key = incident(&mut ana, "Phishing wave", Severity::Sev2);
    hand_over(&ana, &mut ben, &key, x.path(), "to-ben.bundle");

    // Ben works offline at 10:05; Ana opens the case at 11:00 and writes a note, not having his work yet.
    b_clock.set(at("2026-11-20T10:05:00Z"));
    ben.add_entry(&key, entry("Blocked the sender domain"))
        .unwrap();
    a_clock.set(at("2026-11-20T11:00:00Z"));
    ana.mark_seen(&key).unwrap();
    ana.add_comment(&key, "Waiting for Ben's findings").unwrap();

    hand_over(&ben, &mut ana, &key, x.path(), "to-ana.bundle");
    let since = ana.changes_since_seen(&key).unwrap();
    assert_eq!(
        since.total, 1,
        "Ben's entry arrived after the mark, though its clock (10:05) is older than the mark (11:00); Ana's \
         own comment is not listed: {since:?}"
    );
    assert_eq!(since.changes[0].who, "Ben Okafor");
    assert_eq!(
        since.changes[0].what,
        "added a timeline entry: Blocked the sender domain"
    );
    assert_eq!(since.changes[0].at, at("2026-11-20T10:05:00Z"));

    ana.mark_seen(&key).unwrap();
    hand_over(&ben, &mut ana, &key, x.path(), "again.bundle");
    assert_eq!(
        ana.changes_since_seen(&key).unwrap().total,
        0,
        "the same events imported again are not news"
    );
}

#[test]
fn attention_lists_escalations_for_my_tier_or_me_and_targets_about_to_fall() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, clock) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Root Admin", Role::Admin, None).unwrap();
    for (name, tier) in [
        ("Ana Silva", Tier::ONE),
        ("Ben Okafor", Tier::TWO),
        ("Dan Reyes", Tier::TWO),
        ("Cara Novak", Tier::THREE),
    ] {
        cb.add_user(name, Role::Responder, Some(tier)).unwrap();
    }
    cb.add_user("Grace Lee", Role::Lead, None).unwrap();
    cb.act_as("Ana Silva").unwrap();
    // A goes to the tier-2 queue (SEV2: acknowledge within 30 min, accept within 60); B is named to Ben although it
    // goes to tier 3 (SEV3: 4 h); C goes to the tier-3 queue.
    let a = incident(&mut cb, "Credential theft", Severity::Sev2);
    let b = incident(&mut cb, "Beaconing host", Severity::Sev3);
    let c = incident(&mut cb, "Ransom note", Severity::Sev3);
    let to_tier_2 = cb
        .escalate(&a, Tier::TWO, None, "Confirmed theft", "")
        .unwrap();
    let to_ben = cb
        .escalate(
            &b,
            Tier::THREE,
            Some("Ben Okafor"),
            "Ben knows this host",
            "",
        )
        .unwrap();
    let to_tier_3 = cb
        .escalate(&c, Tier::THREE, None, "Major incident", "")
        .unwrap();
    let ids = |list: &[casebook_api::escalations::EscalationStatus]| {
        list.iter().map(|s| s.escalation.id).collect::<Vec<_>>()
    };
    let attention_of = |cb: &mut Casebook, who: &str| {
        cb.act_as(who).unwrap();
        cb.attention().unwrap()
    };

    let ben = attention_of(&mut cb, "Ben Okafor");
    assert_eq!(
        ids(&ben.escalations),
        vec![to_tier_2.escalation.id, to_ben.escalation.id],
        "a tier-2 responder sees the tier-2 queue and what is named to him"
    );
    assert!(ben.breaching_soon.is_empty(), "no target is near at 10:00");
    let json = serde_json::to_value(&ben).unwrap();
    assert_eq!(
        json["escalations"][0]["id"],
        serde_json::json!(to_tier_2.escalation.id.to_string()),
        "each escalation carries a stable id for notifying once"
    );
    assert_eq!(
        ids(&attention_of(&mut cb, "Dan Reyes").escalations),
        vec![to_tier_2.escalation.id],
        "one named to a colleague is the colleague's, not the whole tier's"
    );
    assert_eq!(
        ids(&attention_of(&mut cb, "Cara Novak").escalations),
        vec![to_tier_3.escalation.id],
        "tier 3 does not see the tier-2 escalation, nor the tier-3 one named to Ben"
    );
    assert!(attention_of(&mut cb, "Grace Lee").escalations.is_empty());
    assert!(attention_of(&mut cb, "Ana Silva").escalations.is_empty());

    // 10:16: A's acknowledge target (10:30) is 14 minutes away.
    clock.set(at("2026-11-20T10:16:00Z"));
    let ben = attention_of(&mut cb, "Ben Okafor");
    assert_eq!(
        ids(&ben.breaching_soon),
        vec![to_tier_2.escalation.id],
        "a target within 15 minutes counts"
    );
    assert_eq!(
        ben.breaching_soon[0].due_at,
        Some(at("2026-11-20T10:30:00Z"))
    );
    assert_eq!(
        ids(&attention_of(&mut cb, "Grace Lee").breaching_soon),
        vec![to_tier_2.escalation.id],
        "a lead sees every queue's targets"
    );
    assert!(
        attention_of(&mut cb, "Cara Novak")
            .breaching_soon
            .is_empty(),
        "tier 3 is not told about tier 2's clock"
    );

    // Ben acknowledges at 10:20: the next target is acceptance at 11:00, not near yet.
    clock.set(at("2026-11-20T10:20:00Z"));
    cb.act_as("Ben Okafor").unwrap();
    cb.answer_escalation(&a, None, Answer::Acknowledge).unwrap();
    assert!(cb.attention().unwrap().breaching_soon.is_empty());
    clock.set(at("2026-11-20T11:01:00Z"));
    let late = cb.attention().unwrap();
    assert_eq!(
        ids(&late.breaching_soon),
        vec![to_tier_2.escalation.id],
        "a target that has passed still needs attention"
    );
    assert!(late.breaching_soon[0].breached);
    cb.answer_escalation(&a, None, Answer::Accept).unwrap();
    let done = cb.attention().unwrap();
    assert!(
        done.breaching_soon.is_empty() && ids(&done.escalations) == vec![to_ben.escalation.id],
        "a settled escalation needs nobody: {done:?}"
    );
}

#[test]
fn open_conflicts_list_a_concurrent_summary_edit_until_it_is_resolved() {
    let (a_dir, b_dir, x) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (mut a, a_clock) = open(a_dir.path(), "2026-11-20T10:00:00Z");
    let (mut b, b_clock) = open(b_dir.path(), "2026-11-20T10:00:00Z");
    a.init("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    b.init("Ben Okafor", Role::Responder, Some(Tier::ONE))
        .unwrap();
    let key = incident(&mut a, "Phishing wave", Severity::Sev2);
    incident(&mut a, "Quiet case", Severity::Sev4);
    hand_over(&a, &mut b, &key, x.path(), "one.bundle");
    assert!(a.open_conflicts().unwrap().is_empty());

    a_clock.set(at("2026-11-20T10:05:00Z"));
    a.edit_text(&key, TextField::Summary, "Ana's summary", vec![])
        .unwrap();
    b_clock.set(at("2026-11-20T10:06:00Z"));
    b.edit_text(&key, TextField::Summary, "Ben's summary", vec![])
        .unwrap();
    hand_over(&b, &mut a, &key, x.path(), "from-ben.bundle");

    let open = a.open_conflicts().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    let c = &open[0];
    assert_eq!(
        (c.key.as_str(), c.title.as_str()),
        (key.as_str(), "Phishing wave")
    );
    assert_eq!(c.kind, casebook_api::conflicts::ConflictKind::Text);
    assert_eq!(c.field, Some(TextField::Summary));
    assert_eq!(
        c.by.as_deref(),
        Some("Ana Silva"),
        "Ben's later edit is shown; Ana's is the one kept aside"
    );
    assert_eq!(c.at, at("2026-11-20T10:05:00Z"));
    assert_eq!(
        c.detail,
        "a concurrent version of the summary was kept: Ana's summary"
    );
    assert_eq!(
        a.sync_status(false).unwrap().conflicts,
        open.len() as u64,
        "the list and the status bar's count agree"
    );

    a_clock.set(at("2026-11-20T10:10:00Z"));
    a.edit_text(&key, TextField::Summary, "Merged summary", vec![c.event])
        .unwrap();
    assert!(
        a.open_conflicts().unwrap().is_empty(),
        "a resolved conflict leaves the list"
    );
}

#[test]
fn open_conflicts_list_changes_out_of_scope_and_escalation_answers_that_lost_newest_first() {
    let (a_dir, b_dir, l_dir, x) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (mut ana, a_clock) = open(a_dir.path(), "2026-11-20T10:00:00Z");
    let (mut ben, b_clock) = open(b_dir.path(), "2026-11-20T10:00:00Z");
    let (mut lena, l_clock) = open(l_dir.path(), "2026-11-20T10:00:00Z");
    ana.init("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    ben.init("Ben Okafor", Role::Responder, Some(Tier::TWO))
        .unwrap();
    lena.init("Lena Park", Role::Lead, None).unwrap();

    let escalated = incident(&mut ana, "Credential theft", Severity::Sev2);
    ana.escalate(&escalated, Tier::TWO, None, "Confirmed theft", "")
        .unwrap();
    let moved = incident(&mut ana, "Odd logons", Severity::Sev3);
    hand_over(&ana, &mut ben, &escalated, x.path(), "e1.bundle");
    hand_over(&ana, &mut lena, &escalated, x.path(), "e2.bundle");
    hand_over(&ana, &mut lena, &moved, x.path(), "m1.bundle");

    // The lead moves one case to tier 2 at 10:04, and Ana, offline, adds to it at 10:06.
    l_clock.set(at("2026-11-20T10:04:00Z"));
    lena.assign(&moved, Tier::TWO, None, "needs forensics")
        .unwrap();
    a_clock.set(at("2026-11-20T10:06:00Z"));
    ana.add_entry(
        &moved,
        entry("Written at tier 1 after the case had left it"),
    )
    .unwrap();
    // The lead sends the escalation on to tier 3 at 10:05, and Ben, offline, accepts it at 10:10.
    l_clock.set(at("2026-11-20T10:05:00Z"));
    lena.reassign_escalation(&escalated, None, Tier::THREE, None, "malware work")
        .unwrap();
    b_clock.set(at("2026-11-20T10:10:00Z"));
    ben.answer_escalation(&escalated, None, Answer::Accept)
        .unwrap();

    hand_over(&ben, &mut lena, &escalated, x.path(), "b.bundle");
    hand_over(&ana, &mut lena, &moved, x.path(), "m2.bundle");
    let open = lena.open_conflicts().unwrap();
    let summary: Vec<_> = open
        .iter()
        .map(|c| (c.kind, c.key.as_str(), c.by.as_deref(), c.at))
        .collect();
    use casebook_api::conflicts::ConflictKind;
    assert_eq!(
        summary,
        vec![
            (
                ConflictKind::Escalation,
                escalated.as_str(),
                Some("Ben Okafor"),
                at("2026-11-20T10:10:00Z")
            ),
            (
                ConflictKind::Scope,
                moved.as_str(),
                Some("Ana Silva"),
                at("2026-11-20T10:06:00Z")
            ),
        ],
        "both kinds across both incidents, newest first: {open:#?}"
    );
    assert!(
        open[0]
            .detail
            .starts_with("accepted the escalation — not applied: "),
        "{}",
        open[0].detail
    );
    assert!(
        open[1].detail.starts_with(
            "added a timeline entry: Written at tier 1 after the case had left it — not applied: "
        ),
        "{}",
        open[1].detail
    );
    assert_eq!(
        lena.sync_status(false).unwrap().conflicts,
        open.len() as u64
    );
}

#[test]
fn waiting_events_are_this_devices_events_above_the_servers_frontier() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, _) = open(dir.path(), "2026-11-20T10:00:00Z");
    let me = cb
        .init("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    let key = incident(&mut cb, "Phishing wave", Severity::Sev2);
    cb.add_entry(&key, entry("Blocked the sender domain"))
        .unwrap();
    cb.add_comment(&key, "Looks like the March campaign")
        .unwrap();

    let all = cb.waiting_events(1_000).unwrap();
    let what: Vec<_> = all
        .iter()
        .map(|l| (l.incident_key.clone(), l.what.as_str()))
        .collect();
    assert_eq!(
        what,
        vec![
            (None, "bound a device key to Ana Silva"),
            (None, "registered Ana Silva as a tier-1 responder"),
            (
                Some(key.clone()),
                "opened the incident “Phishing wave” (sev2)"
            ),
            (
                Some(key.clone()),
                "added a timeline entry: Blocked the sender domain"
            ),
            (
                Some(key.clone()),
                "commented: Looks like the March campaign"
            ),
        ],
        "without a team, every event of this device waits, oldest first"
    );
    assert!(all.iter().all(|l| l.who == "Ana Silva"));
    assert_eq!(cb.waiting_events(2).unwrap(), all[..2].to_vec(), "limit");

    // Joined, the server holding this device's first three events; it refused the comment.
    let conn = rusqlite::Connection::open(dir.path().join(casebook_api::DATABASE_FILE)).unwrap();
    casebook_store::team::set_link(
        &conn,
        &casebook_store::team::TeamLink {
            server_url: "https://cases.example:8443".into(),
            ca_cert_pem: None,
            team_id: "team".into(),
            team_name: "SOC".into(),
            account_user: me.user.id,
            email: "ana@example.org".into(),
            token: None,
            token_expires_us: None,
            epoch: None,
            cursor: 0,
            server_frontier: 0,
            last_sync_us: None,
            last_error: None,
        },
    )
    .unwrap();
    casebook_store::team::set_server_frontier(&conn, 3).unwrap();
    let waiting = cb.waiting_events(1_000).unwrap();
    assert_eq!(
        waiting,
        all[3..].to_vec(),
        "exactly the events above the frontier wait"
    );
    casebook_store::team::record_verdict(
        &conn,
        &all[4].event.to_string(),
        "refused",
        Some("forbidden"),
        "test",
        0,
    )
    .unwrap();
    let waiting = cb.waiting_events(1_000).unwrap();
    assert_eq!(
        waiting,
        all[3..4].to_vec(),
        "an event the server refused no longer waits"
    );
    assert_eq!(
        cb.sync_status(false).unwrap().waiting,
        waiting.len() as u64,
        "the list and the status bar's count agree"
    );
}
