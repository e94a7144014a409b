//! How PostgreSQL's errors become the storage trait's: a unique violation is a `Conflict` the caller branches on;
//! everything else is a `Database` error that says what we were doing.

use casebook_server_storage::StorageError;
use tokio_postgres::error::SqlState;

/// Maps an error of the statement that was `doing` something (e.g. "reading the log").
pub(crate) fn database(doing: &str) -> impl FnOnce(tokio_postgres::Error) -> StorageError + '_ {
    move |e| StorageError::Database(format!("{doing}: {}", describe(&e)))
}

/// Like [`database`], but a unique violation means `what` (e.g. "a team named \"Acme\"") is taken.
pub(crate) fn unique(
    doing: &'static str,
    what: impl FnOnce() -> String,
) -> impl FnOnce(tokio_postgres::Error) -> StorageError {
    move |e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            StorageError::Conflict(what())
        } else {
            database(doing)(e)
        }
    }
}

/// A connection could not be had from the pool (the database is down, or every connection stayed busy too long).
pub(crate) fn pool(e: deadpool_postgres::PoolError) -> StorageError {
    StorageError::Database(format!("getting a database connection: {e}"))
}

/// A value read back that does not fit its Rust type.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(what.to_string())
}

/// tokio-postgres prints a server error as just "db error"; the server's own message (and detail) is what a reader
/// of the log needs.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({}; {detail})", db.message(), db.code().code()),
            None => format!("{} ({})", db.message(), db.code().code()),
        },
        None => e.to_string(),
    }
}
