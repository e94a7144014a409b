//! The PDF as real tools see it: structure (qpdf), fonts (pdffonts), text (pdftotext), metadata (pdfinfo).

use casebook_report::{render_report, ReportOptions, ReportTemplate, BUNDLE_FILE_NAME};

use crate::fixture;
use crate::tools::{poppler, qpdf, temp_pdf};

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn flat_contains(haystack: &str, needle: &str) -> bool {
    squeeze(haystack).contains(&squeeze(needle))
}

fn extracted_text(pdf: &[u8]) -> String {
    let file = temp_pdf(pdf);
    poppler(
        "pdftotext",
        &[
            "-enc",
            "UTF-8",
            file.path().to_str().expect("utf-8 path"),
            "-",
        ],
    )
}

#[test]
fn qpdf_finds_no_structural_errors() {
    let file = temp_pdf(&crate::technical_report().pdf);
    let (ok, stdout, stderr) = qpdf(&["--check", file.path().to_str().expect("utf-8 path")]);
    assert!(ok, "qpdf --check must pass:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("No syntax or stream encoding errors"),
        "qpdf reports errors:\n{stdout}"
    );
    assert!(
        !stderr.contains("WARNING"),
        "qpdf warns about the file:\n{stderr}"
    );
}

#[test]
fn every_font_is_embedded_and_subset() {
    let file = temp_pdf(&crate::technical_report().pdf);
    let listing = poppler("pdffonts", &[file.path().to_str().expect("utf-8 path")]);
    let rows: Vec<&str> = listing
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        rows.len(),
        4,
        "DejaVu Sans, Bold, Mono and the CJK fallback are all used:\n{listing}"
    );
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name, type words…, encoding, emb, sub, uni, object, generation: emb/sub/uni are 5th to 3rd from the end.
        let n = columns.len();
        assert_eq!(
            &columns[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "font must be embedded, subset and have a ToUnicode map: {row}"
        );
    }
}

#[test]
fn pdftotext_finds_sections_hashes_non_latin_text_and_every_entry_in_order() {
    let case = fixture::case();
    let text = extracted_text(&crate::technical_report().pdf);
    for title in [
        "Contents",
        "1. Executive summary",
        "2. Key metrics",
        "3. Timeline overview",
        "4. Timeline",
        "5. Evidence register",
        "6. Observables",
        "7. Escalation history",
        "8. Tasks",
        "9. Root cause and lessons learned",
        "10. Sign-off",
    ] {
        assert!(
            text.contains(title),
            "section title {title:?} must be extractable"
        );
    }
    for sentence in [
        "a finance clerk opened an invoice-themed attachment",
        "attack surface reduction rules were in audit mode",
        "Shorten EDR isolation approval",
    ] {
        assert!(
            flat_contains(&text, sentence),
            "prose {sentence:?} from summary, root cause and lessons must be in the PDF"
        );
    }
    for needle in [
        "Renée Dubois",
        "Jürgen Weiß",
        "财务-服务器",
        "陈美",
        "TLP:AMBER+STRICT",
    ] {
        assert!(
            text.contains(needle),
            "non-Latin text {needle:?} must survive into the PDF text layer"
        );
    }
    let flat = squeeze(&text);
    for item in &case.evidence {
        assert!(
            flat.contains(&item.sha256),
            "evidence hash of {} must be extractable (ignoring line breaks)",
            item.name
        );
    }
    assert!(
        flat.contains(&squeeze(fixture::LONG_URL)),
        "the long URL must be extractable, even when wrapped"
    );
    let digest = &crate::technical_report().content_digest;
    assert!(
        text.matches(digest.as_str()).count() >= crate::technical_report().page_count,
        "the content digest is printed in every footer"
    );
    assert!(
        text.contains(&format!(
            "Page 1 of {}",
            crate::technical_report().page_count
        )),
        "footers say Page X of Y"
    );

    let mut from = 0;
    for n in 0..case.timeline.len() {
        let summary = squeeze(&fixture::entry_summary(n));
        match flat[from..].find(&summary) {
            Some(at) => from += at + summary.len(),
            None => panic!("timeline entry {n} ({summary}) is missing or out of order"),
        }
    }
}

