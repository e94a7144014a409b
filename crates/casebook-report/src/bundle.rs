//! The canonical JSON bundle a report is built from, and its content digest.
//!
//! Canonical means: object keys sorted by their UTF-8 bytes, no whitespace, strings escaped the way serde_json
//! escapes them, times as RFC 3339 UTC. The workspace enables serde_json's `preserve_order`, so the sorting is done
//! here explicitly rather than trusting the map type.
//!
//! The bundle attached to the PDF is an envelope: the case plus the settings needed to re-render the exact same
//! bytes. The content digest covers the case alone, so two exports of the same case (say, technical and executive)
//! carry the same digest.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::ReportCase;
use crate::options::{ReportOptions, ReportTemplate};
use crate::ReportError;

/// Format tag of the attached bundle, so a future layout of the envelope can be told apart.
pub const BUNDLE_FORMAT: &str = "casebook-report-bundle/1";

/// File name of the bundle inside the PDF.
pub const BUNDLE_FILE_NAME: &str = "casebook-report-bundle.json";

/// Version of this crate, recorded in every report; an exact re-render is only possible with the same version.
/// The suffix counts changes of the PDF bytes within one crate version: "+r2" is the batched renderer, so a report
/// made by the earlier one is told apart (only partly checked) instead of being reported as modified.
pub const RENDERER_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+r2");

/// The JSON document attached to every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportBundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// Version of casebook-report that rendered the PDF.
    pub renderer_version: String,
    /// Template used.
    pub template: ReportTemplate,
    /// Whether the timeline was limited to key events.
    pub key_events_only: bool,
    /// Export time.
    pub exported_at: DateTime<Utc>,
    /// SHA-256 of the canonical JSON of `case`, lower-case hex.
    pub content_digest: String,
    /// The case data itself.
    pub case: ReportCase,
}

impl ReportBundle {
    /// The render settings recorded in the bundle.
    pub fn options(&self) -> ReportOptions {
        ReportOptions {
            template: self.template,
            key_events_only: self.key_events_only,
            exported_at: self.exported_at,
        }
    }
}

/// Serialises any JSON value canonically (sorted keys, no whitespace).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    // Serialising a &str to JSON cannot fail; falling back to an empty literal keeps the function total anyway.
    match serde_json::to_string(s) {
        Ok(escaped) => out.push_str(&escaped),
        Err(_) => out.push_str("\"\""),
    }
}

/// Canonical JSON of a case.
pub fn canonical_case_json(case: &ReportCase) -> Result<String, ReportError> {
    let value = serde_json::to_value(case).map_err(ReportError::Serialize)?;
    Ok(canonical_json(&value))
}

/// SHA-256 of bytes as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The content digest of a case: SHA-256 of its canonical JSON, lower-case hex.
pub fn content_digest(case: &ReportCase) -> Result<String, ReportError> {
    Ok(sha256_hex(canonical_case_json(case)?.as_bytes()))
}

/// Builds the envelope for a case and the chosen options.
pub fn build_bundle(
    case: &ReportCase,
    options: &ReportOptions,
    renderer_version: &str,
) -> Result<ReportBundle, ReportError> {
    Ok(ReportBundle {
        format: BUNDLE_FORMAT.to_string(),
        renderer_version: renderer_version.to_string(),
        template: options.template,
        key_events_only: options.key_events_only,
        exported_at: options.exported_at,
        content_digest: content_digest(case)?,
        case: case.clone(),
    })
}

/// The exact bytes attached to the PDF: canonical JSON of the envelope.
pub fn bundle_bytes(bundle: &ReportBundle) -> Result<Vec<u8>, ReportError> {
    envelope_bytes(&Envelope {
        format: &bundle.format,
        renderer_version: &bundle.renderer_version,
        template: bundle.template,
        key_events_only: bundle.key_events_only,
        exported_at: bundle.exported_at,
        content_digest: &bundle.content_digest,
        case: &bundle.case,
    })
}

/// [`ReportBundle`] borrowing its case: serialises to the same JSON, so an export does not copy the case (at 50,000
/// entries, tens of megabytes).
#[derive(Serialize)]
pub(crate) struct Envelope<'a> {
    pub(crate) format: &'a str,
    pub(crate) renderer_version: &'a str,
    pub(crate) template: ReportTemplate,
    pub(crate) key_events_only: bool,
    pub(crate) exported_at: DateTime<Utc>,
    pub(crate) content_digest: &'a str,
    pub(crate) case: &'a ReportCase,
}

impl Envelope<'_> {
    /// The render settings recorded in the envelope.
    pub(crate) fn options(&self) -> ReportOptions {
        ReportOptions {
            template: self.template,
            key_events_only: self.key_events_only,
            exported_at: self.exported_at,
        }
    }
}

/// Canonical JSON of an envelope.
pub(crate) fn envelope_bytes(envelope: &Envelope<'_>) -> Result<Vec<u8>, ReportError> {
    let value = serde_json::to_value(envelope).map_err(ReportError::Serialize)?;
    Ok(canonical_json(&value).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth_and_whitespace_is_dropped() {
        let value = json!({"b": 1, "a": {"z": [true, null], "y": "é\"x"}});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"y":"é\"x","z":[true,null]},"b":1}"#,
            "canonical JSON must not depend on insertion order"
        );
    }

    #[test]
    fn insertion_order_does_not_change_the_output() {
        let first = json!({"x": 1, "y": 2});
        let mut map = serde_json::Map::new();
        map.insert("y".into(), json!(2));
        map.insert("x".into(), json!(1));
        assert_eq!(
            canonical_json(&first),
            canonical_json(&Value::Object(map)),
            "two maps with the same entries must serialise identically"
        );
    }
}
