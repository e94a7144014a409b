//! A report of many pages, drawn in several batches: every entry in order, page numbers right across batch
//! boundaries, each font embedded once, and verification that covers the last page as well as the first.

use casebook_report::{
    render_report, verify, EvidenceCheck, Finding, RenderedReport, ReportTemplate, Verdict,
    VerifyInputs,
};
use lopdf::{Document, Object};

use crate::fixture;
use crate::tools::{poppler, temp_pdf};

/// Pages a batch of the renderer holds (`render::BATCH_PAGES`): the report below must span more than one.
const BATCH_PAGES: usize = 128;

fn large_report() -> RenderedReport {
    render_report(
        &fixture::case_with_entries(4_000),
        &fixture::options(ReportTemplate::Technical),
        None,
    )
    .expect("a 4,000-entry case renders")
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn pdftotext(pdf: &[u8]) -> String {
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
fn a_report_of_several_batches_reads_in_order_and_verifies_to_its_last_page() {
    let report = large_report();
    let pages = report.page_count;
    assert!(
        pages > BATCH_PAGES,
        "the case must make more than one batch of pages, got {pages} pages"
    );

    let flat = squeeze(&pdftotext(&report.pdf));
    let mut from = 0;
    for n in 0..4_000 {
        let summary = squeeze(&fixture::entry_summary(n));
        match flat[from..].find(&summary) {
            Some(at) => from += at + summary.len(),
            None => panic!("timeline entry {n} ({summary}) is missing or out of order"),
        }
    }
    let mut from = 0;
    for page in 1..=pages {
        let label = format!("Page{page}of{pages}");
        match flat[from..].find(&label) {
            Some(at) => from += at + label.len(),
            None => panic!("footer {label:?} is missing or out of order across batches"),
        }
    }

    let file = temp_pdf(&report.pdf);
    let listing = poppler("pdffonts", &[file.path().to_str().expect("utf-8 path")]);
    let mut names: Vec<&str> = listing
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names.len(), 4, "four fonts, each embedded once:\n{listing}");
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 4, "no font is embedded twice:\n{listing}");

    let inputs = VerifyInputs {
        evidence: &|_| EvidenceCheck::Matches,
        live_case: None,
    };
    let outcome = verify(&report.pdf, &inputs);
    assert!(
        outcome
            .findings
            .iter()
            .any(|f| matches!(f, Finding::RerenderIdentical)),
        "the whole file re-renders byte for byte: {:#?}",
        outcome.findings
    );

    // One byte inside the last page's compressed drawing: the re-render must point at exactly that byte.
    let mut pdf = report.pdf.clone();
    let doc = Document::load_mem(&pdf).expect("lopdf reads the report");
    let last = *doc
        .get_pages()
        .values()
        .last()
        .expect("the report has pages");
    let content = doc
        .get_dictionary(last)
        .and_then(|d| d.get(b"Contents"))
        .and_then(Object::as_reference)
        .expect("the last page has one content stream");
    let header = format!("\n{} {} obj", content.0, content.1);
    let object_at = pdf
        .windows(header.len())
        .position(|w| w == header.as_bytes())
        .expect("the content stream object is in the file");
    let data_at = object_at
        + pdf[object_at..]
            .windows(7)
            .position(|w| w == b"stream\n")
            .expect("the object is a stream")
        + 7;
    let at = data_at + 5;
    pdf[at] ^= 0x01;
    let outcome = verify(&pdf, &inputs);
    assert_eq!(
        outcome.verdict(),
        Verdict::Failed,
        "{:#?}",
        outcome.findings
    );
    assert!(
        outcome.findings.iter().any(|f| matches!(
            f,
            Finding::PdfModified { first_difference_at, .. } if *first_difference_at == at
        )),
        "the re-render finds the altered byte of the last page: {:#?}",
        outcome.findings
    );
}
