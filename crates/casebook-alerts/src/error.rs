//! What can go wrong while reading alerts; every error about one document says where it is.

use std::fmt;
use std::io;

/// Where a document is in the input: the 1-based line it starts on, or its 1-based place in a top-level array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Position {
    /// A document of a JSON lines file (or a lone object), by the line where it starts.
    Line(u64),
    /// An element of a top-level JSON array, counting from 1.
    Index(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(line) => write!(f, "line {line}"),
            Position::Index(index) => write!(f, "array element {index}"),
        }
    }
}

/// Everything that can go wrong while reading alerts. Reading is all or nothing: one error and no alert is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    /// The underlying reader failed.
    #[error("could not read the alerts: {source}")]
    Read {
        /// What the reader reported.
        #[source]
        source: io::Error,
    },

    /// Nothing but white space.
    #[error("the input is empty; expected a JSON object, a JSON array of objects, or JSON lines")]
    Empty,

    /// The whole input passed its cap; nothing was parsed.
    #[error("the input is larger than {limit} bytes, the most Casebook reads in one alert import; split the file")]
    InputTooLarge {
        /// The cap, in bytes.
        limit: u64,
    },

    /// One document passed its cap (e.g. a 10 MB field).
    #[error("{at}: the alert is larger than {limit} bytes, the most Casebook keeps of one alert")]
    DocumentTooLarge {
        /// Where the document starts.
        at: Position,
        /// The cap, in bytes.
        limit: u64,
    },

    /// Arrays or objects nested past the limit.
    #[error(
        "{at}: the JSON is nested deeper than {limit} levels; no alert format nests that deep"
    )]
    TooDeep {
        /// Where the document starts.
        at: Position,
        /// The deepest nesting accepted.
        limit: usize,
    },

    /// Bytes that are not UTF-8 text.
    #[error("{at}: the text is not valid UTF-8; alerts are JSON, which is UTF-8")]
    InvalidUtf8 {
        /// The line of the first invalid byte.
        at: Position,
    },

    /// Not valid JSON.
    #[error("{at}: not valid JSON ({detail})")]
    Json {
        /// Where the document starts (for JSON lines, the line of the fault).
        at: Position,
        /// The parser's report, with its position inside the document.
        detail: String,
    },

    /// JSON, but not an object.
    #[error("{at}: expected a JSON object (one alert), found {found}")]
    NotAnObject {
        /// Where the document starts.
        at: Position,
        /// What it is, in words ("a number").
        found: &'static str,
    },

    /// No adapter recognises the document, or more than one does.
    #[error("{at}: {why}; name the format (generic, wazuh, elastic, splunk or suricata) or fix the document")]
    UnknownFormat {
        /// Where the document starts.
        at: Position,
        /// What was looked for and not found (or found twice).
        why: String,
    },

    /// A field the format requires is missing or unusable.
    #[error("{at}, field `{field}`: {problem}")]
    Field {
        /// Where the document starts.
        at: Position,
        /// The field, as a dotted path (`rule.level`, `observables[2].value`).
        field: String,
        /// What is wrong, in words.
        problem: String,
    },
}

impl AlertError {
    /// The document the error is about, if it is about one.
    pub fn position(&self) -> Option<Position> {
        match self {
            AlertError::DocumentTooLarge { at, .. }
            | AlertError::TooDeep { at, .. }
            | AlertError::InvalidUtf8 { at }
            | AlertError::Json { at, .. }
            | AlertError::NotAnObject { at, .. }
            | AlertError::UnknownFormat { at, .. }
            | AlertError::Field { at, .. } => Some(*at),
            AlertError::Read { .. } | AlertError::Empty | AlertError::InputTooLarge { .. } => None,
        }
    }

    /// The field the error is about, if one field is at fault.
    pub fn field(&self) -> Option<&str> {
        match self {
            AlertError::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// A JSON value's type in words, for messages.
pub(crate) fn type_name(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
