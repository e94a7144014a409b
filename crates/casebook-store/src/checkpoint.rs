//! Write-ahead-log checkpoints off the commit path.
//!
//! SQLite's automatic checkpoint runs inside whichever commit pushes the log past its threshold: that commit copies
//! the log's pages into the database file and waits for the file's fsync, a few milliseconds that land on a person's
//! append at random (about one commit in fifty, measured with `strace` on the append benchmark: the slowest 2%).
//! So a store's own connection never checkpoints; a thread with a second connection does, shortly after the log
//! grows, while the next append writes on. A passive checkpoint never waits for the writer, and the writer never
//! waits for it: the log is only reset by the writer once every page in it has been copied.
//!
//! When the last connection to a file closes, SQLite checkpoints and removes the log itself, so a short-lived
//! process (a CLI command) leaves nothing behind either way.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::cipher::{self, DataKey};
use crate::Result;

/// How long the log may grow before its pages are copied: a second of appends is a few megabytes of log, and the
/// fewer checkpoints overlap a commit's own sync the better its slowest cases (append benchmark, same build: every
/// 50 ms gave p99 2.4–2.7 ms, every 250 ms 1.9–2.1, every second 1.9; SQLite's own, inside commits, 2.9–3.0).
const EVERY: Duration = Duration::from_millis(1000);

/// The checkpointing thread of one store; dropping it stops the thread, whose connection then closes.
pub(crate) struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens the second connection here, so a file that cannot be opened fails the store's open rather than the
    /// thread.
    pub(crate) fn start(path: &Path, key: Option<&DataKey>) -> Result<Checkpointer> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        if let Some(key) = key {
            cipher::apply_key(&conn, key)?;
        }
        // Never wait: the connection library's default busy timeout would have the `RESTART` round hold the write
        // lock for seconds while a reader finishes with the log, and every commit in the app wait behind it.
        conn.busy_timeout(Duration::ZERO)?;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = stop.clone();
        let thread = std::thread::Builder::new()
            .name("casebook-checkpoint".into())
            .spawn(move || run(conn, &signal))
            .map_err(crate::StoreError::Io)?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

fn run(conn: Connection, stop: &(Mutex<bool>, Condvar)) {
    let (lock, wake) = stop;
    let mut stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        let (guard, _) = wake
            .wait_timeout(stopped, EVERY)
            .unwrap_or_else(|p| p.into_inner());
        stopped = guard;
        if *stopped {
            return;
        }
        checkpoint(&conn);
    }
}

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
    let _ = run("RESTART");
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
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
