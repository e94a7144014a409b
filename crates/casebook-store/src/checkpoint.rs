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
        // Nothing to copy is a cheap no-op; a busy database (another checkpoint, a conversion) is tried next time.
        // Errors are left to the next round and to the writer, which meets any real fault of the file itself.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
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
