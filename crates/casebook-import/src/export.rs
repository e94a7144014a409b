//! Writing timelines in the Timesketch format, so that this crate's readers (and Timesketch) read them back.

use std::io::{BufWriter, Write};

use chrono::{DateTime, FixedOffset, Offset as _, Utc};
use serde_json::{Map, Value};

use crate::error::ExportError;
use crate::time::{self, DATETIME, TIMESTAMP};
use crate::{ImportedEntry, MESSAGE, TIMESTAMP_DESC};

/// The format's own columns, in the order they are written.
const FORMAT_COLUMNS: [&str; 4] = [MESSAGE, DATETIME, TIMESTAMP, TIMESTAMP_DESC];

/// One timeline entry to export.
///
/// The `timestamp` column is derived from `datetime` rather than stored beside it, so the two written columns can
/// never disagree. The offset of `datetime` is the one written, so the source's time zone survives a round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportEntry {
    /// When it happened, in the zone to show it in (UTC when the zone is unknown). Kept to the microsecond.
    pub datetime: DateTime<FixedOffset>,
    /// What the time means ("Write time", "Content Modification Time", …).
    pub timestamp_desc: String,
    /// The human-readable description.
    pub message: String,
    /// Extra columns. In CSV a string is written as is, `null` as an empty cell (read back as absent) and any other
    /// value as its JSON text (read back as a string); JSONL keeps every JSON type.
    pub attributes: Map<String, Value>,
}

impl ExportEntry {
    /// Microseconds since the Unix epoch: Timesketch's `timestamp` column.
    pub fn timestamp_micros(&self) -> i64 {
        self.datetime.timestamp_micros()
    }

    fn check_attribute_names(&self) -> Result<(), ExportError> {
        match self
            .attributes
            .keys()
            .find(|name| FORMAT_COLUMNS.contains(&name.as_str()))
        {
            Some(name) => Err(ExportError::ReservedAttribute { name: name.clone() }),
            None => Ok(()),
        }
    }
}

impl From<ImportedEntry> for ExportEntry {
    /// Shows the entry in the zone it was imported with; an unknown or unreadable zone becomes UTC.
    fn from(entry: ImportedEntry) -> Self {
        let offset = entry
            .time_zone
            .as_deref()
            .and_then(time::parse_offset)
            .unwrap_or_else(|| Utc.fix());
        ExportEntry {
            datetime: entry.event_time.with_timezone(&offset),
            timestamp_desc: entry.timestamp_desc,
            message: entry.message,
            attributes: entry.attributes,
        }
    }
}

/// Writes a Timesketch CSV whose attribute columns are fixed up front, one entry at a time.
///
/// Use it to stream an export whose attribute names are known (for example from the store); [`write_csv`] works them
/// out from a slice instead.
#[derive(Debug)]
pub struct CsvTimelineWriter<W: Write> {
    writer: csv::Writer<W>,
    attribute_columns: Vec<String>,
    cells: Vec<String>,
}

impl<W: Write> CsvTimelineWriter<W> {
    /// Writes the header: `message`, `datetime`, `timestamp`, `timestamp_desc`, then `attribute_columns` in order.
    ///
    /// # Errors
    /// [`ExportError::ReservedAttribute`] or [`ExportError::DuplicateAttribute`] for an unusable column list,
    /// [`ExportError::Write`] when the output fails.
    pub fn new(out: W, attribute_columns: Vec<String>) -> Result<Self, ExportError> {
        for (index, name) in attribute_columns.iter().enumerate() {
            if FORMAT_COLUMNS.contains(&name.as_str()) {
                return Err(ExportError::ReservedAttribute { name: name.clone() });
            }
            if attribute_columns[..index].contains(name) {
                return Err(ExportError::DuplicateAttribute { name: name.clone() });
            }
        }
        let mut writer = csv::Writer::from_writer(out);
        let header = FORMAT_COLUMNS
            .iter()
            .copied()
            .chain(attribute_columns.iter().map(String::as_str));
        writer.write_record(header).map_err(std::io::Error::from)?;
        Ok(CsvTimelineWriter {
            writer,
            attribute_columns,
            cells: Vec::new(),
        })
    }

    /// Writes one entry.
    ///
    /// # Errors
    /// [`ExportError::UnknownAttribute`] when the entry has an attribute without a column (nothing is written),
    /// [`ExportError::YearOutOfRange`], [`ExportError::Write`].
    pub fn write(&mut self, entry: &ExportEntry) -> Result<(), ExportError> {
        entry.check_attribute_names()?;
        if let Some(name) = entry
            .attributes
            .keys()
            .find(|name| !self.attribute_columns.contains(name))
        {
            return Err(ExportError::UnknownAttribute { name: name.clone() });
        }
        self.cells.clear();
        self.cells.push(entry.message.clone());
        self.cells.push(time::format_datetime(&entry.datetime)?);
        self.cells.push(entry.timestamp_micros().to_string());
        self.cells.push(entry.timestamp_desc.clone());
        for name in &self.attribute_columns {
            self.cells.push(match entry.attributes.get(name) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
            });
        }
        self.writer
            .write_record(&self.cells)
            .map_err(std::io::Error::from)?;
        Ok(())
    }

    /// Flushes and hands the output back.
    ///
    /// # Errors
    /// [`ExportError::Write`] when the output fails.
    pub fn finish(self) -> Result<W, ExportError> {
        self.writer
            .into_inner()
            .map_err(|error| ExportError::Write {
                source: error.into_error(),
            })
    }
}

/// Writes `entries` as a Timesketch CSV. The attribute columns are every attribute name, in order of first appearance.
///
/// # Errors
/// [`ExportError::ReservedAttribute`], [`ExportError::YearOutOfRange`], [`ExportError::Write`].
pub fn write_csv<W: Write>(entries: &[ExportEntry], out: W) -> Result<(), ExportError> {
    let mut columns: Vec<String> = Vec::new();
    for entry in entries {
        entry.check_attribute_names()?;
        for name in entry.attributes.keys() {
            if !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
    let mut writer = CsvTimelineWriter::new(out, columns)?;
    for entry in entries {
        writer.write(entry)?;
    }
    writer.finish()?;
    Ok(())
}

/// Writes `entries` as Timesketch JSONL, one object per line: `message`, `datetime`, `timestamp`, `timestamp_desc`,
/// then the attributes with their JSON types.
///
/// # Errors
/// [`ExportError::ReservedAttribute`], [`ExportError::YearOutOfRange`], [`ExportError::Write`].
pub fn write_jsonl<'a, W: Write>(
    entries: impl IntoIterator<Item = &'a ExportEntry>,
    out: W,
) -> Result<(), ExportError> {
    let mut out = BufWriter::new(out);
    for entry in entries {
        entry.check_attribute_names()?;
        let mut object = Map::new();
        object.insert(MESSAGE.to_owned(), Value::String(entry.message.clone()));
        object.insert(
            DATETIME.to_owned(),
            Value::String(time::format_datetime(&entry.datetime)?),
        );
        object.insert(TIMESTAMP.to_owned(), Value::from(entry.timestamp_micros()));
        object.insert(
            TIMESTAMP_DESC.to_owned(),
            Value::String(entry.timestamp_desc.clone()),
        );
        object.extend(
            entry
                .attributes
                .iter()
                .map(|(name, value)| (name.clone(), value.clone())),
        );
        serde_json::to_writer(&mut out, &object).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
