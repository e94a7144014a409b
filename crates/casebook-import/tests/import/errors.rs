//! Broken inputs are refused with the row and column in the error, and the reader never runs on past what it cannot
//! read.

use std::io::{self, Read};

use casebook_import::{
    read_timeline, DateTimeError, Format, ImportError, MandatoryColumn, TimestampError,
};

use crate::{every_item, import_err, import_ok};

const HEADER: &str = "message,datetime,timestamp_desc\n";

#[test]
fn an_unbalanced_quote_is_refused_at_the_row_that_opens_it() {
    let csv = format!("{HEADER}first,2020-01-01T00:00:00Z,t\n\"second,2020-01-01T00:00:01Z,t\nthird,2020-01-01T00:00:02Z,t\n");
    let items = every_item(csv.as_bytes(), Format::Csv);
    assert_eq!(
        items.len(),
        2,
        "the first row, then the error; nothing after the open quote is made up: {items:?}"
    );
    assert!(items[0].is_ok(), "the row before the quote is fine");
    match &items[1] {
        Err(ImportError::UnterminatedQuote { row, line }) => assert_eq!((*row, *line), (2, 3)),
        other => panic!("expected UnterminatedQuote, got {other:?}"),
    }
}

#[test]
fn an_open_quote_in_the_last_column_is_refused_too() {
    // Here the swallowing row has the right number of cells, so only the quote check can catch it.
    let csv = format!("{HEADER}first,2020-01-01T00:00:00Z,\"t\nsecond,2020-01-01T00:00:01Z,t\n");
    let error = import_err(csv.as_bytes(), Format::Csv);
    assert!(
        matches!(error, ImportError::UnterminatedQuote { row: 1, line: 2 }),
        "the second event must not disappear into the first one's timestamp_desc: {error:?}"
    );
    assert!(error
        .to_string()
        .starts_with("row 1 (line 2): a quoted cell opened in this row is never closed"));
}

#[test]
fn a_quoted_last_cell_that_ends_the_file_is_fine() {
    let csv = format!("{HEADER}first,2020-01-01T00:00:00Z,\"multi\nline\"");
    let entries = import_ok(csv.as_bytes(), Format::Csv);
    assert_eq!(
        entries[0].timestamp_desc, "multi\nline",
        "a closed quote at the very end is not an open one"
    );
}

#[test]
fn rows_with_too_few_or_too_many_cells_are_refused() {
    let csv = format!("{HEADER}\"a\nb\",2020-01-01T00:00:00Z,t\nshort,2020-01-01T00:00:00Z\n");
    let error = import_err(csv.as_bytes(), Format::Csv);
    assert_eq!(
        error.to_string(),
        "row 2 (line 4): the row has 2 cells but the header names 3 columns",
        "the line accounts for the quoted line break of row 1"
    );

    let csv = format!("{HEADER}m,2020-01-01T00:00:00Z,t,extra\n");
    let error = import_err(csv.as_bytes(), Format::Csv);
    assert!(
        matches!(
            error,
            ImportError::CellCount {
                row: 1,
                line: 2,
                expected: 3,
                found: 4
            }
        ),
        "a cell without a column would be lost: {error:?}"
    );
}

#[test]
fn empty_inputs_and_a_lone_header_are_refused() {
    assert!(
        matches!(
            read_timeline(&b""[..], Format::Csv),
            Err(ImportError::Empty)
        ),
        "an empty CSV"
    );
    assert!(
        matches!(
            import_err(HEADER.as_bytes(), Format::Csv),
            ImportError::NoRows
        ),
        "a header without rows"
    );
    assert!(
        matches!(import_err(b"", Format::Jsonl), ImportError::Empty),
        "an empty JSONL file"
    );
    assert!(
        matches!(import_err(b"\n  \n\r\n", Format::Jsonl), ImportError::Empty),
        "blank lines hold no event"
    );
}

#[test]
fn a_duplicate_column_is_refused_because_one_value_would_be_lost() {
    let csv = "message,datetime,timestamp_desc,host,host\nm,2020-01-01T00:00:00Z,t,a,b\n";
    match read_timeline(csv.as_bytes(), Format::Csv) {
        Err(ImportError::DuplicateColumn { column }) => assert_eq!(column, "host"),
        other => panic!("expected DuplicateColumn, got {other:?}"),
    }
}

