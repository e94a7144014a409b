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
