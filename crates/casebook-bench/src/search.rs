//! Full-text search over a large data directory: the import phase's incident plus more incidents of the same size,
//! imported through `Casebook::import_timeline`, until the directory holds the asked number of entries; then
//! `Casebook::search` (limit 20, as the CLI shows) for a mix of query shapes, each timed on its own. Inside the
//! import phase's incident, the same search scoped to it (`casebook search --incident`) and the timeline's text
//! filter (`Casebook::entries` with a text: the first page of 100 and the count, as the app's timeline asks, each on
//! a freshly opened `Casebook`, not timed, so the filter's map is made every time as when a person types it).
//!
//! Every query runs once unmeasured first (so the first round's page-cache misses do not count), then `rounds` times.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use casebook_core::model::EntryKind;
use casebook_import::Format;
use casebook_store::read::EntryFilter;
use serde::Serialize;

use crate::corpus::TimelineWriter;
use crate::stats::{Samples, Summary};
use crate::Progress;

/// Hits asked for, as `casebook search` shows by default.
pub const LIMIT: i64 = 20;

/// The query mix: shape and text. The planted rates are in [`crate::corpus`].
pub const QUERIES: &[(&str, &str)] = &[
    ("rare", "mimikatz"),
    ("rare", "northwind-ledger-payments"),
    ("rare", "INV-20931"),
    ("common", "opened"),
    ("common", "logon"),
    ("common", "process"),
    ("two words", "posted credentials"),
    ("two words", "powershell EncodedCommand"),
    ("two words", "failed logon"),
    ("prefix", "power"),
    ("prefix", "WKS-FIN-01"),
    ("prefix", "mimi"),
];

/// Queries inside the import phase's incident: through the search scoped to it, and as the timeline's text filter.
pub const SCOPED_QUERIES: &[(&str, &str)] = &[
    ("rare", "mimikatz"),
    ("common", "logon"),
    ("two words", "failed logon"),
    ("two words", "powershell EncodedCommand"),
    ("prefix", "WKS-FIN-01"),
    ("prefix", "power"),
];

/// Entries on the timeline's first page, as the app asks for them.
pub const FILTER_PAGE: i64 = 100;

#[derive(Debug, Clone, Serialize)]
pub struct QueryFigures {
    pub shape: &'static str,
    pub query: &'static str,
    /// Hits returned (at most the limit).
    pub hits: usize,
    pub latency: Summary,
}

