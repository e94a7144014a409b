//! Evidence with its chain of custody, observables with their sightings elsewhere, tasks and comments.

use casebook_core::model::{CustodyAction, ObservableKind, TaskStatus, Tlp};
use casebook_core::{CommentId, EvidenceId, IncidentId, ObservableId, TaskId, UserId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use super::hlc_time;
use crate::sql::{from_micros, opt_from_micros, opt_parse, parse};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EvidenceView {
    pub id: EvidenceId,
    pub incident_id: IncidentId,
    pub name: String,
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    pub acquired_at: DateTime<Utc>,
    pub acquired_by: String,
    pub source_host: String,
    pub source_path: String,
    pub description: String,
    pub added_at: DateTime<Utc>,
    pub added_by: UserId,
    pub custody: Vec<CustodyView>,
    /// Whether the file is in this laptop's evidence store: evidence made on another laptop is listed at once and its
    /// file comes down on demand. Set by the application API, which holds the blob store (the database alone says `false`).
    pub stored_here: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustodyView {
    pub action: CustodyAction,
    pub who: String,
    pub at: DateTime<Utc>,
    pub location: String,
    pub reason: String,
    pub recorded_by: UserId,
}

/// Evidence of one incident (or of all incidents), oldest first, each with its chain of custody.
pub fn evidence(conn: &Connection, incident: Option<IncidentId>) -> Result<Vec<EvidenceView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, incident_id, name, sha256, size, media_type, acquired_us, acquired_by, source_host, source_path, description,
                added_hlc, author FROM evidence WHERE ?1 IS NULL OR incident_id = ?1 ORDER BY added_hlc, id",
    )?;
    let mut rows = stmt.query([incident.map(|i| i.to_string())])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: EvidenceId = parse("evidence id", &r.get::<_, String>(0)?)?;
        out.push(EvidenceView {
            id,
            incident_id: parse("incident id", &r.get::<_, String>(1)?)?,
            name: r.get(2)?,
            sha256: r.get(3)?,
            size: r.get::<_, i64>(4)? as u64,
            media_type: r.get(5)?,
            acquired_at: from_micros(r.get(6)?),
            acquired_by: r.get(7)?,
            source_host: r.get(8)?,
            source_path: r.get(9)?,
            description: r.get(10)?,
            added_at: hlc_time(&r.get::<_, String>(11)?)?,
            added_by: parse("user id", &r.get::<_, String>(12)?)?,
            custody: custody(conn, id)?,
            stored_here: false,
        });
    }
    Ok(out)
}

pub fn custody(conn: &Connection, evidence: EvidenceId) -> Result<Vec<CustodyView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT action, who, at_us, location, reason, author FROM custody WHERE evidence_id = ?1 ORDER BY at_us, hlc",
    )?;
    let rows: Vec<(String, String, i64, String, String, String)> = stmt
        .query_map([evidence.to_string()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(a, who, at, location, reason, by)| {
            Ok(CustodyView {
                action: parse("custody action", &a)?,
                who,
                at: from_micros(at),
                location,
                reason,
                recorded_by: parse("user id", &by)?,
            })
        })
        .collect()
}

/// Whether committed evidence references this blob hash (asked live by the blob sweep).
pub fn blob_referenced(conn: &Connection, sha256: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM evidence WHERE sha256 = ?1)")?
        .query_row([sha256], |r| r.get(0))?)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ObservableView {
    pub id: ObservableId,
    pub incident_id: IncidentId,
    pub kind: ObservableKind,
    pub value: String,
    /// The value made harmless to paste (`hxxps://evil[.]example`), by the core's `defang`.
    pub defanged: String,
    pub tlp: Tlp,
    pub ioc: bool,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub note: String,
    pub added_at: DateTime<Utc>,
    /// Other incidents with the same observable (same type and normalized value).
    pub seen_in_other_incidents: Vec<String>,
}

