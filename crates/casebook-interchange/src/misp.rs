//! MISP events: one `{"Event": …}` per incident, in the JSON form MISP imports and PyMISP loads. Several incidents
//! are written as MISP's search answer, `{"response": [{"Event": …}, …]}`. Attributes are written one a line as
//! they are made, so an export holds one attribute at a time, not the document.
//!
//! Types and categories are chosen from MISP's own table of valid pairs: addresses are `ip-dst` (a SOC's indicator
//! is usually where a victim connected to), `email-src` is the sender, accounts are `target-user` (the account
//! attacked or abused), and anything Casebook files as `other` stays `other`.

use std::io::Write;

use casebook_core::model::{ObservableKind, Severity};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::{ids, tlp, CaseObservables, ExportError, WriteSummary};

/// The MISP attribute type and category of an observable kind.
pub fn type_and_category(kind: ObservableKind) -> (&'static str, &'static str) {
    match kind {
        ObservableKind::Ipv4 | ObservableKind::Ipv6 => ("ip-dst", "Network activity"),
        ObservableKind::Domain => ("domain", "Network activity"),
        ObservableKind::Url => ("url", "Network activity"),
        ObservableKind::Email => ("email-src", "Payload delivery"),
        ObservableKind::Md5 => ("md5", "Payload delivery"),
        ObservableKind::Sha1 => ("sha1", "Payload delivery"),
        ObservableKind::Sha256 => ("sha256", "Payload delivery"),
        ObservableKind::FileName => ("filename", "Payload delivery"),
        ObservableKind::Account => ("target-user", "Targeting data"),
        ObservableKind::RegistryKey => ("regkey", "Persistence mechanism"),
        ObservableKind::Other => ("other", "Other"),
    }
}

/// MISP's threat levels: 1 high, 2 medium, 3 low.
fn threat_level(s: Severity) -> &'static str {
    match s {
        Severity::Sev1 | Severity::Sev2 => "1",
        Severity::Sev3 => "2",
        Severity::Sev4 => "3",
    }
}

fn epoch(t: &DateTime<Utc>) -> String {
    t.timestamp().to_string()
}

pub(crate) fn write(
    cases: &[CaseObservables],
    mut out: impl Write,
) -> Result<WriteSummary, ExportError> {
    let mut summary = WriteSummary::default();
    let cases: Vec<&CaseObservables> = cases.iter().filter(|c| !c.observables.is_empty()).collect();
    // Written as it is made, one attribute a line, so an export never holds the whole document.
    let several = cases.len() > 1;
    if several {
        out.write_all(b"{\"response\": [\n")?;
    }
    for (i, c) in cases.iter().enumerate() {
        let event = json!({
            "uuid": ids::ours("misp-event", &c.case.id.0).to_string(),
            "info": format!("{}: {}", c.case.key, c.case.title),
            "date": c.case.created.format("%Y-%m-%d").to_string(),
            "timestamp": epoch(&c.case.modified.max(c.case.created)),
            "threat_level_id": threat_level(c.case.severity),
            // 1: ongoing analysis; 0: this organisation only, the safe default for case data.
            "analysis": "1",
            "distribution": "0",
            "published": false,
            "Tag": [{"name": tlp::misp_tag(c.case.tlp)}],
        });
        let header = serde_json::to_string(&event)?;
        // The event's own fields, then its attribute list in place of the closing brace.
        let open = header.strip_suffix('}').unwrap_or(&header);
        if i > 0 {
            out.write_all(b",\n")?;
        }
        write!(out, "{{\"Event\": {open}, \"Attribute\": [")?;
        for (j, o) in c.observables.iter().enumerate() {
            out.write_all(if j == 0 { b"\n  " } else { b",\n  " })?;
            serde_json::to_writer(&mut out, &attribute(o))?;
            summary.written += 1;
        }
        out.write_all(b"\n]}}")?;
    }
    out.write_all(if several { b"\n]}\n" } else { b"\n" })?;
    Ok(summary)
}

fn attribute(o: &crate::ObservableRecord) -> Value {
    let (misp_type, category) = type_and_category(o.kind);
    let mut a = json!({
        "uuid": ids::ours("misp-attribute", &o.id.0).to_string(),
        "type": misp_type,
        "category": category,
        "value": o.value,
        "to_ids": o.ioc,
        "comment": o.note,
        "timestamp": epoch(&o.added_at),
        // 5: the event's own distribution.
        "distribution": "5",
        "Tag": [{"name": tlp::misp_tag(o.tlp)}],
    });
    if let Some(t) = o.first_seen {
        a["first_seen"] = Value::String(t.to_rfc3339());
    }
    if let Some(t) = o.last_seen {
        a["last_seen"] = Value::String(t.to_rfc3339());
    }
    if !o.seen_in.is_empty() {
        // Type 0 is a plain sighting; the source names the other incident.
        a["Sighting"] = o
            .seen_in
            .iter()
            .map(|key| json!({"type": "0", "source": format!("Casebook {key}")}))
            .collect();
    }
    a
}
