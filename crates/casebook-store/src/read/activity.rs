//! The log as people read it: an incident's events that arrived after a seen mark, this device's events still
//! waiting to go up, and the names those events point at (people, tasks, timeline entries, evidence). The sentences
//! themselves are written by the application API.

use std::collections::HashMap;

use casebook_core::{DeviceId, EntryId, Event, EvidenceId, IncidentId, TaskId, UserId};
use rusqlite::{params, Connection, OptionalExtension};

use crate::append::{stored_row, STORED_COLUMNS};
use crate::Result;

/// An event with what a reader needs beside it.
#[derive(Debug, Clone)]
pub struct LoggedEvent {
    /// Its local arrival number.
    pub seq: i64,
    pub event: Event,
    /// The author's name in the directory, if the directory knows them.
    pub author_name: Option<String>,
    /// The key of its incident, if it has one and its opening has arrived.
    pub incident_key: Option<String>,
}

/// The stored columns, then the author's name and the incident's key, of at most `limit` (a placeholder) events
/// matching `filter` (a condition on the `events` table) in `order`.
fn logged_sql(filter: &str, order: &str, limit: &str) -> String {
    format!(
        "SELECT s.*, u.name, i.key FROM (SELECT {STORED_COLUMNS} FROM events WHERE {filter} ORDER BY {order} LIMIT {limit}) s
         LEFT JOIN users u ON u.id = s.author LEFT JOIN incidents i ON i.id = s.incident_id AND i.opened = 1
         ORDER BY {order}"
    )
}

fn logged(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<LoggedEvent>> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let stored = stored_row(r)?.into_stored()?;
        out.push(LoggedEvent {
            seq: stored.seq,
            event: stored.event,
            author_name: r.get(14)?,
            incident_key: r.get(15)?,
        });
    }
    Ok(out)
}

const AFTER_MARK: &str = "incident_id = ?1 AND seq > ?2 AND author NOT IN (?3, ?4)";

/// An incident's events that arrived after local arrival number `after`, by anyone but `not_by` (one person may
/// have two ids: a profile made offline and the team account it was bound to): how many there are, and the newest
/// `limit` of them, newest first.
pub fn incident_events_after(
    conn: &Connection,
    incident: IncidentId,
    after: i64,
    not_by: (UserId, UserId),
    limit: u32,
) -> Result<(u64, Vec<LoggedEvent>)> {
    let (incident, a, b) = (
        incident.to_string(),
        not_by.0.to_string(),
        not_by.1.to_string(),
    );
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM events WHERE {AFTER_MARK}"))?
        .query_row(params![incident, after, a, b], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&logged_sql(AFTER_MARK, "seq DESC", "?5"))?;
    let events = logged(&mut stmt, params![incident, after, a, b, i64::from(limit)])?;
    Ok((total as u64, events))
}

/// This device's events after device sequence `after` that the server has not refused, oldest first, at most
/// `limit`: what waits to go up (the rule [`crate::team::waiting`] counts by).
pub fn own_events_after(
    conn: &Connection,
    device: DeviceId,
    after: u64,
    limit: u32,
) -> Result<Vec<LoggedEvent>> {
    let mut stmt = conn.prepare_cached(&logged_sql(
        "device = ?1 AND device_seq > ?2 AND id NOT IN (SELECT event_id FROM sync_verdicts)",
        "device_seq",
        "?3",
    ))?;
    logged(
        &mut stmt,
        params![
            device.to_string(),
            after.min(i64::MAX as u64) as i64,
            i64::from(limit)
        ],
    )
}

/// Names of what events point at, looked up as sentences need them.
pub struct Labels<'c> {
    conn: &'c Connection,
    users: HashMap<UserId, String>,
}

impl<'c> Labels<'c> {
    pub fn new(conn: &'c Connection) -> Result<Labels<'c>> {
        let users = super::users(conn)?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        Ok(Labels { conn, users })
    }

    pub fn user(&self, id: UserId) -> Option<&str> {
        self.users.get(&id).map(String::as_str)
    }

    fn one(&self, sql: &str, id: String) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(sql)?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    pub fn task(&self, id: TaskId) -> Result<Option<String>> {
        self.one("SELECT title FROM tasks WHERE id = ?1", id.to_string())
    }

    pub fn entry(&self, id: EntryId) -> Result<Option<String>> {
        self.one(
            "SELECT summary FROM timeline_entries WHERE id = ?1",
            id.to_string(),
        )
    }

    pub fn evidence(&self, id: EvidenceId) -> Result<Option<String>> {
        self.one("SELECT name FROM evidence WHERE id = ?1", id.to_string())
    }
}
