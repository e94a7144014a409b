//! Timeline entries of one incident, in event-time order, a page at a time.

use casebook_core::model::EntryKind;
use casebook_core::{EntryId, EvidenceId, IncidentId, ObservableId, UserId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use super::hlc_time;
use crate::sql::{from_micros, opt_parse, parse};
use crate::Result;

/// One timeline entry as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryView {
    pub id: EntryId,
    pub event_time: DateTime<Utc>,
    pub time_zone: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub author: UserId,
    pub author_name: Option<String>,
    pub kind: EntryKind,
    pub summary: String,
    pub details: String,
    pub source_host: Option<String>,
    pub source_tool: Option<String>,
    pub source_file: Option<String>,
    pub key_event: bool,
    pub evidence: Vec<EvidenceId>,
    pub observables: Vec<ObservableId>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub supersedes: Option<EntryId>,
    pub superseded_by: Option<EntryId>,
}

/// Which entries to show.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub kind: Option<EntryKind>,
    pub key_events_only: bool,
    /// Hide entries a correction has replaced.
    pub hide_superseded: bool,
    /// Words the entry must hold, the last one a prefix, looked up in the full-text index as `search` does.
    pub text: Option<String>,
}

pub(super) const COLUMNS: &str = "t.id, t.event_time_us, t.time_zone, t.recorded_hlc, t.author, u.name, t.kind, t.summary, t.details,
    t.source_host, t.source_tool, t.source_file, t.key_event, t.evidence, t.observables, t.attributes, t.supersedes, t.superseded_by";

pub(super) const WHERE: &str =
    "t.incident_id = ?1 AND (?2 IS NULL OR t.kind = ?2) AND (?3 = 0 OR t.key_event = 1)
    AND (?4 = 0 OR t.superseded_by IS NULL)
    AND (?5 IS NULL OR t.id IN (SELECT doc_id FROM search_index WHERE search_index MATCH ?5))";

/// A page of entries in event-time order.
pub fn entries(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<EntryView>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM timeline_entries t LEFT JOIN users u ON u.id = t.author WHERE {WHERE}
         ORDER BY t.event_time_us, t.id LIMIT ?6 OFFSET ?7"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![
        incident.to_string(),
        filter.kind.map(|k| k.as_str()),
        filter.key_events_only,
        filter.hide_superseded,
        super::entry_text_match(conn, incident, filter.text.as_deref())?,
        limit,
        offset
    ])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(entry_from_row(r)?);
    }
    Ok(out)
}

pub(super) fn entry_from_row(r: &rusqlite::Row<'_>) -> Result<EntryView> {
    Ok(EntryView {
        id: parse("entry id", &r.get::<_, String>(0)?)?,
        event_time: from_micros(r.get(1)?),
        time_zone: r.get(2)?,
        recorded_at: hlc_time(&r.get::<_, String>(3)?)?,
        author: parse("user id", &r.get::<_, String>(4)?)?,
        author_name: r.get(5)?,
        kind: parse("kind", &r.get::<_, String>(6)?)?,
        summary: r.get(7)?,
        details: r.get(8)?,
        source_host: r.get(9)?,
        source_tool: r.get(10)?,
        source_file: r.get(11)?,
        key_event: r.get(12)?,
        evidence: serde_json::from_str(&r.get::<_, String>(13)?)?,
        observables: serde_json::from_str(&r.get::<_, String>(14)?)?,
        attributes: serde_json::from_str(&r.get::<_, String>(15)?)?,
        supersedes: opt_parse("entry id", r.get(16)?)?,
        superseded_by: opt_parse("entry id", r.get(17)?)?,
    })
}

/// One entry by id, if it exists.
pub fn entry(conn: &Connection, id: EntryId) -> Result<Option<EntryView>> {
    let sql = format!("SELECT {COLUMNS} FROM timeline_entries t LEFT JOIN users u ON u.id = t.author WHERE t.id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([id.to_string()])?;
    match rows.next()? {
        Some(r) => Ok(Some(entry_from_row(r)?)),
        None => Ok(None),
    }
}

/// Up to `limit` ids of the incident's entries that start with `prefix` (lowercase hex and dashes, as ids are
/// written), found on the primary key's index: a range scan, not a pass over the timeline.
pub fn entry_ids_with_prefix(
    conn: &Connection,
    incident: IncidentId,
    prefix: &str,
    limit: i64,
) -> Result<Vec<EntryId>> {
    // Every id character sorts below '~', so [prefix, prefix~) holds exactly the ids that start with it.
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM timeline_entries WHERE id >= ?1 AND id < ?1 || '~' AND incident_id = ?2 ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![prefix, incident.to_string(), limit], |r| {
        r.get::<_, String>(0)
    })?;
    rows.map(|id| parse("entry id", &id?)).collect()
}

/// How many entries match `filter`.
pub fn entry_count(conn: &Connection, incident: IncidentId, filter: &EntryFilter) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM timeline_entries t WHERE {WHERE}");
    Ok(conn.prepare_cached(&sql)?.query_row(
        params![
            incident.to_string(),
            filter.kind.map(|k| k.as_str()),
            filter.key_events_only,
            filter.hide_superseded,
            super::entry_text_match(conn, incident, filter.text.as_deref())?
        ],
        |r| r.get(0),
    )?)
}

/// Entries per day (UTC) and kind, for the visual timeline and the report's chart.
pub fn entries_per_day(
    conn: &Connection,
    incident: IncidentId,
) -> Result<Vec<(String, EntryKind, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT date(event_time_us / 1000000, 'unixepoch') AS day, kind, count(*) FROM timeline_entries
         WHERE incident_id = ?1 GROUP BY day, kind ORDER BY day, kind",
    )?;
    let rows: Vec<(Option<String>, String, i64)> = stmt
        .query_map([incident.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(d, k, n)| Ok((d.unwrap_or_default(), parse("kind", &k)?, n)))
        .collect()
}

/// Whether an entry exists in an incident.
pub fn entry_exists(conn: &Connection, incident: IncidentId, entry: EntryId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM timeline_entries WHERE id = ?1 AND incident_id = ?2")?
        .query_row(params![entry.to_string(), incident.to_string()], |r| {
            r.get::<_, i64>(0)
        })?
        > 0)
}
