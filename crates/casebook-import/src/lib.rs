//! Reads and writes timelines in the Timesketch interchange format (what plaso's `psort` and many DFIR tools write),
//! as CSV or JSONL.
//!
//! # Shape
//! The crate does no file-system access: readers take `impl Read` (or `BufRead`), writers take `impl Write`, and the
//! caller opens the files. Reading streams: [`read_timeline`] returns an iterator that holds one row in memory, so a
//! multi-gigabyte timeline never loads whole. The caller (the store) wraps the rows in one transaction and aborts on the
//! first `Err`, which makes an import all or nothing; every error names the row (and the column when one value is at
//! fault) both in its message and as fields of [`ImportError`].
//!
//! # The format
//! Each event has `message`, `timestamp_desc`, and a time: `datetime` (ISO 8601) or, failing that, `timestamp` (time
//! since the Unix epoch). Every other column (CSV) or field (JSONL) is kept as an attribute: CSV cells as strings,
//! empty cells dropped; JSONL values with their JSON types, `null` included. Rows are counted from 1 at the first data
//! row of a CSV (the header is row 0, and a quoted cell may span lines, so errors also give the line); in JSONL the
//! row is the line number, blank lines are skipped. Mandatory CSV cells that are present but empty are kept as empty
//! text; in JSONL a missing or `null` `message` or `timestamp_desc` is an error.
//!
//! # Bounds
//! Timelines come from other machines, so no part of one is buffered without a cap: a CSV cell
//! ([`MAX_CELL_BYTES`]) and record ([`MAX_RECORD_BYTES`]), a JSONL line ([`MAX_LINE_BYTES`]). Past a cap the reader
//! fails with [`ImportError::TooLong`], numbered by the row where the oversized part began (a quote that is never
//! closed fails at its own row, not at the end of the file). Checking a header is linear in its columns.
//!
//! # Datetime rules
//! - **Accepted forms**: RFC 3339 (`2015-07-24T19:01:01+00:00`, `2024-07-24T10:57:02.877297Z`) and plaso's form with a
//!   space (`2012-03-14 04:17:38.276340+00:00`). The zone is `Z` or an offset `±HH:MM` (also `±HHMM`); the decimal
//!   mark is `.` or `,`; seconds are required; four-digit years only, so 0000 to 9999. Surrounding spaces are ignored.
//! - **Precision**: up to six fraction digits are kept exactly (microseconds). Further digits are accepted only when
//!   they are zeros; a non-zero digit below the microsecond is refused ([`DateTimeError::FinerThanMicroseconds`])
//!   rather than rounded, because rounding would change the evidence without telling anyone.
//! - **No time zone**: a datetime without `Z` or an offset is refused with a row-numbered
//!   [`DateTimeError::MissingTimeZone`]. Assuming UTC would shift a timeline written in local time by hours, silently,
//!   and correlation across sources is the point of a timeline; the responder adds the right offset and imports again.
//! - **Time zone kept**: the event time is stored in UTC; [`ImportedEntry::time_zone`] keeps the source's offset as
//!   `±HH:MM` (`Z` becomes `+00:00`), and is `None` for a time that came from `timestamp`.
//! - **`datetime` wins**: when both columns are present, `timestamp` is not read at all (plaso files and Timesketch's own
//!   samples carry `timestamp` values that disagree with `datetime`), and it is not kept as an attribute either.
//! - **`timestamp` only**: the value must be an integer (a zero fraction such as `…340.0`, which spreadsheets write,
//!   is accepted; in JSONL a number or a numeric string). Timesketch specifies microseconds, but real files hold
//!   other units, so the unit follows the magnitude of the absolute value: below 10^11 seconds, below 10^14
//!   milliseconds, below 10^17 microseconds, above that nanoseconds (which must be whole microseconds). Each band
//!   covers the dates up to the year 5138 in its unit. The price: a time within about three years of 1970 written in
//!   a finer unit reads as a coarser one (e.g. 10^10 microseconds, in 1970, reads as seconds, in 2286).
//! - **Range**: the years 1601 (Windows FILETIME zero) and 2227 and everything else a four-digit year can hold are
//!   accepted as they are; epoch values are computed with checked arithmetic and never wrap or panic.
//!
//! # Writing
//! [`write_csv`], [`write_jsonl`] and [`CsvTimelineWriter`] write `message`, `datetime` (in the entry's own offset,
//! microseconds kept), `timestamp` (microseconds) and `timestamp_desc`, then the attributes; what they write reads back
//! as the same entries (a property test holds them to it).

