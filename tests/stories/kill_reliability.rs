//! kill -9 at random moments in the middle of a large timeline import and of a large evidence add. After every kill
//! the database passes `PRAGMA integrity_check`, every event committed before is still there, the change is either
//! wholly present or wholly absent, no orphan blob outlives the next command, a rebuild gives the same projections
//! and the log verifies.
//!
//! The kill moments come from a seeded generator; the seed is printed, and `CASEBOOK_KILL_SEED=N` replays a run.
//! Each story first measures how long its operation takes here and spreads the kill moments over that time.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cli::{array, DataDir};

/// Kills per story.
const RUNS: usize = 20;
/// Rows in the timeline that is imported and killed; enough that an import takes a few seconds in a debug build.
const IMPORT_ROWS: usize = 30_000;
/// Size of the evidence file that is added and killed.
const EVIDENCE_BYTES: usize = 300 << 20;
/// Kill moments are spread over this multiple of the measured duration, so a few land after the end as well.
const SPREAD: f64 = 1.1;

/// The two stories compete for the disk and both cores; one at a time keeps each one's measured duration honest.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// SplitMix64: small, seedable, and good enough to pick moments.
struct Moments(u64);

impl Moments {
    fn from_env_or_clock() -> (u64, Moments) {
        let seed = std::env::var("CASEBOOK_KILL_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0x5eed)
            });
        (seed, Moments(seed))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A moment in `[0, total)`.
    fn within(&mut self, total: Duration) -> Duration {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        total.mul_f64(unit)
    }
}

/// A data directory with committed history: a profile, an incident, two entries and a small evidence file.
fn case_with_history() -> (DataDir, String) {
    let cb = DataDir::new();
    cb.ok(&[
        "init",
        "--name",
        "Ana Silva",
        "--role",
        "responder",
        "--tier",
        "1",
    ]);
    let key = cb
        .ok(&[
            "incident",
            "new",
            "Ransomware on file server",
            "--severity",
            "sev1",
        ])
        .trim()
        .to_string();
    cb.ok(&[
        "timeline",
        "add",
        &key,
        "EDR alert on FS-02",
        "--at",
        "2026-11-20T09:00:00Z",
    ]);
    cb.ok(&[
        "timeline",
        "add",
        &key,
        "FS-02 isolated",
        "--at",
        "2026-11-20T09:20:00Z",
        "--kind",
        "containment",
    ]);
    std::fs::write(
        cb.work().join("ransom-note.txt"),
        "All your files are encrypted.\n",
    )
    .expect("write note");
    cb.ok(&[
        "evidence",
        "add",
        &key,
        "ransom-note.txt",
        "--source-host",
        "FS-02",
    ]);
    (cb, key)
}

/// What was committed before a kill.
struct Committed {
    event_ids: Vec<String>,
    entries: i64,
    evidence: i64,
    custody: i64,
}

fn count(cb: &DataDir, sql: &str) -> i64 {
    cb.sql()
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("`{sql}` must run on the database: {e}"))
}

fn committed(cb: &DataDir) -> Committed {
    let conn = cb.sql();
    let event_ids = conn
        .prepare("SELECT id FROM events ORDER BY seq")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .unwrap_or_else(|e| panic!("cannot read the event ids: {e}"));
    Committed {
        event_ids,
        entries: count(cb, "SELECT count(*) FROM timeline_entries"),
        evidence: count(cb, "SELECT count(*) FROM evidence"),
        custody: count(cb, "SELECT count(*) FROM custody"),
    }
}

/// Starts `args`, waits `delay`, SIGKILLs it and reaps it. Returns how it ended and whether the kill hit it alive.
fn kill_after(cb: &DataDir, args: &[&str], delay: Duration) -> (ExitStatus, bool) {
    let mut child = cb
        .command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start casebook: {e}"));
    // Choosing the moment of the kill is the point of this test: this sleep synchronizes nothing.
    std::thread::sleep(delay);
    let finished_before = matches!(child.try_wait(), Ok(Some(_)));
    // `Child::kill` sends SIGKILL on Unix.
    let _ = child.kill();
    let status = child
        .wait()
        .unwrap_or_else(|e| panic!("cannot reap casebook: {e}"));
    let killed = !finished_before && status.signal() == Some(9);
    (status, killed)
}

/// Runs `args` to the end and returns how long it took.
fn timed(cb: &DataDir, args: &[&str]) -> Duration {
    let start = Instant::now();
    cb.ok(args);
    start.elapsed()
}

/// The faster of two full runs: the first one also pays for cold caches, which would push the kill moments late.
fn fastest_of_two(mut measure: impl FnMut() -> Duration) -> Duration {
    let first = measure();
    first.min(measure())
}

