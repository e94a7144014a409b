//! Room for the write-ahead log, made before a stream of commits needs it.
//!
//! A commit that writes past the end of the log file makes the file longer, and its `fdatasync` then has to commit the
//! file system's journal (the file's new size) as well as the frames. SQLite never makes room for its log ahead of
//! time (its chunk-size hint is for the database file only), so a store writing in bulk grew its log commit by commit
//! until each checkpoint started it over. On the append benchmark (2,000 entries, same build, same hour) a log given
//! room first took `add_entry` from p50 1.02–1.36 / p99 2.65–4.03 ms to p50 0.69–0.77 / p99 2.20–3.03 ms.
//!
//! The room is zeros past the last frame. Zeros are never read as a frame: a frame counts only when its salt matches
//! the log header's and its checksum continues the chain, and recovery stops at the first frame that does not. They
//! are written a mebibyte at a time, each past the log's end while the write lock is held, so no commit writes a
//! frame there meanwhile and none waits for more than one chunk (all 64 MiB under one lock held commits for 70–110 ms
//! on the append benchmark). When the last connection closes, SQLite removes the log, room and all.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::{Result, StoreError};

/// Zeros per write while the log is given room.
const CHUNK: usize = 1 << 20;

/// How long the write lock is waited for, and how often it is tried meanwhile (the connection itself never waits).
const LOCK_WAIT: Duration = Duration::from_millis(250);
const LOCK_POLL: Duration = Duration::from_micros(100);

/// The log file of the database at `db`.
pub(crate) fn log_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Makes the log of the database at `db` at least `bytes` long, zeros past its end, then flushes it. Returns the
/// bytes added: none when the log is already that long or does not exist. A chunk that cannot be written (a full
/// disk) is cut back and the error returned; room made before it stays, and commits write into it.
pub(crate) fn reserve(conn: &Connection, db: &Path, bytes: u64) -> Result<u64> {
    let file = match OpenOptions::new().write(true).open(log_path(db)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(StoreError::Io(e)),
    };
    let start = file.metadata().map_err(StoreError::Io)?.len();
    if start >= bytes {
        return Ok(0);
    }
    let zeros = vec![0_u8; CHUNK];
    loop {
        lock(conn)?;
        let grown = grow_once(&file, bytes, &zeros);
        // Nothing was written through SQLite: ending the transaction only gives the lock back.
        conn.execute_batch("ROLLBACK")?;
        match grown.map_err(StoreError::Io)? {
            Grown::Chunk => continue,
            Grown::Done(end) => {
                file.sync_data().map_err(StoreError::Io)?;
                return Ok(end.saturating_sub(start));
            }
        }
    }
}

enum Grown {
    Chunk,
    /// The log is `bytes` long or longer: its length.
    Done(u64),
}

/// Adds one chunk of zeros at the log's end, while the caller holds the write lock.
fn grow_once(file: &std::fs::File, bytes: u64, zeros: &[u8]) -> std::io::Result<Grown> {
    let end = file.metadata()?.len();
    if end >= bytes {
        return Ok(Grown::Done(end));
    }
    let n = usize::try_from(bytes - end).map_or(zeros.len(), |left| left.min(zeros.len()));
    if let Err(e) = file.write_all_at(&zeros[..n], end) {
        // Past the end no frame was yet: cutting back there loses none.
        let _ = file.set_len(end);
        return Err(e);
    }
    Ok(Grown::Chunk)
}

