//! Incidents: lists with filters, one incident's header, its tags, and its conflicts (unresolved text versions,
//! changes out of scope), for one incident or across all of them.

use casebook_core::model::{Resolution, Severity, Status, TextField, Tier, Tlp};
use casebook_core::{EventId, IncidentId, UserId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{hlc_time, opt_hlc_time};
use crate::sql::{opt_from_micros, opt_parse, parse};
use crate::{Result, StoreError};

/// An incident as a row of a queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IncidentRow {
    pub id: IncidentId,
    pub key: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub resolution: Option<Resolution>,
    pub tlp: Tlp,
    pub tier: Tier,
    pub assignee: Option<UserId>,
    pub assignee_name: Option<String>,
    pub category: String,
    pub tags: Vec<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Everything about one incident's header.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IncidentDetail {
    #[serde(flatten)]
    pub row: IncidentRow,
    pub summary: String,
    pub root_cause: String,
    pub lessons: String,
    pub detection_source: String,
    pub affected_assets: Vec<String>,
    pub created_by: Option<UserId>,
    pub created_by_name: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    pub reported_at: Option<DateTime<Utc>>,
    pub contained_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The current version of each long text (the `base` of the next edit).
    pub text_versions: Vec<(TextField, EventId)>,
    pub conflicts: Vec<TextConflict>,
    /// Changes kept in the log but not applied: their author was out of scope at their place in the log (a tier-1
    /// edit after a concurrent escalation moved the incident to tier 2). Leads see and settle them.
    pub scope_conflicts: Vec<ScopeConflict>,
}

/// A change whose author was out of scope at its place in HLC order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScopeConflict {
    pub event: EventId,
    pub author: UserId,
    pub author_name: Option<String>,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// A concurrent version of a long text that nobody has settled yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TextConflict {
    pub field: TextField,
    pub event: EventId,
    pub author: UserId,
    pub author_name: Option<String>,
    pub at: DateTime<Utc>,
    pub text: String,
}

/// Filters for incident lists; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub status: Option<Status>,
    pub open_only: bool,
    pub severity: Option<Severity>,
    pub tier: Option<Tier>,
    pub assignee: Option<UserId>,
    pub unassigned: bool,
}

const ROW_COLUMNS: &str =
    "i.id, i.key, i.title, i.severity, i.status, i.resolution, i.tlp, i.tier, i.assignee, u.name,
    i.category, i.created_hlc, i.updated_hlc";

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: r.get(0)?,
        key: r.get(1)?,
        title: r.get(2)?,
        severity: r.get(3)?,
        status: r.get(4)?,
        resolution: r.get(5)?,
        tlp: r.get(6)?,
        tier: r.get(7)?,
        assignee: r.get(8)?,
        assignee_name: r.get(9)?,
        category: r.get(10)?,
        created: r.get(11)?,
        updated: r.get(12)?,
    })
}

struct RawRow {
    id: String,
    key: Option<String>,
    title: String,
    severity: String,
    status: String,
    resolution: Option<String>,
    tlp: String,
    tier: u8,
    assignee: Option<String>,
    assignee_name: Option<String>,
    category: String,
    created: Option<String>,
    updated: String,
}

impl RawRow {
    fn into_row(self, conn: &Connection) -> Result<IncidentRow> {
        let id: IncidentId = parse("incident id", &self.id)?;
        let status: Status = parse("status", &self.status)?;
        Ok(IncidentRow {
            tags: tags(conn, id)?,
            id,
            key: self.key.unwrap_or_else(|| "(pending)".into()),
            title: self.title,
            severity: parse("severity", &self.severity)?,
            resolution: if status == Status::Closed {
                opt_parse("resolution", self.resolution)?
            } else {
                None
            },
            status,
            tlp: parse("TLP", &self.tlp)?,
            tier: parse("tier", &self.tier.to_string())?,
            assignee: opt_parse("user id", self.assignee)?,
            assignee_name: self.assignee_name,
            category: self.category,
            created_at: opt_hlc_time(self.created)?,
            updated_at: opt_hlc_time(Some(self.updated))?,
        })
    }
}