/// The checks straight after a kill, on the raw file, before any Casebook opens it.
fn check_file_after_kill(cb: &DataDir, before: &Committed, context: &str) {
    let conn = cb.sql();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{context}: integrity_check must run: {e}"));
    assert_eq!(
        integrity, "ok",
        "{context}: a kill must never corrupt the database"
    );
    let now: HashSet<String> = conn
        .prepare("SELECT id FROM events")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .unwrap_or_else(|e| panic!("{context}: cannot read event ids: {e}"));
    let lost: Vec<&String> = before
        .event_ids
        .iter()
        .filter(|id| !now.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{context}: every event committed before the kill must survive it; lost {lost:?}"
    );
}

/// The checks once the next command has run: no orphan or half-written blob, evidence intact, rebuild identical,
/// log intact.
fn check_recovered(cb: &DataDir, key: &str, context: &str) {
    // The next command after a crash: opening the data directory sweeps what the killed process left.
    cb.ok(&["evidence", "list", key]);

    let referenced: HashSet<String> = cb
        .sql()
        .prepare("SELECT sha256 FROM evidence")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .unwrap_or_else(|e| panic!("{context}: cannot read evidence hashes: {e}"));
    let blobs = cb.path().join("blobs");
    let stored = files_under(&blobs.join("sha256"));
    let orphans: Vec<&String> = stored.iter().filter(|f| !referenced.contains(*f)).collect();
    assert!(
        orphans.is_empty(),
        "{context}: every stored blob must belong to committed evidence; orphans {orphans:?}"
    );
    let leftovers = files_under(&blobs.join("tmp"));
    assert!(
        leftovers.is_empty(),
        "{context}: no temporary file may outlive the next command: {leftovers:?}"
    );
    let verify = cb.run(&["evidence", "verify"]);
    assert_eq!(
        verify.code,
        Some(0),
        "{context}: all committed evidence must still be in the store with its hash: {}",
        verify.all_output()
    );

    let rebuilt = cb.json(&["rebuild"]);
    assert_eq!(
        rebuilt["identical"], true,
        "{context}: rebuilding from the log must give exactly the projections the kill left: {rebuilt}"
    );
    let log = cb.run(&["log", "verify"]);
    assert_eq!(
        log.code,
        Some(0),
        "{context}: the event log must verify after a kill: {}",
        log.all_output()
    );
}

