//! Keyset paging over an incident's timeline: pages after or before a place in the list's order (event time, id), a
//! sparse map of every [`MAP_EVERY`]th place for landing on any position without an OFFSET walk, and the visual
//! timeline's histogram. Every query here walks the `timeline_by_time_filters` index, which holds the order and the
//! columns the filters read, so nothing reads a row until it is shown.

use casebook_core::model::EntryKind;
use casebook_core::{EntryId, IncidentId};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::timeline::{entry_from_row, COLUMNS, WHERE};
use super::{EntryFilter, EntryView};
use crate::sql::{from_micros, micros, parse};
use crate::Result;

/// A place in the timeline's order: an entry's event time and id (ids break ties between equal times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Cursor {
    pub event_time: DateTime<Utc>,
    pub id: EntryId,
}

impl From<&EntryView> for Cursor {
    fn from(e: &EntryView) -> Self {
        Cursor {
            event_time: e.event_time,
            id: e.id,
        }
    }
}

/// A key as the index sorts it. The empty id sorts before every real id, so `(t, "")` stands for "the instant t".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key(i64, String);

impl Key {
    fn of(c: &Cursor) -> Key {
        Key(micros(c.event_time), c.id.to_string())
    }

    fn instant(t: DateTime<Utc>) -> Key {
        Key(micros(t), String::new())
    }

    /// Before every entry.
    fn start() -> Key {
        Key(i64::MIN, String::new())
    }

    fn cursor(&self) -> Result<Cursor> {
        Ok(Cursor {
            event_time: from_micros(self.0),
            id: parse("entry id", &self.1)?,
        })
    }
}

/// The filter's parameters ?1–?5 (as `WHERE` reads them), then `extra`.
fn params(incident: IncidentId, filter: &EntryFilter, extra: Vec<Value>) -> Vec<Value> {
    let mut out = vec![
        Value::Text(incident.to_string()),
        filter
            .kind
            .map_or(Value::Null, |k| Value::Text(k.as_str().into())),
        Value::Integer(filter.key_events_only.into()),
        Value::Integer(filter.hide_superseded.into()),
        // The text filter answers from the full-text index, scoped to the incident, as `entries` asks it.
        super::entry_text_match(incident, filter.text.as_deref()).map_or(Value::Null, Value::Text),
    ];
    out.extend(extra);
    out
}

fn key_params(k: &Key) -> [Value; 2] {
    [Value::Integer(k.0), Value::Text(k.1.clone())]
}

/// Up to `limit` entries after `after` (or from the start), in order.
pub fn entries_after(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<EntryView>> {
    let key = after.map_or_else(Key::start, Key::of);
    page(conn, incident, filter, &key, ">", limit)
}

/// Up to `limit` entries just before `before`, in order (oldest first).
pub fn entries_before(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
    before: &Cursor,
    limit: i64,
) -> Result<Vec<EntryView>> {
    let mut out = page(conn, incident, filter, &Key::of(before), "<", limit)?;
    out.reverse();
    Ok(out)
}

/// Up to `limit` entries from `from` on, the entry at `from` included.
pub fn entries_from(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
    from: &Cursor,
    limit: i64,
) -> Result<Vec<EntryView>> {
    page(conn, incident, filter, &Key::of(from), ">=", limit)
}

/// One keyset page: the entries on the `op` side of `key` (`<` walks backwards, so they come newest first).
fn page(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
    key: &Key,
    op: &str,
    limit: i64,
) -> Result<Vec<EntryView>> {
    let mut stmt = conn.prepare_cached(&page_sql(op))?;
    let [time, id] = key_params(key);
    let mut rows = stmt.query(rusqlite::params_from_iter(params(
        incident,
        filter,
        vec![time, id, Value::Integer(limit.max(0))],
    )))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(entry_from_row(r)?);
    }
    Ok(out)
}

fn page_sql(op: &str) -> String {
    let dir = if op == "<" { "DESC" } else { "ASC" };
    format!(
        "SELECT {COLUMNS} FROM timeline_entries t LEFT JOIN users u ON u.id = t.author WHERE {WHERE}
         AND (t.event_time_us, t.id) {op} (?6, ?7)
         ORDER BY t.event_time_us {dir}, t.id {dir} LIMIT ?8"
    )
}

/// The place `?8` entries on from the place (?6, ?7).
fn place_sql() -> String {
    format!(
        "SELECT t.event_time_us, t.id FROM timeline_entries t WHERE {WHERE} AND (t.event_time_us, t.id) >= (?6, ?7)
         ORDER BY t.event_time_us, t.id LIMIT 1 OFFSET ?8"
    )
}

