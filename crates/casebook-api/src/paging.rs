//! The timeline a page at a time without OFFSET walks: a page at any position, at an instant, or next to an entry
//! already shown, each with the total and the page's position; and the visual timeline's histogram in one call.
//!
//! Landing on a position uses the store's [`TimelineMap`] (every 256th place of the filtered list), made in one walk
//! of the index, which also gives the total; with a text filter the map holds every match's place, made from the
//! full-text index, and pages are read from it. Maps are kept per incident and filter until the database changes:
//! `PRAGMA data_version` moves when another connection commits, `total_changes` when this one writes.

use std::sync::{Arc, Mutex};

use casebook_core::model::EntryKind;
use casebook_core::IncidentId;
use casebook_store::read::{self, Cursor, EntryFilter, EntryView, Histogram, TimelineMap};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Casebook, Error, Result};

/// Where a page starts.
#[derive(Debug, Clone, PartialEq)]
pub enum PageAt {
    /// At the entry at this position (from 0) of the filtered list: a scrollbar dragged anywhere.
    Position(i64),
    /// At the first entry at or after this instant.
    Time(DateTime<Utc>),
    /// Just after this entry: the next page when scrolling down.
    After(Cursor),
    /// Ending just before this entry: the previous page when scrolling up.
    Before(Cursor),
}

/// A page of the filtered timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimelinePage {
    /// Entries that match the filter.
    pub total: i64,
    /// Position of the page's first entry in the filtered list (for an instant after every entry: the total).
    pub position: i64,
    pub entries: Vec<EntryView>,
}

/// Entries from the start within which a page stepped to from a neighbour is placed by counting rather than by a
/// map: a few screens, each count a short walk of the index.
const NEAR_START: i64 = 2_048;

/// How many maps are kept: a few incidents and filters a person moves between.
const MAPS_KEPT: usize = 8;

type FilterKey = (IncidentId, Option<EntryKind>, bool, bool, Option<String>);

/// Maps of the current state of the database; emptied when it changes.
#[derive(Default)]
pub struct MapCache {
    inner: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    /// `(data_version, total_changes)` when the maps were made.
    version: Option<(i64, u64)>,
    /// Least recently used first.
    maps: Vec<(FilterKey, Arc<TimelineMap>)>,
}

impl Casebook {
    /// A page of `limit` entries of the filtered timeline, starting where `at` says.
    pub fn timeline_page(
        &self,
        key_or_id: &str,
        filter: &EntryFilter,
        at: PageAt,
        limit: i64,
    ) -> Result<TimelinePage> {
        let id = self.resolve(key_or_id)?;
        let conn = self.store.conn();
        if let Some(page) = self.page_near_start(id, filter, &at, limit)? {
            return Ok(page);
        }
        let map = self.timeline_map(id, filter)?;
        let total = map.total();
        let at_position = |position: i64| -> Result<TimelinePage> {
            let position = position.clamp(0, total);
            Ok(TimelinePage {
                total,
                position,
                entries: map.page(conn, id, filter, position, limit)?,
            })
        };
        // A text filter's map holds every place, so a page next to an entry is a page at its position; other maps
        // step from the entry on the index (a keyset page), which needs no count.
        let every = map.holds_every_place();
        match at {
            PageAt::Position(position) => at_position(position),
            PageAt::Time(t) => at_position(map.position_of_time(conn, id, filter, t)?),
            PageAt::After(c) if every => at_position(map.rank(conn, id, filter, &c, true)?),
            PageAt::After(c) => Ok(TimelinePage {
                total,
                position: map.rank(conn, id, filter, &c, true)?,
                entries: read::entries_after(conn, id, filter, Some(&c), limit)?,
            }),
            PageAt::Before(c) => {
                let before = map.rank(conn, id, filter, &c, false)?;
                let entries = if every {
                    let start = (before - limit.max(0)).max(0);
                    map.page(conn, id, filter, start, before - start)?
                } else {
                    read::entries_before(conn, id, filter, &c, limit)?
                };
                Ok(TimelinePage {
                    total,
                    position: before - entries.len() as i64,
                    entries,
                })
            }
        }
    }