/// Incidents matching `filter`, most recently changed first. Incidents whose opening has not arrived yet are left out.
pub fn incidents(
    conn: &Connection,
    filter: &IncidentFilter,
    limit: i64,
) -> Result<Vec<IncidentRow>> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM incidents i LEFT JOIN users u ON u.id = i.assignee
         WHERE i.opened = 1 AND (?1 IS NULL OR i.status = ?1) AND (?2 = 0 OR i.status != 'closed')
           AND (?3 IS NULL OR i.severity = ?3) AND (?4 IS NULL OR i.tier = ?4) AND (?5 IS NULL OR i.assignee = ?5)
           AND (?6 = 0 OR i.assignee IS NULL)
         ORDER BY i.updated_hlc DESC, i.id LIMIT ?7"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let raws: Vec<RawRow> = stmt
        .query_map(
            params![
                filter.status.map(|s| s.as_str()),
                filter.open_only,
                filter.severity.map(|s| s.as_str()),
                filter.tier.map(|t| t.get()),
                filter.assignee.map(|a| a.to_string()),
                filter.unassigned,
                limit
            ],
            row_from,
        )?
        .collect::<Result<_, _>>()?;
    raws.into_iter().map(|r| r.into_row(conn)).collect()
}

/// Resolves what a person typed (a key like `INC-7K3QF2`, case-insensitive, or a full id) to one incident.
pub fn resolve_incident(conn: &Connection, key_or_id: &str) -> Result<IncidentId> {
    let wanted = key_or_id.trim();
    if let Ok(id) = wanted.parse::<IncidentId>() {
        let found: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM incidents WHERE id = ?1 AND opened = 1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        return found
            .map(|_| id)
            .ok_or_else(|| StoreError::NotFound(format!("incident {wanted}")));
    }
    let mut stmt =
        conn.prepare_cached("SELECT id FROM incidents WHERE key = ?1 AND opened = 1 ORDER BY id")?;
    let ids: Vec<String> = stmt
        .query_map([wanted.to_ascii_uppercase()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match ids.as_slice() {
        [one] => parse("incident id", one),
        [] => Err(StoreError::NotFound(format!("incident {wanted}"))),
        many => Err(StoreError::Corrupt(format!(
            "{} incidents share the key {wanted} (opened independently on different devices); use one of their ids: {}",
            many.len(),
            many.join(", ")
        ))),
    }
}

/// The whole header of one incident.
pub fn incident(conn: &Connection, id: IncidentId) -> Result<IncidentDetail> {
    let sql = format!(
        "SELECT {ROW_COLUMNS}, i.summary, i.root_cause, i.lessons, i.detection_source, i.affected_assets, i.created_by, c.name,
                i.occurred_us, i.detected_us, i.reported_us, i.contained_us, i.resolved_us, i.closed_us
         FROM incidents i LEFT JOIN users u ON u.id = i.assignee LEFT JOIN users c ON c.id = i.created_by
         WHERE i.id = ?1 AND i.opened = 1"
    );
    type Extra = (
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        [Option<i64>; 6],
    );
    let found: Option<(RawRow, Extra)> = conn
        .query_row(&sql, [id.to_string()], |r| {
            Ok((
                row_from(r)?,
                (
                    r.get(13)?,
                    r.get(14)?,
                    r.get(15)?,
                    r.get(16)?,
                    r.get(17)?,
                    r.get(18)?,
                    r.get(19)?,
                    [
                        r.get(20)?,
                        r.get(21)?,
                        r.get(22)?,
                        r.get(23)?,
                        r.get(24)?,
                        r.get(25)?,
                    ],
                ),
            ))
        })
        .optional()?;
    let (
        raw,
        (
            summary,
            root_cause,
            lessons,
            detection_source,
            assets,
            created_by,
            created_by_name,
            times,
        ),
    ) = found.ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
    Ok(IncidentDetail {
        row: raw.into_row(conn)?,
        summary,
        root_cause,
        lessons,
        detection_source,
        affected_assets: serde_json::from_str(&assets)?,
        created_by: opt_parse("user id", created_by)?,
        created_by_name,
        occurred_at: opt_from_micros(times[0]),
        detected_at: opt_from_micros(times[1]),
        reported_at: opt_from_micros(times[2]),
        contained_at: opt_from_micros(times[3]),
        resolved_at: opt_from_micros(times[4]),
        closed_at: opt_from_micros(times[5]),
        text_versions: current_text_versions(conn, id)?,
        conflicts: text_conflicts(conn, id)?,
        scope_conflicts: scope_conflicts(conn, id)?,
    })
}

/// An incident's tier and assignee, all that decides who may change it: the check in front of every change reads
/// these alone (one cached statement) rather than [`incident`]'s dozen queries.
pub fn incident_scope(conn: &Connection, id: IncidentId) -> Result<(Tier, Option<UserId>)> {
    let mut stmt =
        conn.prepare_cached("SELECT tier, assignee FROM incidents WHERE id = ?1 AND opened = 1")?;
    let (tier, assignee): (u8, Option<String>) = stmt
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
    Ok((
        parse("tier", &tier.to_string())?,
        opt_parse("user id", assignee)?,
    ))
}

/// The tags present now (add-wins: present while one of their additions stands).
pub fn tags(conn: &Connection, id: IncidentId) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT tag FROM tag_adds a WHERE a.incident_id = ?1
         AND NOT EXISTS (SELECT 1 FROM tag_removals r WHERE r.removed_event_id = a.event_id AND r.tag = a.tag) ORDER BY tag",
    )?;
    let rows = stmt
        .query_map([id.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The additions of a tag that stand now: what a removal must name.
pub fn tag_additions(conn: &Connection, id: IncidentId, tag: &str) -> Result<Vec<EventId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id FROM tag_adds a WHERE a.incident_id = ?1 AND a.tag = ?2
         AND NOT EXISTS (SELECT 1 FROM tag_removals r WHERE r.removed_event_id = a.event_id AND r.tag = a.tag) ORDER BY event_id",
    )?;
    let rows: Vec<String> = stmt
        .query_map(params![id.to_string(), tag], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    rows.iter().map(|s| parse("event id", s)).collect()
}

fn current_text_versions(conn: &Connection, id: IncidentId) -> Result<Vec<(TextField, EventId)>> {
    let mut out = Vec::new();
    for field in TextField::ALL {
        let ev: Option<String> = conn
            .query_row(
                "SELECT event_id FROM text_versions WHERE incident_id = ?1 AND field = ?2 ORDER BY hlc DESC, event_id DESC LIMIT 1",
                params![id.to_string(), field.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(ev) = ev {
            out.push((*field, parse("event id", &ev)?));
        }
    }
    Ok(out)
}

/// A long-text version that is neither the one shown nor seen or resolved by any later edit (on `text_versions v`).
const OPEN_TEXT_VERSION: &str = "NOT EXISTS (SELECT 1 FROM text_settles s WHERE s.settled = v.event_id)
    AND v.event_id != (SELECT w.event_id FROM text_versions w WHERE w.incident_id = v.incident_id AND w.field = v.field
                       ORDER BY w.hlc DESC, w.event_id DESC LIMIT 1)";

const TEXT_CONFLICT_COLUMNS: &str = "v.field, v.event_id, v.author, u.name, v.hlc, v.text";

fn text_conflict_from(r: &rusqlite::Row<'_>) -> Result<TextConflict> {
    Ok(TextConflict {
        field: parse("text field", &r.get::<_, String>(0)?)?,
        event: parse("event id", &r.get::<_, String>(1)?)?,
        author: parse("user id", &r.get::<_, String>(2)?)?,
        author_name: r.get(3)?,
        at: hlc_time(&r.get::<_, String>(4)?)?,
        text: r.get(5)?,
    })
}

/// Versions of long texts that are neither the one shown nor seen by any later edit: kept for the user to resolve.
pub fn text_conflicts(conn: &Connection, id: IncidentId) -> Result<Vec<TextConflict>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TEXT_CONFLICT_COLUMNS} FROM text_versions v LEFT JOIN users u ON u.id = v.author
         WHERE v.incident_id = ?1 AND {OPEN_TEXT_VERSION} ORDER BY v.field, v.hlc"
    ))?;
    let mut rows = stmt.query([id.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(text_conflict_from(r)?);
    }
    Ok(out)
}

/// The incident a row of a list across incidents belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRef {
    pub id: IncidentId,
    pub key: String,
    pub title: String,
}

