//! Verification passes on a fresh report and fails, each with its own finding, on every kind of change.

use casebook_report::{
    verify, EvidenceCheck, Finding, Unchecked, Verdict, VerifyInputs, VerifyOutcome,
    INFO_CONTENT_DIGEST,
};
use lopdf::{Document, Object};

use crate::fixture;

fn all_evidence_matches(_: &str) -> EvidenceCheck {
    EvidenceCheck::Matches
}

fn check(pdf: &[u8]) -> VerifyOutcome {
    verify(
        pdf,
        &VerifyInputs {
            evidence: &all_evidence_matches,
            live_case: None,
        },
    )
}

fn has(outcome: &VerifyOutcome, predicate: impl Fn(&Finding) -> bool) -> bool {
    outcome.findings.iter().any(predicate)
}

fn save(mut doc: Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .expect("lopdf re-saves the edited report");
    out
}

#[test]
fn a_fresh_report_verifies_completely() {
    let case = fixture::case();
    let outcome = verify(
        &crate::technical_report().pdf,
        &VerifyInputs {
            evidence: &all_evidence_matches,
            live_case: Some(&case),
        },
    );
    assert!(
        outcome.is_verified(),
        "a fresh report must verify: {:#?}",
        outcome.findings
    );
    assert!(
        has(&outcome, |f| matches!(f, Finding::RerenderIdentical)),
        "the exact re-render ran and matched"
    );
    assert!(
        has(&outcome, |f| matches!(f, Finding::CaseUnchanged)),
        "the live case is the reported one"
    );
    let evidence_ok = outcome
        .findings
        .iter()
        .filter(|f| matches!(f, Finding::EvidenceMatches { .. }))
        .count();
    assert_eq!(
        evidence_ok,
        case.evidence.len(),
        "every evidence item is re-checked"
    );
}

#[test]
fn an_edited_page_is_caught_by_the_rerender() {
    let mut doc =
        Document::load_mem(&crate::technical_report().pdf).expect("lopdf reads the report");
    let pages = doc.get_pages();
    let first_page = *pages.get(&1).expect("page 1 exists");
    let content_id = doc.get_page_contents(first_page)[0];
    let stream = doc
        .get_object_mut(content_id)
        .and_then(Object::as_stream_mut)
        .expect("page content is a stream");
    let mut content = stream.decompressed_content().expect("content decompresses");
    // Change one glyph id of the first text string: the visible text changes, nothing else does.
    let at = content
        .windows(2)
        .position(|w| w == b"<0")
        .expect("the cover shows text")
        + 2;
    content[at] = if content[at] == b'1' { b'2' } else { b'1' };
    stream.dict.remove(b"Filter");
    stream.set_content(content);
    let outcome = check(&save(doc));

    assert!(
        has(&outcome, |f| matches!(f, Finding::PdfModified { .. })),
        "an edited page must be reported as a modified PDF: {:#?}",
        outcome.findings
    );
    assert!(
        !has(&outcome, |f| matches!(
            f,
            Finding::AttachmentTampered { .. }
        )),
        "the attachment was not touched"
    );
    assert!(
        !has(&outcome, |f| matches!(f, Finding::DigestMismatch { .. })),
        "the digest was not touched"
    );
    assert!(!outcome.is_verified(), "the report must fail verification");
}

#[test]
fn a_tampered_attachment_is_reported_as_such() {
    let mut doc =
        Document::load_mem(&crate::technical_report().pdf).expect("lopdf reads the report");
    let file_id = doc
        .objects
        .iter()
        .find(|(_, o)| {
            o.as_stream()
                .ok()
                .and_then(|s| s.dict.get(b"Type").ok())
                .and_then(|t| t.as_name().ok())
                == Some(b"EmbeddedFile".as_slice())
        })
        .map(|(id, _)| *id)
        .expect("the report has an embedded file");
    let stream = doc
        .get_object_mut(file_id)
        .and_then(Object::as_stream_mut)
        .expect("embedded file is a stream");
    let json = String::from_utf8(stream.decompressed_content().expect("bundle decompresses"))
        .expect("bundle is UTF-8");
    let edited = json.replacen("\"severity\":\"SEV2\"", "\"severity\":\"SEV4\"", 1);
    assert_ne!(json, edited, "the fixture's severity is in the bundle");
    stream.dict.remove(b"Filter");
    stream.set_content(edited.into_bytes());
    let outcome = check(&save(doc));

    assert!(
        has(&outcome, |f| matches!(
            f,
            Finding::AttachmentTampered { .. }
        )),
        "editing the attached data must be reported as tampering: {:#?}",
        outcome.findings
    );
    assert!(
        !has(&outcome, |f| matches!(f, Finding::PdfModified { .. })),
        "tampering is its own finding"
    );
    assert!(!outcome.is_verified(), "the report must fail verification");
}

#[test]
fn a_wrong_digest_in_the_metadata_is_reported() {
    let mut doc =
        Document::load_mem(&crate::technical_report().pdf).expect("lopdf reads the report");
    let info_id = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .expect("report has an info dictionary");
    let info = doc
        .get_dictionary_mut(info_id)
        .expect("info is a dictionary");
    info.set(INFO_CONTENT_DIGEST, Object::string_literal("0".repeat(64)));
    let outcome = check(&save(doc));

    assert!(
        has(&outcome, |f| matches!(f, Finding::DigestMismatch { .. })),
        "a replaced digest must be reported: {:#?}",
        outcome.findings
    );
    assert!(
        !has(&outcome, |f| matches!(
            f,
            Finding::AttachmentTampered { .. }
        )),
        "the attachment is intact"
    );
    assert!(!outcome.is_verified(), "the report must fail verification");
}

