//! Full-text search over a large data directory: the import phase's incident plus more incidents of the same size,
//! imported through `Casebook::import_timeline`, until the directory holds the asked number of entries; then
//! `Casebook::search` (limit 20, as the CLI shows) for a mix of query shapes, each timed on its own.
//!
//! Every query runs once unmeasured first (so the first round's page-cache misses do not count), then `rounds` times.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use casebook_core::model::EntryKind;
use casebook_import::Format;
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

#[derive(Debug, Clone, Serialize)]
pub struct QueryFigures {
    pub shape: &'static str,
    pub query: &'static str,
    /// Hits returned (at most the limit).
    pub hits: usize,
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
    pub queries: Vec<QueryFigures>,
}

/// Grows `dir` (holding `have` entries in one incident) to `total` entries in incidents of `have` entries each, then
/// measures the query mix.
pub fn measure(
    dir: &Path,
    have: usize,
    total: usize,
    rounds: usize,
    progress: Progress,
) -> Result<SearchFigures> {
    let per_incident = have.max(1);
    let mut cb = casebook_api::Casebook::open(dir).context("opening the data directory")?;
    let bar = progress.bar(total.saturating_sub(have) as u64, "building search corpus");
    let started = Instant::now();
    let mut built = 0;
    let mut incidents = 1;
    while have + built < total {
        let rows = per_incident.min(total - have - built);
        let key = crate::new_incident(&mut cb, &format!("Search corpus part {}", incidents + 1))?;
        let jsonl = TimelineWriter::new(100 + incidents as u64).jsonl(rows);
        let done = built as u64;
        cb.import_timeline(
            &key,
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

    let cb = casebook_api::Casebook::open(dir).context("reopening the data directory")?;
    for (_, q) in QUERIES {
        cb.search(q, LIMIT).context("warming up")?;
    }
    let bar = progress.bar((rounds * QUERIES.len()) as u64, "search queries");
    let mut per_query = vec![Samples::default(); QUERIES.len()];
    let mut hits = vec![0; QUERIES.len()];
    for _ in 0..rounds {
        for (i, (_, q)) in QUERIES.iter().enumerate() {
            let started = Instant::now();
            let found = cb
                .search(q, LIMIT)
                .with_context(|| format!("searching for {q}"))?;
            per_query[i].push(started.elapsed());
            hits[i] = found.len();
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let mut overall = Samples::default();
    for s in &per_query {
        overall.extend(s);
    }
    Ok(SearchFigures {
        entries,
        incidents,
        built_entries: built,
        build_secs: build.as_secs_f64(),
        build_rows_per_sec: built as f64 / build.as_secs_f64().max(f64::MIN_POSITIVE),
        database_bytes: std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0),
        rounds,
        overall: overall.summary(),
        queries: QUERIES
            .iter()
            .zip(per_query.iter().zip(hits))
            .map(|((shape, query), (samples, hits))| QueryFigures {
                shape,
                query,
                hits,
                latency: samples.summary(),
            })
            .collect(),
    })
}
