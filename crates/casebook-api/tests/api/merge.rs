//! Two laptops work on the same incident offline and exchange case bundles: nothing is lost, conflicts are shown.

use casebook_api::incidents::NewIncident;
use casebook_core::model::{Role, Severity, TextField, Tier, Tlp};

use crate::{at, open};

#[test]
fn concurrent_summary_edits_are_both_kept_and_can_be_settled() {
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
    let key = a
        .new_incident(NewIncident::titled(
            "Phishing wave",
            Severity::Sev2,
            Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    let bundle = x.path().join("one.bundle");
    a.export_bundle(&key, &bundle, &mut |_| {}).unwrap();
    b.import_bundle(&bundle, &[a.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();

    // Both edit the summary offline, neither seeing the other's text.
    a_clock.set(at("2026-11-20T10:05:00Z"));
    a.edit_text(&key, TextField::Summary, "Ana's summary", vec![])
        .unwrap();
    b_clock.set(at("2026-11-20T10:06:00Z"));
    b.edit_text(&key, TextField::Summary, "Ben's summary", vec![])
        .unwrap();
    a.add_tag(&key, "finance").unwrap();
    b.add_tag(&key, "payroll").unwrap();

    let (to_b, to_a) = (x.path().join("a.bundle"), x.path().join("b.bundle"));
    a.export_bundle(&key, &to_b, &mut |_| {}).unwrap();
    b.export_bundle(&key, &to_a, &mut |_| {}).unwrap();
    a.import_bundle(&to_a, &[b.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();
    b.import_bundle(&to_b, &[a.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();

    let (da, db) = (a.incident(&key).unwrap(), b.incident(&key).unwrap());
    assert_eq!(
        da.summary, "Ben's summary",
        "the later edit by HLC is shown"
    );
    assert_eq!(da.summary, db.summary, "both laptops show the same text");
    assert_eq!(
        da.conflicts.len(),
        1,
        "the concurrent edit is kept as a conflict, not silently overwritten"
    );
    assert_eq!(da.conflicts[0].text, "Ana's summary");
    assert_eq!(
        da.row.tags,
        vec!["finance".to_string(), "payroll".to_string()],
        "tags from both sides survive"
    );
    assert_eq!(da.row.tags, db.row.tags);

    // Ana settles the conflict; once Ben has her edit, the conflict is gone on both sides.
    a_clock.set(at("2026-11-20T10:10:00Z"));
    let settled = a
        .edit_text(
            &key,
            TextField::Summary,
            "Merged summary",
            vec![da.conflicts[0].event],
        )
        .unwrap();
    assert!(
        settled.conflicts.is_empty(),
        "resolving names the conflicting version"
    );
    let to_b2 = x.path().join("a2.bundle");
    a.export_bundle(&key, &to_b2, &mut |_| {}).unwrap();
    let report = b
        .import_bundle(&to_b2, &[a.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();
    assert!(
        report.already_present > 0,
        "events Ben already had are recognised, not duplicated"
    );
    let db = b.incident(&key).unwrap();
    assert_eq!(db.summary, "Merged summary");
    assert!(db.conflicts.is_empty());
    assert_eq!(
        casebook_store::dump::dump_replicated(a.store().conn()).unwrap(),
        casebook_store::dump::dump_replicated(b.store().conn()).unwrap(),
        "after exchanging everything, both laptops hold the same state"
    );
}

#[test]
fn a_removed_tag_survives_a_concurrent_addition_elsewhere() {
    let (a_dir, b_dir, x) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (mut a, _) = open(a_dir.path(), "2026-11-20T10:00:00Z");
    let (mut b, _) = open(b_dir.path(), "2026-11-20T10:00:00Z");
    a.init("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    b.init("Ben Okafor", Role::Responder, Some(Tier::ONE))
        .unwrap();
    let mut n = NewIncident::titled("Malware on WKS-7", Severity::Sev3, Tlp::Green);
    n.tags = vec!["malware".into()];
    let key = a.new_incident(n).unwrap().row.key;
    let f = x.path().join("f.bundle");
    a.export_bundle(&key, &f, &mut |_| {}).unwrap();
    b.import_bundle(&f, &[a.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();
    a.remove_tag(&key, "malware").unwrap();
    b.add_tag(&key, "malware").unwrap();
    let (g, h) = (x.path().join("g.bundle"), x.path().join("h.bundle"));
    a.export_bundle(&key, &g, &mut |_| {}).unwrap();
    b.export_bundle(&key, &h, &mut |_| {}).unwrap();
    a.import_bundle(&h, &[b.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();
    b.import_bundle(&g, &[a.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();
    assert_eq!(
        a.incident(&key).unwrap().row.tags,
        vec!["malware".to_string()],
        "add wins over a concurrent removal"
    );
    assert_eq!(
        b.incident(&key).unwrap().row.tags,
        vec!["malware".to_string()]
    );
}

#[test]
fn a_data_directory_without_a_profile_imports_a_case_for_reading() {
    let (a_dir, reader_dir, x) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (mut a, _) = open(a_dir.path(), "2026-11-20T10:00:00Z");
    a.init("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    let key = a
        .new_incident(NewIncident::titled(
            "Phishing wave",
            Severity::Sev2,
            Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    let bundle = x.path().join("case.bundle");
    a.export_bundle(&key, &bundle, &mut |_| {}).unwrap();
    let (mut reader, _) = open(reader_dir.path(), "2026-11-20T11:00:00Z");
    let report = reader.import_bundle(&bundle, &[], &mut |_| {}).unwrap();
    assert_eq!(report.refused, 0, "{report:?}");
    assert_eq!(
        reader.incident(&key).unwrap().row.title,
        "Phishing wave",
        "an uninitialized data directory still reads a case it is given"
    );
}

#[test]
fn an_edit_made_after_a_concurrent_reassignment_is_kept_but_not_applied_and_leads_see_it() {
    let (l_dir, a_dir, x) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (mut lena, l_clock) = open(l_dir.path(), "2026-11-20T10:00:00Z");
    let (mut ana, a_clock) = open(a_dir.path(), "2026-11-20T10:00:00Z");
    lena.init("Lena Park", Role::Lead, None).unwrap();
    ana.init("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    let key = ana
        .new_incident(NewIncident::titled(
            "Odd logons",
            Severity::Sev3,
            Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    let first = x.path().join("first.bundle");
    ana.export_bundle(&key, &first, &mut |_| {}).unwrap();
    lena.import_bundle(&first, &[ana.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();

    // Lena moves the case to tier 2 at 10:05; Ana, offline, adds an entry at 10:06 without having seen it.
    l_clock.set(at("2026-11-20T10:05:00Z"));
    lena.assign(&key, Tier::TWO, None, "needs forensics")
        .unwrap();
    a_clock.set(at("2026-11-20T10:06:00Z"));
    ana.add_entry(
        &key,
        casebook_api::timeline::EntryInput {
            summary: "Written at tier 1 after the case had left it".into(),
            details: String::new(),
            at: None,
            kind: None,
            source: Default::default(),
            key_event: false,
        },
    )
    .unwrap();

    let back = x.path().join("back.bundle");
    ana.export_bundle(&key, &back, &mut |_| {}).unwrap();
    let report = lena
        .import_bundle(&back, &[ana.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();
    assert_eq!(
        report.refused, 0,
        "the edit is authentic, so it enters the log: {report:?}"
    );
    let d = lena.incident(&key).unwrap();
    assert_eq!(
        d.scope_conflicts.len(),
        1,
        "Lena sees Ana's change kept but not applied"
    );
    assert!(
        d.scope_conflicts[0].reason.contains("out of scope"),
        "{:?}",
        d.scope_conflicts
    );
    let (_, entries) = lena.entries(&key, &Default::default(), 0, 100).unwrap();
    assert!(
        !entries
            .iter()
            .any(|e| e.summary.starts_with("Written at tier 1")),
        "the out-of-scope entry is not applied"
    );
    let rebuilt = lena.rebuild(&mut |_| {}).unwrap();
    assert!(rebuilt.identical, "a rebuild judges it the same way");
}
