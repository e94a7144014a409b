//! An incident's first screen: the incident itself, its entry count and its first 100 entries in event-time order,
//! each run on a freshly opened `Casebook` (a new connection with an empty SQLite page cache, as a new process has;
//! the operating system's file cache stays warm, as it does on a laptop in use).
//!
//! The timed part is `incident(key)` plus `entries(key, filter, 0, 100)` (which counts the matching entries too);
//! `Casebook::open` is timed on its own, since it belongs to starting the app rather than to opening an incident.

use std::path::Path;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use casebook_store::read::EntryFilter;
use serde::Serialize;

use crate::stats::{Samples, Summary};
use crate::Progress;

/// Entries on the first screen.
pub const PAGE: i64 = 100;

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
}

pub fn measure(
    dir: &Path,
    key: &str,
    expected_entries: i64,
    runs: usize,
    progress: Progress,
) -> Result<FirstScreenFigures> {
    let bar = progress.bar(runs as u64, "first screen");
    let mut open = Samples::default();
    let mut screen = Samples::default();
    let mut page_len = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let cb = casebook_api::Casebook::open(dir).context("opening the data directory")?;
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
    Ok(FirstScreenFigures {
        entries: expected_entries,
        runs,
        first_screen: screen.summary(),
        open: open.summary(),
        page_len,
    })
}