/// File names (not directories) anywhere under `dir`.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(items) = std::fs::read_dir(dir) else {
        return out;
    };
    for item in items.flatten() {
        let path = item.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(item.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

fn write_timeline(path: &Path) {
    let file =
        File::create(path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
    let mut out = BufWriter::new(file);
    for i in 0..IMPORT_ROWS {
        writeln!(
            out,
            r#"{{"message": "4624 logon of svc-backup{} from 10.20.{}.{}", "datetime": "2026-11-19T{:02}:{:02}:{:02}.{:06}Z", "timestamp_desc": "Event Recorded", "computer_name": "FS-{:02}", "event_identifier": 4624, "record_number": {i}}}"#,
            i % 7,
            i % 250,
            i % 199,
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 60,
            i % 1_000_000,
            i % 40,
        )
        .expect("write the timeline");
    }
    out.flush().expect("flush the timeline");
}

#[test]
fn a_killed_timeline_import_is_all_or_nothing_and_loses_nothing() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (seed, mut moments) = Moments::from_env_or_clock();
    eprintln!(
        "kill -9 during timeline import: seed {seed} (replay with CASEBOOK_KILL_SEED={seed})"
    );
    let files = tempfile::tempdir().expect("temp dir");
    let timeline = files.path().join("plaso-export.jsonl");
    write_timeline(&timeline);
    let timeline = timeline.to_string_lossy().into_owned();
    let rows = IMPORT_ROWS as i64;

    let full = fastest_of_two(|| {
        let (cb, key) = case_with_history();
        let took = timed(&cb, &["timeline", "import", &key, &timeline]);
        assert_eq!(
            count(&cb, "SELECT count(*) FROM timeline_entries") - 2,
            rows,
            "an import left alone must bring in every row"
        );
        took
    });
    eprintln!("a full import of {IMPORT_ROWS} rows takes {full:?}");

    let mut cut_short = 0;
    let mut completed = 0;
    for run in 0..RUNS {
        let (cb, key) = case_with_history();
        let before = committed(&cb);
        let delay = moments.within(full.mul_f64(SPREAD));
        let context = format!("seed {seed}, run {run}, kill after {delay:?} of {full:?}");
        let (status, killed) = kill_after(&cb, &["timeline", "import", &key, &timeline], delay);

        check_file_after_kill(&cb, &before, &context);
        let added = count(&cb, "SELECT count(*) FROM timeline_entries") - before.entries;
        assert!(
            added == 0 || added == rows,
            "{context}: an import is all or nothing, but {added} of {rows} rows are present (exit {status})"
        );
        let imports = count(
            &cb,
            "SELECT count(*) FROM events WHERE kind = 'entries_imported'",
        );
        assert!(
            (added == 0) == (imports == 0),
            "{context}: the import's events and its entries must be present together ({imports} events, {added} rows)"
        );
        if killed && added == 0 {
            cut_short += 1;
        }
        if added == rows {
            completed += 1;
        }
        check_recovered(&cb, &key, &context);
        let listed = cb.json(&["timeline", "list", &key, "--limit", "1"]);
        assert_eq!(
            array(&listed).len(),
            1,
            "{context}: the timeline must still list"
        );
    }
    eprintln!("{cut_short} imports killed midway, {completed} completed before the kill");
    assert!(
        cut_short >= RUNS / 4,
        "seed {seed}: at least a quarter of the kills must land during the import for this test to mean anything \
         ({cut_short} of {RUNS} did; a full import took {full:?})"
    );
}

/// Writes `EVIDENCE_BYTES` of pseudo-random data: no holes, so every byte is really read, hashed and copied.
fn write_evidence(path: &Path, moments: &mut Moments) {
    let mut block = vec![0u8; 1 << 20];
    for chunk in block.chunks_mut(8) {
        chunk.copy_from_slice(&moments.next_u64().to_le_bytes());
    }
    let file =
        File::create(path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
    let mut out = BufWriter::new(file);
    for i in 0..EVIDENCE_BYTES / block.len() {
        block[..8].copy_from_slice(&(i as u64).to_le_bytes());
        out.write_all(&block).expect("write the evidence file");
    }
    out.flush().expect("flush the evidence file");
}

/// Makes the file's content (and so its hash) different for each run, so no run's blob hides another's.
fn stamp(path: &Path, run: usize) {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    file.seek(SeekFrom::Start(8)).expect("seek");
    file.write_all(&(run as u64 + 1).to_le_bytes())
        .expect("stamp the run");
}

#[test]
fn a_killed_evidence_add_leaves_no_orphan_and_loses_nothing() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (seed, mut moments) = Moments::from_env_or_clock();
    eprintln!("kill -9 during evidence add: seed {seed} (replay with CASEBOOK_KILL_SEED={seed})");
    let files = tempfile::tempdir().expect("temp dir");
    let image = files.path().join("fs02-memory.raw");
    write_evidence(&image, &mut moments);
    let image_arg = image.to_string_lossy().into_owned();
    let add = |key: &str| -> Vec<String> {
        ["evidence", "add", key, &image_arg, "--source-host", "FS-02"]
            .map(str::to_string)
            .to_vec()
    };

    let full = fastest_of_two(|| {
        let (cb, key) = case_with_history();
        let args = add(&key);
        let took = timed(&cb, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            count(&cb, "SELECT count(*) FROM evidence"),
            2,
            "an evidence add left alone must be recorded"
        );
        took
    });
    eprintln!(
        "adding {} MiB of evidence takes {full:?}",
        EVIDENCE_BYTES >> 20
    );

    let mut cut_short = 0;
    let mut completed = 0;
    for run in 0..RUNS {
        stamp(&image, run);
        let (cb, key) = case_with_history();
        let before = committed(&cb);
        let delay = moments.within(full.mul_f64(SPREAD));
        let context = format!("seed {seed}, run {run}, kill after {delay:?} of {full:?}");
        let args = add(&key);
        let (status, killed) = kill_after(
            &cb,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            delay,
        );

        check_file_after_kill(&cb, &before, &context);
        let evidence = count(&cb, "SELECT count(*) FROM evidence") - before.evidence;
        let custody = count(&cb, "SELECT count(*) FROM custody") - before.custody;
        assert!(
            (evidence, custody) == (0, 0) || (evidence, custody) == (1, 1),
            "{context}: the evidence and its first custody step are one change, all or nothing: \
             {evidence} evidence, {custody} custody added (exit {status})"
        );
        if killed && evidence == 0 {
            cut_short += 1;
        }
        if evidence == 1 {
            completed += 1;
        }
        check_recovered(&cb, &key, &context);
    }
    eprintln!("{cut_short} evidence adds killed midway, {completed} completed before the kill");
    assert!(
        cut_short >= RUNS / 4,
        "seed {seed}: at least a quarter of the kills must land during the add for this test to mean anything \
         ({cut_short} of {RUNS} did; a full add took {full:?})"
    );
}
