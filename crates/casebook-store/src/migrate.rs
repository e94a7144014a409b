//! Schema migrations: the SQL files under the top-level `migrations/sqlite/`, embedded at build time and applied in
//! one transaction on open. `PRAGMA user_version` counts the files applied.

use std::path::Path;

use rusqlite::Connection;

use crate::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_event_log.sql"),
    include_str!("../../../migrations/sqlite/0002_projections.sql"),
    include_str!("../../../migrations/sqlite/0003_trust.sql"),
    include_str!("../../../migrations/sqlite/0004_team.sql"),
    include_str!("../../../migrations/sqlite/0005_seen_marks.sql"),
    include_str!("../../../migrations/sqlite/0006_search_tokens.sql"),
    include_str!("../../../migrations/sqlite/0007_timeline_keyset.sql"),
    include_str!("../../../migrations/sqlite/0008_alerts.sql"),
    include_str!("../../../migrations/sqlite/0009_timeline_counts.sql"),
    include_str!("../../../migrations/sqlite/0010_server_receipt.sql"),
    include_str!("../../../migrations/sqlite/0011_search_backlog.sql"),
    include_str!("../../../migrations/sqlite/0012_device_heads_from_events.sql"),
    include_str!("../../../migrations/sqlite/0013_search_places.sql"),
];

/// A store function that fills what a migration's SQL cannot compute, in the migration's transaction.
type CarryOver = fn(&Connection) -> Result<()>;

