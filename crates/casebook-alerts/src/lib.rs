//! Reads alerts from SIEM and IDS tools (Wazuh, Elastic Security, Splunk webhooks, Suricata EVE) and from a generic
//! JSON shape, into one [`ParsedAlert`] each. A pure parser: no file access, no store, no clock.
//!
//! # Input
//! [`read_alerts`] takes bytes that are one JSON object, a JSON array of objects, or JSON lines (also pretty-printed
//! objects one after another). Each document is mapped on its own; with no [`Format`] given, [`detect`] picks the
//! adapter per document, by the fields each source always writes:
//! - **Wazuh** (`alerts.json`): `rule.level` and `agent`;
//! - **Elastic** detection alerts: `kibana.alert.rule.*` (8.x) or `signal.rule` (7.x), flattened or nested;
//! - **Splunk** webhook alert action: `search_name` and `result`;
//! - **Suricata** EVE: `event_type` with `alert` or `src_ip` (only `event_type: alert` lines are accepted);
//! - **generic**: `title` and `time` (below).
//!
//! # All or nothing
//! One bad document fails the whole read, and the error names it: the 1-based line it starts on (JSON lines, a lone
//! object) or its 1-based element (an array), and the field at fault when there is one ([`AlertError::position`],
//! [`AlertError::field`]).
//!
//! # Bounds
//! Alerts come from other machines. The input is capped as a whole ([`MAX_INPUT_BYTES`]) and per document
//! ([`MAX_DOCUMENT_BYTES`], so a 10 MB field is refused), and nesting past [`MAX_NESTING`] is refused before parsing.
//! Each alert keeps its document's exact bytes as [`ParsedAlert::raw`]: plain text, never HTML.
//!
//! # Generic shape
//! ```json
//! {"title": "Beacon to known C2", "time": "2024-03-15T14:23:45Z", "severity": "high",
//!  "rule": {"id": "R-12", "name": "C2 beacon"}, "source": "zeek-scripts", "source_id": "a1b2",
//!  "host": "ws-042", "user": "ana", "description": "…", "raised": "2024-03-15T14:24:00Z",
//!  "source_ip": "10.0.0.5", "source_port": 51000, "destination_ip": "203.0.113.7", "destination_port": 443,
//!  "observables": ["evil.example", {"type": "sha256", "value": "E3B0…"}]}
//! ```
//! `title` and `time` (RFC 3339 with a zone) are required. `severity` is `sev1`..`sev4` or `critical`, `high`,
//! `medium`, `low` (sev3 when absent); `rule` is an object or just a name; an observable is a string (its type guessed
//! as when pasted) or `{type, value}`; observables are normalised and an invalid one is an error.
//!
//! # Identity
//! [`ParsedAlert::source_id`] is the source's own alert id (Wazuh `id`, Elastic `kibana.alert.uuid`, Splunk `sid`,
//! generic `source_id`); when the source has none (Suricata) it is the SHA-256 of the raw bytes, so importing the same
//! file twice gives the same ids.

mod adapters;
mod error;
mod fields;
mod generic;
mod raise;
mod split;

use std::io::Read;

use casebook_core::model::{ObservableKind, Severity};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub use crate::error::{AlertError, Position};
pub use crate::split::MAX_NESTING;

use crate::error::type_name;
use crate::fields::Doc;

/// The most read in one import: 256 MiB, about 100,000 alerts of a few kilobytes.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;
/// The most kept of one alert: 1 MiB. Real alerts are a few kilobytes; a bigger one is a mistake or an attack.
pub const MAX_DOCUMENT_BYTES: u64 = 1024 * 1024;

/// The caps a read enforces; [`Limits::default`] is the crate's constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The whole input, in bytes.
    pub max_input_bytes: u64,
    /// One document, in bytes.
    pub max_document_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: MAX_INPUT_BYTES,
            max_document_bytes: MAX_DOCUMENT_BYTES,
        }
    }
}

/// The alert formats Casebook reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The documented minimal shape (crate docs).
    Generic,
    /// Wazuh `alerts.json`.
    Wazuh,
    /// Elastic Security detection alerts.
    Elastic,
    /// Splunk's webhook alert action.
    Splunk,
    /// Suricata EVE JSON alerts.
    Suricata,
}

impl Format {
    /// Every format, in the order `detect` tries them.
    pub const ALL: [Format; 5] = [
        Format::Wazuh,
        Format::Elastic,
        Format::Splunk,
        Format::Suricata,
        Format::Generic,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Generic => "generic",
            Format::Wazuh => "wazuh",
            Format::Elastic => "elastic",
            Format::Splunk => "splunk",
            Format::Suricata => "suricata",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "`{s}` is not an alert format; use generic, wazuh, elastic, splunk or suricata"
                )
            })
    }
}

/// An indicator found in an alert, normalised as a typed-in observable is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observable {
    pub kind: ObservableKind,
    pub value: String,
}

