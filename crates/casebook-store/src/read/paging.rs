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
fn params(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
    extra: Vec<Value>,
) -> Result<Vec<Value>> {
    let mut out = vec![
        Value::Text(incident.to_string()),
        filter
            .kind
            .map_or(Value::Null, |k| Value::Text(k.as_str().into())),
        Value::Integer(filter.key_events_only.into()),
        Value::Integer(filter.hide_superseded.into()),
        // The text filter answers from the full-text index, scoped to the incident, as `entries` asks it.
        super::entry_text_match(conn, incident, filter.text.as_deref())?
            .map_or(Value::Null, Value::Text),
    ];
    out.extend(extra);
    Ok(out)
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
        conn,
        incident,
        filter,
        vec![time, id, Value::Integer(limit.max(0))],
    )?))?;
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

/// How many entries match a filter without a text part, from the counts the store keeps per incident (migration
/// 0009): no walk of the timeline, whatever its length. `None` for a text filter, whose matches only the full-text
/// index knows.
pub fn total_without_walk(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
) -> Result<Option<i64>> {
    let p = params(conn, incident, filter, vec![])?;
    if p[4] != Value::Null {
        return Ok(None);
    }
    let total = conn
        .prepare_cached(
            "SELECT COALESCE(sum(n), 0) FROM timeline_counts WHERE incident_id = ?1 AND (?2 IS NULL OR kind = ?2)
             AND (?3 = 0 OR key_event = 1) AND (?4 = 0 OR superseded = 0)",
        )?
        .query_row(rusqlite::params_from_iter(&p[..4]), |r| r.get(0))?;
    Ok(Some(total))
}

/// How many matching entries come before `cursor` (with `inclusive`, the entry at `cursor` counts too), when that
/// is fewer than `bound`: a count from the start that stops after `bound` entries, so the pages near the first
/// screen need no [`TimelineMap`]. `None` when the cursor lies further on, or for a text filter.
pub fn rank_near_start(
    conn: &Connection,
    incident: IncidentId,
    filter: &EntryFilter,
    cursor: &Cursor,
    inclusive: bool,
    bound: i64,
) -> Result<Option<i64>> {
    let key = Key::of(cursor);
    let [kt, ki] = key_params(&key);
    let p = params(conn, incident, filter, vec![kt, ki, Value::Integer(bound)])?;
    if p[4] != Value::Null {
        return Ok(None);
    }
    let op = if inclusive { "<=" } else { "<" };
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM timeline_entries t WHERE {WHERE} AND (t.event_time_us, t.id) {op} (?6, ?7)
         ORDER BY t.event_time_us, t.id LIMIT ?8)"
    );
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(p), |r| r.get(0))?;
    Ok((n < bound).then_some(n))
}

/// Places kept in a [`TimelineMap`]: one per this many entries. Landing walks fewer index entries than this.
pub const MAP_EVERY: i64 = 256;

/// Every [`MAP_EVERY`]th place of a filtered timeline and how many entries it holds, made in one walk of the index
/// (about the cost of counting). Positions then cost a binary search and a short walk instead of an OFFSET walk
/// from the start. A text filter's map holds every place instead, made from the full-text index (see
/// [`TimelineMap::holds_every_place`]). A map describes the data when it was made: callers keep it only while the
/// store is unchanged.
#[derive(Debug, Clone)]
pub struct TimelineMap {
    total: i64,
    /// `marks[k]` is the key of the entry at position `k * every`.
    every: i64,
    marks: Vec<Key>,
}

/// The places of a text filter's matches, from the full-text index: its matches (the incident's scope token ANDed
/// with the words, so only this incident's documents are walked), each joined to its entry by primary key for its
/// place and the other filters. `CROSS JOIN` keeps the index as the outer loop, so the cost follows the matches,
/// not the incident's length. Used when a key-event filter needs the entry's row; see [`TEXT_PLACES_NARROW`].
pub(crate) const TEXT_PLACES: &str = "SELECT t.event_time_us, t.id FROM search_index s CROSS JOIN timeline_entries t
    WHERE search_index MATCH ?5 AND s.doc_kind = 'entry' AND t.id = s.doc_id AND t.incident_id = ?1
    AND (?2 IS NULL OR t.kind = ?2) AND (?3 = 0 OR t.key_event = 1) AND (?4 = 0 OR t.superseded_by IS NULL)";

