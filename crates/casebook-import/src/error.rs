//! The typed errors of reading and writing timelines, with messages written for the responder who must fix the file.
//!
//! Every error that concerns one row carries its `row` (and its `column` when one value is at fault) as fields, so a
//! caller can point at the spot without parsing the message.

use std::fmt;
use std::io;

/// One of the columns a Timesketch timeline must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MandatoryColumn {
    /// `message`: the human-readable description of the event.
    Message,
    /// `datetime` (ISO 8601), or failing that `timestamp` (time since the Unix epoch).
    DateTime,
    /// `timestamp_desc`: what the time means ("Write time", "Content Modification Time", …).
    TimestampDesc,
}

impl fmt::Display for MandatoryColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MandatoryColumn::Message => "`message`",
            MandatoryColumn::DateTime => "`datetime` or `timestamp`",
            MandatoryColumn::TimestampDesc => "`timestamp_desc`",
        })
    }
}

/// Why a `datetime` value was refused. The display text continues a sentence that starts with the quoted value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateTimeError {
    /// Not shaped like `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)`.
    NotIso8601,
    /// Shaped right, but names a day or time that does not exist (February 30th, 25 o'clock, …).
    NoSuchDateTime,
    /// A date and time without `Z` or an offset: we refuse to guess the zone (see the crate docs).
    MissingTimeZone,
    /// Non-zero digits below the microsecond: they would be lost silently, so the row is refused.
    FinerThanMicroseconds,
    /// The offset is not a valid `±HH:MM` (hours above 23 or minutes above 59).
    InvalidOffset,
}

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateTimeError::NotIso8601 => {
                "is not an ISO 8601 date and time (expected e.g. 2015-07-24T19:01:01+00:00)"
            }
            DateTimeError::NoSuchDateTime => "names a date or time of day that does not exist",
            DateTimeError::MissingTimeZone => {
                "has no time zone; add `Z` or an offset such as `+00:00` \
                 (Casebook does not guess the zone a timeline was written in)"
            }
            DateTimeError::FinerThanMicroseconds => {
                "is more precise than a microsecond; Casebook keeps microseconds, \
                 so cut the fraction to at most 6 digits"
            }
            DateTimeError::InvalidOffset => {
                "has an impossible UTC offset (expected `Z` or `±HH:MM` with HH up to 23)"
            }
        })
    }
}

/// Why a `timestamp` value (used when there is no `datetime`) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampError {
    /// Not a whole number.
    NotAnInteger,
    /// So large that no unit (seconds … nanoseconds) gives a time Casebook can represent.
    OutOfRange,
    /// A nanosecond value that is not a whole number of microseconds: the rest would be lost silently.
    FinerThanMicroseconds,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimestampError::NotAnInteger => {
                "is not a whole number of seconds, milliseconds or microseconds since 1970-01-01"
            }
            TimestampError::OutOfRange => "is too large to be a time since 1970-01-01 in any unit",
            TimestampError::FinerThanMicroseconds => {
                "reads as nanoseconds and is not a whole number of microseconds; \
                 Casebook keeps microseconds"
            }
        })
    }
}

