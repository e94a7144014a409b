//! How the store's connection waits for a write lock another connection holds.
//!
//! The other holder is almost always this store's own checkpointing thread, for well under a millisecond (the last
//! pages of a `RESTART` checkpoint, a chunk of the log's room). SQLite's own busy timeout sleeps 1, 2, 5, 10, 15,
//! 20, 25 ms and on between tries, so a commit that met such a moment waited a millisecond at the least, and one that
//! met the log being given room waited 228 ms in all while the lock had been free for most of it (append benchmark:
//! a maximum of 230 ms in most runs). Here the first tries come every 50 µs; a lock held longer (another Casebook
//! writing a large import) is tried every millisecond, up to the same limit.

use std::time::{Duration, Instant};

/// How long a commit waits for the lock before it fails as busy.
pub(crate) const LIMIT: Duration = Duration::from_secs(5);

/// The pause between tries while the wait is short, and how long it counts as short.
const FINE: Duration = Duration::from_micros(50);
const FINE_FOR: Duration = Duration::from_millis(20);

/// The pause between tries after that.
const COARSE: Duration = Duration::from_millis(1);

/// The pause before the next try once the lock has been waited for `waited`, or `None` to give up.
pub(crate) fn pause_after(waited: Duration, limit: Duration) -> Option<Duration> {
    if waited >= limit {
        None
    } else if waited < FINE_FOR {
        Some(FINE)
    } else {
        Some(COARSE)
    }
}

/// A busy handler for [`rusqlite::Connection::busy_handler`] that waits up to `limit` in all. SQLite calls it with
/// the number of tries so far, 0 for a new wait.
pub(crate) fn handler(limit: Duration) -> impl FnMut(i32) -> bool + Send + 'static {
    let mut since = Instant::now();
    move |tries| {
        if tries == 0 {
            since = Instant::now();
        }
        match pause_after(since.elapsed(), limit) {
            Some(pause) => {
                std::thread::sleep(pause);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_wait_is_tried_again_within_a_tenth_of_a_millisecond_and_a_long_one_gives_up_at_the_limit(
    ) {
        // SQLite's own busy timeout pauses a whole millisecond first, then longer and longer.
        assert!(pause_after(Duration::ZERO, LIMIT).unwrap() <= Duration::from_micros(100));
        assert!(
            pause_after(Duration::from_millis(15), LIMIT).unwrap() <= Duration::from_micros(100)
        );
        assert_eq!(pause_after(Duration::from_millis(500), LIMIT), Some(COARSE));
        assert_eq!(pause_after(LIMIT, LIMIT), None);
    }

    #[test]
    fn a_writer_waits_for_a_lock_held_a_moment_and_fails_as_busy_once_it_is_held_past_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        let holder = rusqlite::Connection::open(&path).unwrap();
        holder
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER);")
            .unwrap();
        let mut writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .busy_handler(Some(handler(Duration::from_millis(300))))
            .unwrap();

        // Held for a moment: the writer's insert waits, and goes through once the lock is let go.
        let (holding, held) = std::sync::mpsc::channel::<()>();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holds = std::thread::spawn(move || {
            holder.execute_batch("BEGIN IMMEDIATE").unwrap();
            holding.send(()).unwrap();
            released.recv().unwrap();
            holder.execute_batch("COMMIT").unwrap();
            holder
        });
        held.recv().unwrap();
        let writes = std::thread::spawn(move || {
            let done = writer.execute("INSERT INTO t (n) VALUES (1)", []);
            (writer, done)
        });
        std::thread::sleep(Duration::from_millis(30));
        release.send(()).unwrap();
        let holder = holds.join().unwrap();
        let (writer, done) = writes.join().unwrap();
        assert_eq!(done.unwrap(), 1);

        // Held past the limit: busy, and nothing written.
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let refused = writer
            .execute("INSERT INTO t (n) VALUES (2)", [])
            .unwrap_err();
        assert_eq!(
            refused.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy)
        );
        holder.execute_batch("ROLLBACK").unwrap();
        let rows: i64 = writer
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }
}