/// Every measured query of one shape together.
#[derive(Debug, Clone, Serialize)]
pub struct ShapeFigures {
    pub shape: &'static str,
    pub latency: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchFigures {
    /// Timeline entries in the data directory (counted after the build).
    pub entries: i64,
    pub incidents: usize,
    /// Entries imported by this phase (the rest came from the import phase) and how long that took.
    pub built_entries: usize,
    pub build_secs: f64,
    pub build_rows_per_sec: f64,
    /// Database file size afterwards.
    pub database_bytes: u64,
    pub rounds: usize,
    /// Every measured query of every shape.
    pub overall: Summary,
    /// Per shape (the target holds for each).
    pub shapes: Vec<ShapeFigures>,
    pub queries: Vec<QueryFigures>,
    /// Entries of the incident the scoped queries run in.
    pub scoped_entries: i64,
    /// [`SCOPED_QUERIES`] through `Casebook::search` scoped to one incident.
    pub scoped_overall: Summary,
    pub scoped: Vec<QueryFigures>,
    /// [`SCOPED_QUERIES`] as the timeline's text filter: the first page and the count (`hits` is the count).
    pub filter_overall: Summary,
    pub filter: Vec<QueryFigures>,
}

/// Grows `dir` (holding `have` entries in the incident `key`) to `total` entries in incidents of `have` entries each,
/// then measures the query mix, and the scoped queries inside `key`.
pub fn measure(
    dir: &Path,
    key: &str,
    have: usize,
    total: usize,
    rounds: usize,
    cipher: &crate::cipher::Cipher,
    progress: Progress,
) -> Result<SearchFigures> {
    let per_incident = have.max(1);
    let mut cb = cipher.open(dir).context("opening the data directory")?;
    let bar = progress.bar(total.saturating_sub(have) as u64, "building search corpus");
    let started = Instant::now();
    let mut built = 0;
    let mut incidents = 1;
    while have + built < total {
        let rows = per_incident.min(total - have - built);
        let part = crate::new_incident(&mut cb, &format!("Search corpus part {}", incidents + 1))?;
        let jsonl = TimelineWriter::new(100 + incidents as u64).jsonl(rows);
        let done = built as u64;
        cb.import_timeline(
            &part,
            &jsonl[..],
            Format::Jsonl,
            "plaso",
            EntryKind::Finding,
            &mut |n| bar.set_position(done + n),
        )
        .context("importing part of the search corpus")?;
        built += rows;
        incidents += 1;
    }
    let build = started.elapsed();
    bar.finish_and_clear();
    let db = cb.store().path().to_path_buf();
    let entries: i64 = cb
        .store()
        .conn()
        .query_row("SELECT count(*) FROM timeline_entries", [], |r| r.get(0))
        .context("counting entries")?;
    drop(cb);

    let cb = cipher.open(dir).context("reopening the data directory")?;
    let everywhere = |q: &str| timed(|| Ok(cb.search(q, None, LIMIT)?.len()));
    let (overall, shapes, queries) =
        time_queries(QUERIES, rounds, "search queries", progress, everywhere)?;
    let scoped_entries = cb.entries(key, &EntryFilter::default(), 0, 0)?.0;
    let inside = |q: &str| timed(|| Ok(cb.search(q, Some(key), LIMIT)?.len()));
    let (scoped_overall, _, scoped) = time_queries(
        SCOPED_QUERIES,
        rounds,
        "searches in one incident",
        progress,
        inside,
    )?;
    // A filter just typed: the API keeps a filter's map until the data changes, so each sample opens the data
    // directory anew (not timed) for the first page to pay for the map, as a person typing a new filter does.
    let filtered = |q: &str| -> Result<(usize, Duration)> {
        let fresh = cipher.open(dir).context("reopening the data directory")?;
        let filter = EntryFilter {
            text: Some(q.to_string()),
            ..EntryFilter::default()
        };
        timed(|| Ok(fresh.entries(key, &filter, 0, FILTER_PAGE)?.0 as usize))
    };
    let (filter_overall, _, filter) = time_queries(
        SCOPED_QUERIES,
        rounds,
        "timeline text filter",
        progress,
        filtered,
    )?;
    Ok(SearchFigures {
        entries,
        incidents,
        built_entries: built,
        build_secs: build.as_secs_f64(),
        build_rows_per_sec: built as f64 / build.as_secs_f64().max(f64::MIN_POSITIVE),
        database_bytes: std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0),
        rounds,
        overall,
        shapes,
        queries,
        scoped_entries,
        scoped_overall,
        scoped,
        filter_overall,
        filter,
    })
}

/// How long `f` took, beside what it answered.
fn timed(f: impl FnOnce() -> Result<usize>) -> Result<(usize, Duration)> {
    let started = Instant::now();
    let n = f()?;
    Ok((n, started.elapsed()))
}

/// Runs each query once unmeasured, then `rounds` times; `run` answers how many hits a query gave and how long the
/// timed part took. Returns every
/// sample's summary, each shape's (in order of first appearance) and each query's.
fn time_queries(
    queries: &'static [(&'static str, &'static str)],
    rounds: usize,
    label: &'static str,
    progress: Progress,
    run: impl Fn(&str) -> Result<(usize, Duration)>,
) -> Result<(Summary, Vec<ShapeFigures>, Vec<QueryFigures>)> {
    for (_, q) in queries {
        run(q).with_context(|| format!("warming up {q}"))?;
    }
    let bar = progress.bar((rounds * queries.len()) as u64, label);
    let mut per_query = vec![Samples::default(); queries.len()];
    let mut hits = vec![0; queries.len()];
    for _ in 0..rounds {
        for (i, (_, q)) in queries.iter().enumerate() {
            let (n, took) = run(q).with_context(|| format!("{label}: {q}"))?;
            hits[i] = n;
            per_query[i].push(took);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let mut overall = Samples::default();
    let mut by_shape: Vec<(&'static str, Samples)> = Vec::new();
    for ((shape, _), s) in queries.iter().zip(&per_query) {
        overall.extend(s);
        match by_shape.iter_mut().find(|(name, _)| name == shape) {
            Some((_, all)) => all.extend(s),
            None => by_shape.push((shape, s.clone())),
        }
    }
    let shapes = by_shape
        .into_iter()
        .map(|(shape, s)| ShapeFigures {
            shape,
            latency: s.summary(),
        })
        .collect();
    let figures = queries
        .iter()
        .zip(per_query.iter().zip(hits))
        .map(|((shape, query), (samples, hits))| QueryFigures {
            shape,
            query,
            hits,
            latency: samples.summary(),
        })
        .collect();
    Ok((overall.summary(), shapes, figures))
}
