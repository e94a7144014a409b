//! Every Timesketch sample behaves as the table in `tests/fixtures/timesketch/SOURCE.md` says.

use casebook_import::{DateTimeError, Format, ImportError, MandatoryColumn};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{every_item, fixture, import_err, import_ok};

/// The format's own columns, which never become attributes.
const FORMAT_COLUMNS: [&str; 4] = ["message", "datetime", "timestamp", "timestamp_desc"];

fn utc(text: &str) -> DateTime<Utc> {
    match DateTime::parse_from_rfc3339(text) {
        Ok(time) => time.with_timezone(&Utc),
        Err(error) => panic!("test constant {text} must be RFC 3339: {error}"),
    }
}

/// Checks an evtx sample row by row against the `csv` crate's own reading of the raw records, which shares no code
/// with the importer's row assembly.
fn check_evtx_against_raw_records(name: &str, python_row_count: usize) {
    let bytes = fixture(name);
    let entries = import_ok(&bytes, Format::Csv);

    let mut raw = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = match raw.headers() {
        Ok(header) => header.iter().map(str::to_owned).collect(),
        Err(error) => panic!("{name}: the csv crate must read the header: {error}"),
    };
    let records: Vec<csv::StringRecord> = match raw.records().collect() {
        Ok(records) => records,
        Err(error) => panic!("{name}: the csv crate must read every record: {error}"),
    };
    assert_eq!(
        records.len(),
        python_row_count,
        "{name}: the csv crate and Python's csv module must agree"
    );
    assert_eq!(
        entries.len(),
        records.len(),
        "{name}: every row must be imported, none merged or split"
    );

    for (index, (entry, record)) in entries.iter().zip(&records).enumerate() {
        let cell = |column: &str| {
            header
                .iter()
                .position(|name| name == column)
                .and_then(|at| record.get(at))
        };
        assert_eq!(
            entry.row,
            index as u64 + 1,
            "{name}: rows count from 1 after the header"
        );
        assert_eq!(
            Some(entry.message.as_str()),
            cell("message"),
            "{name} row {}: message",
            entry.row
        );
        assert_eq!(
            Some(entry.timestamp_desc.as_str()),
            cell("timestamp_desc"),
            "{name} row {}: timestamp_desc",
            entry.row
        );
        assert_eq!(
            entry.time_zone.as_deref(),
            Some("+00:00"),
            "{name} row {}: plaso writes UTC",
            entry.row
        );
        for (column, value) in header.iter().zip(record.iter()) {
            let kept = entry.attributes.get(column);
            if FORMAT_COLUMNS.contains(&column.as_str()) {
                assert_eq!(
                    kept, None,
                    "{name} row {}: `{column}` is a format column, not an attribute",
                    entry.row
                );
            } else if value.is_empty() {
                assert_eq!(
                    kept, None,
                    "{name} row {}: the empty `{column}` cell must be dropped",
                    entry.row
                );
            } else {
                assert_eq!(
                    kept,
                    Some(&Value::String(value.to_owned())),
                    "{name} row {}: the extra column `{column}` must be kept byte for byte",
                    entry.row
                );
            }
        }
        let extra = header.iter().zip(record.iter());
        let expected_attributes =
            extra.filter(|(c, v)| !FORMAT_COLUMNS.contains(&c.as_str()) && !v.is_empty());
        assert_eq!(
            entry.attributes.len(),
            expected_attributes.count(),
            "{name} row {}: no attribute may appear that the row does not have",
            entry.row
        );
    }
}

#[test]
fn evtx_direct_imports_every_row_with_its_extra_columns() {
    // 13 = `len(list(csv.reader(open("evtx_direct.csv", newline="")))) - 1`, computed once with Python 3's csv module.
    check_evtx_against_raw_records("evtx_direct.csv", 13);
    let entries = import_ok(&fixture("evtx_direct.csv"), Format::Csv);
    assert_eq!(
        entries[0].event_time,
        utc("2012-03-14T04:17:38.276340Z"),
        "plaso's `2012-03-14 04:17:38.276340+00:00` (space, microseconds) must be read exactly"
    );
}

