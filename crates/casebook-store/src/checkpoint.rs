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

/// How long the log may grow before its pages are copied: short enough that it stays a few megabytes under a steady
/// stream of appends, long enough that a burst of them shares one checkpoint (one fsync of the database file).
const EVERY: Duration = Duration::from_millis(250);

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

/// Rounds of copying per wake-up: each round copies what the writer committed during the one before, so a few
/// rounds catch up with a steady stream of appends.
const ROUNDS: usize = 4;

/// Copies the log into the database until every page in it is copied (or `ROUNDS` ran). The writer starts the log
/// over only when nothing in it is left to copy; under a steady stream of appends one round always trails the
/// commits made while it ran, and the log would grow for as long as the stream lasts.
fn checkpoint(conn: &Connection) {
    for _ in 0..ROUNDS {
        // (busy, frames in the log, frames copied). Nothing to copy is a cheap no-op; a busy database (another
        // checkpoint, a conversion) is tried next time. Errors are left to the next wake-up and to the writer, which
        // meets any real fault of the file itself.
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        });
        match done {
            Ok((0, log, copied)) if copied < log => continue,
            _ => return,
        }
    }
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
        // 300 commits of 16 KiB, a few milliseconds apart: about 5 MB through the log in a second and a half.
        let (commits, size) = (300, 16 * 1024);
        let wal = dir.path().join("casebook.db-wal");
        let mut largest_wal = 0;
        for _ in 0..commits {
            let tx = store.write().unwrap();
            tx.execute("INSERT INTO filler (body) VALUES (zeroblob(?1))", [size])
                .unwrap();
            tx.commit().unwrap();
            largest_wal = largest_wal.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
            std::thread::sleep(Duration::from_millis(5));
        }
        let written = (commits * size) as u64;
        assert!(
            largest_wal < written / 2,
            "the log grew to {largest_wal} bytes for {written} written: it is not being copied and started over"
        );
        // And the pages reach the database file itself without any commit or close doing it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&path).unwrap().len() < written && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(std::fs::metadata(&path).unwrap().len() >= written);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }
}