#[test]
fn a_missing_message_column_is_named() {
    let csv = "msg,datetime,timestamp_desc\nm,2020-01-01T00:00:00Z,t\n";
    match read_timeline(csv.as_bytes(), Format::Csv) {
        Err(ImportError::MissingColumns { missing, .. }) => {
            assert_eq!(missing, [MandatoryColumn::Message])
        }
        other => panic!("expected MissingColumns, got {other:?}"),
    }
}

#[test]
fn a_row_without_any_time_is_refused() {
    let csv = "message,datetime,timestamp,timestamp_desc\nm,,,t\n";
    let error = import_err(csv.as_bytes(), Format::Csv);
    assert!(
        matches!(
            error,
            ImportError::MissingValue {
                row: 1,
                field: MandatoryColumn::DateTime
            }
        ),
        "both time cells are empty: {error:?}"
    );
    assert_eq!(
        error.to_string(),
        "row 1: no value for `datetime` or `timestamp`; every event needs `message`, `datetime` and `timestamp_desc`"
    );
}

#[test]
fn a_bad_timestamp_is_named_when_it_is_the_only_time() {
    let csv = "message,timestamp,timestamp_desc\nm,12:00,t\n";
    let error = import_err(csv.as_bytes(), Format::Csv);
    assert!(
        matches!(&error, ImportError::InvalidTimestamp { row: 1, column, reason: TimestampError::NotAnInteger, .. }
            if column == "timestamp"),
        "got {error:?}"
    );
}

#[test]
fn nanosecond_datetimes_are_refused_rather_than_rounded() {
    let csv = format!("{HEADER}m,2024-07-24T10:57:02.877297001Z,t\n");
    let error = import_err(csv.as_bytes(), Format::Csv);
    assert!(
        matches!(
            error,
            ImportError::InvalidDateTime {
                row: 1,
                reason: DateTimeError::FinerThanMicroseconds,
                ..
            }
        ),
        "a non-zero nanosecond digit must not be dropped silently: {error:?}"
    );
}

#[test]
fn invalid_utf8_is_refused_with_its_row() {
    let mut csv = format!("{HEADER}ok,2020-01-01T00:00:00Z,t\n").into_bytes();
    csv.extend_from_slice(b"bad \xff,2020-01-01T00:00:00Z,t\n");
    let error = import_err(&csv, Format::Csv);
    assert!(
        matches!(error, ImportError::InvalidUtf8 { row: 2, line: 3 }),
        "got {error:?}"
    );

    let jsonl = b"{\"message\": \"bad \xff\", \"datetime\": \"2020-01-01T00:00:00Z\", \"timestamp_desc\": \"t\"}\n";
    let error = import_err(jsonl, Format::Jsonl);
    assert!(
        matches!(error, ImportError::InvalidUtf8 { row: 1, .. }),
        "got {error:?}"
    );
}

#[test]
fn windows_line_endings_and_a_byte_order_mark_are_read() {
    let csv = "\u{feff}\"message\",\"datetime\",\"timestamp_desc\"\r\nm,2020-01-01T00:00:00Z,t\r\n";
    let entries = import_ok(csv.as_bytes(), Format::Csv);
    assert_eq!(
        entries[0].timestamp_desc, "t",
        "no \\r may cling to the last cell"
    );

    let jsonl = "\u{feff}{\"message\":\"m\",\"datetime\":\"2020-01-01T00:00:00Z\",\"timestamp_desc\":\"t\"}\r\n";
    let entries = import_ok(jsonl.as_bytes(), Format::Jsonl);
    assert_eq!(entries[0].timestamp_desc, "t");
}

#[test]
fn malformed_json_names_the_line() {
    let jsonl = "{\"message\":\"m\",\"datetime\":\"2020-01-01T00:00:00Z\",\"timestamp_desc\":\"t\"}\n\n{\"message\": \n";
    let items = every_item(jsonl.as_bytes(), Format::Jsonl);
    assert!(items[0].is_ok());
    let error = match &items[1] {
        Err(error @ ImportError::Json { row: 3, .. }) => error.to_string(),
        other => panic!("the truncated third line must be a JSON error, got {other:?}"),
    };
    assert!(
        error.starts_with("row 3: the line is not valid JSON ("),
        "{error}"
    );
}

