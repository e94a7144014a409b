//! Bulk import: `Casebook::import_timeline` of a generated Timesketch JSONL, against two baselines measured in the
//! same run on the same file.
//!
//! The target's baseline is [`like_for_like`]: the same durable work written by hand (parse, event-log rows,
//! projection rows, FTS5 rows, one transaction), timed from the same bytes to the commit like the import.
//!
//! The second, reported beside it as context, is deliberately bare: the rows are parsed before the clock starts,
//! then inserted into one plain table with the columns an entry needs (id, incident, event time, time zone, what the
//! time means, kind, summary, source host/tool/file, attributes as JSON) and its primary key only: no event log, no
//! hash chain, no secondary index, no full-text index. One transaction, one prepared statement, a fresh file with the
//! store's pragmas (WAL, `synchronous=FULL`). The parse rate is reported on its own so either view can be taken.

mod like_for_like;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use casebook_core::model::EntryKind;
use casebook_import::{Format, ImportedEntry};
use rusqlite::{params, Connection, TransactionBehavior};
use serde::Serialize;
use uuid::Uuid;

use crate::corpus::TimelineWriter;
use crate::Progress;

#[derive(Debug, Clone, Serialize)]
pub struct ImportFigures {
    pub rows: usize,
    /// Size of the generated JSONL.
    pub jsonl_bytes: usize,
    pub import_secs: f64,
    pub import_rows_per_sec: f64,
    /// The like-for-like baseline (the target's).
    pub baseline_secs: f64,
    pub baseline_rows_per_sec: f64,
    /// Import rate over the like-for-like baseline's rate (the target is at least 0.8).
    pub ratio: f64,
    /// The bare insert, rows parsed beforehand (context).
    pub bare_secs: f64,
    pub bare_rows_per_sec: f64,
    /// Import rate over the bare insert's rate.
    pub bare_ratio: f64,
    /// Parsing the JSONL alone (what the bare insert is spared).
    pub parse_rows_per_sec: f64,
    /// Entries the import reported, and entries the incident holds afterwards.
    pub imported_entries: u64,
    pub stored_entries: i64,
    /// Timeline entries, and their FTS5 rows each with its place, in the like-for-like database afterwards.
    pub baseline_rows: i64,
    pub baseline_indexed: i64,
    /// Rows in the bare table afterwards.
    pub bare_rows: i64,
}

/// Imports `rows` generated rows into a new incident in `dir`, runs the baselines into fresh files in `baseline_dir`,
/// and returns the figures and the incident's key.
pub fn measure(
    dir: &Path,
    baseline_dir: &Path,
    rows: usize,
    cipher: &crate::cipher::Cipher,
    progress: Progress,
) -> Result<(ImportFigures, String)> {
    let jsonl = TimelineWriter::new(1).jsonl(rows);

    let started = Instant::now();
    let parsed: Vec<ImportedEntry> = casebook_import::read_timeline(&jsonl[..], Format::Jsonl)?
        .collect::<Result<_, _>>()
        .context("parsing the generated timeline")?;
    let parse = started.elapsed();

    std::fs::create_dir_all(baseline_dir)?;
    let (bare, bare_rows) = bare(&baseline_dir.join("bare.db"), &parsed, cipher, progress)?;
    drop(parsed);
    let (baseline, baseline_rows, baseline_indexed) = like_for_like::run(
        &baseline_dir.join("like-for-like.db"),
        &jsonl,
        rows,
        cipher,
        progress,
    )?;

    let mut cb = crate::fresh_casebook(dir, cipher)?;
    let key = crate::new_incident(&mut cb, "Bulk import benchmark")?;
    let bar = progress.bar(rows as u64, "import_timeline");
    let started = Instant::now();
    let summary = cb
        .import_timeline(
            &key,
            &jsonl[..],
            Format::Jsonl,
            "plaso",
            EntryKind::Finding,
            &mut |n| bar.set_position(n),
        )
        .context("importing the generated timeline")?;
    let import = started.elapsed();
    bar.finish_and_clear();
    let (stored_entries, _) = cb.entries(&key, &Default::default(), 0, 1)?;

    let rate = |d: Duration| rows as f64 / d.as_secs_f64().max(f64::MIN_POSITIVE);
    let figures = ImportFigures {
        rows,
        jsonl_bytes: jsonl.len(),
        import_secs: import.as_secs_f64(),
        import_rows_per_sec: rate(import),
        baseline_secs: baseline.as_secs_f64(),
        baseline_rows_per_sec: rate(baseline),
        ratio: baseline.as_secs_f64() / import.as_secs_f64().max(f64::MIN_POSITIVE),
        bare_secs: bare.as_secs_f64(),
        bare_rows_per_sec: rate(bare),
        bare_ratio: bare.as_secs_f64() / import.as_secs_f64().max(f64::MIN_POSITIVE),
        parse_rows_per_sec: rate(parse),
        imported_entries: summary.entries,
        stored_entries,
        baseline_rows,
        baseline_indexed,
        bare_rows,
    };
    Ok((figures, key))
}

/// The bare insert described in the module docs; returns its time and the rows in the table afterwards.
fn bare(
    path: &Path,
    rows: &[ImportedEntry],
    cipher: &crate::cipher::Cipher,
    progress: Progress,
) -> Result<(Duration, i64)> {
    let mut conn = Connection::open(path).context("creating the bare-insert database")?;
    cipher.key_connection(&conn)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.execute_batch(
        "CREATE TABLE entries (
            id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, event_time_us INTEGER NOT NULL, time_zone TEXT,
            timestamp_desc TEXT NOT NULL, kind TEXT NOT NULL, summary TEXT NOT NULL, source_host TEXT,
            source_tool TEXT, source_file TEXT, attributes TEXT NOT NULL)",
    )?;
    let incident = Uuid::now_v7().to_string();
    let bar = progress.bar(rows.len() as u64, "bare insert");
    let started = Instant::now();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO entries (id, incident_id, event_time_us, time_zone, timestamp_desc, kind, summary,
             source_host, source_tool, source_file, attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for (i, row) in rows.iter().enumerate() {
            let attr = |k: &str| row.attributes.get(k).and_then(|v| v.as_str());
            insert.execute(params![
                Uuid::now_v7().to_string(),
                incident,
                row.event_time.timestamp_micros(),
                row.time_zone,
                row.timestamp_desc,
                "finding",
                row.message,
                attr("hostname"),
                attr("parser"),
                attr("filename"),
                serde_json::to_string(&row.attributes)?,
            ])?;
            if i % 1_000 == 0 {
                bar.set_position(i as u64);
            }
        }
    }
    tx.commit().context("committing the bare insert")?;
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    let count = conn.query_row("SELECT count(*) FROM entries", [], |r| r.get(0))?;
    Ok((elapsed, count))
}