/// One alert, mapped from its source's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedAlert {
    /// Where it was in the input.
    pub position: Position,
    /// The adapter that read it.
    pub format: Format,
    /// The tool that raised it (`wazuh`, `elastic`, `splunk`, `suricata`, or the generic `source`).
    pub source_tool: String,
    /// The source's own id, or the SHA-256 of [`ParsedAlert::raw`] when the source has none.
    pub source_id: String,
    /// Whether `source_id` is that digest.
    pub source_id_is_digest: bool,
    pub rule_name: Option<String>,
    pub rule_id: Option<String>,
    /// The source's severity mapped to Casebook's.
    pub severity: Severity,
    /// The source's own severity as it wrote it (`level 10`, `high`, `1`), when it gives one.
    pub source_severity: Option<String>,
    /// When the event behind the alert happened (Splunk results may have none).
    pub event_time: Option<DateTime<Utc>>,
    /// When the source raised the alert, when it says so apart from the event time.
    pub raised_time: Option<DateTime<Utc>>,
    pub title: String,
    pub description: Option<String>,
    pub host: Option<String>,
    pub user: Option<String>,
    pub source_ip: Option<String>,
    pub source_port: Option<u16>,
    pub destination_ip: Option<String>,
    pub destination_port: Option<u16>,
    pub observables: Vec<Observable>,
    /// The document exactly as received.
    pub raw: String,
}

/// Reads every alert of the input, all or nothing, with the default [`Limits`].
///
/// # Errors
/// The first problem found, naming the document and field (see [`AlertError`]).
pub fn read_alerts(
    input: impl Read,
    format: Option<Format>,
) -> Result<Vec<ParsedAlert>, AlertError> {
    read_alerts_with(input, format, Limits::default())
}

/// [`read_alerts`] with other caps.
///
/// # Errors
/// As [`read_alerts`].
pub fn read_alerts_with(
    input: impl Read,
    format: Option<Format>,
    limits: Limits,
) -> Result<Vec<ParsedAlert>, AlertError> {
    let mut bytes = Vec::new();
    input
        .take(limits.max_input_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| AlertError::Read { source })?;
    if bytes.len() as u64 > limits.max_input_bytes {
        return Err(AlertError::InputTooLarge {
            limit: limits.max_input_bytes,
        });
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64
                + 1;
            return Err(AlertError::InvalidUtf8 {
                at: Position::Line(line),
            });
        }
    };
    // A byte order mark is not JSON, but Windows editors write one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    split::split(text, &limits)?
        .into_iter()
        .map(|document| parse(&document, format))
        .collect()
}

fn parse(document: &split::Document, format: Option<Format>) -> Result<ParsedAlert, AlertError> {
    let at = document.at;
    let object = match serde_json::from_str::<Value>(document.text) {
        Ok(Value::Object(object)) => object,
        Ok(other) => {
            return Err(AlertError::NotAnObject {
                at,
                found: type_name(&other),
            })
        }
        Err(e) => return Err(json_error(document, &e)),
    };
    let format = match format {
        Some(format) => format,
        None => detect(&object).map_err(|why| AlertError::UnknownFormat { at, why })?,
    };
    let doc = Doc { at, root: &object };
    let mapped = match format {
        Format::Wazuh => adapters::wazuh(&doc),
        Format::Elastic => adapters::elastic(&doc),
        Format::Splunk => adapters::splunk(&doc),
        Format::Suricata => adapters::suricata(&doc),
        Format::Generic => generic::generic(&doc),
    }?;
    let digest = hex::encode(Sha256::digest(document.text.as_bytes()));
    Ok(mapped.into_alert(format, at, document.text, digest))
}

/// serde_json counts lines from the document's start; for JSON lines, turn that into the input's line.
fn json_error(document: &split::Document, e: &serde_json::Error) -> AlertError {
    let text = e.to_string();
    let detail = text
        .rfind(" at line ")
        .map_or(text.as_str(), |cut| &text[..cut]);
    let line = document.line + e.line().saturating_sub(1) as u64;
    match document.at {
        Position::Line(_) => AlertError::Json {
            at: Position::Line(line),
            detail: format!("{detail} at column {}", e.column()),
        },
        Position::Index(_) => AlertError::Json {
            at: document.at,
            detail: format!("{detail} at line {line}, column {}", e.column()),
        },
    }
}

/// Which format a document is, by the fields each source always writes (crate docs).
///
/// # Errors
/// A sentence saying what was looked for, when no format matches or more than one does.
pub fn detect(object: &Map<String, Value>) -> Result<Format, String> {
    let doc = Doc {
        at: Position::Line(0),
        root: object,
    };
    let matches: Vec<Format> = Format::ALL
        .into_iter()
        .filter(|format| match format {
            Format::Wazuh => {
                doc.get("rule.level").is_some_and(Value::is_number)
                    && doc.get("agent").is_some_and(Value::is_object)
            }
            Format::Elastic => {
                object.keys().any(|k| k.starts_with("kibana.alert.rule."))
                    || doc.has("kibana.alert.rule.name")
                    || doc.has("signal.rule")
            }
            Format::Splunk => {
                doc.has("search_name") && doc.get("result").is_some_and(Value::is_object)
            }
            Format::Suricata => {
                doc.get("event_type").is_some_and(Value::is_string)
                    && (doc.get("alert").is_some_and(Value::is_object) || doc.has("src_ip"))
            }
            Format::Generic => doc.has("title") && doc.has("time"),
        })
        .collect();
    match matches.as_slice() {
        [format] => Ok(*format),
        [] => Err("the document is not an alert of a known format: no Wazuh `rule.level` and `agent`, no Elastic \
                   `kibana.alert.rule.*` or `signal.rule`, no Splunk `search_name` and `result`, no Suricata \
                   `event_type`, no generic `title` and `time`"
            .to_string()),
        several => Err(format!(
            "the document has the fields of more than one format ({})",
            several.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}