/// Everything that can go wrong while reading a timeline. Row numbers count data rows from 1 (the CSV header is not a
/// row); in JSONL the row is the line number.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The underlying reader failed; nothing after this point can be read.
    #[error("could not read the timeline: {source}")]
    Read {
        /// What the reader reported.
        #[source]
        source: io::Error,
    },

    /// Not a single byte of content (or, in JSONL, only blank lines).
    #[error("the file is empty; a Timesketch timeline needs `message`, `datetime` and `timestamp_desc` for each event")]
    Empty,

    /// A CSV header and no data row after it.
    #[error("the file has a header line but no rows")]
    NoRows,

    /// The CSV header lacks one or more mandatory columns.
    #[error(
        "the file has no {}; a Timesketch CSV needs `message`, `datetime` and `timestamp_desc` (found columns: {})",
        list_missing(missing),
        list_found(found)
    )]
    MissingColumns {
        /// Every mandatory column that is absent, in the order `message`, `datetime`, `timestamp_desc`.
        missing: Vec<MandatoryColumn>,
        /// The header as it is in the file.
        found: Vec<String>,
    },

    /// The CSV header names a column twice, so one of them would be lost.
    #[error("the header names the column `{column}` twice; rename one of them")]
    DuplicateColumn {
        /// The repeated name.
        column: String,
    },

    /// A JSONL line lacks a mandatory field, or a CSV row has neither a `datetime` nor a `timestamp` value.
    #[error("row {row}: no value for {field}; every event needs `message`, `datetime` and `timestamp_desc`")]
    MissingValue {
        /// The data row (CSV) or line (JSONL).
        row: u64,
        /// The missing field.
        field: MandatoryColumn,
    },

    /// A `datetime` value that cannot be read.
    #[error("row {row}, column `{column}`: `{value}` {reason}")]
    InvalidDateTime {
        /// The data row (CSV) or line (JSONL).
        row: u64,
        /// The column name (`datetime`).
        column: String,
        /// The value as written in the file.
        value: String,
        /// What is wrong with it.
        reason: DateTimeError,
    },

    /// A `timestamp` value that cannot be read (only consulted when `datetime` is absent).
    #[error("row {row}, column `{column}`: `{value}` {reason}")]
    InvalidTimestamp {
        /// The data row (CSV) or line (JSONL).
        row: u64,
        /// The column name (`timestamp`).
        column: String,
        /// The value as written in the file.
        value: String,
        /// What is wrong with it.
        reason: TimestampError,
    },

    /// A JSONL field of the wrong JSON type (e.g. a number where `message` must be text).
    #[error("row {row}, column `{column}`: expected {expected}, found {found}")]
    WrongType {
        /// The line number.
        row: u64,
        /// The field name.
        column: String,
        /// What the format requires, in words ("a string").
        expected: &'static str,
        /// What the line has, in words ("a number").
        found: &'static str,
    },

    /// A CSV row with more or fewer cells than the header has columns.
    #[error("row {row} (line {line}): the row has {found} cells but the header names {expected} columns")]
    CellCount {
        /// The data row.
        row: u64,
        /// The line of the file where the row starts.
        line: u64,
        /// Columns in the header.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },

    /// A quoted CSV cell that is never closed: the rest of the file was swallowed into it.
    #[error(
        "row {row} (line {line}): a quoted cell opened in this row is never closed, so the rest of the file \
         would become part of it; look for a missing `\"`"
    )]
    UnterminatedQuote {
        /// The data row where the quote opens.
        row: u64,
        /// The line of the file where that row starts.
        line: u64,
    },

    /// A CSV cell or record, or a JSONL line, passed its cap: reading stops there rather than buffer without end.
    #[error("row {row} (line {line}): {}", oversize_text(*what, *limit))]
    TooLong {
        /// The data row (CSV; 0 for the header) or line (JSONL) where the oversized part begins.
        row: u64,
        /// The line of the file where that row starts.
        line: u64,
        /// What is too long.
        what: Oversize,
        /// The cap it passed, in bytes.
        limit: u64,
    },

    /// Bytes that are not UTF-8 text.
    #[error("row {row} (line {line}): the text is not valid UTF-8; save the file as UTF-8 and import it again")]
    InvalidUtf8 {
        /// The data row (CSV) or line (JSONL).
        row: u64,
        /// The line of the file where the row starts.
        line: u64,
    },

    /// A CSV problem not covered above.
    #[error("row {row}: the CSV cannot be read: {source}")]
    Csv {
        /// The data row being read.
        row: u64,
        /// The CSV parser's report.
        #[source]
        source: csv::Error,
    },

    /// A JSONL line that is not JSON.
    #[error("row {row}: the line is not valid JSON ({})", json_problem(source))]
    Json {
        /// The line number.
        row: u64,
        /// The JSON parser's report.
        #[source]
        source: serde_json::Error,
    },

    /// A JSONL line that is JSON but not an object.
    #[error("row {row}: expected a JSON object (`{{\"message\": …}}`), found {found}")]
    NotAnObject {
        /// The line number.
        row: u64,
        /// What the line holds, in words ("an array").
        found: &'static str,
    },
}

impl ImportError {
    /// The row the error is about, if it is about one row.
    pub fn row(&self) -> Option<u64> {
        match self {
            ImportError::MissingValue { row, .. }
            | ImportError::InvalidDateTime { row, .. }
            | ImportError::InvalidTimestamp { row, .. }
            | ImportError::WrongType { row, .. }
            | ImportError::CellCount { row, .. }
            | ImportError::UnterminatedQuote { row, .. }
            | ImportError::TooLong { row, .. }
            | ImportError::InvalidUtf8 { row, .. }
            | ImportError::Csv { row, .. }
            | ImportError::Json { row, .. }
            | ImportError::NotAnObject { row, .. } => Some(*row),
            ImportError::Read { .. }
            | ImportError::Empty
            | ImportError::NoRows
            | ImportError::MissingColumns { .. }
            | ImportError::DuplicateColumn { .. } => None,
        }
    }