#[test]
fn evtx_part_keeps_multi_line_xml_intact() {
    // 13 rows in 316 lines: the same Python computation as above; the xml_string cells span many lines each.
    check_evtx_against_raw_records("evtx_part.csv", 13);
    let entries = import_ok(&fixture("evtx_part.csv"), Format::Csv);
    for entry in &entries {
        let xml = match entry.attributes.get("xml_string") {
            Some(Value::String(xml)) => xml,
            other => panic!(
                "row {}: xml_string must be kept as text, found {other:?}",
                entry.row
            ),
        };
        assert!(
            xml.starts_with("<Event xmlns=")
                && xml.trim_end().ends_with("</Event>")
                && xml.lines().count() > 10,
            "row {}: the quoted multi-line XML must arrive whole, not cut at a line break",
            entry.row
        );
    }
    assert_eq!(
        entries[0].attributes.get("__ts_timeline_id"),
        Some(&Value::String("35".into()))
    );
}

#[test]
fn sigma_csv_and_jsonl_give_the_same_four_events() {
    let from_csv = import_ok(&fixture("sigma_events.csv"), Format::Csv);
    let from_jsonl = import_ok(&fixture("sigma_events.jsonl"), Format::Jsonl);
    assert_eq!(from_csv.len(), 4, "sigma_events.csv has four rows");
    assert_eq!(
        from_csv, from_jsonl,
        "the two samples hold the same events as strings, so both readers must produce identical entries"
    );
    let first = &from_csv[0];
    assert_eq!(first.message, "A message");
    assert_eq!(first.timestamp_desc, "Write time");
    assert_eq!(
        first.event_time,
        utc("2015-07-24T19:01:01Z"),
        "datetime wins over the unrelated timestamp"
    );
    assert_eq!(
        first.attributes.keys().collect::<Vec<_>>(),
        ["extra_field_1"],
        "empty CSV cells are dropped, so only extra_field_1 remains"
    );
    assert_eq!(
        from_csv[3].attributes.get("command"),
        Some(&Value::String("Commandline: apt-get install zmap".into()))
    );
}

#[test]
fn timestamp_only_rows_take_their_unit_from_the_magnitude() {
    let entries = import_ok(&fixture("csv_timestamp_no_datetime.csv"), Format::Csv);
    let times: Vec<_> = entries
        .iter()
        .map(|entry| (entry.message.as_str(), entry.event_time))
        .collect();
    assert_eq!(
        times,
        [
            ("seconds_timestamp", utc("2022-07-24T19:01:01Z")),
            ("milliseconds_timestamp", utc("2022-07-24T19:01:01.123Z")),
            ("microseconds_timestamp", utc("2022-07-24T19:01:01.123456Z")),
        ],
        "10, 13 and 16 digits are seconds, milliseconds and microseconds of the same instant"
    );
    assert!(
        entries.iter().all(|entry| entry.time_zone.is_none()),
        "an epoch count says nothing about the source's zone"
    );
}

#[test]
fn sub_second_precision_is_kept_to_the_microsecond() {
    let entries = import_ok(&fixture("validate_time_precision.csv"), Format::Csv);
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0].event_time,
        utc("2024-07-24T10:57:02.877297Z"),
        "all six fraction digits must survive"
    );
    assert_eq!(entries[0].event_time.timestamp_subsec_micros(), 877_297);
    assert_eq!(
        entries[0].time_zone.as_deref(),
        Some("+00:00"),
        "`Z` is kept as the offset +00:00"
    );
    assert_eq!(
        entries[1].event_time,
        utc("2015-07-24T19:01:01Z"),
        "when datetime and timestamp (2012-03-14) disagree, datetime wins"
    );
}

#[test]
fn years_1601_and_2227_are_accepted_as_they_are() {
    let entries = import_ok(&fixture("validate_time_out_of_range.csv"), Format::Csv);
    let times: Vec<_> = entries.iter().map(|entry| entry.event_time).collect();
    assert_eq!(
        times,
        [utc("1601-01-01T00:00:00Z"), utc("2227-12-31T23:01:01Z")],
        "far-off years must be neither wrapped nor clamped (the empty timestamp cell is no value)"
    );
}

