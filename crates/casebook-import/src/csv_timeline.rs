//! Streaming reader for Timesketch CSV: a header naming the columns, then one event per record.

use std::io::Read;

use crate::error::{ImportError, MandatoryColumn, Oversize};
use crate::quote::{QuoteTracker, TooLong};
use crate::time::{self, RawTimestamp, DATETIME, TIMESTAMP};
use crate::{ImportedEntry, MESSAGE, TIMESTAMP_DESC};

/// Where the format's own columns sit in the header.
#[derive(Debug)]
struct Layout {
    message: usize,
    datetime: Option<usize>,
    timestamp: Option<usize>,
    timestamp_desc: usize,
}

impl Layout {
    fn from_header(header: &[String]) -> Result<Self, ImportError> {
        // A set, not a scan of the names before each one: a header of 100,000 columns must answer at once.
        let mut seen = std::collections::HashSet::with_capacity(header.len());
        for name in header {
            if !seen.insert(name.as_str()) {
                return Err(ImportError::DuplicateColumn {
                    column: name.clone(),
                });
            }
        }
        let find = |wanted: &str| header.iter().position(|name| name == wanted);
        let (message, datetime, timestamp, timestamp_desc) = (
            find(MESSAGE),
            find(DATETIME),
            find(TIMESTAMP),
            find(TIMESTAMP_DESC),
        );
        let mut missing = Vec::new();
        if message.is_none() {
            missing.push(MandatoryColumn::Message);
        }
        if datetime.is_none() && timestamp.is_none() {
            missing.push(MandatoryColumn::DateTime);
        }
        if timestamp_desc.is_none() {
            missing.push(MandatoryColumn::TimestampDesc);
        }
        match (message, timestamp_desc) {
            (Some(message), Some(timestamp_desc)) if missing.is_empty() => Ok(Layout {
                message,
                datetime,
                timestamp,
                timestamp_desc,
            }),
            _ => Err(ImportError::MissingColumns {
                missing,
                found: header.to_vec(),
            }),
        }
    }

    fn is_format_column(&self, index: usize) -> bool {
        index == self.message
            || index == self.timestamp_desc
            || Some(index) == self.datetime
            || Some(index) == self.timestamp
    }
}

/// An iterator over the events of a Timesketch CSV, one record in memory at a time.
///
/// A bad row yields its error and reading goes on with the next row, so a caller may list every problem; an error
/// after which nothing more can be read (I/O, an unterminated quote) ends the iteration.
#[derive(Debug)]
pub struct CsvEntries<R: Read> {
    reader: csv::Reader<QuoteTracker<R>>,
    header: Vec<String>,
    layout: Layout,
    record: csv::StringRecord,
    row: u64,
    finished: bool,
}

impl<R: Read> CsvEntries<R> {
    /// Reads and checks the header; the rows are read as the iterator advances.
    ///
    /// # Errors
    /// [`ImportError::Empty`] for an empty input, [`ImportError::MissingColumns`] or
    /// [`ImportError::DuplicateColumn`] for an unusable header, and read or encoding errors (reported as row 0).
    pub fn new(input: R) -> Result<Self, ImportError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            // Cell counts are checked here, after the quote check, so that the more useful error wins.
            .flexible(true)
            .from_reader(QuoteTracker::new(input));
        let mut record = csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Err(ImportError::Empty),
            Err(error) => return Err(csv_error(error, 0)),
        }
        if swallowed_rest(&reader) {
            return Err(ImportError::UnterminatedQuote { row: 0, line: 1 });
        }
        let mut header: Vec<String> = record.iter().map(str::to_owned).collect();
        // Spreadsheet programs put a byte order mark before the first column name.
        if let Some(first) = header.first_mut() {
            if let Some(stripped) = first.strip_prefix('\u{feff}') {
                *first = stripped.to_owned();
            }
        }
        let layout = Layout::from_header(&header)?;
        Ok(CsvEntries {
            reader,
            header,
            layout,
            record,
            row: 0,
            finished: false,
        })
    }

    /// The column names, as the header gives them.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    fn entry(&self) -> Result<ImportedEntry, ImportError> {
        let line = self.record.position().map_or(0, csv::Position::line);
        if self.record.len() != self.header.len() {
            return Err(ImportError::CellCount {
                row: self.row,
                line,
                expected: self.header.len(),
                found: self.record.len(),
            });
        }
        let cell = |index: usize| self.record.get(index).unwrap_or_default();
        let present =
            |index: Option<usize>| index.map(cell).filter(|value| !value.trim().is_empty());
        let (event_time, time_zone) = time::resolve(
            self.row,
            present(self.layout.datetime),
            present(self.layout.timestamp).map(RawTimestamp::Text),
        )?;
        let attributes = self
            .header
            .iter()
            .zip(self.record.iter())
            .enumerate()
            .filter(|(index, (_, value))| {
                !self.layout.is_format_column(*index) && !value.is_empty()
            })
            .map(|(_, (name, value))| (name.clone(), serde_json::Value::String(value.to_owned())))
            .collect();
        Ok(ImportedEntry {
            row: self.row,
            event_time,
            time_zone,
            timestamp_desc: cell(self.layout.timestamp_desc).to_owned(),
            message: cell(self.layout.message).to_owned(),
            attributes,
        })
    }
}