    /// The column the error is about, if one value is at fault.
    pub fn column(&self) -> Option<&str> {
        match self {
            ImportError::InvalidDateTime { column, .. }
            | ImportError::InvalidTimestamp { column, .. }
            | ImportError::WrongType { column, .. }
            | ImportError::DuplicateColumn { column } => Some(column),
            _ => None,
        }
    }
}

/// What passed its cap in [`ImportError::TooLong`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// One CSV cell.
    Cell,
    /// A quoted CSV cell still open at the cap: most likely a quote that is never closed.
    QuotedCell,
    /// A whole CSV record.
    Record,
    /// One JSONL line.
    Line,
}

/// The header's first columns: a message naming 100,000 of them would help nobody.
fn list_found(found: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut text = found
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if found.len() > SHOWN {
        text.push_str(&format!(" and {} more", found.len() - SHOWN));
    }
    text
}

fn oversize_text(what: Oversize, limit: u64) -> String {
    match what {
        Oversize::Cell => format!("a cell is longer than {limit} bytes, the most Casebook reads in one cell"),
        Oversize::QuotedCell => format!(
            "a quoted cell opened in this row runs past {limit} bytes without closing; look for a missing `\"`"
        ),
        Oversize::Record => format!("the row is longer than {limit} bytes, the most Casebook reads in one row"),
        Oversize::Line => format!("the line is longer than {limit} bytes, the most Casebook reads in one line"),
    }
}

/// Everything that can go wrong while writing a timeline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The output refused the bytes.
    #[error("could not write the timeline: {source}")]
    Write {
        /// What the writer reported.
        #[from]
        source: io::Error,
    },

    /// An attribute uses one of the format's own column names, so it would be confused with it on reading.
    #[error(
        "the attribute `{name}` has the name of a Timesketch column; rename it before exporting"
    )]
    ReservedAttribute {
        /// The attribute's name.
        name: String,
    },

    /// A CSV writer was given an entry with an attribute that has no column in the header already written.
    #[error(
        "the attribute `{name}` has no column in this CSV; list it among the attribute columns"
    )]
    UnknownAttribute {
        /// The attribute's name.
        name: String,
    },

    /// The attribute columns of a CSV writer name a column twice.
    #[error("the attribute column `{name}` is listed twice")]
    DuplicateAttribute {
        /// The repeated name.
        name: String,
    },

    /// ISO 8601 in the Timesketch form has four-digit years only.
    #[error("the event time {datetime} is outside the years 0000 to 9999 that a Timesketch file can hold")]
    YearOutOfRange {
        /// The time as chrono prints it.
        datetime: String,
    },
}

fn list_missing(missing: &[MandatoryColumn]) -> String {
    let names: Vec<String> = missing.iter().map(|m| format!("{m} column")).collect();
    names.join(" and no ")
}

/// serde_json reports "at line 1 column N" for a single line, which contradicts our row number; say "character N".
fn json_problem(source: &serde_json::Error) -> String {
    let text = source.to_string();
    let detail = match text.rfind(" at line ") {
        Some(cut) => &text[..cut],
        None => text.as_str(),
    };
    format!("{detail} at character {}", source.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_columns_are_listed_in_plain_words() {
        let error = ImportError::MissingColumns {
            missing: vec![MandatoryColumn::DateTime, MandatoryColumn::TimestampDesc],
            found: vec!["No.".into(), "message".into()],
        };
        assert_eq!(
            error.to_string(),
            "the file has no `datetime` or `timestamp` column and no `timestamp_desc` column; a Timesketch CSV \
             needs `message`, `datetime` and `timestamp_desc` (found columns: No., message)",
            "the message must name every missing column and show what the file has instead"
        );
    }

    #[test]
    fn json_errors_speak_of_characters_not_lines() {
        let source = serde_json::from_str::<serde_json::Value>("{\"a\": }").err();
        let Some(source) = source else {
            panic!("the sample must be invalid JSON");
        };
        let message = ImportError::Json { row: 7, source }.to_string();
        assert!(
            message.starts_with("row 7: the line is not valid JSON (")
                && message.contains("at character 7"),
            "a JSONL error must give our row and the character, not serde's line 1: {message}"
        );
        assert!(
            !message.contains("line 1"),
            "serde's line number would contradict the row: {message}"
        );
    }
}
