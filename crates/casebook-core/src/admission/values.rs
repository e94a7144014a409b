//! Values every replica must agree are well-formed: sizes capped, hashes and ids well made, before any rule about
//! who may do what is asked.

use super::{invalid, limits, Refusal};
use crate::alert::NewAlert;
use crate::event::{EventBody, FieldChange, NewEntry, Payload};

fn short(what: &str, s: &str) -> Result<(), Refusal> {
    if s.len() > limits::SHORT_TEXT {
        return Err(invalid(format!(
            "its {what} is longer than {} bytes",
            limits::SHORT_TEXT
        )));
    }
    Ok(())
}

fn long(what: &str, s: &str) -> Result<(), Refusal> {
    if s.len() > limits::LONG_TEXT {
        return Err(invalid(format!(
            "its {what} is longer than {} bytes",
            limits::LONG_TEXT
        )));
    }
    Ok(())
}

fn items<T>(what: &str, v: &[T]) -> Result<(), Refusal> {
    if v.len() > limits::LIST_ITEMS {
        return Err(invalid(format!(
            "it lists more than {} {what}",
            limits::LIST_ITEMS
        )));
    }
    Ok(())
}

/// Whether `s` is a SHA-256 as Casebook writes it: 64 lowercase hex digits (never a path).
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_entry(n: &NewEntry) -> Result<(), Refusal> {
    long("entry summary", &n.summary)?;
    long("entry details", &n.details)?;
    for s in [&n.source.host, &n.source.tool, &n.source.file, &n.time_zone]
        .into_iter()
        .flatten()
    {
        short("entry source", s)?;
    }
    items("linked evidence items", &n.evidence)?;
    items("linked observables", &n.observables)?;
    let attrs = serde_json::to_string(&n.attributes)
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    if attrs > limits::ATTRIBUTES_JSON {
        return Err(invalid(format!(
            "an entry's extra attributes take more than {} bytes",
            limits::ATTRIBUTES_JSON
        )));
    }
    Ok(())
}

/// Values every replica must agree are well-formed.
pub(super) fn check_values(e: &EventBody) -> Result<(), Refusal> {
    if e.device_seq == 0 || e.device_seq > i64::MAX as u64 {
        return Err(invalid("its device sequence number is out of range"));
    }
    if e.hlc.device != e.device {
        return Err(invalid(
            "its clock names another device than the one that wrote it",
        ));
    }
    if e.payload.is_global() && e.incident.is_some() {
        return Err(invalid(format!(
            "a {} event belongs to no incident",
            e.payload.kind()
        )));
    }
    match &e.payload {
        Payload::UserRegistered { name, .. } => {
            if name.trim().is_empty() {
                return Err(invalid("an account needs a name"));
            }
            short("name", name)
        }
        Payload::DeviceBound { public_key, .. } => short("public key", public_key),
        Payload::ResponseTargetsSet { targets } => items("response targets", targets),
        Payload::IncidentOpened {
            key,
            title,
            summary,
            category,
            detection_source,
            affected_assets,
            tags,
            ..
        } => {
            if !crate::key::looks_like_key(key)
                || e.incident.map(crate::key::incident_key).as_deref() != Some(key)
            {
                return Err(invalid(format!(
                    "its incident key `{}` does not match its incident id",
                    key.chars().take(20).collect::<String>()
                )));
            }
            short("title", title)?;
            long("summary", summary)?;
            short("category", category)?;
            short("detection source", detection_source)?;
            items("affected assets", affected_assets)?;
            items("tags", tags)?;
            affected_assets
                .iter()
                .chain(tags)
                .try_for_each(|s| short("list item", s))
        }
        Payload::FieldSet { change } => match change {
            FieldChange::Title(s) | FieldChange::Category(s) | FieldChange::DetectionSource(s) => {
                short("value", s)
            }
            FieldChange::AffectedAssets(v) => {
                items("affected assets", v)?;
                v.iter().try_for_each(|s| short("affected asset", s))
            }
            _ => Ok(()),
        },
        Payload::TextEdited { text, resolves, .. } => {
            long("text", text)?;
            items("settled versions", resolves)
        }
        Payload::TagAdded { tag } | Payload::TagRemoved { tag, .. } => {
            if tag.trim().is_empty() {
                return Err(invalid("a tag cannot be empty"));
            }
            short("tag", tag)?;
            if let Payload::TagRemoved { removes, .. } = &e.payload {
                items("tag additions", removes)?;
            }
            Ok(())
        }
        Payload::IncidentAssigned { note, .. } | Payload::IncidentClosed { note, .. } => {
            long("note", note)
        }
        Payload::EntryAdded(n) => check_entry(n),
        Payload::EntriesImported { label, entries } => {
            short("import label", label)?;
            if entries.len() > limits::ENTRIES_PER_EVENT {
                return Err(invalid(format!(
                    "it imports more than {} entries in one event",
                    limits::ENTRIES_PER_EVENT
                )));
            }
            entries.iter().try_for_each(check_entry)
        }
        Payload::EntryKeyEventSet { .. } | Payload::TaskStatusSet { .. } => Ok(()),
        Payload::EvidenceAdded {
            name,
            sha256,
            media_type,
            acquired_by,
            source_host,
            source_path,
            description,
            ..
        } => {
            if !is_sha256(sha256) {
                return Err(invalid(
                    "its evidence SHA-256 is not 64 lowercase hex digits (it could name a file outside the evidence store)",
                ));
            }
            if name.trim().is_empty() {
                return Err(invalid("an evidence item needs a name"));
            }
            for (what, s) in [
                ("evidence name", name),
                ("media type", media_type),
                ("acquirer", acquired_by),
                ("source host", source_host),
                ("source path", source_path),
            ] {
                short(what, s)?;
            }
            long("description", description)
        }
        Payload::CustodyRecorded {
            who,
            location,
            reason,
            ..
        } => {
            short("custodian", who)?;
            short("location", location)?;
            long("reason", reason)
        }
        Payload::ObservableAdded { value, note, .. } => {
            if value.trim().is_empty() {
                return Err(invalid("an observable needs a value"));
            }
            short("observable value", value)?;
            long("note", note)
        }
        Payload::TaskAdded { title, .. } => short("task title", title),
        Payload::CommentAdded { body, .. } => long("comment", body),
        Payload::EscalationRequested {
            reason, handoff, ..
        } => {
            long("reason", reason)?;
            long("hand-off note", handoff)
        }
        Payload::EscalationDeclined { reason, .. } => long("reason", reason),
        Payload::EscalationAssigned { note, .. } => long("note", note),
        Payload::EscalationAcknowledged { .. } | Payload::EscalationAccepted { .. } => Ok(()),
        Payload::AlertRaised(a) => check_alert(a),
        Payload::AlertTriaged { alerts, reason, .. } => {
            if alerts.is_empty() {
                return Err(invalid("a triage names at least one alert"));
            }
            items("alerts", alerts)?;
            long("reason", reason)
        }
        Payload::AlertPromoted { .. } | Payload::AlertMerged { .. } => Ok(()),
    }
}