/// Entries from the place (?6, ?7) up to (?8, ?9), `op` saying whether that end counts.
fn rank_sql(op: &str) -> String {
    format!(
        "SELECT count(*) FROM timeline_entries t WHERE {WHERE}
         AND (t.event_time_us, t.id) >= (?6, ?7) AND (t.event_time_us, t.id) {op} (?8, ?9)"
    )
}

/// Places kept in a [`TimelineMap`]: one per this many entries. Landing walks fewer index entries than this.
pub const MAP_EVERY: i64 = 256;

/// Every [`MAP_EVERY`]th place of a filtered timeline and how many entries it holds, made in one walk of the index
/// (about the cost of counting). Positions then cost a binary search and a short walk instead of an OFFSET walk
/// from the start. A map describes the data when it was made: callers keep it only while the store is unchanged.
#[derive(Debug, Clone)]
pub struct TimelineMap {
    total: i64,
    /// `marks[k]` is the key of the entry at position `k * MAP_EVERY`.
    marks: Vec<Key>,
}

impl TimelineMap {
    pub fn build(conn: &Connection, incident: IncidentId, filter: &EntryFilter) -> Result<Self> {
        let sql = format!(
            "SELECT t.event_time_us, t.id FROM timeline_entries t WHERE {WHERE} ORDER BY t.event_time_us, t.id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params(incident, filter, vec![])))?;
        let mut total = 0;
        let mut marks = Vec::new();
        while let Some(r) = rows.next()? {
            // Only every MAP_EVERY-th row's columns are read; stepping over the others is the whole cost.
            if total % MAP_EVERY == 0 {
                marks.push(Key(r.get(0)?, r.get(1)?));
            }
            total += 1;
        }
        Ok(TimelineMap { total, marks })
    }

    /// Entries that match the filter.
    pub fn total(&self) -> i64 {
        self.total
    }

    /// The place of the entry at `position` (counted from 0), if there is one.
    pub fn place_at(
        &self,
        conn: &Connection,
        incident: IncidentId,
        filter: &EntryFilter,
        position: i64,
    ) -> Result<Option<Cursor>> {
        if position < 0 || position >= self.total {
            return Ok(None);
        }
        let mark = &self.marks[(position / MAP_EVERY) as usize];
        let [time, id] = key_params(mark);
        let skip = Value::Integer(position % MAP_EVERY);
        let mut stmt = conn.prepare_cached(&place_sql())?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params(
            incident,
            filter,
            vec![time, id, skip],
        )))?;
        match rows.next()? {
            Some(r) => Ok(Some(Key(r.get(0)?, r.get(1)?).cursor()?)),
            None => Ok(None),
        }
    }

    /// How many matching entries come before `cursor` (with `inclusive`, the entry at `cursor` counts too): the
    /// position of the entry after it.
    pub fn rank(
        &self,
        conn: &Connection,
        incident: IncidentId,
        filter: &EntryFilter,
        cursor: &Cursor,
        inclusive: bool,
    ) -> Result<i64> {
        self.rank_key(conn, incident, filter, &Key::of(cursor), inclusive)
    }

    /// The position of the first matching entry at or after `at` (the total when every entry is earlier).
    pub fn position_of_time(
        &self,
        conn: &Connection,
        incident: IncidentId,
        filter: &EntryFilter,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        self.rank_key(conn, incident, filter, &Key::instant(at), false)
    }

    fn rank_key(
        &self,
        conn: &Connection,
        incident: IncidentId,
        filter: &EntryFilter,
        key: &Key,
        inclusive: bool,
    ) -> Result<i64> {
        // The last mark before the key (strictly, or at it when inclusive); count from there.
        let k = self
            .marks
            .partition_point(|m| if inclusive { m <= key } else { m < key });
        let (base, from) = match k.checked_sub(1) {
            Some(i) => (i as i64 * MAP_EVERY, self.marks[i].clone()),
            None => return Ok(0),
        };
        let op = if inclusive { "<=" } else { "<" };
        let [ft, fi] = key_params(&from);
        let [kt, ki] = key_params(key);
        let n: i64 = conn.prepare_cached(&rank_sql(op))?.query_row(
            rusqlite::params_from_iter(params(incident, filter, vec![ft, fi, kt, ki])),
            |r| r.get(0),
        )?;
        Ok(base + n)
    }
}