pub fn observables(conn: &Connection, incident: IncidentId) -> Result<Vec<ObservableView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, o.incident_id, o.kind, o.value, o.tlp, o.ioc, o.first_seen_us, o.last_seen_us, o.note, o.hlc,
                (SELECT group_concat(key, ',') FROM (SELECT DISTINCT i.key FROM observables x JOIN incidents i ON i.id = x.incident_id
                  WHERE x.kind = o.kind AND x.value = o.value AND x.incident_id != o.incident_id AND i.key IS NOT NULL ORDER BY i.key))
         FROM observables o WHERE o.incident_id = ?1 ORDER BY o.hlc, o.id",
    )?;
    let mut rows = stmt.query([incident.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let seen: Option<String> = r.get(10)?;
        let kind = parse("observable type", &r.get::<_, String>(2)?)?;
        let value: String = r.get(3)?;
        out.push(ObservableView {
            id: parse("observable id", &r.get::<_, String>(0)?)?,
            incident_id: parse("incident id", &r.get::<_, String>(1)?)?,
            kind,
            defanged: casebook_core::observable::defang(kind, &value),
            value,
            tlp: parse("TLP", &r.get::<_, String>(4)?)?,
            ioc: r.get(5)?,
            first_seen: opt_from_micros(r.get(6)?),
            last_seen: opt_from_micros(r.get(7)?),
            note: r.get(8)?,
            added_at: hlc_time(&r.get::<_, String>(9)?)?,
            seen_in_other_incidents: seen
                .map(|s| s.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskView {
    pub id: TaskId,
    pub title: String,
    pub owner: Option<UserId>,
    pub owner_name: Option<String>,
    pub due: Option<DateTime<Utc>>,
    pub status: TaskStatus,
    pub created_at: DateTime<Utc>,
}

pub fn tasks(conn: &Connection, incident: IncidentId) -> Result<Vec<TaskView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.title, t.owner, u.name, t.due_us, t.status, t.created_hlc FROM tasks t LEFT JOIN users u ON u.id = t.owner
         WHERE t.incident_id = ?1 ORDER BY t.created_hlc, t.id",
    )?;
    let mut rows = stmt.query([incident.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(TaskView {
            id: parse("task id", &r.get::<_, String>(0)?)?,
            title: r.get(1)?,
            owner: opt_parse("user id", r.get(2)?)?,
            owner_name: r.get(3)?,
            due: opt_from_micros(r.get(4)?),
            status: parse("task status", &r.get::<_, String>(5)?)?,
            created_at: hlc_time(&r.get::<_, String>(6)?)?,
        });
    }
    Ok(out)
}

/// The incident a task belongs to, if the task exists.
pub fn task_incident(conn: &Connection, task: TaskId) -> Result<Option<IncidentId>> {
    let mut stmt = conn.prepare_cached("SELECT incident_id FROM tasks WHERE id = ?1")?;
    let mut rows = stmt.query([task.to_string()])?;
    match rows.next()? {
        Some(r) => Ok(Some(parse("incident id", &r.get::<_, String>(0)?)?)),
        None => Ok(None),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CommentView {
    pub id: CommentId,
    pub body: String,
    pub author: UserId,
    pub author_name: Option<String>,
    pub at: DateTime<Utc>,
}

pub fn comments(conn: &Connection, incident: IncidentId) -> Result<Vec<CommentView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.body, c.author, u.name, c.hlc FROM comments c LEFT JOIN users u ON u.id = c.author
         WHERE c.incident_id = ?1 ORDER BY c.hlc, c.id",
    )?;
    let rows: Vec<(String, String, String, Option<String>, String)> = stmt
        .query_map(params![incident.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, body, author, name, hlc)| {
            Ok(CommentView {
                id: parse("comment id", &id)?,
                body,
                author: parse("user id", &author)?,
                author_name: name,
                at: hlc_time(&hlc)?,
            })
        })
        .collect()
}