/// Migrations whose new columns are computed by the store, not in SQL: run right after the file of that number.
const CARRIED_OVER: &[(usize, CarryOver)] = &[(6, crate::fts::carry_over_0005)];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    // Read again under the lock: another process may have migrated while we waited.
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.execute_batch(sql)?;
        for (_, step) in CARRIED_OVER.iter().filter(|(n, _)| *n == index + 1) {
            step(&tx)?;
        }
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_from_a_newer_version_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        drop(crate::Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = crate::Store::open(&path)
            .err()
            .expect("a newer schema must be refused");
        assert!(err.to_string().contains("newer Casebook"), "{err}");
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(
            v,
            SCHEMA_VERSION + 1,
            "the refused file must not be touched"
        );
    }

    type Counts = Vec<(String, String, i64, i64, i64)>;

    fn counts(conn: &Connection, sql: &str) -> Counts {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap();
        rows.collect::<std::result::Result<_, _>>().unwrap()
    }

    /// Counts per incident, kind, key-event flag and superseded flag, walked from the entries themselves.
    fn walked_counts(conn: &Connection) -> Counts {
        counts(
            conn,
            "SELECT incident_id, kind, key_event = 1, superseded_by IS NOT NULL, count(*) FROM timeline_entries
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
        )
    }

    fn kept_counts(conn: &Connection) -> Counts {
        counts(
            conn,
            "SELECT incident_id, kind, key_event, superseded, n FROM timeline_counts WHERE n != 0 ORDER BY 1, 2, 3, 4",
        )
    }

    #[test]
    fn timeline_counts_are_filled_by_the_upgrade_and_follow_every_insert_update_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        let store = crate::Store::open(&path).unwrap();
        let conn = store.conn();
        let insert = |id: &str, incident: &str, kind: &str, key_event: i64| {
            conn.execute(
                "INSERT INTO timeline_entries (id, incident_id, event_id, event_time_us, recorded_hlc, author, kind,
                 summary, key_event) VALUES (?1, ?2, 'e', 0, 'h', 'a', ?3, 's', ?4)",
                rusqlite::params![id, incident, kind, key_event],
            )
            .unwrap();
        };
        for i in 0..30 {
            let kind = ["finding", "alert", "action"][i % 3];
            insert(&format!("a{i:02}"), "inc-a", kind, (i % 4 == 0) as i64);
        }
        for i in 0..7 {
            insert(&format!("b{i:02}"), "inc-b", "note", 0);
        }
        // A database written before the counts existed (so before every later migration too): the upgrade counts
        // what it holds.
        conn.execute_batch(
            "DROP TRIGGER timeline_counts_on_insert; DROP TRIGGER timeline_counts_on_delete;
             DROP TRIGGER timeline_counts_on_update; DROP TABLE timeline_counts;
             ALTER TABLE events DROP COLUMN server_received_us;
             ALTER TABLE refused_events DROP COLUMN server_received_us;
             ALTER TABLE forked_events DROP COLUMN server_received_us;",
        )
        .unwrap();
        conn.execute_batch(&format!(
            "{UNDO_0013} {UNDO_0012} {UNDO_0011} PRAGMA user_version = 8;"
        ))
        .unwrap();
        drop(store);
        let store = crate::Store::open(&path).unwrap();
        let conn = store.conn();
        assert_eq!(kept_counts(conn), walked_counts(conn), "after the upgrade");
        assert_eq!(kept_counts(conn).iter().map(|c| c.4).sum::<i64>(), 37);

        let changes = [
            "UPDATE timeline_entries SET superseded_by = 'a29' WHERE id IN ('a01', 'a02', 'a03')",
            "UPDATE timeline_entries SET key_event = 1 WHERE id IN ('a01', 'a05', 'b03')",
            "UPDATE timeline_entries SET key_event = 0 WHERE id = 'a00'",
            "UPDATE timeline_entries SET summary = 'not counted' WHERE id = 'a07'",
            "UPDATE timeline_entries SET superseded_by = 'a28' WHERE id = 'a01'",
            "DELETE FROM timeline_entries WHERE incident_id = 'inc-b' AND id > 'b04'",
            "DELETE FROM timeline_entries WHERE id = 'a02'",
        ];
        for sql in changes {
            conn.execute_batch(sql).unwrap();
            assert_eq!(kept_counts(conn), walked_counts(conn), "after {sql}");
        }
    }

    #[test]
    fn the_upgrade_to_server_receipt_times_pulls_the_teams_log_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        let store = crate::Store::open(&path).unwrap();
        store
            .conn()
            .execute_batch(
                "INSERT INTO team_link (singleton, server_url, team_id, team_name, account_user, email, epoch, cursor)
                 VALUES (1, 'https://team.invalid', 't', 'Team', '01970000-0000-7000-8000-000000000001', 'u@team.invalid', 'e',
                 420);
                 ALTER TABLE events DROP COLUMN server_received_us;
                 ALTER TABLE refused_events DROP COLUMN server_received_us;
                 ALTER TABLE forked_events DROP COLUMN server_received_us;",
            )
            .unwrap();
        store
            .conn()
            .execute_batch(&format!(
                "{UNDO_0013} {UNDO_0012} {UNDO_0011} PRAGMA user_version = 9;"
            ))
            .unwrap();
        drop(store);
        let store = crate::Store::open(&path).unwrap();
        let link = crate::team::link(store.conn()).unwrap().unwrap();
        assert_eq!(
            (link.cursor, link.epoch.as_deref()),
            (0, Some("e")),
            "events pulled before were judged by this laptop's clock: the next sync pulls them again for their \
             receipt times"
        );
    }

    /// What migration 0013 adds, taken away again.
    const UNDO_0013: &str = "DROP TABLE search_places;";

    /// What migration 0012 took away, back again: the copy of each device's head, as the build before kept it.
    const UNDO_0012: &str =
        "CREATE TABLE device_heads (device TEXT PRIMARY KEY, device_seq INTEGER NOT NULL,
        hash TEXT NOT NULL, hlc TEXT NOT NULL);
        INSERT INTO device_heads SELECT device, device_seq, hash, hlc FROM events e
            WHERE device_seq = (SELECT max(device_seq) FROM events WHERE device = e.device);";

    #[test]
    fn the_upgrade_that_reads_heads_from_the_log_drops_their_copy_and_finds_them_by_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        let store = crate::Store::open(&path).unwrap();
        store
            .conn()
            .execute_batch(&format!("{UNDO_0013} {UNDO_0012} PRAGMA user_version = 11"))
            .unwrap();
        drop(store);
        let store = crate::Store::open(&path).unwrap();
        let conn = store.conn();
        let copies: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'device_heads'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(copies, 0, "the copy of the heads is still kept");
        // What an append reads instead: both from an index, never a walk of the log.
        for (sql, index) in [
            (
                "SELECT device_seq, hash, hlc FROM events WHERE device = 'd' ORDER BY device_seq DESC LIMIT 1",
                "sqlite_autoindex_events_2",
            ),
            ("SELECT max(hlc) FROM events WHERE hlc <= 'z'", "events_by_hlc"),
        ] {
            let plan: String = conn
                .query_row(&format!("EXPLAIN QUERY PLAN {sql}"), [], |r| r.get(3))
                .unwrap();
            assert!(plan.contains(index), "{sql}: {plan}");
        }
    }

    /// What migration 0011 adds, taken away again: a database as written before it.
    const UNDO_0011: &str = "DROP TABLE search_backlog; DROP INDEX timeline_by_supersedes;
        CREATE INDEX timeline_by_supersedes ON timeline_entries (supersedes);";

    #[test]
    fn the_upgrade_to_the_search_backlog_keeps_corrections_found_by_an_index_of_corrections_alone()
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        let store = crate::Store::open(&path).unwrap();
        let conn = store.conn();
        conn.execute_batch(&format!("{UNDO_0013} {UNDO_0012} {UNDO_0011}"))
            .unwrap();
        for (id, supersedes) in [("a", None), ("b", None), ("c", Some("a")), ("d", None)] {
            conn.execute(
                "INSERT INTO timeline_entries (id, incident_id, event_id, event_time_us, recorded_hlc, author, kind,
                 summary, supersedes) VALUES (?1, 'inc', 'e', 0, 'h', 'a', 'note', 's', ?2)",
                rusqlite::params![id, supersedes],
            )
            .unwrap();
        }
        conn.execute_batch("PRAGMA user_version = 10").unwrap();
        drop(store);
        let store = crate::Store::open(&path).unwrap();
        let conn = store.conn();
        let partial: bool = conn
            .query_row(
                "SELECT partial FROM pragma_index_list('timeline_entries') WHERE name = 'timeline_by_supersedes'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(partial, "every entry's NULL is still indexed");
        let found: String = conn
            .query_row(
                "SELECT max(id) FROM timeline_entries WHERE supersedes = 'a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, "c");
        // The projection's lookup of an entry's correction is still answered from it.
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT max(id) FROM timeline_entries WHERE supersedes = ?1",
                ["a"],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("timeline_by_supersedes"), "{plan}");
        let backlog: i64 = conn
            .query_row("SELECT count(*) FROM search_backlog", [], |r| r.get(0))
            .unwrap();
        assert_eq!(backlog, 0);
    }

    #[test]
    fn opening_twice_applies_migrations_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        drop(crate::Store::open(&path).unwrap());
        let s = crate::Store::open(&path).unwrap();
        assert_eq!(s.integrity_check().unwrap(), "ok");
    }
}
