//! Observables in and out of Casebook: STIX 2.1 bundles, MISP events and CSV.
//!
//! # Shape
//! Pure transformations, like `casebook-import`: writers take the case data they are given and an `impl Write`,
//! readers take bytes already in memory and return what the file says, located (row, or STIX object id). Nothing here
//! opens a file, reads the clock, normalizes a value or decides what is a duplicate: the application API caps the
//! file's size before reading it, normalizes every value with the core's [`casebook_core::observable::normalize`]
//! (the same function typed-in observables go through), de-duplicates, and writes all or nothing.
//!
//! # Formats
//! - [`stix`]: a STIX 2.1 bundle. IOC-flagged observables become `indicator`s with a STIX pattern, the others
//!   cyber-observable objects (SCOs); each incident is a `report` that refers to them, marked with the official
//!   TLP 2.0 `marking-definition`s ([`tlp`]). Ids are name-based (UUIDv5, [`ids`]), so exporting again gives the same
//!   ids and a receiver updates rather than duplicates.
//! - [`misp`]: a MISP event (`{"Event": …}`) per incident, attributes typed and categorized as MISP expects,
//!   `to_ids` from the IOC flag, TLP as `tlp:…` tags, sightings for the other incidents an observable was seen in.
//!   Export only.
//! - [`csv_file`]: one observable a line under a header row; read back by column name.
//!
//! # Limits
//! Readers refuse a value longer than [`MAX_VALUE_BYTES`], a STIX pattern longer than [`MAX_PATTERN_BYTES`], a note
//! longer than [`MAX_NOTE_BYTES`] and more than [`MAX_OBSERVABLES`] observables, naming the row or object, so no
//! single object can make an import balloon.

pub mod csv_file;
mod error;
pub mod ids;
pub mod misp;
pub mod pattern;
pub mod stix;
pub mod tlp;

use std::fmt;

use casebook_core::model::{ObservableKind, Severity, Tlp};
use casebook_core::{IncidentId, ObservableId};
use chrono::{DateTime, Utc};

pub use crate::error::{ExportError, ReadError};

/// The longest observable value read, in bytes (a long URL fits; a pasted document does not).
pub const MAX_VALUE_BYTES: usize = 8 * 1024;
/// The longest STIX pattern read, in bytes.
pub const MAX_PATTERN_BYTES: usize = 64 * 1024;
/// The longest note (STIX `description`, CSV `note`) read, in bytes.
pub const MAX_NOTE_BYTES: usize = 64 * 1024;
/// The most observables one file may hold.
pub const MAX_OBSERVABLES: usize = 200_000;

/// The interchange formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A STIX 2.1 bundle (JSON).
    Stix,
    /// A MISP event (JSON); written, not read.
    Misp,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// Tells a file's format from its first bytes: JSON (`{`) is STIX, anything else CSV. A MISP event is recognised
    /// too, so that reading one can say plainly that it is not supported.
    pub fn detect(bytes: &[u8]) -> Format {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = body.iter().position(|b| !b.is_ascii_whitespace());
        match start.map(|i| &body[i..]) {
            Some(rest) if rest.starts_with(b"{") => {
                // Only the opening of the object is looked at: enough to see `{"Event"` or `{"response"`.
                let head = &rest[..rest.len().min(64)];
                let head: Vec<u8> = head
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                if head.starts_with(b"{\"Event\"") || head.starts_with(b"{\"response\"") {
                    Format::Misp
                } else {
                    Format::Stix
                }
            }
            _ => Format::Csv,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Stix => "STIX 2.1",
            Format::Misp => "MISP",
            Format::Csv => "CSV",
        })
    }
}

/// An incident as the writers show it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseInfo {
    pub id: IncidentId,
    pub key: String,
    pub title: String,
    pub summary: String,
    pub severity: Severity,
    pub tlp: Tlp,
    /// When it was opened, from the log.
    pub created: DateTime<Utc>,
    /// Its last change, from the log.
    pub modified: DateTime<Utc>,
}

/// One observable of a case, as the writers show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservableRecord {
    pub id: ObservableId,
    pub kind: ObservableKind,
    /// Normalized by the core.
    pub value: String,
    pub tlp: Tlp,
    pub ioc: bool,
    pub note: String,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// When it was added, from the log.
    pub added_at: DateTime<Utc>,
    /// The keys of the other incidents with the same observable.
    pub seen_in: Vec<String>,
}

/// An incident and the observables to export from it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseObservables {
    pub case: CaseInfo,
    pub observables: Vec<ObservableRecord>,
}

/// Where in a file an observable came from, for errors that point at the spot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A CSV data row, counted from 1 after the header, and the column its value was in.
    Row { row: u64, column: String },
    /// A STIX object by id, and the property its value was in (`pattern`, `value`, `hashes.MD5`, …).
    Object { id: String, property: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Row { row, column } => write!(f, "row {row}, column `{column}`"),
            Location::Object { id, property } => write!(f, "object {id}, property `{property}`"),
        }
    }
}

/// An observable as a file states it: the value is not normalized yet (the API does that with the core).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadObservable {
    pub at: Location,
    /// `None` when the file does not say (a CSV without a `type` cell): the API guesses, as for a typed-in value.
    pub kind: Option<ObservableKind>,
    pub value: String,
    /// `None` when the file gives no marking: the incident's own applies.
    pub tlp: Option<Tlp>,
    pub ioc: bool,
    pub note: String,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// What a reader found: the observables, and how many objects of each type it passed over (STIX objects that are
/// not observables, such as `identity` or `relationship`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOutcome {
    pub observables: Vec<ReadObservable>,
    pub ignored: std::collections::BTreeMap<String, u64>,
}

/// Reads observables from a file's bytes in the given format.
///
/// # Errors
/// A [`ReadError`] that names the row and column, or the STIX object, at fault.
pub fn read(bytes: &[u8], format: Format) -> Result<ReadOutcome, ReadError> {
    match format {
        Format::Stix => stix::read(bytes),
        Format::Csv => csv_file::read(bytes),
        Format::Misp => Err(ReadError::MispNotSupported),
    }
}

/// Writes the observables of one or more cases in the given format.
///
/// # Errors
/// [`ExportError::Write`] when the output fails, [`ExportError::Empty`] when there is nothing to write.
pub fn write(
    cases: &[CaseObservables],
    format: Format,
    out: impl std::io::Write,
) -> Result<WriteSummary, ExportError> {
    if cases.iter().all(|c| c.observables.is_empty()) {
        return Err(ExportError::Empty);
    }
    match format {
        Format::Stix => stix::write(cases, out),
        Format::Misp => misp::write(cases, out),
        Format::Csv => csv_file::write(cases, out),
    }
}

/// What a writer wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Observables written.
    pub written: u64,
    /// Observables the format cannot express (STIX has no object for Casebook's `other` type).
    pub left_out: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_told_from_the_content() {
        assert_eq!(Format::detect(b"  {\"type\": \"bundle\"}"), Format::Stix);
        assert_eq!(
            Format::detect(b"\xEF\xBB\xBF{\"type\":\"bundle\"}"),
            Format::Stix,
            "a byte-order mark does not hide JSON"
        );
        assert_eq!(Format::detect(b"{\n  \"Event\": {}}"), Format::Misp);
        assert_eq!(Format::detect(b"type,value\nipv4,1.2.3.4\n"), Format::Csv);
        assert_eq!(
            Format::detect(b"\x00\x01junk"),
            Format::Csv,
            "junk is read as CSV, whose header check then says what is wrong"
        );
    }
}