/// The same places read from `search_places` by each match's rowid (migration 0013): a narrow row instead of the
/// index's stored text and the entry's row, both wide, of which a common word's matches touch nearly every page
/// (an encrypted page is decrypted and checked on each read). Only entries have places, so other documents drop
/// out; the scope token keeps the incident's. `?2`: the kind, if the filter has one.
pub(crate) const TEXT_PLACES_NARROW: &str = "SELECT p.event_time_us, p.entry_id FROM search_index s
    CROSS JOIN search_places p WHERE search_index MATCH ?1 AND p.doc_rowid = s.rowid AND (?2 IS NULL OR p.kind = ?2)";

/// The incident's entries a correction has replaced, found from the corrections (few) by their partial index.
pub(crate) const SUPERSEDED_ENTRIES: &str = "SELECT unhex(replace(o.id, '-', '')) FROM timeline_entries c
    CROSS JOIN timeline_entries o WHERE c.supersedes IS NOT NULL AND o.id = c.supersedes AND o.incident_id = ?1
    AND o.superseded_by IS NOT NULL";

impl TimelineMap {
    pub fn build(conn: &Connection, incident: IncidentId, filter: &EntryFilter) -> Result<Self> {
        if filter.text.is_some() {
            if let Some(map) = Self::build_from_text(conn, incident, filter)? {
                return Ok(map);
            }
        }
        let sql = format!(
            "SELECT t.event_time_us, t.id FROM timeline_entries t WHERE {WHERE} ORDER BY t.event_time_us, t.id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params(
            conn,
            incident,
            filter,
            vec![],
        )?))?;
        let mut total = 0;
        let mut marks = Vec::new();
        while let Some(r) = rows.next()? {
            // Only every MAP_EVERY-th row's columns are read; stepping over the others is the whole cost.
            if total % MAP_EVERY == 0 {
                marks.push(Key(r.get(0)?, r.get(1)?));
            }
            total += 1;
        }
        Ok(TimelineMap {
            total,
            every: MAP_EVERY,
            marks,
        })
    }

    /// A text filter's map: every matching place, sorted here. Walking the incident's index and testing each entry
    /// against the matches would cost the incident's length (twice: map and page) plus the full-text query each
    /// time; this costs the matches once, and pages then read their entries by id. `None` when nothing typed is a
    /// word (the filter then keeps every entry).
    fn build_from_text(
        conn: &Connection,
        incident: IncidentId,
        filter: &EntryFilter,
    ) -> Result<Option<Self>> {
        let p = params(conn, incident, filter, vec![])?;
        if p[4] == Value::Null {
            return Ok(None);
        }
        let mut marks = if !filter.key_events_only {
            Self::narrow_places(conn, incident, filter, &p[4], &p[1])?
        } else {
            let mut stmt = conn.prepare_cached(TEXT_PLACES)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(p))?;
            let mut marks = Vec::new();
            while let Some(r) = rows.next()? {
                marks.push(Key(r.get(0)?, r.get(1)?));
            }
            marks.sort_unstable();
            marks
        };
        marks.dedup();
        Ok(Some(TimelineMap {
            total: marks.len() as i64,
            every: 1,
            marks,
        }))
    }

    /// The matches' places from `search_places` ([`TEXT_PLACES_NARROW`]), in order, less the entries a correction
    /// replaced when the filter hides them.
    fn narrow_places(
        conn: &Connection,
        incident: IncidentId,
        filter: &EntryFilter,
        query: &Value,
        kind: &Value,
    ) -> Result<Vec<Key>> {
        let hidden: std::collections::HashSet<[u8; 16]> = if filter.hide_superseded {
            conn.prepare_cached(SUPERSEDED_ENTRIES)?
                .query_map([incident.to_string()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        } else {
            Default::default()
        };
        let mut stmt = conn.prepare_cached(TEXT_PLACES_NARROW)?;
        let mut rows = stmt.query([query, kind])?;
        let mut places = Vec::new();
        while let Some(r) = rows.next()? {
            let id: [u8; 16] = r.get(1)?;
            if !hidden.contains(&id) {
                places.push((r.get::<_, i64>(0)?, id));
            }
        }
        // Sorted as bytes before the ids become text: a UUID's bytes and its text sort alike.
        places.sort_unstable();
        Ok(places
            .into_iter()
            .map(|(t, id)| Key(t, uuid::Uuid::from_bytes(id).to_string()))
            .collect())
    }

    /// Whether the map holds every place (a text filter's): pages then come from it by position.
    pub fn holds_every_place(&self) -> bool {
        self.every == 1
    }

    /// Up to `limit` entries from `position` on: read by id from the map's places when it holds every one, else by a
    /// keyset walk from the place at `position`.
    pub fn page(
        &self,
        conn: &Connection,
        incident: IncidentId,
        filter: &EntryFilter,
        position: i64,
        limit: i64,
    ) -> Result<Vec<EntryView>> {
        if self.holds_every_place() {
            let from = position.clamp(0, self.total) as usize;
            let to = from
                .saturating_add(limit.max(0) as usize)
                .min(self.marks.len());
            let mut out = Vec::with_capacity(to - from);
            for k in &self.marks[from..to] {
                if let Some(e) = super::entry(conn, k.cursor()?.id)? {
                    out.push(e);
                }
            }
            return Ok(out);
        }
        match self.place_at(conn, incident, filter, position)? {
            Some(place) => entries_from(conn, incident, filter, &place, limit),
            None => Ok(Vec::new()),
        }
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
        let mark = &self.marks[(position / self.every) as usize];
        if position % self.every == 0 {
            return Ok(Some(mark.cursor()?));
        }
        let [time, id] = key_params(mark);
        let skip = Value::Integer(position % self.every);
        let mut stmt = conn.prepare_cached(&place_sql())?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params(
            conn,
            incident,
            filter,
            vec![time, id, skip],
        )?))?;
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
        if self.holds_every_place() {
            return Ok(k as i64);
        }
        let (base, from) = match k.checked_sub(1) {
            Some(i) => (i as i64 * self.every, self.marks[i].clone()),
            None => return Ok(0),
        };
        let op = if inclusive { "<=" } else { "<" };
        let [ft, fi] = key_params(&from);
        let [kt, ki] = key_params(key);
        let n: i64 = conn.prepare_cached(&rank_sql(op))?.query_row(
            rusqlite::params_from_iter(params(conn, incident, filter, vec![ft, fi, kt, ki])?),
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
            conn,
            incident,
            filter,
            vec![Value::Integer(from), Value::Integer(to)],
        )?))?;
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
    let mut rows = stmt.query(rusqlite::params_from_iter(params(
        conn,
        incident,
        filter,
        vec![],
    )?))?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        // The plan does not depend on the values; any will do.
        let nulls = vec![Value::Null; stmt.parameter_count()];
        stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// A text filter's map costs its matches only while the full-text index is the outer loop and each match finds
    /// its entry by primary key: `SCAN s VIRTUAL TABLE INDEX 0:M…`, then `SEARCH t USING INDEX
    /// sqlite_autoindex_timeline_entries_1 (id=?)`, with no sort in SQL (the map sorts the places itself).
    #[test]
    fn a_text_filters_places_come_from_the_index_then_each_entry_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(&dir.path().join("casebook.db")).unwrap();
        let steps = plan(store.conn(), TEXT_PLACES);
        assert!(
            steps[0].starts_with("SCAN s VIRTUAL TABLE INDEX") && steps[0].contains(":M"),
            "{steps:?}"
        );
        assert!(
            steps[1].contains("SEARCH t USING INDEX sqlite_autoindex_timeline_entries_1 (id=?)"),
            "{steps:?}"
        );
        assert_eq!(steps.len(), 2, "{steps:?}");
    }

    /// Without a key-event filter, a text filter's places cost a narrow row per match: `SCAN s VIRTUAL TABLE
    /// INDEX 0:M…`, then `SEARCH p USING INTEGER PRIMARY KEY (rowid=?)`, never the entry's row or the index's
    /// stored text; the entries a correction replaced are found from the corrections' partial index.
    #[test]
    fn a_text_filters_places_come_from_the_index_then_each_place_by_rowid() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(&dir.path().join("casebook.db")).unwrap();
        let steps = plan(store.conn(), TEXT_PLACES_NARROW);
        assert!(
            steps[0].starts_with("SCAN s VIRTUAL TABLE INDEX") && steps[0].contains(":M"),
            "{steps:?}"
        );
        assert!(
            steps[1].contains("SEARCH p USING INTEGER PRIMARY KEY (rowid=?)"),
            "{steps:?}"
        );
        assert_eq!(steps.len(), 2, "{steps:?}");
        let steps = plan(store.conn(), SUPERSEDED_ENTRIES);
        assert!(
            steps[0].contains("c USING COVERING INDEX timeline_by_supersedes"),
            "{steps:?}"
        );
        assert!(
            steps[1].contains("SEARCH o USING INDEX sqlite_autoindex_timeline_entries_1 (id=?)"),
            "{steps:?}"
        );
    }

    /// Far jumps stay cheap only while every paging query seeks on the index by incident and place rather than
    /// scanning the incident from its start (or the table).
    #[test]
    fn paging_queries_seek_on_the_time_index_from_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(&dir.path().join("casebook.db")).unwrap();
        let mut queries = vec![place_sql(), rank_sql("<"), rank_sql("<=")];
        queries.extend(["<", ">", ">="].map(page_sql));
        for sql in queries {
            let plan = plan(store.conn(), &sql);
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
