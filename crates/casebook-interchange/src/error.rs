//! The typed errors of reading and writing observables, with messages written for the responder who must fix the
//! file: each one that concerns a part of the file names it (row and column, or STIX object id).

use std::io;

/// Why a file could not be read. Nothing is imported when reading fails.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not valid JSON at all.
    #[error("line {line}, column {column}: this is not the JSON of a STIX bundle ({source})")]
    Json {
        line: usize,
        column: usize,
        #[source]
        source: serde_json::Error,
    },
    /// Valid JSON, but not a STIX 2.1 bundle.
    #[error("this is not a STIX 2.1 bundle: {why}")]
    NotABundle { why: String },
    /// A STIX object Casebook cannot accept.
    #[error("object {id}: {why}")]
    Object { id: String, why: String },
    /// The CSV header lacks what is needed.
    #[error("the header row (line 1): {why}")]
    Header { why: String },
    /// A CSV cell Casebook cannot accept.
    #[error("row {row}, column `{column}`: {why}")]
    Cell {
        row: u64,
        column: String,
        why: String,
    },
    /// The CSV itself is malformed (a bad quote, bytes that are not UTF-8, a row of the wrong length).
    #[error("row {row} (line {line}): {source}")]
    Csv {
        row: u64,
        line: u64,
        #[source]
        source: csv::Error,
    },
    /// More observables than [`crate::MAX_OBSERVABLES`].
    #[error("the file holds more than {limit} observables; split it into smaller files")]
    TooMany { limit: usize },
    /// The file holds no observable at all.
    #[error("the file holds no observables")]
    Empty,
    /// A MISP event: Casebook writes them but does not read them.
    #[error(
        "this is a MISP event; Casebook imports STIX 2.1 bundles and CSV only \
         (MISP can export an event as STIX 2.1)"
    )]
    MispNotSupported,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("there are no observables to export")]
    Empty,
    #[error("cannot write: {0}")]
    Write(#[from] io::Error),
}

impl From<serde_json::Error> for ExportError {
    fn from(e: serde_json::Error) -> Self {
        ExportError::Write(io::Error::other(e))
    }
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        ExportError::Write(io::Error::other(e))
    }
}
