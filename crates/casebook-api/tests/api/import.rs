//! Timesketch imports large enough to span several events: the log and projections they write, and what is left
//! when one fails part-way (nothing).

use std::io::Read;

use casebook_api::incidents::NewIncident;
use casebook_api::timeline::IMPORT_KIND;
use casebook_api::{Casebook, ErrorCode};
use casebook_core::model::{Role, Severity, Tlp};
use casebook_import::Format;

use crate::open;

/// Rows per test file: three import events (1,000 entries each, the last one partial).
const ROWS: usize = 2_500;

fn jsonl(rows: usize, bad_line: Option<usize>) -> Vec<u8> {
    let mut out = String::new();
    for i in 1..=rows {
        if Some(i) == bad_line {
            out.push_str(
                "{\"message\": \"no time here\", \"timestamp_desc\": \"Event Recorded\"}\n",
            );
            continue;
        }
        let word = if i == 1_777 { " zanzibarite" } else { "" };
        out.push_str(&format!(
            "{{\"message\": \"process started on host {}{word}\", \"datetime\": \"2026-11-20T10:{:02}:{:02}+02:00\", \
             \"timestamp_desc\": \"Event Recorded\", \"hostname\": \"WKS-{}\", \"parser\": \"winevtx\"}}\n",
            i % 7,
            (i / 60) % 60,
            i % 60,
            i % 13
        ));
    }
    out.into_bytes()
}

fn casebook() -> (tempfile::TempDir, Casebook, String) {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, _clock) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Lead Analyst", Role::Lead, None).unwrap();
    let key = cb
        .new_incident(NewIncident::titled("Bulk", Severity::Sev2, Tlp::Amber))
        .unwrap()
        .row
        .key;
    (dir, cb, key)
}

fn entry_count(cb: &Casebook, key: &str) -> i64 {
    cb.entries(key, &Default::default(), 0, 1).unwrap().0
}

fn hits(cb: &Casebook, q: &str) -> Vec<(String, String)> {
    let mut hits: Vec<_> = cb
        .search(q, None, 50)
        .unwrap()
        .into_iter()
        .map(|h| (h.kind, h.id))
        .collect();
    hits.sort();
    hits
}

#[test]
fn a_multi_event_import_is_a_signed_chain_and_rebuilds_to_the_same_projections_and_search() {
    let (_dir, mut cb, key) = casebook();
    let mut seen = vec![];
    let summary = cb
        .import_timeline(
            &key,
            &jsonl(ROWS, None)[..],
            Format::Jsonl,
            "evtx",
            IMPORT_KIND,
            &mut |n| seen.push(n),
        )
        .unwrap();
    assert_eq!(summary.entries, ROWS as u64, "every row is imported");
    assert_eq!(summary.events, 3, "one event per 1,000 entries");
    assert_eq!(
        seen,
        vec![1_000, 2_000, 2_500],
        "progress is reported per batch and at the end"
    );
    assert_eq!(
        entry_count(&cb, &key),
        ROWS as i64,
        "the incident holds every row"
    );

    let log = cb.verify_log(&mut |_| {}).unwrap();
    assert!(
        log.ok(),
        "the import's events verify as a hash chain: {log:?}"
    );

    let rare = hits(&cb, "zanzibarite");
    assert_eq!(
        rare.len(),
        1,
        "the entry of line 1,777 is in the full-text index, in the import's transaction"
    );
    let common = hits(&cb, "WKS");
    assert!(!common.is_empty(), "host names are indexed");

    let rebuilt = cb.rebuild(&mut |_| {}).unwrap();
    assert!(
        rebuilt.identical,
        "replaying the log gives the projections the import wrote"
    );
    assert_eq!(
        hits(&cb, "zanzibarite"),
        rare,
        "and the same search results"
    );
    assert_eq!(
        hits(&cb, "WKS"),
        common,
        "and the same search results for a common word"
    );
}

#[test]
fn a_bad_line_after_several_batches_rolls_everything_back_and_names_the_line() {
    let (_dir, mut cb, key) = casebook();
    let events_before = cb.verify_log(&mut |_| {}).unwrap().events;
    let err = cb
        .import_timeline(
            &key,
            &jsonl(ROWS, Some(2_201))[..],
            Format::Jsonl,
            "evtx",
            IMPORT_KIND,
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::InvalidInput,
        "a bad row is the file's fault: {err:?}"
    );
    assert!(
        err.message.contains("row 2201"),
        "the message names the line: {}",
        err.message
    );
    assert!(
        err.message.contains("nothing was imported"),
        "and says what happened: {}",
        err.message
    );
    assert_eq!(
        entry_count(&cb, &key),
        0,
        "the two batches written before the bad line are rolled back"
    );
    assert_eq!(
        cb.verify_log(&mut |_| {}).unwrap().events,
        events_before,
        "no import event stays in the log"
    );
    assert!(
        hits(&cb, "process").is_empty(),
        "nor in the full-text index"
    );

    let again = cb
        .import_timeline(
            &key,
            &jsonl(ROWS, None)[..],
            Format::Jsonl,
            "evtx",
            IMPORT_KIND,
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(
        again.entries, ROWS as u64,
        "the device's chain carries on after the rollback"
    );
    assert!(cb.verify_log(&mut |_| {}).unwrap().ok(), "and verifies");
}

/// A file that fails to read part-way, as a removed disk or a cancelled transfer does.
struct Breaks {
    data: Vec<u8>,
    at: usize,
    pos: usize,
}

impl Read for Breaks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.at {
            return Err(std::io::Error::other("the device went away"));
        }
        let n = buf.len().min(self.at - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn an_import_whose_file_stops_reading_part_way_leaves_nothing_behind() {
    let (_dir, mut cb, key) = casebook();
    let data = jsonl(ROWS, None);
    let at = data.len() * 9 / 10;
    let events_before = cb.verify_log(&mut |_| {}).unwrap().events;
    let err = cb
        .import_timeline(
            &key,
            Breaks { data, at, pos: 0 },
            Format::Jsonl,
            "evtx",
            IMPORT_KIND,
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::Io,
        "a reading failure is reported as such: {err:?}"
    );
    assert_eq!(
        entry_count(&cb, &key),
        0,
        "rows read before the failure are rolled back"
    );
    assert_eq!(
        cb.verify_log(&mut |_| {}).unwrap().events,
        events_before,
        "and no event stays in the log"
    );
}