/// Takes the write lock, trying again and again: a writer committing in a tight loop frees it only for moments, which
/// SQLite's own busy handler, sleeping a millisecond and more between tries, can miss for the whole wait.
fn lock(conn: &Connection) -> Result<()> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match conn.execute_batch("BEGIN IMMEDIATE") {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(LOCK_POLL)
            }
            other => return Ok(other?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_rows(dir: &Path, rows: usize) -> crate::Store {
        let mut store = crate::Store::open(&dir.join("casebook.db")).unwrap();
        store
            .conn()
            .execute_batch("CREATE TABLE filler (n INTEGER NOT NULL, body BLOB NOT NULL)")
            .unwrap();
        for n in 0..rows {
            commit_row(&mut store, n as i64);
        }
        store
    }

    /// One committed row of about a page.
    fn commit_row(store: &mut crate::Store, n: i64) {
        let tx = store.write().unwrap();
        tx.execute(
            "INSERT INTO filler (n, body) VALUES (?1, zeroblob(3000))",
            [n],
        )
        .unwrap();
        tx.commit().unwrap();
    }

    /// The rows a crash now would keep: the database and its log copied as they are, while the connections are
    /// open, then opened (SQLite recovers the log's frames and stops at the zeros), checked whole.
    fn rows_after_a_crash(dir: &Path) -> i64 {
        let copy = tempfile::tempdir().unwrap();
        for suffix in ["", "-wal"] {
            let name = format!("casebook.db{suffix}");
            std::fs::copy(dir.join(&name), copy.path().join(&name)).unwrap();
        }
        let recovered = Connection::open(copy.path().join("casebook.db")).unwrap();
        let check: String = recovered
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        count(&recovered)
    }

    fn count(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM filler", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_log_given_room_keeps_every_commit_and_later_commits_write_into_the_room() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with_rows(dir.path(), 20);
        let log = log_path(store.path());
        let before = std::fs::metadata(&log).unwrap().len();
        let other = Connection::open(store.path()).unwrap();
        let added = reserve(&other, store.path(), 8 << 20).unwrap();
        assert_eq!(before + added, 8 << 20);
        assert_eq!(std::fs::metadata(&log).unwrap().len(), 8 << 20);
        // Commits go on into the room: the file no longer grows.
        for n in 20..60 {
            commit_row(&mut store, n);
        }
        assert_eq!(std::fs::metadata(&log).unwrap().len(), 8 << 20);
        assert_eq!(count(&other), 60);
        assert_eq!(rows_after_a_crash(dir.path()), 60);
    }

    #[test]
    fn commits_made_while_the_room_is_made_chunk_by_chunk_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with_rows(dir.path(), 5);
        let path = store.path().to_path_buf();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        // A writer committing every half millisecond (a stream of appends, each with work of its own between commits)
        // while the room is made between its commits.
        let writer = std::thread::spawn(move || {
            let mut n = 5;
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                commit_row(&mut store, n);
                n += 1;
                std::thread::sleep(std::time::Duration::from_micros(500));
            }
            (store, n)
        });
        let other = Connection::open(&path).unwrap();
        let target = 24 << 20;
        reserve(&other, &path, target).unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (store, rows) = writer.join().unwrap();
        assert!(std::fs::metadata(log_path(&path)).unwrap().len() >= target);
        assert_eq!(count(&other), rows);
        // A crash now loses none of them, the zeros after them ignored.
        assert_eq!(rows_after_a_crash(dir.path()), rows);
        drop(store);
    }

    #[test]
    fn a_log_already_that_long_is_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_rows(dir.path(), 5);
        let other = Connection::open(store.path()).unwrap();
        let len = std::fs::metadata(log_path(store.path())).unwrap().len();
        assert_eq!(reserve(&other, store.path(), len).unwrap(), 0);
        assert_eq!(
            std::fs::metadata(log_path(store.path())).unwrap().len(),
            len
        );
    }

    #[test]
    fn room_is_only_made_while_no_one_else_is_writing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with_rows(dir.path(), 5);
        let len = std::fs::metadata(log_path(store.path())).unwrap().len();
        // A writer in the middle of its transaction: the log must not change under it.
        let tx = store.write().unwrap();
        tx.execute("INSERT INTO filler (n, body) VALUES (5, x'00')", [])
            .unwrap();
        let other = Connection::open(dir.path().join("casebook.db")).unwrap();
        let refused = reserve(&other, &dir.path().join("casebook.db"), 8 << 20);
        assert!(matches!(refused, Err(StoreError::Busy(_))), "{refused:?}");
        assert_eq!(
            std::fs::metadata(log_path(&dir.path().join("casebook.db")))
                .unwrap()
                .len(),
            len
        );
        tx.commit().unwrap();
        assert_eq!(count(&other), 6);
    }
}