pub(super) fn incident_ref_from(r: &rusqlite::Row<'_>, first: usize) -> Result<IncidentRef> {
    Ok(IncidentRef {
        id: parse("incident id", &r.get::<_, String>(first)?)?,
        key: r
            .get::<_, Option<String>>(first + 1)?
            .unwrap_or_else(|| "(pending)".into()),
        title: r.get(first + 2)?,
    })
}

/// Every unresolved text conflict of every incident here, newest first, in one query.
pub fn all_text_conflicts(conn: &Connection) -> Result<Vec<(IncidentRef, TextConflict)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TEXT_CONFLICT_COLUMNS}, i.id, i.key, i.title FROM text_versions v
         JOIN incidents i ON i.id = v.incident_id AND i.opened = 1 LEFT JOIN users u ON u.id = v.author
         WHERE {OPEN_TEXT_VERSION} ORDER BY v.hlc DESC, v.event_id DESC"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((incident_ref_from(r, 6)?, text_conflict_from(r)?));
    }
    Ok(out)
}

const SCOPE_CONFLICT_COLUMNS: &str = "c.event_id, c.author, u.name, c.hlc, c.reason";

fn scope_conflict_from(r: &rusqlite::Row<'_>) -> Result<ScopeConflict> {
    Ok(ScopeConflict {
        event: parse("event id", &r.get::<_, String>(0)?)?,
        author: parse("user id", &r.get::<_, String>(1)?)?,
        author_name: r.get(2)?,
        at: hlc_time(&r.get::<_, String>(3)?)?,
        reason: r.get(4)?,
    })
}