    /// The first page, and pages stepped to from a neighbour near the start, without a map: the total from the
    /// store's counts, the position from a short count. Opening a long timeline then costs a page, not a walk of
    /// every entry; the map is made on the first jump further on. `None` when the page needs the map.
    fn page_near_start(
        &self,
        id: IncidentId,
        filter: &EntryFilter,
        at: &PageAt,
        limit: i64,
    ) -> Result<Option<TimelinePage>> {
        let conn = self.store.conn();
        let Some(total) = read::total_without_walk(conn, id, filter)? else {
            return Ok(None);
        };
        let near = |c: &Cursor, inclusive| {
            read::rank_near_start(conn, id, filter, c, inclusive, NEAR_START)
        };
        let page = match at {
            PageAt::Position(0) => TimelinePage {
                total,
                position: 0,
                entries: read::entries_after(conn, id, filter, None, limit)?,
            },
            PageAt::After(c) => match near(c, true)? {
                Some(position) => TimelinePage {
                    total,
                    position,
                    entries: read::entries_after(conn, id, filter, Some(c), limit)?,
                },
                None => return Ok(None),
            },
            PageAt::Before(c) => match near(c, false)? {
                Some(before) => {
                    let entries = read::entries_before(conn, id, filter, c, limit)?;
                    TimelinePage {
                        total,
                        position: before - entries.len() as i64,
                        entries,
                    }
                }
                None => return Ok(None),
            },
            PageAt::Position(_) | PageAt::Time(_) => return Ok(None),
        };
        Ok(Some(page))
    }

    /// The page at `offset` and the total: [`Casebook::timeline_page`] at a position.
    pub fn entries(
        &self,
        key_or_id: &str,
        filter: &EntryFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<EntryView>)> {
        let page = self.timeline_page(key_or_id, filter, PageAt::Position(offset), limit)?;
        Ok((page.total, page.entries))
    }

    /// The filtered entries in `range` (`[from, to)`, by default the whole case) counted per kind in `buckets`
    /// equal stretches of time, for the visual timeline.
    pub fn timeline_histogram(
        &self,
        key_or_id: &str,
        filter: &EntryFilter,
        range: Option<(DateTime<Utc>, DateTime<Utc>)>,
        buckets: usize,
    ) -> Result<Histogram> {
        let id = self.resolve(key_or_id)?;
        if let Some((from, to)) = range {
            if to <= from {
                return Err(Error::invalid(format!(
                    "a histogram's range must end after it starts ({from} to {to})"
                )));
            }
        }
        Ok(read::histogram(
            self.store.conn(),
            id,
            filter,
            range,
            buckets,
        )?)
    }

    /// The map of an incident's filtered timeline, made now unless one of the database's current state is kept.
    fn timeline_map(&self, id: IncidentId, filter: &EntryFilter) -> Result<Arc<TimelineMap>> {
        let conn = self.store.conn();
        let data_version: i64 = conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(casebook_store::StoreError::from)?;
        let version = (data_version, conn.total_changes());
        let key: FilterKey = (
            id,
            filter.kind,
            filter.key_events_only,
            filter.hide_superseded,
            filter.text.clone(),
        );
        let mut cache = self
            .maps
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.version != Some(version) {
            cache.version = Some(version);
            cache.maps.clear();
        }
        if let Some(i) = cache.maps.iter().position(|(k, _)| *k == key) {
            let hit = cache.maps.remove(i);
            let map = hit.1.clone();
            cache.maps.push(hit);
            return Ok(map);
        }
        let map = Arc::new(TimelineMap::build(conn, id, filter)?);
        if cache.maps.len() == MAPS_KEPT {
            cache.maps.remove(0);
        }
        cache.maps.push((key, map.clone()));
        Ok(map)
    }
}
