//! Write-ahead-log checkpoints off the commit path.
//!
//! SQLite's automatic checkpoint runs inside whichever commit pushes the log past its threshold: that commit copies
//! the log's pages into the database file and waits for the file's fsync, a few milliseconds that land on a person's
//! append at random (about one commit in fifty, measured with `strace` on the append benchmark: the slowest 2%).
//! So a store's own connection never checkpoints; a thread with a second connection does, shortly after the log
//! grows, while the next append writes on. A passive checkpoint never waits for the writer, and the writer never
//! waits for it: the log is only reset by the writer once every page in it has been copied.
//!
//! The thread also gives the log room ([`log_reserve`]) once the store shows it writes in bulk, and from then on is
//! woken by the store's commits before the log outgrows that room.
//!
//! When the last connection to a file closes, SQLite checkpoints and removes the log itself, so a short-lived
//! process (a CLI command) leaves nothing behind either way.

use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::cipher::{self, DataKey, PageMac};
use crate::{log_reserve, Result, StoreError};

/// How long the log may grow before its pages are copied: a second of appends is a few megabytes of log, and the
/// fewer checkpoints overlap a commit's own sync the better its slowest cases (append benchmark, same build: every
/// 50 ms gave p99 2.4–2.7 ms, every 250 ms 1.9–2.1, every second 1.9; SQLite's own, inside commits, 2.9–3.0).
const EVERY: Duration = Duration::from_millis(1000);

/// Log frames (pages) after which a store counts as writing in bulk and its log is given room: 4 MiB of 4 KiB pages,
/// SQLite's own automatic checkpoint threshold. A person's appends, a page or two dozen a commit, copied every
/// second, never get there; an import, a pull or the benchmark's stream do within a fraction of a second.
const BULK_FRAMES: i32 = 1000;

/// The room: at the benchmark's pace (well over a thousand commits a second, 23 frames each) a second of log.
pub(crate) const LOG_RESERVE: u64 = 64 << 20;

/// Frames after which the log is copied without waiting for the next second: half its room (in 4 KiB pages and their
/// 24-byte headers), so the commits made while the copy runs still fit.
const FULL_FRAMES: i32 = (LOG_RESERVE / 2 / (4096 + 24)) as i32;

/// The least time between two copies of the log.
const PROMPT_GAP: Duration = Duration::from_millis(50);

/// What the store's commits and its owner tell the checkpointing thread.
#[derive(Default)]
struct Signal {
    stopped: bool,
    /// The log has reached the store's `wake_at`.
    due: bool,
}

struct Shared {
    signal: Mutex<Signal>,
    wake: Condvar,
    /// Frames in the log at which a commit wakes the thread early: the bulk threshold until the log has room, then
    /// half the room.
    wake_at: AtomicI32,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Signal> {
        self.signal.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The checkpointing thread of one store; dropping it stops the thread, whose connection then closes.
pub(crate) struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens the second connection here, so a file that cannot be opened fails the store's open rather than the
    /// thread.
    pub(crate) fn start(path: &Path, key: Option<(&DataKey, PageMac)>) -> Result<Checkpointer> {
        Checkpointer::start_every(path, key, EVERY)
    }

    /// [`Checkpointer::start`] with the period of its unprompted checkpoints.
    fn start_every(
        path: &Path,
        key: Option<(&DataKey, PageMac)>,
        every: Duration,
    ) -> Result<Checkpointer> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        if let Some((key, mac)) = key {
            cipher::apply_key(&conn, key, mac)?;
        }
        // Never wait: the connection library's default busy timeout would have the `RESTART` round hold the write
        // lock for seconds while a reader finishes with the log, and every commit in the app wait behind it.
        conn.busy_timeout(Duration::ZERO)?;
        let shared = Arc::new(Shared {
            signal: Mutex::new(Signal::default()),
            wake: Condvar::new(),
            wake_at: AtomicI32::new(BULK_FRAMES),
        });
        let (db, thread_shared) = (path.to_path_buf(), shared.clone());
        let thread = std::thread::Builder::new()
            .name("casebook-checkpoint".into())
            .spawn(move || run(conn, &db, every, &thread_shared))
            .map_err(crate::StoreError::Io)?;
        Ok(Checkpointer {
            shared,
            thread: Some(thread),
        })
    }

