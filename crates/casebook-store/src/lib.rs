//! Casebook's local store: the event log and its projections in one SQLite file, and the evidence blob store.
//!
//! Architecture invariant: every change enters through [`append::append_local`] or [`arrival::Arrivals`], which
//! write the event and update every projection in the caller's transaction, so the log and what users see never
//! disagree. Projections can be dropped and rebuilt from the log alone ([`rebuild::rebuild`]).

pub mod append;
pub mod arrival;
pub mod blobs;
mod checkpoint;
pub mod cipher;
pub mod dump;
mod fts;
mod lock_wait;
mod log_reserve;
mod migrate;
pub mod private_dir;
pub mod project;
pub mod read;
pub mod rebuild;
pub mod seen;
mod sql;
pub mod team;
pub mod trust;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use fts::BACKLOG_ROWS as SEARCH_BACKLOG_ROWS;
pub use migrate::SCHEMA_VERSION;

/// The columns a document's full-text row derives from its text and incident (`idents`, `scope`; see the `fts`
/// module), for a tool that writes the same rows by hand: the benchmark's like-for-like import baseline.
pub fn search_row_derived(body: &str, incident: &str) -> (String, String) {
    (fts::idents(body), fts::scope(incident))
}
/// The write handle every append takes; re-exported so callers need not depend on rusqlite themselves.
pub use rusqlite::Transaction;

/// What can go wrong in the store, sorted by what a caller does about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database {path} was written by a newer Casebook (schema version {found}; this one knows up to {known}). Upgrade Casebook, or use another data directory; the file was not changed")]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{0} not found")]
    NotFound(String),
    #[error("the database is busy (another Casebook is writing); try again in a moment")]
    Busy(#[source] rusqlite::Error),
    #[error("the disk is full: nothing was saved. Free some space and try again")]
    DiskFull(#[source] rusqlite::Error),
    #[error("database error")]
    Sqlite(#[source] rusqlite::Error),
    #[error(transparent)]
    Decode(#[from] casebook_core::event::DecodeError),
    /// The admission rule refused a change (its reason is worded for the person).
    #[error("{0}")]
    Refused(casebook_core::admission::Refusal),
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    /// The database is encrypted with another key (or is not a database at all); nothing was read or written.
    #[error("the database cannot be opened with this key")]
    WrongKey,
    #[error("file error")]
    Io(#[source] std::io::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy(e)
            }
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull(e),
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One open database file.
pub struct Store {
    // Dropped before the checkpointer, whose connection is then the last one and tidies the log away on close.
    conn: Connection,
    path: PathBuf,
    _checkpointer: checkpoint::Checkpointer,
}

impl Store {
    /// Opens (creating if needed) the plain database at `path` and brings its schema up to date in one transaction.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_keyed(path, None)
    }

    /// [`Store::open`] for a database encrypted with `key` (created encrypted when new). Without a key the file is
    /// plain SQLite. A key that does not open the file is [`StoreError::WrongKey`], and the file is left untouched.
    pub fn open_keyed(path: &Path, key: Option<&cipher::DataKey>) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // The key comes before any other statement: SQLCipher reads page 1 with it.
        let (mut conn, keyed) = match key {
            Some(key) => {
                let (conn, mac) = cipher::open_keyed(path, flags, key)?;
                (conn, Some((key, mac)))
            }
            None => (Connection::open_with_flags(path, flags)?, None),
        };
        if keyed.is_some() {
            // SQLCipher decrypts and authenticates a page on every read that misses SQLite's own cache (the
            // system's file cache holds only ciphertext), so a search over a large case paid that again and again
            // with the default 2 MiB: full-text search p95 over 1,000,000 entries 33 ms, with 64 MiB 16 ms, the
            // plain figure. The cache fills only as pages are read.
            conn.pragma_update(None, "cache_size", -cipher::PAGE_CACHE_KIB)?;
        }
        conn.busy_handler(Some(lock_wait::handler(lock_wait::LIMIT)))?;
        // WAL: readers never block the writer; synchronous=FULL: a committed event survives a power cut, not only a
        // killed process.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Checkpoints run on their own thread (see `checkpoint`), never inside this connection's commits.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // Keep one query plan per prepared statement: the bundled SQLite gathers STAT4 statistics, and without the
        // planner stability guarantee it re-plans bound statements on every run, which tripled import time.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        // Appends and arrivals run a few dozen distinct statements per event; the default cache of 16 would re-prepare
        // them all the time (a third of a pull's time went to SQLite's parser).
        conn.set_prepared_statement_cache_capacity(256);
        migrate::migrate(&mut conn, path)?;
        let checkpointer = checkpoint::Checkpointer::start(path, keyed)?;
        // After `wal_autocheckpoint`, which would replace it: each commit tells the checkpointer how long the log is.
        conn.wal_hook(Some(checkpointer.commit_hook()))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            _checkpointer: checkpointer,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read handle.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts a write transaction; it takes the write lock at once so it never fails half-way for a busy database.
    pub fn write(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// `PRAGMA integrity_check`: "ok" for a healthy file.
    pub fn integrity_check(&self) -> Result<String> {
        let rows: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows.join("\n"))
    }
}
