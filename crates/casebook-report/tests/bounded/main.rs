//! Hostile report PDFs checked in bounded memory: deflate bombs in the attachment and in an object stream, and a
//! file over the size cap. These tests measure the process's peak memory, so they live in their own test binary
//! and run one at a time.

mod memory;

use std::io::Write;

use casebook_report::{
    render_report, verify, EvidenceCheck, Finding, ReportOptions, ReportTemplate, Verdict,
    VerifyInputs, VerifyOutcome, MAX_REPORT_BYTES,
};
use lopdf::{Dictionary, Document, Object, Stream};
use memory::{measure, serial, MAX_GROWTH};

fn genuine_pdf() -> Vec<u8> {
    let case: casebook_report::ReportCase =
        serde_json::from_str(include_str!("../report/small_case.json"))
            .expect("the fixture parses");
    let options = ReportOptions {
        template: ReportTemplate::Executive,
        key_events_only: true,
        exported_at: case.times.reported,
    };
    render_report(&case, &options, None).expect("renders").pdf
}

/// `len` zero bytes, deflated as they are made: about a thousandth of their size.
fn bomb(len: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1024 * 1024];
    for _ in 0..len / chunk.len() {
        z.write_all(&chunk).expect("deflating to memory");
    }
    z.finish().expect("deflating to memory")
}

fn check(pdf: &[u8]) -> (VerifyOutcome, u64) {
    measure(|| {
        verify(
            pdf,
            &VerifyInputs {
                evidence: &|_| EvidenceCheck::Matches,
                live_case: None,
            },
        )
    })
}

fn save(mut doc: Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("lopdf saves");
    out
}

const GIB: usize = 1024 * 1024 * 1024;

#[test]
fn an_attachment_that_inflates_to_a_gigabyte_is_refused_in_bounded_memory() {
    let _one = serial();
    let mut doc = Document::load_mem(&genuine_pdf()).expect("lopdf reads the report");
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
        .expect("a stream");
    stream
        .dict
        .set("Filter", Object::Name(b"FlateDecode".to_vec()));
    stream.set_content(bomb(GIB));
    let pdf = save(doc);
    let (outcome, growth) = check(&pdf);
    eprintln!(
        "attachment bomb ({} bytes inflating to 1 GiB): {growth} bytes of memory growth",
        pdf.len()
    );
    assert!(
        growth < MAX_GROWTH,
        "checking took {growth} bytes of memory"
    );
    assert_eq!(
        outcome.verdict(),
        Verdict::Failed,
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn an_object_stream_that_inflates_to_a_gigabyte_is_refused_in_bounded_memory() {
    let _one = serial();
    let mut doc = Document::load_mem(&genuine_pdf()).expect("lopdf reads the report");
    let mut dict = Dictionary::new();
    // lopdf drops object streams when it saves (it writes its own), so the type is set on the bytes afterwards.
    dict.set("Type", Object::Name(b"ObjSt_".to_vec()));
    dict.set("N", Object::Integer(1));
    dict.set("First", Object::Integer(4));
    dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    doc.add_object(Object::Stream(
        Stream::new(dict, bomb(GIB)).with_compression(false),
    ));
    let mut pdf = save(doc);
    let at = pdf
        .windows(7)
        .position(|w| w == b"/ObjSt_")
        .expect("the stream was saved");
    pdf[at..at + 7].copy_from_slice(b"/ObjStm");
    let (outcome, growth) = check(&pdf);
    eprintln!(
        "object stream bomb ({} bytes inflating to 1 GiB): {growth} bytes of memory growth",
        pdf.len()
    );
    assert!(
        growth < MAX_GROWTH,
        "checking took {growth} bytes of memory"
    );
    assert_ne!(
        outcome.verdict(),
        Verdict::Verified,
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn a_file_over_the_size_cap_is_refused_before_it_is_parsed() {
    let _one = serial();
    let mut pdf = genuine_pdf();
    pdf.resize(MAX_REPORT_BYTES + 1, b' ');
    let (outcome, growth) = check(&pdf);
    assert!(
        matches!(outcome.findings.as_slice(), [Finding::Unreadable { reason }] if reason.contains("more than")),
        "{:#?}",
        outcome.findings
    );
    assert!(
        growth < MAX_GROWTH,
        "checking took {growth} bytes of memory"
    );
}
