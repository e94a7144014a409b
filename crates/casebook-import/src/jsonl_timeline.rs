//! Streaming reader for Timesketch JSONL: one JSON object per line, blank lines skipped.

use std::io::{BufRead, Read};

use serde_json::{Map, Value};

use crate::error::{ImportError, MandatoryColumn, Oversize};

/// Longest JSONL line read: a CSV record's cap, since both hold one event.
pub const MAX_LINE_BYTES: u64 = crate::quote::MAX_RECORD_BYTES;
use crate::time::{self, RawTimestamp, DATETIME, TIMESTAMP};
use crate::{ImportedEntry, MESSAGE, TIMESTAMP_DESC};

/// An iterator over the events of a Timesketch JSONL file, one line in memory at a time.
///
/// Every line stands alone, so a bad line yields its error and reading goes on; only an I/O error ends the
/// iteration early. A file without a single event yields [`ImportError::Empty`].
#[derive(Debug)]
pub struct JsonlEntries<R: BufRead> {
    input: R,
    buffer: Vec<u8>,
    line: u64,
    events: u64,
    finished: bool,
}

impl<R: BufRead> JsonlEntries<R> {
    /// Starts reading; nothing is read until the iterator advances.
    pub fn new(input: R) -> Self {
        JsonlEntries {
            input,
            buffer: Vec::new(),
            line: 0,
            events: 0,
            finished: false,
        }
    }

    fn entry(&self, row: u64) -> Result<ImportedEntry, ImportError> {
        let mut text = std::str::from_utf8(&self.buffer)
            .map_err(|_| ImportError::InvalidUtf8 { row, line: row })?;
        if row == 1 {
            // A byte order mark is not JSON, but editors on Windows put one before the first line.
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        let mut object = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => object,
            Ok(other) => {
                return Err(ImportError::NotAnObject {
                    row,
                    found: type_name(&other),
                })
            }
            Err(source) => return Err(ImportError::Json { row, source }),
        };
        // `shift_remove` keeps the remaining fields in file order; they become the attributes as they are.
        let message = required_string(&mut object, row, MESSAGE, MandatoryColumn::Message)?;
        let datetime = optional(&mut object, DATETIME);
        let datetime = match &datetime {
            None => None,
            Some(Value::String(text)) => Some(text.as_str()),
            Some(other) => return Err(wrong_type(row, DATETIME, other)),
        };
        let timestamp = optional(&mut object, TIMESTAMP);
        let (event_time, time_zone) =
            time::resolve(row, datetime, timestamp.as_ref().map(RawTimestamp::Json))?;
        let timestamp_desc = required_string(
            &mut object,
            row,
            TIMESTAMP_DESC,
            MandatoryColumn::TimestampDesc,
        )?;
        Ok(ImportedEntry {
            row,
            event_time,
            time_zone,
            timestamp_desc,
            message,
            attributes: object,
        })
    }
}

impl<R: BufRead> Iterator for JsonlEntries<R> {
    type Item = Result<ImportedEntry, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            self.buffer.clear();
            match (&mut self.input)
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut self.buffer)
            {
                Err(source) => {
                    self.finished = true;
                    return Some(Err(ImportError::Read { source }));
                }
                Ok(0) => {
                    self.finished = true;
                    return (self.events == 0).then_some(Err(ImportError::Empty));
                }
                Ok(_) => {}
            }
            self.line += 1;
            if self.buffer.last() != Some(&b'\n') && self.buffer.len() as u64 > MAX_LINE_BYTES {
                self.events += 1;
                let row = self.line;
                if let Err(source) = skip_line(&mut self.input) {
                    self.finished = true;
                    return Some(Err(ImportError::Read { source }));
                }
                return Some(Err(ImportError::TooLong {
                    row,
                    line: row,
                    what: Oversize::Line,
                    limit: MAX_LINE_BYTES,
                }));
            }
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.events += 1;
            return Some(self.entry(self.line));
        }
        None
    }
}

/// Steps over the rest of an oversized line without keeping it, so the next line can be read.
fn skip_line(input: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        match chunk.iter().position(|b| *b == b'\n') {
            Some(at) => {
                input.consume(at + 1);
                return Ok(());
            }
            None => {
                let n = chunk.len();
                input.consume(n);
            }
        }
    }
}

/// Takes a field out; JSON `null` counts as absent, as it does for Timesketch.
fn optional(object: &mut Map<String, Value>, name: &str) -> Option<Value> {
    object.shift_remove(name).filter(|value| !value.is_null())
}

fn required_string(
    object: &mut Map<String, Value>,
    row: u64,
    name: &str,
    field: MandatoryColumn,
) -> Result<String, ImportError> {
    match optional(object, name) {
        None => Err(ImportError::MissingValue { row, field }),
        Some(Value::String(text)) => Ok(text),
        Some(other) => Err(wrong_type(row, name, &other)),
    }
}

fn wrong_type(row: u64, column: &str, found: &Value) -> ImportError {
    ImportError::WrongType {
        row,
        column: column.to_owned(),
        expected: "a string",
        found: type_name(found),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
