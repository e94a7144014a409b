//! An incident's first screen: the incident itself, its entry count and its first 100 entries in event-time order,
//! each run on a freshly opened `Casebook` (a new connection with an empty SQLite page cache, as a new process has;
//! the operating system's file cache stays warm, as it does on a laptop in use).
//!
//! The timed part is `incident(key)` plus `entries(key, filter, 0, 100)` (which counts the matching entries too);
//! `Casebook::open` is timed on its own, since it belongs to starting the app rather than to opening an incident.
//!
//! Then, on one open `Casebook`, what the timeline's screen does next: far jumps (a page of [`JUMP_PAGE`] entries at a
//! random position, and at a random instant, each with no filter and with a kind filter) and the visual timeline's
//! histogram, each timed through the API. The OFFSET walk the list used before is timed on the same positions as a
//! baseline.

use std::path::Path;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use casebook_api::paging::PageAt;
use casebook_core::model::EntryKind;
use casebook_store::read::{self, EntryFilter};
use serde::Serialize;

use crate::corpus::Rng;
use crate::stats::{Samples, Summary};
use crate::Progress;

/// Entries on the first screen.
pub const PAGE: i64 = 100;

/// Entries a far jump reads: the desktop list's page.
pub const JUMP_PAGE: i64 = 200;

/// Buckets of the visual timeline's histogram.
pub const BUCKETS: usize = 80;

#[derive(Debug, Clone, Serialize)]
pub struct FirstScreenFigures {
    /// Entries in the incident.
    pub entries: i64,
    pub runs: usize,
    /// `incident` + `entries` (count and first page).
    pub first_screen: Summary,
    /// `Casebook::open` before it.
    pub open: Summary,
    /// Entries on the page shown.
    pub page_len: usize,
    pub jumps: JumpFigures,
}

/// Far jumps and the histogram, on one open `Casebook` after its first screen.
#[derive(Debug, Clone, Serialize)]
pub struct JumpFigures {
    /// The first page with the kind filter, which makes that filter's map (the unfiltered map comes with the first
    /// screen).
    pub first_filtered_page: Summary,
    /// `timeline_page(Position(random))`, no filter.
    pub by_position: Summary,
    /// `timeline_page(Time(random instant))`, no filter.
    pub by_time: Summary,
    /// The same two with a kind filter.
    pub by_position_kind: Summary,
    pub by_time_kind: Summary,
    /// All four together: the figure held against the target.
    pub all: Summary,
    /// Baseline: the store's `LIMIT … OFFSET` page query at random positions (the list's old path).
    pub offset_walk: Summary,
    /// `timeline_histogram` of the whole case, [`BUCKETS`] buckets, no filter.
    pub histogram: Summary,
    /// Entries the histogram counted (every entry, for the smoke test).
    pub histogram_total: i64,
}

pub fn measure(
    dir: &Path,
    key: &str,
    expected_entries: i64,
    runs: usize,
    cipher: &crate::cipher::Cipher,
    progress: Progress,
) -> Result<FirstScreenFigures> {
    let bar = progress.bar(runs as u64, "first screen");
    let mut open = Samples::default();
    let mut screen = Samples::default();
    let mut page_len = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let cb = cipher.open(dir).context("opening the data directory")?;
        open.push(started.elapsed());
        let started = Instant::now();
        let incident = cb.incident(key).context("reading the incident")?;
        let (total, page) = cb
            .entries(key, &EntryFilter::default(), 0, PAGE)
            .context("reading the first page")?;
        screen.push(started.elapsed());
        ensure!(
            total == expected_entries,
            "incident {} shows {total} entries, {expected_entries} were imported",
            incident.row.key
        );
        page_len = page.len();
        bar.inc(1);
    }
    bar.finish_and_clear();
    let jumps = jumps(dir, key, expected_entries, runs.max(5) * 4, cipher)?;
    Ok(FirstScreenFigures {
        entries: expected_entries,
        runs,
        first_screen: screen.summary(),
        open: open.summary(),
        page_len,
        jumps,
    })
}

/// `n` far jumps of each sort, `n` histograms, and OFFSET walks as the baseline.
fn jumps(
    dir: &Path,
    key: &str,
    total: i64,
    n: usize,
    cipher: &crate::cipher::Cipher,
) -> Result<JumpFigures> {
    let cb = cipher.open(dir).context("opening the data directory")?;
    let plain = EntryFilter::default();
    // Every entry the benchmark imports is a finding, so this filter keeps them all: the filter is checked on each
    // index entry walked, which is its whole cost.
    let kind = EntryFilter {
        kind: Some(EntryKind::Finding),
        ..Default::default()
    };
    let first = cb.timeline_page(key, &plain, PageAt::Position(0), JUMP_PAGE)?;
    let last = cb.timeline_page(key, &plain, PageAt::Position(total - 1), 1)?;
    let (Some(first), Some(last)) = (first.entries.first(), last.entries.first()) else {
        anyhow::bail!("the incident has no entries to jump between");
    };
    let (from, span) = (
        first.event_time.timestamp_micros(),
        (last.event_time - first.event_time)
            .num_microseconds()
            .unwrap_or(1)
            .max(1),
    );

    let timed = |f: &EntryFilter, at: PageAt| -> Result<std::time::Duration> {
        let started = Instant::now();
        let page = cb.timeline_page(key, f, at, JUMP_PAGE)?;
        let took = started.elapsed();
        ensure!(
            page.total == total,
            "a jump saw {} entries of {total}",
            page.total
        );
        Ok(took)
    };
    let mut first_filtered = Samples::default();
    first_filtered.push(timed(&kind, PageAt::Position(0))?);

    let mut rng = Rng::new(0x6a75_6d70);
    let mut sets: [Samples; 4] = Default::default();
    for _ in 0..n {
        for (i, f) in [&plain, &kind].into_iter().enumerate() {
            let position = rng.below(total as u64) as i64;
            sets[i * 2].push(timed(f, PageAt::Position(position))?);
            let us = from + rng.below(span as u64) as i64;
            let instant = chrono::DateTime::from_timestamp_micros(us).context("an instant")?;
            sets[i * 2 + 1].push(timed(f, PageAt::Time(instant))?);
        }
    }
    let mut all = Samples::default();
    sets.iter().for_each(|s| all.extend(s));

    let store = cipher.store(&dir.join(casebook_api::DATABASE_FILE))?;
    let incident = cb.resolve(key)?;
    let mut offset_walk = Samples::default();
    for _ in 0..n.min(20) {
        let position = rng.below(total as u64) as i64;
        let started = Instant::now();
        let page = read::entries(store.conn(), incident, &plain, position, JUMP_PAGE)?;
        offset_walk.push(started.elapsed());
        ensure!(
            !page.is_empty(),
            "the OFFSET walk found no page at {position}"
        );
    }

    let mut histogram = Samples::default();
    let mut histogram_total = 0;
    for _ in 0..n {
        let started = Instant::now();
        let h = cb.timeline_histogram(key, &plain, None, BUCKETS)?;
        histogram.push(started.elapsed());
        histogram_total = h.total;
    }
    Ok(JumpFigures {
        first_filtered_page: first_filtered.summary(),
        by_position: sets[0].summary(),
        by_time: sets[1].summary(),
        by_position_kind: sets[2].summary(),
        by_time_kind: sets[3].summary(),
        all: all.summary(),
        offset_walk: offset_walk.summary(),
        histogram: histogram.summary(),
        histogram_total,
    })
}
