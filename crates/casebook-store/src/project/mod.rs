//! Projections: how each event changes the tables people read.
//!
//! Every rule here gives the same tables whatever order the events arrive in (the merge contract of DESIGN.md):
//! scalar fields keep every claim and show the one with the highest HLC; tags are an add-wins set; timeline
//! entries, evidence, custody records, observables and comments are only ever inserted; long texts keep every version
//! and show the latest, leaving unseen concurrent versions as conflicts; escalations keep every transition and are
//! refolded in HLC order by the core whenever one arrives.

use crate::sql::Cached as _;
use casebook_core::event::FieldChange;
use casebook_core::model::{KeyTime, Status, TextField};
use casebook_core::{Event, Payload};
use rusqlite::types::Value;
use rusqlite::{params, Transaction};

use crate::append::Standing;
use crate::sql::{micros, opt_int, opt_micros, opt_text, text};
use crate::Result;

mod claims;
mod entries;
mod escalations;
mod scope;

use claims::{claim, settle_task_status};
use entries::{add_text_version, index_doc, insert_entry, refresh_incident_search};
use escalations::{refold_escalation, system_entry, transition_summary};

/// Applies one event to the projections, in the caller's transaction, as it stood when admitted.
pub fn apply(tx: &Transaction, e: &Event, standing: Standing) -> Result<()> {
    let b = &e.body;
    let hlc = b.hlc.encode();
    let id = b.id.to_string();
    // Claims of an event whose clock ran far ahead rank below every ordinary claim.
    let ahead = standing.clock_ahead;
    if let Some(inc) = b.incident {
        // Any event of an incident makes sure its row exists, so events that arrive before the incident's opening
        // have somewhere to land.
        tx.prepare_cached("INSERT OR IGNORE INTO incidents (id) VALUES (?1)")?
            .execute([inc.to_string()])?;
        tx.prepare_cached("UPDATE incidents SET updated_hlc = max(updated_hlc, ?2) WHERE id = ?1")?
            .execute(params![inc.to_string(), hlc])?;
    }
    let inc = b.incident.map(|i| i.to_string()).unwrap_or_default();
    if let Some(reason) = scope::out_of_scope(tx, e, standing)? {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO scope_conflicts (event_id, incident_id, author, hlc, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id, inc, b.author.to_string(), hlc, reason])?;
        return Ok(());
    }
    let rank = standing.rank();
    match &b.payload {
        Payload::UserRegistered {
            user,
            name,
            role,
            tier,
        } => {
            // An authority's registration beats any claim; among equals the later by HLC wins.
            tx.exec_cached(
                "INSERT INTO users (id, name, role, tier, hlc, rank) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, tier = excluded.tier,
                 hlc = excluded.hlc, rank = excluded.rank
                 WHERE excluded.rank > users.rank OR (excluded.rank = users.rank AND excluded.hlc > users.hlc)",
                params![user.to_string(), name, role.as_str(), tier.map(|t| t.get()), hlc, rank],
            )?;
        }
        Payload::DeviceBound {
            device,
            user,
            public_key,
        } => {
            tx.exec_cached(
                "INSERT INTO device_keys (device, user_id, public_key, rank, hlc, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (device, user_id) DO UPDATE SET public_key = excluded.public_key, rank = excluded.rank,
                 hlc = excluded.hlc, event_id = excluded.event_id
                 WHERE excluded.rank > device_keys.rank OR (excluded.rank = device_keys.rank AND excluded.hlc > device_keys.hlc)",
                params![device.to_string(), user.to_string(), public_key, rank, hlc, id],
            )?;
        }
        Payload::ResponseTargetsSet { targets } => {
            for t in targets {
                tx.exec_cached(
                    "INSERT INTO response_targets (severity, acknowledge_minutes, accept_minutes, hlc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (severity) DO UPDATE SET acknowledge_minutes = excluded.acknowledge_minutes,
                     accept_minutes = excluded.accept_minutes, hlc = excluded.hlc WHERE excluded.hlc > response_targets.hlc",
                    params![t.severity.as_str(), t.acknowledge_minutes, t.accept_minutes, hlc],
                )?;
            }
        }
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
                params![inc, key, b.author.to_string(), hlc, rank == crate::trust::RANK_UNVERIFIED],
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
                claim(tx, &inc, field, &hlc, &id, value, ahead)?;
            }
            add_text_version(
                tx,
                &inc,
                TextField::Summary,
                &hlc,
                b.author,
                None,
                &[],
                summary,
                &id,
            )?;
            for tag in tags {
                tx.exec_cached("INSERT OR IGNORE INTO tag_adds (event_id, tag, incident_id) VALUES (?1, ?2, ?3)", params![id, tag, inc])?;
            }
            refresh_incident_search(tx, &inc)?;
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
            claim(tx, &inc, field, &hlc, &id, value, ahead)?;
            if matches!(field, "title" | "category") {
                refresh_incident_search(tx, &inc)?;
            }
        }
        Payload::TextEdited {
            field,
            text: body,
            base,
            resolves,
        } => {
            add_text_version(tx, &inc, *field, &hlc, b.author, *base, resolves, body, &id)?;
            refresh_incident_search(tx, &inc)?;
        }
        Payload::TagAdded { tag } => {
            tx.exec_cached(
                "INSERT OR IGNORE INTO tag_adds (event_id, tag, incident_id) VALUES (?1, ?2, ?3)",
                params![id, tag, inc],
            )?;
            refresh_incident_search(tx, &inc)?;
        }
        Payload::TagRemoved { tag, removes } => {
            for r in removes {
                tx.exec_cached(
                    "INSERT OR IGNORE INTO tag_removals (removed_event_id, tag, by_event_id) VALUES (?1, ?2, ?3)",
                    params![r.to_string(), tag, id],
                )?;
            }
            refresh_incident_search(tx, &inc)?;
        }
        Payload::IncidentAssigned { tier, assignee, .. } => {
            claim(
                tx,
                &inc,
                "tier",
                &hlc,
                &id,
                Value::Integer(tier.get().into()),
                ahead,
            )?;
            claim(tx, &inc, "assignee", &hlc, &id, opt_text(*assignee), ahead)?;
        }
        Payload::IncidentClosed { resolution, .. } => {
            claim(tx, &inc, "status", &hlc, &id, text(Status::Closed), ahead)?;
            claim(tx, &inc, "resolution", &hlc, &id, text(resolution), ahead)?;
            claim(
                tx,
                &inc,
                "closed_us",
                &hlc,
                &id,
                Value::Integer(b.hlc.wall_micros),
                ahead,
            )?;
        }
        Payload::EntryAdded(entry) => insert_entry(tx, &inc, &id, &hlc, b.author, entry)?,
        Payload::EntriesImported { entries, .. } => {
            for entry in entries {
                insert_entry(tx, &inc, &id, &hlc, b.author, entry)?;
            }
        }
        Payload::EntryKeyEventSet { entry, key_event } => {
            let entry = entry.to_string();
            tx.exec_cached(
                "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'key_event', ?2, ?3, ?4)",
                params![entry, hlc, id, *key_event],
            )?;
            tx.exec_cached(
                "UPDATE timeline_entries SET key_event = ?2, key_event_hlc = ?3 WHERE id = ?1 AND key_event_hlc < ?3
                 AND incident_id = ?4",
                params![entry, *key_event, hlc, inc],
            )?;
        }
        Payload::EvidenceAdded {
            evidence,
            name,
            sha256,
            size,
            media_type,
            acquired_at,
            acquired_by,
            source_host,
            source_path,
            description,
        } => {
            tx.exec_cached(
                "INSERT OR IGNORE INTO evidence (id, incident_id, event_id, name, sha256, size, media_type, acquired_us,
                 acquired_by, source_host, source_path, description, added_hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    evidence.to_string(),
                    inc,
                    id,
                    name,
                    sha256,
                    *size as i64,
                    media_type,
                    micros(*acquired_at),
                    acquired_by,
                    source_host,
                    source_path,
                    description,
                    hlc,
                    b.author.to_string()
                ],
            )?;
        }
        Payload::CustodyRecorded {
            evidence,
            action,
            who,
            at,
            location,
            reason,
        } => {
            tx.exec_cached(
                "INSERT OR IGNORE INTO custody (event_id, evidence_id, incident_id, action, who, at_us, location, reason, hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![id, evidence.to_string(), inc, action.as_str(), who, micros(*at), location, reason, hlc, b.author.to_string()],
            )?;
        }
        Payload::ObservableAdded {
            observable,
            observable_kind,
            value,
            tlp,
            ioc,
            first_seen,
            last_seen,
            note,
        } => {
            let oid = observable.to_string();
            let inserted = tx.exec_cached(
                "INSERT OR IGNORE INTO observables (id, incident_id, kind, value, tlp, ioc, first_seen_us, last_seen_us, note, hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    oid,
                    inc,
                    observable_kind.as_str(),
                    value,
                    tlp.as_str(),
                    *ioc,
                    opt_micros(*first_seen),
                    opt_micros(*last_seen),
                    note,
                    hlc,
                    b.author.to_string()
                ],
            )?;
            if inserted > 0 {
                index_doc(tx, "observable", &oid, &inc, &format!("{value} {note}"))?;
            }
        }
        Payload::TaskAdded {
            task,
            title,
            owner,
            due,
        } => {
            let tid = task.to_string();
            tx.exec_cached(
                "INSERT OR IGNORE INTO tasks (id, incident_id, title, owner, due_us, status, status_hlc, created_hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', '', ?6, ?7)",
                params![tid, inc, title, owner.map(|o| o.to_string()), opt_micros(*due), hlc, b.author.to_string()],
            )?;
            settle_task_status(tx, &tid)?;
        }
        Payload::TaskStatusSet { task, status } => {
            let tid = task.to_string();
            tx.exec_cached(
                "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'status', ?2, ?3, ?4)",
                params![tid, hlc, id, status.as_str()],
            )?;
            settle_task_status(tx, &tid)?;
        }
        Payload::CommentAdded { comment, body } => {
            let cid = comment.to_string();
            let inserted = tx.exec_cached(
                "INSERT OR IGNORE INTO comments (id, incident_id, body, author, hlc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![cid, inc, body, b.author.to_string(), hlc],
            )?;
            if inserted > 0 {
                index_doc(tx, "comment", &cid, &inc, body)?;
            }
        }
        Payload::EscalationRequested {
            escalation,
            from_tier,
            to_tier,
            assignee,
            reason,
            handoff,
        } => {
            tx.exec_cached(
                "INSERT OR IGNORE INTO escalations (id, incident_id, request_event, from_tier, requested_tier, requested_assignee,
                 to_tier, assignee, state, reason, handoff, requested_by, requested_hlc, clock_start_hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6, 'requested', ?7, ?8, ?9, ?10, ?10)",
                params![
                    escalation.to_string(),
                    inc,
                    id,
                    from_tier.get(),
                    to_tier.get(),
                    assignee.map(|a| a.to_string()),
                    reason,
                    handoff,
                    b.author.to_string(),
                    hlc
                ],
            )?;
            let summary = format!(
                "Escalation requested: tier {from_tier} → tier {to_tier}. Reason: {reason}"
            );
            system_entry(tx, e, &inc, summary, handoff.clone())?;
            refold_escalation(tx, &escalation.to_string())?;
        }
        Payload::EscalationAcknowledged { escalation }
        | Payload::EscalationAccepted { escalation }
        | Payload::EscalationDeclined { escalation, .. }
        | Payload::EscalationAssigned { escalation, .. } => {
            tx.exec_cached(
                "INSERT OR IGNORE INTO escalation_transitions (event_id, escalation_id, incident_id, hlc, by_user, transition)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, escalation.to_string(), inc, hlc, b.author.to_string(), e.payload_json],
            )?;
            let (summary, details) = transition_summary(&b.payload);
            system_entry(tx, e, &inc, summary, details)?;
            refold_escalation(tx, &escalation.to_string())?;
        }
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
