//! The generic shape, for tools without an adapter (see the crate docs). Its observables are typed by the sender,
//! so a value that is not valid for its type is an error naming the element, as it would be for a person.

use casebook_core::model::{ObservableKind, Severity};
use casebook_core::observable::{guess_kind, normalize};
use serde_json::Value;

use crate::adapters::Mapped;
use crate::error::{type_name, AlertError};
use crate::fields::{Doc, Observables};
use crate::Observable;

pub(crate) fn generic(doc: &Doc) -> Result<Mapped, AlertError> {
    let title = doc.required_text("title")?;
    let (severity, source_severity) = match doc.text("severity") {
        None => (Severity::Sev3, None),
        Some(text) => (
            severity(&text).ok_or_else(|| {
                doc.error(
                    "severity",
                    format!(
                        "`{text}` is not a severity (sev1 to sev4, or critical, high, medium, low)"
                    ),
                )
            })?,
            Some(text),
        ),
    };
    let (rule_name, rule_id) = match doc.get("rule") {
        Some(Value::Object(_)) => (doc.text("rule.name"), doc.text("rule.id")),
        Some(_) => (doc.text("rule"), None),
        None => (None, None),
    };
    let mut observables = Observables::default();
    let source_ip = doc.text("source_ip");
    let destination_ip = doc.text("destination_ip");
    observables.ip(source_ip.clone());
    observables.ip(destination_ip.clone());
    let mut typed = Vec::new();
    match doc.get("observables") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                typed.push(observable(doc, i, item)?);
            }
        }
        Some(other) => {
            return Err(doc.error(
                "observables",
                format!("expected an array, found {}", type_name(other)),
            ))
        }
    }
    for Observable { kind, value } in typed {
        observables.add(kind, Some(value));
    }
    Ok(Mapped {
        source_tool: doc.text("source").unwrap_or_else(|| "generic".into()),
        source_id: doc.text("source_id"),
        rule_name,
        rule_id,
        severity,
        source_severity,
        event_time: Some(doc.required_time("time")?),
        raised_time: doc.time("raised")?,
        title,
        description: doc.text("description"),
        host: doc.text("host"),
        user: doc.text("user"),
        source_port: doc.port("source_port")?,
        destination_port: doc.port("destination_port")?,
        source_ip,
        destination_ip,
        observables,
    })
}

fn severity(text: &str) -> Option<Severity> {
    if let Ok(severity) = text.parse::<Severity>() {
        return Some(severity);
    }
    Some(match text.to_ascii_lowercase().as_str() {
        "critical" => Severity::Sev1,
        "high" => Severity::Sev2,
        "medium" => Severity::Sev3,
        "low" | "info" | "informational" => Severity::Sev4,
        _ => return None,
    })
}

/// `"203.0.113.7"` (type guessed as when pasted) or `{"type": "ipv4", "value": "203.0.113.7"}`.
fn observable(doc: &Doc, i: usize, item: &Value) -> Result<Observable, AlertError> {
    let field = format!("observables[{i}]");
    let (kind, value) = match item {
        Value::String(value) => (guess_kind(value), value.as_str()),
        Value::Object(object) => {
            let value = match object.get("value") {
                Some(Value::String(value)) => value.as_str(),
                _ => {
                    return Err(
                        doc.error(&format!("{field}.value"), "expected the value as a string")
                    )
                }
            };
            let kind = match object.get("type") {
                None | Some(Value::Null) => guess_kind(value),
                Some(Value::String(kind)) => kind
                    .parse::<ObservableKind>()
                    .map_err(|e| doc.error(&format!("{field}.type"), e.to_string()))?,
                Some(other) => {
                    return Err(doc.error(
                        &format!("{field}.type"),
                        format!("expected a string, found {}", type_name(other)),
                    ))
                }
            };
            (kind, value)
        }
        other => {
            return Err(doc.error(
                &field,
                format!("expected a string or an object, found {}", type_name(other)),
            ))
        }
    };
    let value = normalize(kind, value).map_err(|e| doc.error(&field, e.to_string()))?;
    Ok(Observable { kind, value })
}