/// Entries over time for the visual timeline: equal stretches of time, counted per kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Histogram {
    /// Start of the first bucket.
    pub from: DateTime<Utc>,
    /// End of the last bucket (exclusive).
    pub to: DateTime<Utc>,
    /// Entries counted in all buckets.
    pub total: i64,
    pub buckets: Vec<Bucket>,
}

/// One stretch of time `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Bucket {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub total: i64,
    /// Kinds present, alphabetically by their word.
    pub by_kind: Vec<KindCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KindCount {
    pub kind: EntryKind,
    pub count: i64,
}

/// Most buckets one histogram has: more bars than a screen has pixels tell nothing.
pub const MAX_BUCKETS: usize = 2_000;

/// The filtered entries in `range` (`[from, to)`; by default from the first entry to the last) counted in `buckets`
/// equal stretches of time (1 to [`MAX_BUCKETS`]), per kind. One walk of the index, binned here rather than by a
/// SQL `GROUP BY`, which would sort every row.
pub fn histogram(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
    range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    buckets: usize,
) -> Result<Histogram> {
    let n = buckets.clamp(1, MAX_BUCKETS) as i64;
    let (from, to) = match range {
        Some((from, to)) => (micros(from), micros(to).max(micros(from))),
        None => match (
            end(conn, incident, filter, "ASC")?,
            end(conn, incident, filter, "DESC")?,
        ) {
            (Some(first), Some(last)) => (first, last.saturating_add(1)),
            _ => (0, 0),
        },
    };
    // Bucket width in microseconds, rounded up so that n buckets cover the range.
    let width = ((to - from).max(1) + n - 1) / n;
    let mut out: Vec<Bucket> = (0..n)
        .map(|i| Bucket {
            from: from_micros(from.saturating_add(i * width)),
            to: from_micros(from.saturating_add((i + 1) * width)),
            total: 0,
            by_kind: Vec::new(),
        })
        .collect();
    let mut total = 0;
    if to > from {
        let sql = format!(
            "SELECT t.event_time_us, t.kind FROM timeline_entries t WHERE {WHERE}
             AND t.event_time_us >= ?6 AND t.event_time_us < ?7 ORDER BY t.event_time_us, t.id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params(
            incident,
            filter,
            vec![Value::Integer(from), Value::Integer(to)],
        )))?;
        let mut last: Option<(String, EntryKind)> = None;
        while let Some(r) = rows.next()? {
            let at: i64 = r.get(0)?;
            let word = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            // Timelines run in long stretches of one kind: parse a word only when it changes.
            let kind = match &last {
                Some((w, k)) if w == word => *k,
                _ => {
                    let k: EntryKind = parse("kind", word)?;
                    last = Some((word.to_string(), k));
                    k
                }
            };
            let b = &mut out[((at - from) / width).min(n - 1) as usize];
            b.total += 1;
            match b.by_kind.iter_mut().find(|c| c.kind == kind) {
                Some(c) => c.count += 1,
                None => b.by_kind.push(KindCount { kind, count: 1 }),
            }
            total += 1;
        }
    }
    for b in &mut out {
        b.by_kind.sort_by_key(|c| c.kind.as_str());
    }
    Ok(Histogram {
        from: from_micros(from),
        to: from_micros(to),
        total,
        buckets: out,
    })
}

/// The event time of the first (`ASC`) or last (`DESC`) matching entry: one step from the index's end.
fn end(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
    dir: &str,
) -> Result<Option<i64>> {
    let sql = format!(
        "SELECT t.event_time_us FROM timeline_entries t WHERE {WHERE} ORDER BY t.event_time_us {dir}, t.id {dir} LIMIT 1"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params(incident, filter, vec![])))?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Far jumps stay cheap only while every paging query seeks on the index by incident and place rather than
    /// scanning the incident from its start (or the table).
    #[test]
    fn paging_queries_seek_on_the_time_index_from_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(&dir.path().join("casebook.db")).unwrap();
        let mut queries = vec![place_sql(), rank_sql("<"), rank_sql("<=")];
        queries.extend(["<", ">", ">="].map(page_sql));
        for sql in queries {
            let mut stmt = store
                .conn()
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            // The plan does not depend on the values; any will do.
            let nulls = vec![Value::Null; stmt.parameter_count()];
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                plan.iter().any(|step| step.contains(
                    // `USING INDEX`, or `USING COVERING INDEX` where the query needs no other column.
                    "INDEX timeline_by_time_filters (incident_id=? AND (event_time_us,id)"
                )),
                "{sql}\n{plan:?}"
            );
            assert!(
                !plan.iter().any(|step| step.contains("TEMP B-TREE")),
                "{plan:?}"
            );
        }
    }
}
