//! Reading fields out of a parsed document, the same way for every adapter: a dotted path finds both nested objects
//! (`{"rule": {"level": 5}}`) and the flattened keys Elastic writes (`"kibana.alert.rule.name"`), or a mix of the two.

use casebook_core::model::ObservableKind;
use casebook_core::observable::{guess_kind, normalize};
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value};

use crate::error::{type_name, AlertError, Position};
use crate::Observable;

/// One document being mapped, with where it came from for errors.
pub(crate) struct Doc<'a> {
    pub at: Position,
    pub root: &'a Map<String, Value>,
}

impl<'a> Doc<'a> {
    /// The value at a dotted path; JSON `null` counts as absent.
    pub fn get(&self, path: &str) -> Option<&'a Value> {
        lookup(self.root, path).filter(|v| !v.is_null())
    }

    pub fn has(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// A value as text: a string (trimmed, empty counts as absent), a number, a boolean, or the first of an array
    /// of those (ECS fields may be arrays).
    pub fn text(&self, path: &str) -> Option<String> {
        self.get(path).and_then(as_text)
    }

    pub fn required_text(&self, path: &str) -> Result<String, AlertError> {
        self.text(path)
            .ok_or_else(|| self.error(path, "missing; this format always has it"))
    }

    pub fn error(&self, path: &str, problem: impl Into<String>) -> AlertError {
        AlertError::Field {
            at: self.at,
            field: path.to_string(),
            problem: problem.into(),
        }
    }

    /// A time, when present; present but unreadable is an error rather than a silent gap.
    pub fn time(&self, path: &str) -> Result<Option<DateTime<Utc>>, AlertError> {
        let Some(value) = self.get(path) else {
            return Ok(None);
        };
        let Some(text) = as_text(value) else {
            return Err(self.error(
                path,
                format!("expected a date and time, found {}", type_name(value)),
            ));
        };
        parse_time(&text).map(Some).ok_or_else(|| {
            self.error(
                path,
                format!("`{text}` is not a date and time with a zone (expected e.g. 2024-03-15T14:23:45Z)"),
            )
        })
    }

    pub fn required_time(&self, path: &str) -> Result<DateTime<Utc>, AlertError> {
        self.time(path)?
            .ok_or_else(|| self.error(path, "missing; this format always has it"))
    }

    /// A port: a number or a numeric string from 0 to 65535.
    pub fn port(&self, path: &str) -> Result<Option<u16>, AlertError> {
        let Some(text) = self.text(path) else {
            return Ok(None);
        };
        text.parse::<u16>()
            .map(Some)
            .map_err(|_| self.error(path, format!("`{text}` is not a port number (0 to 65535)")))
    }
}

fn lookup<'a>(object: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(value) = object.get(path) {
        return Some(value);
    }
    // Try every split of the path at a dot: `a.b.c` is `a` → `b.c`, or `a.b` → `c`.
    path.match_indices('.')
        .find_map(|(at, _)| match object.get(&path[..at]) {
            Some(Value::Object(child)) => lookup(child, &path[at + 1..]),
            _ => None,
        })
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => items.iter().find_map(as_text),
        Value::Null | Value::Object(_) => None,
    }
}

/// RFC 3339, or the same with an offset written without a colon (`+0000`), which Wazuh and Suricata write.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::<FixedOffset>::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The observables of one alert, normalised as typed-in ones are and without repeats.
#[derive(Default)]
pub(crate) struct Observables(Vec<Observable>);

impl Observables {
    /// Adds a value of a known kind. Source data is not typed in by a person, so a value that is not valid for its
    /// kind (`-`, `unknown`) is left out rather than failing the alert.
    pub fn add(&mut self, kind: ObservableKind, value: Option<String>) {
        let Some(value) = value else { return };
        if let Ok(value) = normalize(kind, &value) {
            let observable = Observable { kind, value };
            if !self.0.contains(&observable) {
                self.0.push(observable);
            }
        }
    }

    /// Adds an IP address, v4 or v6.
    pub fn ip(&mut self, value: Option<String>) {
        if let Some(value) = value {
            let kind = guess_kind(&value);
            if matches!(kind, ObservableKind::Ipv4 | ObservableKind::Ipv6) {
                self.add(kind, Some(value));
            }
        }
    }

    pub fn into_vec(self) -> Vec<Observable> {
        self.0
    }
}