#[test]
fn datetimes_without_a_zone_are_refused_row_by_row() {
    let error = import_err(&fixture("invalid_datetime.csv"), Format::Csv);
    assert_eq!(
        error.to_string(),
        "row 1, column `datetime`: `2017-09-24 19:01:01` has no time zone; add `Z` or an offset such as `+00:00` \
         (Casebook does not guess the zone a timeline was written in)",
        "the import stops at the first row, naming the row, the column and the fix"
    );
    assert_eq!(
        (error.row(), error.column()),
        (Some(1), Some("datetime")),
        "callers get row and column as data"
    );

    let reasons: Vec<_> = every_item(&fixture("invalid_datetime.csv"), Format::Csv)
        .into_iter()
        .map(|item| match item {
            Err(ImportError::InvalidDateTime { row, reason, .. }) => (row, reason),
            other => panic!(
                "every row of invalid_datetime.csv must be refused for its datetime, got {other:?}"
            ),
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (1, DateTimeError::MissingTimeZone),
            (2, DateTimeError::MissingTimeZone),
            (3, DateTimeError::MissingTimeZone),
            (4, DateTimeError::NotIso8601),
        ],
        "a bad row does not stop the iterator, so each row reports its own problem"
    );
    let last = every_item(&fixture("invalid_datetime.csv"), Format::Csv).pop();
    assert_eq!(
        last.and_then(Result::err).map(|error| error.to_string()),
        Some(
            "row 4, column `datetime`: `1234 19:01:01` is not an ISO 8601 date and time \
             (expected e.g. 2015-07-24T19:01:01+00:00)"
                .to_owned()
        )
    );
}

#[test]
fn a_wireshark_export_is_refused_naming_the_missing_columns() {
    let error =
        match casebook_import::read_timeline(fixture("incorrect.csv").as_slice(), Format::Csv) {
            Ok(_) => panic!("incorrect.csv must be refused at the header, before any row is read"),
            Err(error) => error,
        };
    match &error {
        ImportError::MissingColumns { missing, found } => {
            assert_eq!(
                missing,
                &[MandatoryColumn::DateTime, MandatoryColumn::TimestampDesc]
            );
            assert_eq!(
                found.first().map(String::as_str),
                Some("No."),
                "the file's own header is reported"
            );
        }
        other => panic!("expected MissingColumns, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.starts_with(
            "the file has no `datetime` or `timestamp` column and no `timestamp_desc` column; a Timesketch CSV \
             needs `message`, `datetime` and `timestamp_desc` (found columns: No., DT, Source,"
        ),
        "the message must name the missing columns and list what the file has: {message}"
    );
}

#[test]
fn a_38_kb_field_arrives_byte_for_byte() {
    let bytes = fixture("large_field_event.jsonl");
    let entries = import_ok(&bytes, Format::Jsonl);
    let messages: Vec<_> = entries.iter().map(|entry| entry.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Normal event BEFORE large one",
            "Large event with 38k FeatureVector",
            "Normal event AFTER large one"
        ],
        "the events around the large one must not be lost"
    );

    // The value has no escapes, so it is exactly the bytes between the quotes after its key in the raw file.
    let text = String::from_utf8_lossy(&bytes);
    let key = "\"FeatureVector\": \"";
    let start = text.find(key).map(|at| at + key.len());
    let raw = start.and_then(|start| {
        text[start..]
            .find('"')
            .map(|length| &text[start..start + length])
    });
    let Some(raw) = raw else {
        panic!("the fixture must contain the FeatureVector field")
    };
    assert_eq!(
        raw.len(),
        38_000,
        "the fixture's field is 38,000 characters"
    );
    assert_eq!(
        entries[1].attributes.get("FeatureVector"),
        Some(&Value::String(raw.to_owned())),
        "the large field must be kept whole"
    );
    assert_eq!(
        entries[1].attributes.get("id"),
        Some(&Value::String("test-uuid-12345".into()))
    );
    assert_eq!(entries[2].row, 3, "JSONL rows are line numbers");
}