#[test]
fn a_changed_evidence_file_is_reported_by_name() {
    let case = fixture::case();
    let changed = case.evidence[1].sha256.clone();
    let store = move |sha: &str| {
        if sha == changed {
            EvidenceCheck::Differs {
                actual: "f".repeat(64),
            }
        } else {
            EvidenceCheck::Matches
        }
    };
    let outcome = verify(
        &crate::technical_report().pdf,
        &VerifyInputs {
            evidence: &store,
            live_case: None,
        },
    );
    let changed_names: Vec<&str> = outcome
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::EvidenceChanged { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        changed_names,
        vec![case.evidence[1].name.as_str()],
        "only the changed item is reported"
    );
    assert!(
        has(&outcome, |f| matches!(f, Finding::RerenderIdentical)),
        "the PDF itself is still intact"
    );
    assert!(
        !outcome.is_verified(),
        "changed evidence fails verification"
    );
}

#[test]
fn a_case_changed_since_the_report_is_reported() {
    let mut live = fixture::case();
    live.status = "Reopened".into();
    let outcome = verify(
        &crate::technical_report().pdf,
        &VerifyInputs {
            evidence: &all_evidence_matches,
            live_case: Some(&live),
        },
    );
    assert!(
        has(&outcome, |f| matches!(
            f,
            Finding::CaseChangedSinceReport { .. }
        )),
        "a changed live case must be reported: {:#?}",
        outcome.findings
    );
    assert!(
        has(&outcome, |f| matches!(f, Finding::RerenderIdentical)),
        "the report itself is intact"
    );
    let message = outcome
        .failures()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        message.contains("changed since the report"),
        "the message says what happened: {message}"
    );
}

#[test]
fn a_pdf_without_bundle_is_reported_as_unverifiable() {
    let mut doc =
        Document::load_mem(&crate::technical_report().pdf).expect("lopdf reads the report");
    doc.catalog_mut().expect("catalog").remove(b"Names");
    let outcome = check(&save(doc));
    assert_eq!(
        outcome.findings,
        vec![Finding::BundleMissing],
        "nothing else can be checked without the bundle"
    );
}

/// Replaces the attached bundle with `bytes` and records their digest in the info dictionary, as a forger would.
fn replace_attachment(doc: &mut Document, bytes: Vec<u8>) {
    let ids: Vec<_> = doc.objects.keys().copied().collect();
    let attachment = ids
        .into_iter()
        .find(|id| {
            doc.get_object(*id)
                .and_then(Object::as_stream)
                .is_ok_and(|s| {
                    s.dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"EmbeddedFile")
                })
        })
        .expect("the report has an attachment");
    let stream = doc
        .get_object_mut(attachment)
        .and_then(Object::as_stream_mut)
        .expect("the attachment is a stream");
    stream.dict.remove(b"Filter");
    stream.set_content(bytes.clone());
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .expect("the report has an info dictionary");
    doc.get_dictionary_mut(info).expect("info").set(
        casebook_report::INFO_BUNDLE_DIGEST,
        Object::string_literal(casebook_report::bundle::sha256_hex(&bytes)),
    );
}

#[test]
fn an_edited_page_with_a_relabelled_renderer_and_a_fixed_digest_is_never_verified() {
    let report = crate::technical_report();
    let mut bundle =
        casebook_report::attached_bundle(&report.pdf).expect("the report carries its data");
    let mut doc = Document::load_mem(&report.pdf).expect("lopdf reads the report");
    // The page text is edited ...
    let first_page = *doc.get_pages().get(&1).expect("page 1 exists");
    let content_id = doc.get_page_contents(first_page)[0];
    let stream = doc
        .get_object_mut(content_id)
        .and_then(Object::as_stream_mut)
        .expect("page content is a stream");
    let mut content = stream.decompressed_content().expect("content decompresses");
    let at = content
        .windows(2)
        .position(|w| w == b"<0")
        .expect("the cover shows text")
        + 2;
    content[at] = if content[at] == b'1' { b'2' } else { b'1' };
    stream.dict.remove(b"Filter");
    stream.set_content(content);
    // ... the attached data claims another renderer made it, so the exact re-render is skipped ...
    bundle.renderer_version = "0.0.1-old".into();
    let bytes = casebook_report::bundle::bundle_bytes(&bundle).expect("the bundle serialises");
    // ... and the bundle digest is updated, so the attachment looks intact.
    replace_attachment(&mut doc, bytes);
    let outcome = check(&save(doc));

    assert!(
        has(&outcome, |f| matches!(f, Finding::BundleIntact { .. })),
        "the forgery is consistent, so the attachment checks out: {:#?}",
        outcome.findings
    );
    assert_eq!(
        outcome.verdict(),
        Verdict::PartlyChecked,
        "pages that were not re-rendered must never be called verified: {:#?}",
        outcome.findings
    );
    assert!(
        !outcome.is_verified(),
        "a partly checked report is not verified"
    );
    assert!(
        outcome.not_checked().contains(&Unchecked::Pages),
        "the verdict lists the pages as not checked"
    );
}

#[test]
fn a_fresh_report_is_verified_and_says_what_it_could_not_compare() {
    let outcome = check(&crate::technical_report().pdf);
    assert_eq!(
        outcome.verdict(),
        Verdict::Verified,
        "{:#?}",
        outcome.findings
    );
    assert_eq!(
        outcome.not_checked(),
        [Unchecked::LiveCase],
        "without the live case, only the comparison with it is left unchecked"
    );
}
