//! Durable append of one timeline entry: `Casebook::add_entry`, one committed transaction each, with the store's
//! `synchronous=FULL`, timed call by call.
//!
//! A second series appends the same kind of entry straight through the store (`append_local` and commit, on its own
//! connection to the same file): it shows how much of an `add_entry` is the durable write itself and how much is the
//! API's work around it (authorization, reading the new entry back).
//!
//! Then [`FRAME_SAMPLES`] more appends, untimed, each on a log emptied for it, count the log frames a commit writes:
//! most write the same pages, but one that fills the last leaf of an index rewrites its neighbours too, so one
//! commit alone would say little.
//!
//! A third series is the disk alone, in the same run and directory: a typical commit's log frames (the median count)
//! written over the start of a file as SQLite writes them, two writes a frame, and flushed with `fdatasync`,
//! as a commit does to a log started over. No database work goes below it, so it is the floor under an append on
//! this machine: virtual disks differ by several times in their slowest flushes.

use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use casebook_api::timeline::EntryInput;
use casebook_api::{Clock, SystemClock};
use casebook_core::event::{EntrySource, NewEntry};
use casebook_core::model::EntryKind;
use casebook_core::{EntryId, EventId, Payload};
use casebook_store::append::{append_local, Origin};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::corpus::TimelineWriter;
use crate::stats::{Samples, Summary};
use crate::Progress;

/// A log frame's header, before its page.
const FRAME_HEADER: usize = 24;

/// Commits whose log frames are counted, each alone in the log.
pub const FRAME_SAMPLES: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct AppendFigures {
    /// Entries appended through the API (and as many again through the store).
    pub appends: usize,
    /// `Casebook::add_entry`, end to end.
    pub api: Summary,
    /// `append_local` + commit only.
    pub store: Summary,
    /// Entries in the incident at the end, read back through the API.
    pub entries_after: i64,
    /// Log frames (pages) a typical append's commit writes: the median of [`AppendFigures::frames`].
    pub frames_per_commit: i64,
    /// Log frames of each of [`FRAME_SAMPLES`] commits.
    pub frames: FrameCounts,
    /// The typical commit's bytes in the log, frame headers included.
    pub commit_bytes: usize,
    /// The disk alone: a typical commit's frames written over the start of a file as the log writes them, then
    /// `fdatasync`, as many times.
    pub disk: Summary,
}

/// How many log frames commits wrote.
#[derive(Debug, Clone, Serialize)]
pub struct FrameCounts {
    pub commits: usize,
    pub p50: i64,
    pub mean: f64,
    pub max: i64,
}

impl FrameCounts {
    fn of(mut counts: Vec<i64>) -> FrameCounts {
        counts.sort_unstable();
        FrameCounts {
            commits: counts.len(),
            p50: counts.get(counts.len() / 2).copied().unwrap_or(0),
            mean: counts.iter().sum::<i64>() as f64 / counts.len().max(1) as f64,
            max: counts.last().copied().unwrap_or(0),
        }
    }
}