fn check_alert(a: &NewAlert) -> Result<(), Refusal> {
    if a.source.trim().is_empty() || a.source_id.trim().is_empty() {
        return Err(invalid(
            "an alert needs its source and the source's id for it",
        ));
    }
    if a.alert != crate::alert::alert_id(&a.source, &a.source_id) {
        return Err(invalid(
            "its alert id is not the one its source and source id give (it could pass for another alert)",
        ));
    }
    if a.title.trim().is_empty() {
        return Err(invalid("an alert needs a title"));
    }
    for (what, s) in [
        ("alert source", Some(&a.source)),
        ("source id", Some(&a.source_id)),
        ("format", Some(&a.format)),
        ("title", Some(&a.title)),
        ("rule name", a.rule_name.as_ref()),
        ("rule id", a.rule_id.as_ref()),
        ("source severity", a.source_severity.as_ref()),
        ("host", a.host.as_ref()),
        ("user", a.user.as_ref()),
        ("source address", a.source_ip.as_ref()),
        ("destination address", a.destination_ip.as_ref()),
    ] {
        short(what, s.map_or("", String::as_str))?;
    }
    long("description", &a.description)?;
    if a.raw.len() > crate::alert::MAX_RAW_BYTES {
        return Err(invalid(format!(
            "its raw alert is longer than {} bytes",
            crate::alert::MAX_RAW_BYTES
        )));
    }
    if a.observables.len() > crate::alert::MAX_OBSERVABLES {
        return Err(invalid(format!(
            "it carries more than {} observables",
            crate::alert::MAX_OBSERVABLES
        )));
    }
    for o in &a.observables {
        short("observable value", &o.value)?;
        // Stored as given, so it must already be in the form a typed-in observable is kept in (a hash as 64
        // lowercase hex digits, never a path or markup passing for one).
        match crate::observable::normalize(o.kind, &o.value) {
            Ok(n) if n == o.value => {}
            _ => {
                return Err(invalid(format!(
                    "its {} observable is not in normal form",
                    o.kind
                )))
            }
        }
    }
    Ok(())
}