    /// What the store's connection calls after each commit with the frames now in its log (SQLite's log hook): it
    /// wakes the thread when the log has grown to where it should not wait for the next second.
    pub(crate) fn commit_hook(
        &self,
    ) -> impl FnMut(&mut rusqlite::hooks::Wal, std::ffi::c_int) -> rusqlite::Result<()> + Send + 'static
    {
        let shared = self.shared.clone();
        move |_, frames| {
            if frames >= shared.wake_at.load(Ordering::Relaxed) {
                let mut signal = shared.lock();
                if !signal.due {
                    signal.due = true;
                    shared.wake.notify_one();
                }
            }
            Ok(())
        }
    }
}

fn run(conn: Connection, db: &Path, every: Duration, shared: &Shared) {
    let mut reserved = false;
    loop {
        let due = {
            let signal = shared.lock();
            let (mut signal, _) = shared
                .wake
                .wait_timeout_while(signal, every, |s| !s.stopped && !s.due)
                .unwrap_or_else(|p| p.into_inner());
            if signal.stopped {
                return;
            }
            std::mem::take(&mut signal.due)
        };
        if due && !reserved {
            match log_reserve::reserve(&conn, db, LOG_RESERVE) {
                Ok(_) => {
                    reserved = true;
                    shared.wake_at.store(FULL_FRAMES, Ordering::Relaxed);
                }
                // The writer never let go of the lock: tried again when the log is next found that long.
                Err(StoreError::Busy(_)) => {}
                // A full disk, say: this session's log gets no room and is copied every second, as before.
                Err(_) => {
                    reserved = true;
                    shared.wake_at.store(i32::MAX, Ordering::Relaxed);
                }
            }
        }
        checkpoint(&conn);
        // A log the copy could not start over (a reader still on it) is still long, and every commit would prompt
        // another copy at once: prompts wait this long after each copy.
        let signal = shared.lock();
        let (mut signal, _) = shared
            .wake
            .wait_timeout_while(signal, PROMPT_GAP, |s| !s.stopped)
            .unwrap_or_else(|p| p.into_inner());
        if signal.stopped {
            return;
        }
        signal.due = false;
    }
}

/// How long the last round is tried again while busy, and how often.
const RESTART_WAIT: Duration = Duration::from_millis(10);
const RESTART_POLL: Duration = Duration::from_micros(100);

/// Rounds of copying per wake-up without holding up the writer: each copies what was committed during the one
/// before, so the pages left at the end are few.
const PASSIVE_ROUNDS: usize = 3;