#[test]
fn key_events_only_shows_just_the_key_events() {
    let case = fixture::case();
    let options = ReportOptions {
        key_events_only: true,
        ..fixture::options(ReportTemplate::Technical)
    };
    let report = render_report(&case, &options, None).expect("renders");
    let flat = squeeze(&extracted_text(&report.pdf));
    for entry in &case.timeline {
        let present = flat.contains(&squeeze(&entry.summary));
        assert_eq!(
            present, entry.key_event,
            "entry {} shown iff it is a key event",
            entry.id
        );
    }
}

#[test]
fn executive_template_has_its_sections_only() {
    let report = render_report(
        &fixture::case(),
        &fixture::options(ReportTemplate::Executive),
        None,
    )
    .expect("renders");
    let text = extracted_text(&report.pdf);
    for title in [
        "1. Executive summary",
        "2. Key metrics",
        "3. Key events",
        "4. Evidence totals",
    ] {
        assert!(text.contains(title), "executive report has {title:?}");
    }
    for absent in ["Chain of custody", "Observables", "Sign-off", "Contents"] {
        assert!(
            !text.contains(absent),
            "executive report leaves out {absent:?}"
        );
    }
}

#[test]
fn pdfinfo_shows_metadata_and_no_pdf_x() {
    let file = temp_pdf(&crate::technical_report().pdf);
    let info = poppler("pdfinfo", &[file.path().to_str().expect("utf-8 path")]);
    assert!(
        info.contains("Title:           INC-2024-0042 — Qakbot loader"),
        "title is set:\n{info}"
    );
    assert!(
        info.contains("Author:          Renée Dubois, Jürgen Weiß"),
        "authors are set:\n{info}"
    );
    assert!(
        info.contains("CreationDate:    Wed Mar 20 09:30:00 2024 UTC"),
        "creation date is the export time:\n{info}"
    );
    assert!(
        info.contains(&crate::technical_report().content_digest),
        "digest is in the metadata:\n{info}"
    );
    assert!(
        !info.contains("PDF subtype"),
        "the report must not claim to be PDF/X:\n{info}"
    );
    assert!(
        !info.contains("PDF/X"),
        "the report must not claim to be PDF/X:\n{info}"
    );
}

#[test]
fn qpdf_lists_the_bundle_attachment() {
    let file = temp_pdf(&crate::technical_report().pdf);
    let (ok, stdout, stderr) = qpdf(&[
        "--list-attachments",
        file.path().to_str().expect("utf-8 path"),
    ]);
    assert!(ok, "qpdf --list-attachments failed: {stderr}");
    assert!(
        stdout.contains(BUNDLE_FILE_NAME),
        "the case bundle is attached:\n{stdout}"
    );
}

#[test]
fn the_same_inputs_render_byte_identical_pdfs() {
    let again = render_report(
        &fixture::case(),
        &fixture::options(ReportTemplate::Technical),
        None,
    )
    .expect("renders");
    assert!(
        again.pdf == crate::technical_report().pdf,
        "rendering twice must give the same bytes (no random ids, no clock, no hash-map order)"
    );
}

#[test]
fn progress_reaches_the_end_of_every_stage() {
    let mut events = Vec::new();
    let mut record = |p: casebook_report::ReportProgress| events.push(p);
    render_report(
        &fixture::case_with_entries(600),
        &fixture::options(ReportTemplate::Technical),
        Some(&mut record),
    )
    .expect("renders");
    for stage in [
        casebook_report::ReportStage::Layout,
        casebook_report::ReportStage::Drawing,
        casebook_report::ReportStage::Writing,
    ] {
        let last = events
            .iter()
            .rev()
            .find(|p| p.stage == stage)
            .expect("each stage reports progress");
        assert_eq!(
            last.done, last.total,
            "the last {stage:?} event reports completion"
        );
    }
    assert!(
        events
            .iter()
            .filter(|p| p.stage == casebook_report::ReportStage::Layout)
            .count()
            > 2,
        "a 600-entry timeline reports layout progress more than once"
    );
}
