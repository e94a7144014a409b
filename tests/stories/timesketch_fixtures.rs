//! Every Timesketch sample in `crates/casebook-import/tests/fixtures/timesketch/` imported through the CLI behaves as
//! that folder's SOURCE.md says, and an import is all or nothing.

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::cli::{array, DataDir};

/// The columns that are the format itself and never become attributes (`timestamp_desc` is kept as one by design).
const FORMAT_COLUMNS: [&str; 3] = ["message", "datetime", "timestamp"];

fn fixture(name: &str) -> PathBuf {
    crate::cli::workspace_root()
        .join("crates/casebook-import/tests/fixtures/timesketch")
        .join(name)
}

fn fixture_arg(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

/// A tier-1 responder's data directory with one incident that already has one entry.
fn case() -> (DataDir, String) {
    let (cb, key) = DataDir::with_incident("Imported timelines");
    cb.ok(&[
        "timeline",
        "add",
        &key,
        "Case opened",
        "--at",
        "2026-11-20T10:00:00Z",
    ]);
    (cb, key)
}

fn entries(cb: &DataDir, key: &str) -> Vec<Value> {
    array(&cb.json(&["timeline", "list", key, "--limit", "100000"])).clone()
}

fn imported(cb: &DataDir, key: &str) -> Vec<Value> {
    entries(cb, key)
        .into_iter()
        .filter(|e| e["summary"] != "Case opened")
        .collect()
}

#[test]
fn evtx_part_imports_every_row_with_extra_columns_as_attributes() {
    let (cb, key) = case();
    cb.ok(&["timeline", "import", &key, &fixture_arg("evtx_part.csv")]);

    let mut raw =
        csv::Reader::from_path(fixture("evtx_part.csv")).expect("the csv crate reads the fixture");
    let header: Vec<String> = raw
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let mut expected: Vec<(String, Value)> = raw
        .records()
        .map(|r| r.expect("the csv crate reads every record"))
        .map(|record| {
            let mut attributes = Map::new();
            let mut message = String::new();
            for (column, cell) in header.iter().zip(record.iter()) {
                if column == "message" {
                    message = cell.to_owned();
                } else if !FORMAT_COLUMNS.contains(&column.as_str()) && !cell.is_empty() {
                    attributes.insert(column.clone(), Value::String(cell.to_owned()));
                }
            }
            (message, Value::Object(attributes))
        })
        .collect();
    let mut got: Vec<(String, Value)> = imported(&cb, &key)
        .into_iter()
        .map(|e| {
            (
                e["summary"].as_str().unwrap_or_default().to_owned(),
                e["attributes"].clone(),
            )
        })
        .collect();
    assert!(
        !expected.is_empty(),
        "evtx_part.csv must have rows for this test to mean anything"
    );
    let order = |a: &(String, Value), b: &(String, Value)| {
        (&a.0, a.1.to_string()).cmp(&(&b.0, b.1.to_string()))
    };
    expected.sort_by(order);
    got.sort_by(order);
    assert_eq!(
        got.len(),
        expected.len(),
        "every row of evtx_part.csv must become one entry"
    );
    assert_eq!(
        got, expected,
        "each entry's summary is the row's message and every other non-empty column is an attribute, byte for byte"
    );
}

#[test]
fn the_valid_samples_import_every_row_with_their_times() {
    let cases: [(&str, &[&str]); 6] = [
        ("evtx_direct.csv", &[]),
        (
            "sigma_events.csv",
            &[
                "2015-07-24T19:01:01Z",
                "2015-07-24T19:01:02Z",
                "2015-07-24T19:01:03Z",
                "2015-07-24T19:01:03Z",
            ],
        ),
        (
            "sigma_events.jsonl",
            &[
                "2015-07-24T19:01:01Z",
                "2015-07-24T19:01:02Z",
                "2015-07-24T19:01:03Z",
                "2015-07-24T19:01:03Z",
            ],
        ),
        (
            "csv_timestamp_no_datetime.csv",
            &[
                "2022-07-24T19:01:01Z",
                "2022-07-24T19:01:01.123Z",
                "2022-07-24T19:01:01.123456Z",
            ],
        ),
        (
            "validate_time_precision.csv",
            &["2015-07-24T19:01:01Z", "2024-07-24T10:57:02.877297Z"],
        ),
        (
            "validate_time_out_of_range.csv",
            &["1601-01-01T00:00:00Z", "2227-12-31T23:01:01Z"],
        ),
    ];
    for (name, times) in cases {
        let (cb, key) = case();
        cb.ok(&["timeline", "import", &key, &fixture_arg(name)]);
        let got = imported(&cb, &key);
        if name == "evtx_direct.csv" {
            // 13 records, as both Python's csv module and the csv crate count them.
            assert_eq!(got.len(), 13, "{name}: every row must be imported");
            continue;
        }
        // `timeline list` is in event-time order.
        let got_times: Vec<&str> = got
            .iter()
            .map(|e| e["event_time"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            got_times, times,
            "{name}: every row must be imported at its own time, microseconds and far years kept"
        );
    }
}

#[test]
fn a_file_without_the_mandatory_columns_is_refused_naming_them() {
    let (cb, key) = case();
    let run = cb.fails(&["timeline", "import", &key, &fixture_arg("incorrect.csv")]);
    assert!(
        run.stderr.contains("`datetime`") && run.stderr.contains("`timestamp_desc`"),
        "a Wireshark export must be refused naming the missing columns: {}",
        run.stderr
    );
    assert_eq!(
        entries(&cb, &key).len(),
        1,
        "nothing may be imported from a refused file"
    );
}

#[test]
fn datetimes_without_a_zone_are_refused_with_the_row() {
    let (cb, key) = case();
    let run = cb.fails(&[
        "timeline",
        "import",
        &key,
        &fixture_arg("invalid_datetime.csv"),
    ]);
    assert!(
        run.stderr.contains("row 1, column `datetime`") && run.stderr.contains("time zone"),
        "the error must name the row, the column and the missing zone: {}",
        run.stderr
    );
    assert_eq!(entries(&cb, &key).len(), 1, "nothing may be imported");
}

#[test]
fn a_bad_last_row_imports_nothing_even_after_thousands_of_good_ones() {
    let (cb, key) = case();
    // More rows than one import chunk (1,000 entries per event), so earlier chunks were already written in the
    // transaction when the last row fails.
    let mut csv = String::from("message,datetime,timestamp_desc\n");
    for i in 0..2_500 {
        csv.push_str(&format!(
            "good row {i},2026-11-20T10:{:02}:{:02}.{i:06}Z,Event Recorded\n",
            (i / 60) % 60,
            i % 60
        ));
    }
    csv.push_str("bad last row,2026-11-20 11:00:00,Event Recorded\n");
    std::fs::write(cb.work().join("last-row-bad.csv"), csv).expect("write csv");

    let run = cb.fails(&["timeline", "import", &key, "last-row-bad.csv"]);
    assert!(
        run.stderr.contains("row 2501") && run.stderr.contains("nothing was imported"),
        "the error must name the bad row and say nothing was imported: {}",
        run.stderr
    );
    assert_eq!(
        entries(&cb, &key).len(),
        1,
        "an import is all or nothing: the 2,500 good rows before the bad one must not be kept"
    );
    let events: i64 = cb
        .sql()
        .query_row(
            "SELECT count(*) FROM events WHERE kind = 'entries_imported'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(-1);
    assert_eq!(events, 0, "no import event may reach the log either");
}

#[test]
fn a_38k_field_survives_intact() {
    let (cb, key) = case();
    cb.ok(&[
        "timeline",
        "import",
        &key,
        &fixture_arg("large_field_event.jsonl"),
    ]);
    let text = std::fs::read_to_string(fixture("large_field_event.jsonl")).expect("read fixture");
    let originals: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("each line of the fixture is JSON"))
        .collect();
    let got = imported(&cb, &key);
    assert_eq!(got.len(), 3, "all three events must be imported");
    let big = originals
        .iter()
        .find_map(|o| o["FeatureVector"].as_str())
        .expect("the fixture holds the FeatureVector field");
    assert!(big.len() > 30_000, "the fixture's field is the large one");
    let kept: Vec<&str> = got
        .iter()
        .filter_map(|e| e["attributes"]["FeatureVector"].as_str())
        .collect();
    assert_eq!(
        kept,
        [big],
        "the ~38 KB field must come back exactly as in the file, on exactly one entry"
    );
    let mut messages: Vec<&str> = got.iter().filter_map(|e| e["summary"].as_str()).collect();
    let mut expected: Vec<&str> = originals
        .iter()
        .filter_map(|o| o["message"].as_str())
        .collect();
    messages.sort_unstable();
    expected.sort_unstable();
    assert_eq!(
        messages, expected,
        "the events around the large one must not be lost"
    );
}