mod csv_timeline;
mod error;
mod export;
mod jsonl_timeline;
mod quote;
mod time;

use std::io::{BufReader, Read};
use std::path::Path;

use chrono::{DateTime, Utc};

pub use crate::csv_timeline::CsvEntries;
pub use crate::error::{
    DateTimeError, ExportError, ImportError, MandatoryColumn, Oversize, TimestampError,
};
pub use crate::export::{write_csv, write_jsonl, CsvTimelineWriter, ExportEntry};
pub use crate::jsonl_timeline::JsonlEntries;
pub use crate::jsonl_timeline::MAX_LINE_BYTES;
pub use crate::quote::{MAX_CELL_BYTES, MAX_RECORD_BYTES};

/// The name of the description column.
pub(crate) const MESSAGE: &str = "message";
/// The name of the column that says what the time means.
pub(crate) const TIMESTAMP_DESC: &str = "timestamp_desc";

/// The two encodings of a Timesketch timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// Guesses the format from a file name's extension, ignoring case: `.csv` is CSV; `.jsonl`, `.ndjson` and `.json`
    /// are JSONL (Timesketch calls its line-delimited files `.json` as well). Anything else is `None`: the caller asks.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let extension = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// One event read from a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedEntry {
    /// The data row it came from (CSV, counting from 1 after the header) or its line number (JSONL).
    pub row: u64,
    /// When it happened, in UTC, to the microsecond.
    pub event_time: DateTime<Utc>,
    /// The source's UTC offset as `±HH:MM` when the file gave one.
    pub time_zone: Option<String>,
    /// What the time means ("Write time", "Content Modification Time", …).
    pub timestamp_desc: String,
    /// The human-readable description.
    pub message: String,
    /// Every other column or field, in file order.
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// The events of a timeline in either format; see [`read_timeline`].
#[derive(Debug)]
pub struct Entries<R: Read> {
    inner: Inner<R>,
}

#[derive(Debug)]
enum Inner<R: Read> {
    Csv(Box<CsvEntries<R>>),
    Jsonl(JsonlEntries<BufReader<R>>),
}

impl<R: Read> Iterator for Entries<R> {
    type Item = Result<ImportedEntry, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Csv(entries) => entries.next(),
            Inner::Jsonl(entries) => entries.next(),
        }
    }
}

/// Starts reading a timeline. A CSV header is read and checked here, before any row, so a file in the wrong format
/// is refused before the caller opens a transaction.
///
/// # Errors
/// For CSV: [`ImportError::Empty`], [`ImportError::MissingColumns`], [`ImportError::DuplicateColumn`] and read
/// errors. Row errors come from the iterator.
pub fn read_timeline<R: Read>(input: R, format: Format) -> Result<Entries<R>, ImportError> {
    let inner = match format {
        Format::Csv => Inner::Csv(Box::new(CsvEntries::new(input)?)),
        Format::Jsonl => Inner::Jsonl(JsonlEntries::new(BufReader::new(input))),
    };
    Ok(Entries { inner })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_guessed_from_the_extension() {
        assert_eq!(Format::from_file_name("evtx_direct.csv"), Some(Format::Csv));
        assert_eq!(
            Format::from_file_name("exports/Timeline.CSV"),
            Some(Format::Csv),
            "case does not matter"
        );
        assert_eq!(Format::from_file_name("events.jsonl"), Some(Format::Jsonl));
        assert_eq!(
            Format::from_file_name("events.json"),
            Some(Format::Jsonl),
            "Timesketch's .json is JSON lines"
        );
        assert_eq!(Format::from_file_name("events.ndjson"), Some(Format::Jsonl));
        assert_eq!(
            Format::from_file_name("events.plaso"),
            None,
            "a plaso storage file is not a timeline"
        );
        assert_eq!(
            Format::from_file_name("csv"),
            None,
            "a bare name has no extension"
        );
        assert_eq!(
            Format::from_file_name("dir.csv/notes"),
            None,
            "only the file's own extension counts"
        );
    }
}