pub fn measure(
    dir: &Path,
    appends: usize,
    cipher: &crate::cipher::Cipher,
    progress: Progress,
) -> Result<AppendFigures> {
    let mut cb = crate::fresh_casebook(dir, cipher)?;
    let key = crate::new_incident(&mut cb, "Append benchmark")?;
    let mut timeline = TimelineWriter::new(11);
    let bar = progress.bar(2 * appends as u64, "durable appends");
    let mut api = Samples::default();
    for i in 0..appends {
        let row = timeline.row();
        let input = EntryInput {
            summary: text(&row, "message"),
            details: String::new(),
            at: None,
            kind: Some(EntryKind::Action),
            source: EntrySource {
                host: Some(text(&row, "hostname")),
                tool: Some("casebook-bench".into()),
                file: None,
            },
            key_event: i % 50 == 0,
        };
        let started = Instant::now();
        cb.add_entry(&key, input)
            .context("adding a timeline entry")?;
        api.push(started.elapsed());
        bar.inc(1);
    }
    let incident = cb.incident(&key)?.row.id;
    let db = cb.store().path().to_path_buf();
    drop(cb);

    let mut store = cipher.store(&db).context("opening the store directly")?;
    let (device, user) = casebook_store::read::profile(store.conn())?
        .context("the bench profile was created above")?;
    let origin = Origin { user, device };
    let mut direct = Samples::default();
    let mut append_one = |store: &mut casebook_store::Store| -> Result<()> {
        let row = timeline.row();
        let entry = NewEntry {
            entry: EntryId(Uuid::now_v7()),
            event_time: SystemClock.now(),
            time_zone: None,
            kind: EntryKind::Action,
            summary: text(&row, "message"),
            details: String::new(),
            source: EntrySource {
                host: Some(text(&row, "hostname")),
                tool: Some("casebook-bench".into()),
                file: None,
            },
            key_event: false,
            evidence: vec![],
            observables: vec![],
            attributes: Map::new(),
            supersedes: None,
        };
        let tx = store.write()?;
        append_local(
            &tx,
            origin,
            EventId(Uuid::now_v7()),
            Some(incident),
            Payload::EntryAdded(entry),
            SystemClock.now().timestamp_micros(),
        )?;
        tx.commit().context("committing an append")?;
        Ok(())
    };
    for _ in 0..appends {
        let started = Instant::now();
        append_one(&mut store)?;
        direct.push(started.elapsed());
        bar.inc(1);
    }
    // Appends on an emptied log: the frames each leaves there are its commit's.
    let mut counted = Vec::with_capacity(FRAME_SAMPLES);
    for _ in 0..FRAME_SAMPLES {
        checkpoint(&store, "TRUNCATE")?;
        append_one(&mut store)?;
        counted.push(checkpoint(&store, "PASSIVE")?);
    }
    let frames = FrameCounts::of(counted);
    let frames_per_commit = frames.p50;
    // SQLCipher answers for an encrypted file, with its page size as text.
    let page_size: i64 = match store
        .conn()
        .query_row("PRAGMA page_size", [], |r| r.get(0))?
    {
        rusqlite::types::Value::Integer(n) => n,
        rusqlite::types::Value::Text(t) => t.parse()?,
        other => anyhow::bail!("PRAGMA page_size gave {other:?}"),
    };
    drop(store);
    bar.finish_and_clear();
    let typical = usize::try_from(frames_per_commit.max(1))?;
    let page_size = usize::try_from(page_size)?;
    let commit_bytes = typical * (FRAME_HEADER + page_size);
    let disk = disk_alone(dir, typical, page_size, appends)?;

    let cb = cipher.open(dir)?;
    let (entries_after, _) =
        cb.entries(&key, &casebook_store::read::EntryFilter::default(), 0, 1)?;
    Ok(AppendFigures {
        appends,
        api: api.summary(),
        store: direct.summary(),
        entries_after,
        frames_per_commit,
        frames,
        commit_bytes,
        disk,
    })
}

/// Runs a checkpoint of `mode` and returns the frames the log held. The store's own checkpointing thread may be at
/// work on the log for a moment (busy: nothing done, nothing counted), so it is tried again.
fn checkpoint(store: &casebook_store::Store, mode: &str) -> Result<i64> {
    for _ in 0..200 {
        let (busy, frames): (i64, i64) =
            store
                .conn()
                .query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        if busy == 0 {
            return Ok(frames);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    anyhow::bail!("the log stayed busy for two seconds: no {mode} checkpoint")
}

/// One commit's log frames written over the start of a file in `dir` as SQLite writes them (each frame a 24-byte
/// header, then its page, two writes) and flushed with `fdatasync`, `rounds` times, each timed. Writing the same bytes
/// in one call would be faster on a virtual disk (each write is a trip through the kernel's write path): the floor
/// under a commit is its own pattern of writes, not its byte count.
fn disk_alone(dir: &Path, frames: usize, page_size: usize, rounds: usize) -> Result<Summary> {
    let path = dir.join("disk-alone.probe");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    let header = [0x5a_u8; FRAME_HEADER];
    let page = vec![0xa5_u8; page_size];
    let frame_bytes = FRAME_HEADER + page_size;
    // Written once and flushed, so the timed writes overwrite blocks the file has, as a restarted log does.
    file.write_all(&vec![0_u8; frames * frame_bytes])?;
    file.sync_all()?;
    let mut samples = Samples::default();
    for _ in 0..rounds {
        let started = Instant::now();
        for frame in 0..frames {
            let at = (frame * frame_bytes) as u64;
            file.write_all_at(&header, at)?;
            file.write_all_at(&page, at + FRAME_HEADER as u64)?;
        }
        file.sync_data()?;
        samples.push(started.elapsed());
    }
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(samples.summary())
}

fn text(row: &Map<String, Value>, field: &str) -> String {
    row.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
