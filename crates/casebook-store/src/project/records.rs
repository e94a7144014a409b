//! Insert-only records of an incident: evidence and its custody, observables, tasks (with their last-writer-wins
//! status) and comments.

use crate::sql::Cached as _;
use casebook_core::Payload;
use rusqlite::params;

use super::claims::settle_task_status;
use super::{misrouted, At};
use crate::sql::{micros, opt_micros};
use crate::Result;

pub(super) fn evidence(at: &At, p: &Payload) -> Result<()> {
    let author = at.event.body.author.to_string();
    match p {
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
            at.tx.exec_cached(
                "INSERT OR IGNORE INTO evidence (id, incident_id, event_id, name, sha256, size, media_type, acquired_us,
                 acquired_by, source_host, source_path, description, added_hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    evidence.to_string(),
                    at.incident,
                    at.id,
                    name,
                    sha256,
                    *size as i64,
                    media_type,
                    micros(*acquired_at),
                    acquired_by,
                    source_host,
                    source_path,
                    description,
                    at.hlc,
                    author
                ],
            )?;
        }
        Payload::CustodyRecorded {
            evidence,
            action,
            who,
            at: when,
            location,
            reason,
        } => {
            at.tx.exec_cached(
                "INSERT OR IGNORE INTO custody (event_id, evidence_id, incident_id, action, who, at_us, location, reason, hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![at.id, evidence.to_string(), at.incident, action.as_str(), who, micros(*when), location, reason, at.hlc, author],
            )?;
        }
        other => return Err(misrouted("evidence", other)),
    }
    Ok(())
}

pub(super) fn observable(at: &At, p: &Payload) -> Result<()> {
    let Payload::ObservableAdded {
        observable,
        observable_kind,
        value,
        tlp,
        ioc,
        first_seen,
        last_seen,
        note,
    } = p
    else {
        return Err(misrouted("observable", p));
    };
    let oid = observable.to_string();
    let inserted = at.tx.exec_cached(
        "INSERT OR IGNORE INTO observables (id, incident_id, kind, value, tlp, ioc, first_seen_us, last_seen_us, note, hlc, author)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            oid,
            at.incident,
            observable_kind.as_str(),
            value,
            tlp.as_str(),
            *ioc,
            opt_micros(*first_seen),
            opt_micros(*last_seen),
            note,
            at.hlc,
            at.event.body.author.to_string()
        ],
    )?;
    if inserted > 0 {
        at.search
            .add("observable", &oid, &at.incident, format!("{value} {note}"));
    }
    Ok(())
}

pub(super) fn task(at: &At, p: &Payload) -> Result<()> {
    match p {
        Payload::TaskAdded {
            task,
            title,
            owner,
            due,
        } => {
            let tid = task.to_string();
            at.tx.exec_cached(
                "INSERT OR IGNORE INTO tasks (id, incident_id, title, owner, due_us, status, status_hlc, created_hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', '', ?6, ?7)",
                params![tid, at.incident, title, owner.map(|o| o.to_string()), opt_micros(*due), at.hlc, at.event.body.author.to_string()],
            )?;
            settle_task_status(at.tx, &tid)
        }
        Payload::TaskStatusSet { task, status } => {
            let tid = task.to_string();
            at.tx.exec_cached(
                "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'status', ?2, ?3, ?4)",
                params![tid, at.hlc, at.id, status.as_str()],
            )?;
            settle_task_status(at.tx, &tid)
        }
        other => Err(misrouted("task", other)),
    }
}

pub(super) fn comment(at: &At, p: &Payload) -> Result<()> {
    let Payload::CommentAdded { comment, body } = p else {
        return Err(misrouted("comment", p));
    };
    let cid = comment.to_string();
    let inserted = at.tx.exec_cached(
        "INSERT OR IGNORE INTO comments (id, incident_id, body, author, hlc) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![cid, at.incident, body, at.event.body.author.to_string(), at.hlc],
    )?;
    if inserted > 0 {
        at.search
            .add("comment", &cid, &at.incident, body.to_string());
    }
    Ok(())
}
