//! Reports through the API: the PDF verifies against its data directory and fails when evidence or the case change.

use casebook_api::timeline::EntryInput;
use casebook_report::ReportTemplate;

use crate::open;

#[test]
fn a_report_verifies_until_its_evidence_or_case_changes() {
    let (dir, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut cb, _clock) = open(dir.path(), "2026-11-20T10:00:00Z");
    let demo = cb.demo().unwrap();
    let key = &demo.incidents[0];
    let pdf = out.path().join("report.pdf");
    let summary = cb
        .export_report(key, &pdf, ReportTemplate::Technical, false, &mut |_| {})
        .unwrap();
    assert!(
        summary.pages > 3,
        "a full technical report spans several pages"
    );

    let v = cb.verify_report(&pdf).unwrap();
    assert!(
        v.verified && v.case_present,
        "a fresh report verifies: {:#?}",
        v.checks
    );
    assert!(
        v.checks.iter().any(|c| c.message.contains("byte for byte")),
        "the exact re-render ran"
    );

    let evidence = cb.evidence(key).unwrap();
    std::fs::write(cb.blobs().path_of(&evidence[0].sha256), b"changed on disk").unwrap();
    let v = cb.verify_report(&pdf).unwrap();
    assert!(
        !v.verified,
        "a changed evidence file must fail verification"
    );
    assert!(
        v.checks
            .iter()
            .any(|c| c.result == casebook_api::report::CheckResult::Failure
                && c.message.contains(&evidence[0].name)
                && c.message.contains("changed")),
        "the failure names the evidence: {:#?}",
        v.checks
    );

    let (dir2, _) = (tempfile::tempdir().unwrap(), ());
    let (mut other, _) = open(dir2.path(), "2026-11-20T10:00:00Z");
    other
        .init("Ines Duarte", casebook_core::model::Role::Auditor, None)
        .unwrap();
    let v = other.verify_report(&pdf).unwrap();
    assert!(
        v.verified && !v.case_present,
        "away from its data the report still verifies on its own: {:#?}",
        v.checks
    );

    cb.add_entry(
        key,
        EntryInput {
            summary: "late finding".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let v = cb.verify_report(&pdf).unwrap();
    assert!(
        v.checks
            .iter()
            .any(|c| c.message.contains("case changed since")),
        "{:#?}",
        v.checks
    );
}