#[test]
fn json_fields_of_the_wrong_type_are_named() {
    let jsonl =
        "{\"message\": 42, \"datetime\": \"2020-01-01T00:00:00Z\", \"timestamp_desc\": \"t\"}\n";
    let error = import_err(jsonl.as_bytes(), Format::Jsonl);
    assert_eq!(
        error.to_string(),
        "row 1, column `message`: expected a string, found a number"
    );
    assert_eq!(error.column(), Some("message"));

    let jsonl = "{\"message\": \"m\", \"datetime\": 1595000000, \"timestamp_desc\": \"t\"}\n";
    let error = import_err(jsonl.as_bytes(), Format::Jsonl);
    assert!(
        matches!(&error, ImportError::WrongType { column, found: "a number", .. } if column == "datetime"),
        "an epoch belongs in `timestamp`, not `datetime`: {error:?}"
    );

    let error = import_err(b"[\"message\"]\n", Format::Jsonl);
    assert!(
        matches!(
            error,
            ImportError::NotAnObject {
                row: 1,
                found: "an array"
            }
        ),
        "got {error:?}"
    );
}

#[test]
fn json_lines_missing_a_mandatory_field_are_refused() {
    let without_desc = "{\"message\": \"m\", \"datetime\": \"2020-01-01T00:00:00Z\"}\n";
    let error = import_err(without_desc.as_bytes(), Format::Jsonl);
    assert!(
        matches!(
            error,
            ImportError::MissingValue {
                row: 1,
                field: MandatoryColumn::TimestampDesc
            }
        ),
        "{error:?}"
    );

    let without_time = "{\"message\": \"m\", \"datetime\": null, \"timestamp_desc\": \"t\"}\n";
    let error = import_err(without_time.as_bytes(), Format::Jsonl);
    assert!(
        matches!(
            error,
            ImportError::MissingValue {
                row: 1,
                field: MandatoryColumn::DateTime
            }
        ),
        "{error:?}"
    );
}

#[test]
fn json_attributes_keep_their_types() {
    let jsonl = "{\"message\": \"m\", \"timestamp\": 1658689261123456, \"timestamp_desc\": \"t\", \
                 \"count\": 3, \"flag\": true, \"tags\": [\"a\"], \"nothing\": null}\n";
    let entries = import_ok(jsonl.as_bytes(), Format::Jsonl);
    assert_eq!(
        serde_json::Value::Object(entries[0].attributes.clone()),
        serde_json::json!({"count": 3, "flag": true, "tags": ["a"], "nothing": null}),
        "JSONL attributes are kept with their JSON types; timestamp is a format field, not an attribute"
    );
    assert_eq!(
        entries[0].attributes.keys().collect::<Vec<_>>(),
        ["count", "flag", "tags", "nothing"],
        "attributes keep the order of the line, so an export lists them as the source did"
    );
}

/// A reader that hands out some bytes and then fails, like a disk read error in the middle of a file.
struct FailingAfter<'a> {
    bytes: &'a [u8],
}

impl Read for FailingAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.bytes.is_empty() {
            return Err(io::Error::other("the disk is gone"));
        }
        let count = self.bytes.len().min(buf.len());
        buf[..count].copy_from_slice(&self.bytes[..count]);
        self.bytes = &self.bytes[count..];
        Ok(count)
    }
}

#[test]
fn a_read_failure_ends_the_import() {
    for format in [Format::Csv, Format::Jsonl] {
        let text = match format {
            Format::Csv => format!("{HEADER}m,2020-01-01T00:00:00Z,t\n"),
            Format::Jsonl => "{\"message\":\"m\",\"datetime\":\"2020-01-01T00:00:00Z\",\"timestamp_desc\":\"t\"}\n".into(),
        };
        let entries = match read_timeline(
            FailingAfter {
                bytes: text.as_bytes(),
            },
            format,
        ) {
            Ok(entries) => entries,
            Err(error) => panic!("{format:?}: the header was readable: {error}"),
        };
        let items: Vec<_> = entries.take(5).collect();
        assert_eq!(
            items.len(),
            2,
            "{format:?}: one event, then the read error, then nothing: {items:?}"
        );
        assert!(
            matches!(items[1], Err(ImportError::Read { .. })),
            "{format:?}: got {:?}",
            items[1]
        );
    }
}
