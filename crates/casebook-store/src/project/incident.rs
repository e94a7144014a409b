//! The incident's own row: its opening, last-writer-wins fields, long texts, tags, assignment and closing.

use crate::sql::Cached as _;
use casebook_core::event::FieldChange;
use casebook_core::model::{KeyTime, Status, TextField};
use casebook_core::Payload;
use rusqlite::params;
use rusqlite::types::Value;

use super::claims::claim;
use super::entries::{add_text_version, refresh_incident_search};
use super::{misrouted, At};
use crate::sql::{opt_int, opt_micros, opt_text, text};
use crate::Result;

pub(super) fn apply(at: &At, p: &Payload) -> Result<()> {
    let (tx, inc, hlc, id, ahead) = (at.tx, &at.incident, &at.hlc, &at.id, at.ahead);
    let author = at.event.body.author;
    match p {
        Payload::IncidentOpened {
            key,
            title,
            summary,
            severity,
            tlp,
            category,
            tier,
            detection_source,
            affected_assets,
            tags,
            occurred_at,
            detected_at,
            reported_at,
        } => {
            tx.exec_cached(
                "UPDATE incidents SET key = ?2, opened = 1, created_by = ?3, created_hlc = ?4, foreign_case = ?5 WHERE id = ?1",
                params![inc, key, author.to_string(), hlc, at.rank == crate::trust::RANK_UNVERIFIED],
            )?;
            let claims: Vec<(&str, Value)> = vec![
                ("title", text(title)),
                ("severity", text(severity)),
                ("status", text(Status::New)),
                ("tlp", text(tlp)),
                ("category", text(category)),
                ("tier", Value::Integer(tier.get().into())),
                ("detection_source", text(detection_source)),
                (
                    "affected_assets",
                    text(serde_json::to_string(affected_assets)?),
                ),
                ("occurred_us", opt_int(opt_micros(*occurred_at))),
                ("detected_us", opt_int(opt_micros(*detected_at))),
                ("reported_us", opt_int(opt_micros(*reported_at))),
            ];
            for (field, value) in claims {
                claim(tx, inc, field, hlc, id, value, ahead)?;
            }
            add_text_version(
                tx,
                inc,
                TextField::Summary,
                hlc,
                author,
                None,
                &[],
                summary,
                id,
            )?;
            for tag in tags {
                tx.exec_cached("INSERT OR IGNORE INTO tag_adds (event_id, tag, incident_id) VALUES (?1, ?2, ?3)", params![id, tag, inc])?;
            }
            refresh_incident_search(tx, inc)?;
        }
        Payload::FieldSet { change } => {
            let (field, value) = match change {
                FieldChange::Title(t) => ("title", text(t)),
                FieldChange::Severity(s) => ("severity", text(s)),
                FieldChange::Status(s) => ("status", text(s)),
                FieldChange::Tlp(t) => ("tlp", text(t)),
                FieldChange::Category(c) => ("category", text(c)),
                FieldChange::DetectionSource(d) => ("detection_source", text(d)),
                FieldChange::AffectedAssets(a) => {
                    ("affected_assets", text(serde_json::to_string(a)?))
                }
                FieldChange::KeyTime { which, at } => {
                    (key_time_column(*which), opt_int(opt_micros(*at)))
                }
            };
            claim(tx, inc, field, hlc, id, value, ahead)?;
            if matches!(field, "title" | "category") {
                refresh_incident_search(tx, inc)?;
            }
        }
        Payload::TextEdited {
            field,
            text: body,
            base,
            resolves,
        } => {
            add_text_version(tx, inc, *field, hlc, author, *base, resolves, body, id)?;
            refresh_incident_search(tx, inc)?;
        }
        Payload::TagAdded { tag } => {
            tx.exec_cached(
                "INSERT OR IGNORE INTO tag_adds (event_id, tag, incident_id) VALUES (?1, ?2, ?3)",
                params![id, tag, inc],
            )?;
            refresh_incident_search(tx, inc)?;
        }
        Payload::TagRemoved { tag, removes } => {
            for r in removes {
                tx.exec_cached(
                    "INSERT OR IGNORE INTO tag_removals (removed_event_id, tag, by_event_id) VALUES (?1, ?2, ?3)",
                    params![r.to_string(), tag, id],
                )?;
            }
            refresh_incident_search(tx, inc)?;
        }
        Payload::IncidentAssigned { tier, assignee, .. } => {
            claim(
                tx,
                inc,
                "tier",
                hlc,
                id,
                Value::Integer(tier.get().into()),
                ahead,
            )?;
            claim(tx, inc, "assignee", hlc, id, opt_text(*assignee), ahead)?;
        }
        Payload::IncidentClosed { resolution, .. } => {
            claim(tx, inc, "status", hlc, id, text(Status::Closed), ahead)?;
            claim(tx, inc, "resolution", hlc, id, text(resolution), ahead)?;
            claim(
                tx,
                inc,
                "closed_us",
                hlc,
                id,
                Value::Integer(at.event.body.hlc.wall_micros),
                ahead,
            )?;
        }
        other => return Err(misrouted("incident", other)),
    }
    Ok(())
}

fn key_time_column(k: KeyTime) -> &'static str {
    match k {
        KeyTime::Occurred => "occurred_us",
        KeyTime::Detected => "detected_us",
        KeyTime::Reported => "reported_us",
        KeyTime::Contained => "contained_us",
        KeyTime::Resolved => "resolved_us",
    }
}