/// Copies the log into the database, then has the writer start it over. Passive rounds copy without holding up the
/// writer; under a steady stream of appends each trails the commits made while it ran. The writer starts the log
/// over only when it begins a transaction with nothing left to copy, which passive rounds alone gave only now and
/// then: in one run the log grew by every commit for the 3.6 s the stream lasted. So the last round is `RESTART`:
/// it copies the few pages left holding the write lock and makes the next commit write the log from its start. A
/// commit arriving meanwhile waits for those few pages only. Busy (another checkpoint, a reader on the log) gives up
/// at once, since this connection has no busy timeout, and is tried at the next wake-up; errors too, and the writer
/// meets any real fault of the file.
fn checkpoint(conn: &Connection) {
    // (busy, frames in the log, frames copied).
    let run = |mode: &str| {
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .ok()
    };
    for _ in 0..PASSIVE_ROUNDS {
        match run("PASSIVE") {
            Some((0, log, copied)) if copied < log => continue,
            Some((0, log, _)) if log > 0 => break,
            // Busy, failed, or nothing in the log.
            _ => return,
        }
    }
    // A writer committing in a tight loop frees the write lock only for moments, and a reader may still be on the
    // log: tried for a few milliseconds, then left to the next wake-up.
    let deadline = Instant::now() + RESTART_WAIT;
    while let Some((1, _, _)) = run("RESTART") {
        if Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(RESTART_POLL);
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared.lock().stopped = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    /// The log header's checkpoint sequence number: the writer adds one each time it starts the log over.
    fn restarts(wal: &std::path::Path) -> u32 {
        let bytes = std::fs::read(wal).unwrap_or_default();
        bytes
            .get(12..16)
            .map_or(0, |b| u32::from_be_bytes(b.try_into().unwrap()))
    }

    #[test]
    fn commits_never_checkpoint_yet_the_log_is_copied_and_started_over_under_a_stream_of_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        let mut store = crate::Store::open(&path).unwrap();
        let auto: i64 = store
            .conn()
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        assert_eq!(auto, 0, "the store's own commits must not checkpoint");
        store
            .conn()
            .execute_batch("CREATE TABLE filler (body BLOB NOT NULL)")
            .unwrap();
        // A steady stream of 16 KiB commits a few milliseconds apart, until the log was started over twice (a wake-up
        // every second copies it), for at most half a minute however slow the machine.
        let wal = dir.path().join("casebook.db-wal");
        let first = restarts(&wal);
        let (size, deadline) = (16 * 1024, Instant::now() + Duration::from_secs(30));
        let mut commits = 0u64;
        while restarts(&wal) < first + 2 && Instant::now() < deadline {
            let tx = store.write().unwrap();
            tx.execute("INSERT INTO filler (body) VALUES (zeroblob(?1))", [size])
                .unwrap();
            tx.commit().unwrap();
            commits += 1;
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            restarts(&wal) >= first + 2,
            "after {commits} commits the log was never started over: it grows by every commit"
        );
        // Every page reached the database file itself, though no commit checkpointed and nothing was closed.
        let written = commits * size as u64;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&path).unwrap().len() < written && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(std::fs::metadata(&path).unwrap().len() >= written);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }

    #[test]
    fn a_store_writing_in_bulk_gets_room_for_its_log_and_its_commits_prompt_each_copy() {
        use super::{Checkpointer, BULK_FRAMES, FULL_FRAMES, LOG_RESERVE};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        let wal = dir.path().join("casebook.db-wal");
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
             CREATE TABLE filler (body BLOB NOT NULL);",
        )
        .unwrap();
        // No checkpoint of its own accord within the test: whatever happens to the log, the commits prompted.
        let checkpointer =
            Checkpointer::start_every(&path, None, Duration::from_secs(3600)).unwrap();
        conn.wal_hook(Some(checkpointer.commit_hook())).unwrap();
        let commit_pages = |conn: &rusqlite::Connection, pages: i32| {
            conn.execute(
                "INSERT INTO filler (body) VALUES (zeroblob(?1))",
                [pages * 4096],
            )
            .unwrap();
        };
        let until = |what: &str, done: &dyn Fn() -> bool| {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !done() {
                assert!(Instant::now() < deadline, "never: {what}");
                std::thread::sleep(Duration::from_millis(10));
            }
        };
        let log_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());

        // A few ordinary commits: no room, no copy.
        for _ in 0..5 {
            commit_pages(&conn, 2);
        }
        std::thread::sleep(Duration::from_millis(300));
        assert!(log_len() < 1 << 20, "a small log was given room");

        // A log that reaches the bulk threshold is given its room and copied.
        commit_pages(&conn, BULK_FRAMES);
        until("the log given room", &|| log_len() >= LOG_RESERVE);
        let first = restarts(&wal);
        until("the log copied and started over", &|| {
            commit_pages(&conn, 1);
            restarts(&wal) > first
        });
        assert_eq!(log_len(), LOG_RESERVE, "the log outgrew its room");

        // From then on the commits prompt a copy only at half the room: the log is started over again after it.
        let second = restarts(&wal);
        commit_pages(&conn, BULK_FRAMES);
        std::thread::sleep(Duration::from_millis(300));
        commit_pages(&conn, 1);
        assert_eq!(restarts(&wal), second, "copied at the bulk threshold again");
        commit_pages(&conn, FULL_FRAMES);
        until("the half-full log copied and started over", &|| {
            commit_pages(&conn, 1);
            restarts(&wal) > second
        });
        assert_eq!(log_len(), LOG_RESERVE, "the log outgrew its room");
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM filler", [], |r| r.get(0))
            .unwrap();
        assert!(rows > 8, "{rows}");
        drop(conn);
        drop(checkpointer);
    }

    #[test]
    fn a_reader_holding_the_log_never_makes_a_commit_wait_for_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        let mut store = crate::Store::open(&path).unwrap();
        store
            .conn()
            .execute_batch(
                "CREATE TABLE filler (body BLOB NOT NULL); INSERT INTO filler VALUES (x'00');",
            )
            .unwrap();
        // Another connection reads from the log and keeps its snapshot open, as the app's views and the sync agent
        // do; the checkpoint's last round can then never finish with the log.
        let reader = rusqlite::Connection::open(&path).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let _: i64 = reader
            .query_row("SELECT count(*) FROM filler", [], |r| r.get(0))
            .unwrap();
        // A commit that found the write lock held by the checkpoint for more than a moment fails as busy here.
        store
            .conn()
            .busy_timeout(Duration::from_millis(200))
            .unwrap();
        let until = Instant::now() + Duration::from_millis(3_500);
        let mut commits = 0;
        while Instant::now() < until {
            let tx = store.write().unwrap();
            tx.execute("INSERT INTO filler (body) VALUES (zeroblob(4096))", [])
                .unwrap();
            tx.commit().unwrap();
            commits += 1;
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(commits > 100, "{commits} commits");
        reader.execute_batch("COMMIT").unwrap();
    }
}
