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

    #[test]
    fn opening_twice_applies_migrations_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        drop(crate::Store::open(&path).unwrap());
        let s = crate::Store::open(&path).unwrap();
        assert_eq!(s.integrity_check().unwrap(), "ok");
    }
}
