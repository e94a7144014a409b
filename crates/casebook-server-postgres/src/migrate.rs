//! Schema migrations: the SQL files under the top-level `migrations/postgres/`, embedded at build time and applied
//! in one transaction on connect. The table `schema_version` counts the files applied.

use casebook_server_storage::{Result, StorageError};
use tokio_postgres::Client;

use crate::error::database;

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_server.sql"),
    include_str!("../../../migrations/postgres/0002_integrations.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Key of the advisory lock that serialises migrations. It uses PostgreSQL's two-`int4` key space, which never
/// meets the one-`bigint` keys of the teams' log locks.
const MIGRATION_LOCK: (i32, i32) = (0x4361_7365, 0); // "Case"

pub(crate) async fn migrate(client: &mut Client) -> Result<()> {
    let tx = client
        .transaction()
        .await
        .map_err(database("starting the migration"))?;
    // Several server processes may start at once against an empty database: the lock makes one of them migrate and
    // the others find the work done. It is released with the transaction.
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&MIGRATION_LOCK.0, &MIGRATION_LOCK.1],
    )
    .await
    .map_err(database("waiting for the migration lock"))?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        .await
        .map_err(database("creating the schema version table"))?;
    let found: Option<i32> = tx
        .query_opt("SELECT max(version) FROM schema_version", &[])
        .await
        .map_err(database("reading the schema version"))?
        .and_then(|r| r.get(0));
    let found = found.unwrap_or(0);
    if found > SCHEMA_VERSION {
        // Dropping `tx` rolls back, so a refused database is left exactly as it was.
        return Err(StorageError::Database(format!(
            "the database was written by a newer Casebook server (schema version {found}; this one knows up to \
             {SCHEMA_VERSION}). Upgrade this server, or point it at another database; nothing was changed"
        )));
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    for (n, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.batch_execute(sql)
            .await
            .map_err(database(&format!("applying migration {}", n + 1)))?;
    }
    tx.execute("DELETE FROM schema_version", &[])
        .await
        .map_err(database("recording the schema version"))?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES ($1)",
        &[&SCHEMA_VERSION],
    )
    .await
    .map_err(database("recording the schema version"))?;
    tx.commit()
        .await
        .map_err(database("committing the migration"))
}