/// Changes of this incident that were out of scope at their place, oldest first.
pub fn scope_conflicts(conn: &Connection, id: IncidentId) -> Result<Vec<ScopeConflict>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SCOPE_CONFLICT_COLUMNS} FROM scope_conflicts c LEFT JOIN users u ON u.id = c.author
         WHERE c.incident_id = ?1 ORDER BY c.hlc"
    ))?;
    let mut rows = stmt.query([id.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(scope_conflict_from(r)?);
    }
    Ok(out)
}

/// Every change kept but not applied for scope, across incidents, newest first, in one query.
pub fn all_scope_conflicts(conn: &Connection) -> Result<Vec<(IncidentRef, ScopeConflict)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SCOPE_CONFLICT_COLUMNS}, i.id, i.key, i.title FROM scope_conflicts c
         JOIN incidents i ON i.id = c.incident_id AND i.opened = 1 LEFT JOIN users u ON u.id = c.author
         ORDER BY c.hlc DESC, c.event_id DESC"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((incident_ref_from(r, 5)?, scope_conflict_from(r)?));
    }
    Ok(out)
}

/// How many incidents there are per tier and status (for queue counts).
pub fn queue_counts(conn: &Connection) -> Result<Vec<(Tier, Status, i64)>> {
    let mut stmt = conn.prepare_cached("SELECT tier, status, count(*) FROM incidents WHERE opened = 1 GROUP BY tier, status ORDER BY tier, status")?;
    let rows: Vec<(u8, String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(t, s, n)| Ok((parse("tier", &t.to_string())?, parse("status", &s)?, n)))
        .collect()
}
