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
//! With `--encrypted`, the plain and the encrypted directory take turns, entry by entry and the order swapped every
//! round, in every series ([`measure_side_by_side`]): a slow minute of the disk then falls on both alike, and their
//! ratio is what encryption costs, not when each ran (run one after the other, one run gave plain p99 0.8 ms and
//! encrypted 3.5 ms, the disk having turned slow in between).
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
    let mut figures = measure_side_by_side(&[(dir, cipher)], appends, progress)?;
    Ok(figures.remove(0))
}

/// The order the subjects take their turn in round `round`: forwards, then backwards, so none always goes first.
fn turns(subjects: usize, round: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..subjects).collect();
    if round % 2 == 1 {
        order.reverse();
    }
    order
}

/// The same appends on each of `subjects` (a fresh data directory each, opened with its cipher), taking turns entry
/// by entry in each series; the figures in the subjects' order.
pub fn measure_side_by_side(
    subjects: &[(&Path, &crate::cipher::Cipher)],
    appends: usize,
    progress: Progress,
) -> Result<Vec<AppendFigures>> {
    let n = subjects.len();
    let bar = progress.bar((2 * appends * n) as u64, "durable appends");
    let mut books = Vec::with_capacity(n);
    for (dir, cipher) in subjects {
        let mut cb = crate::fresh_casebook(dir, cipher)?;
        let key = crate::new_incident(&mut cb, "Append benchmark")?;
        // The same seed: every subject appends the same entries.
        books.push((cb, key, TimelineWriter::new(11)));
    }
    let mut api: Vec<Samples> = (0..n).map(|_| Samples::default()).collect();
    for i in 0..appends {
        for j in turns(n, i) {
            let (cb, key, timeline) = &mut books[j];
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
            cb.add_entry(key, input)
                .context("adding a timeline entry")?;
            api[j].push(started.elapsed());
            bar.inc(1);
        }
    }
    let (mut direct, mut keys) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for ((cb, key, timeline), (_, cipher)) in books.into_iter().zip(subjects) {
        let incident = cb.incident(&key)?.row.id;
        keys.push(key);
        let db = cb.store().path().to_path_buf();
        drop(cb);
        let store = cipher.store(&db).context("opening the store directly")?;
        let (device, user) = casebook_store::read::profile(store.conn())?
            .context("the bench profile was created above")?;
        direct.push(Direct {
            store,
            origin: Origin { user, device },
            incident,
            timeline,
            samples: Samples::default(),
        });
    }
    for i in 0..appends {
        for j in turns(n, i) {
            let started = Instant::now();
            direct[j].append_one()?;
            direct[j].samples.push(started.elapsed());
            bar.inc(1);
        }
    }
    // Appends on an emptied log: the frames each leaves there are its commit's.
    let mut shapes = Vec::with_capacity(n);
    for d in &mut direct {
        let mut counted = Vec::with_capacity(FRAME_SAMPLES);
        for _ in 0..FRAME_SAMPLES {
            checkpoint(&d.store, "TRUNCATE")?;
            d.append_one()?;
            counted.push(checkpoint(&d.store, "PASSIVE")?);
        }
        let frames = FrameCounts::of(counted);
        // SQLCipher answers for an encrypted file, with its page size as text.
        let page_size: i64 = match d
            .store
            .conn()
            .query_row("PRAGMA page_size", [], |r| r.get(0))?
        {
            rusqlite::types::Value::Integer(n) => n,
            rusqlite::types::Value::Text(t) => t.parse()?,
            other => anyhow::bail!("PRAGMA page_size gave {other:?}"),
        };
        shapes.push((frames, usize::try_from(page_size)?));
    }
    let direct: Vec<Samples> = direct.into_iter().map(|d| d.samples).collect();
    bar.finish_and_clear();

    let mut probes = Vec::with_capacity(n);
    for ((dir, _), (frames, page_size)) in subjects.iter().zip(&shapes) {
        probes.push(DiskProbe::new(
            dir,
            usize::try_from(frames.p50.max(1))?,
            *page_size,
        )?);
    }
    let mut disk: Vec<Samples> = (0..n).map(|_| Samples::default()).collect();
    for i in 0..appends {
        for j in turns(n, i) {
            disk[j].push(probes[j].round()?);
        }
    }
    for probe in probes {
        probe.remove()?;
    }

    let mut out = Vec::with_capacity(n);
    for (j, (frames, page_size)) in shapes.into_iter().enumerate() {
        let (dir, cipher) = subjects[j];
        let cb = cipher.open(dir)?;
        let (entries_after, _) = cb.entries(
            &keys[j],
            &casebook_store::read::EntryFilter::default(),
            0,
            1,
        )?;
        let typical = usize::try_from(frames.p50.max(1))?;
        out.push(AppendFigures {
            appends,
            api: api[j].summary(),
            store: direct[j].summary(),
            entries_after,
            frames_per_commit: frames.p50,
            frames,
            commit_bytes: typical * (FRAME_HEADER + page_size),
            disk: disk[j].summary(),
        });
    }
    Ok(out)
}

/// One subject's store, opened directly, and its series of appends through it.
struct Direct {
    store: casebook_store::Store,
    origin: Origin,
    incident: casebook_core::IncidentId,
    timeline: TimelineWriter,
    samples: Samples,
}

impl Direct {
    /// `append_local` and commit of one entry like the API's.
    fn append_one(&mut self) -> Result<()> {
        let row = self.timeline.row();
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
        let tx = self.store.write()?;
        append_local(
            &tx,
            self.origin,
            EventId(Uuid::now_v7()),
            Some(self.incident),
            Payload::EntryAdded(entry),
            SystemClock.now().timestamp_micros(),
        )?;
        tx.commit().context("committing an append")?;
        Ok(())
    }
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

/// One commit's log frames written over the start of a file in a directory as SQLite writes them (each frame a
/// 24-byte header, then its page, two writes) and flushed with `fdatasync`, a round at a time. Writing the same bytes
/// in one call would be faster on a virtual disk (each write is a trip through the kernel's write path): the floor
/// under a commit is its own pattern of writes, not its byte count.
struct DiskProbe {
    path: std::path::PathBuf,
    file: std::fs::File,
    frames: usize,
    header: [u8; FRAME_HEADER],
    page: Vec<u8>,
}

impl DiskProbe {
    fn new(dir: &Path, frames: usize, page_size: usize) -> Result<DiskProbe> {
        let path = dir.join("disk-alone.probe");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        // Written once and flushed, so the timed writes overwrite blocks the file has, as a restarted log does.
        file.write_all(&vec![0_u8; frames * (FRAME_HEADER + page_size)])?;
        file.sync_all()?;
        Ok(DiskProbe {
            path,
            file,
            frames,
            header: [0x5a_u8; FRAME_HEADER],
            page: vec![0xa5_u8; page_size],
        })
    }

    fn round(&mut self) -> Result<std::time::Duration> {
        let frame_bytes = FRAME_HEADER + self.page.len();
        let started = Instant::now();
        for frame in 0..self.frames {
            let at = (frame * frame_bytes) as u64;
            self.file.write_all_at(&self.header, at)?;
            self.file
                .write_all_at(&self.page, at + FRAME_HEADER as u64)?;
        }
        self.file.sync_data()?;
        Ok(started.elapsed())
    }

    fn remove(self) -> Result<()> {
        drop(self.file);
        std::fs::remove_file(&self.path)?;
        Ok(())
    }
}

fn text(row: &Map<String, Value>, field: &str) -> String {
    row.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