impl<R: Read> Iterator for CsvEntries<R> {
    type Item = Result<ImportedEntry, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.reader.read_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => {
                self.finished = true;
                return (self.row == 0).then_some(Err(ImportError::NoRows));
            }
            Err(error) => {
                self.row += 1;
                let error = csv_error(error, self.row);
                self.finished = matches!(
                    error,
                    ImportError::Read { .. }
                        | ImportError::Csv { .. }
                        | ImportError::TooLong { .. }
                );
                return Some(Err(error));
            }
        }
        self.row += 1;
        if swallowed_rest(&self.reader) {
            self.finished = true;
            let line = self.record.position().map_or(0, csv::Position::line);
            return Some(Err(ImportError::UnterminatedQuote {
                row: self.row,
                line,
            }));
        }
        Some(self.entry())
    }
}

/// The record just read ran to the end of the input inside a quoted cell.
fn swallowed_rest<R: Read>(reader: &csv::Reader<QuoteTracker<R>>) -> bool {
    let tracker = reader.get_ref();
    tracker.ended_inside_quotes() && reader.position().byte() == tracker.consumed()
}

fn csv_error(error: csv::Error, row: u64) -> ImportError {
    if let csv::ErrorKind::Utf8 { pos, .. } = error.kind() {
        return ImportError::InvalidUtf8 {
            row,
            line: pos.as_ref().map_or(0, csv::Position::line),
        };
    }
    if !error.is_io_error() {
        return ImportError::Csv { row, source: error };
    }
    match error.into_kind() {
        csv::ErrorKind::Io(source) => {
            match source.get_ref().and_then(|e| e.downcast_ref::<TooLong>()) {
                Some(too_long) => ImportError::TooLong {
                    row,
                    line: too_long.line,
                    what: match (too_long.cell, too_long.in_quotes) {
                        (true, true) => Oversize::QuotedCell,
                        (true, false) => Oversize::Cell,
                        (false, _) => Oversize::Record,
                    },
                    limit: too_long.limit,
                },
                None => ImportError::Read { source },
            }
        }
        // `is_io_error` promised the Io kind, so this arm only keeps the match total.
        _ => ImportError::Read {
            source: std::io::Error::other("the CSV reader failed"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(columns: &[&str]) -> Result<Layout, ImportError> {
        Layout::from_header(
            &columns
                .iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn either_time_column_satisfies_the_header() {
        let only_timestamp = layout(&["timestamp", "message", "timestamp_desc"]);
        assert!(
            matches!(
                only_timestamp,
                Ok(Layout {
                    datetime: None,
                    timestamp: Some(0),
                    ..
                })
            ),
            "a timestamp column alone is enough: {only_timestamp:?}"
        );
        let only_datetime = layout(&["message", "timestamp_desc", "datetime"]);
        assert!(matches!(
            only_datetime,
            Ok(Layout {
                datetime: Some(2),
                timestamp: None,
                ..
            })
        ));
    }

    #[test]
    fn every_missing_column_is_reported_in_the_format_order() {
        match layout(&["timestampDesc", "Message"]) {
            Err(ImportError::MissingColumns { missing, found }) => {
                assert_eq!(
                    missing,
                    [
                        MandatoryColumn::Message,
                        MandatoryColumn::DateTime,
                        MandatoryColumn::TimestampDesc
                    ],
                    "names are matched exactly, so near-misses count as missing"
                );
                assert_eq!(
                    found,
                    ["timestampDesc", "Message"],
                    "the header is reported as found"
                );
            }
            other => panic!("expected MissingColumns, got {other:?}"),
        }
    }
}
