//! The database's encryption (SQLCipher): the data key, opening a file with it, telling a plain file from an
//! encrypted one, and copying a plain database into a new encrypted file.
//!
//! The key is a raw 256-bit key (`PRAGMA key = "x'…'"`), not a passphrase: SQLCipher's own key derivation would cost
//! ~200 ms at every open, and the passphrase is already stretched once, by Argon2id, where the key is unwrapped (the
//! API's key file). A database opened without a key is a plain SQLite file, exactly as before encryption existed.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rusqlite::Connection;

use crate::{Result, StoreError};

/// The first 16 bytes of every plain SQLite database; an encrypted one starts with random salt instead.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The random 256-bit key that encrypts a data directory's database (and, through the blob store, its evidence).
/// Its bytes are wiped when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl DataKey {
    pub fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(bytes)
    }

    /// The raw key, for the ciphers that take it (the database here, the evidence store's constructor).
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// SQLCipher's raw-key literal, `x'…'`.
    fn literal(&self) -> String {
        format!("x'{}'", hex::encode(self.0))
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        // zeroize's writes are not optimised away as dead stores.
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

/// What a database file is, from its first bytes, without opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// No file, or an empty one: nothing written yet.
    Absent,
    /// A plain SQLite database.
    Plain,
    /// Anything else: an encrypted database (or a file that is not a database at all, which opening tells).
    Encrypted,
}

/// The page cache of an encrypted store's connection, in KiB (SQLite's default is 2,000).
pub(crate) const PAGE_CACHE_KIB: i64 = 64 * 1024;

/// Reads the first bytes of `path` to tell a plain database from an encrypted one.
pub fn file_kind(path: &Path) -> std::io::Result<FileKind> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::Absent),
        Err(e) => return Err(e),
    };
    let mut head = [0u8; 16];
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(match got {
        0 => FileKind::Absent,
        16 if &head == SQLITE_HEADER => FileKind::Plain,
        _ => FileKind::Encrypted,
    })
}

/// How a database's pages are authenticated (SQLCipher's `cipher_hmac_algorithm`). The file does not say: a
/// connection must be told before its first read, and a wrong choice reads like a wrong key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageMac {
    /// What every database encrypted by this build uses. This machine's processor, like AMD's since Zen and Intel's
    /// since Ice Lake, has instructions for SHA-256 and none for SHA-512: a 4 KiB page is authenticated in 2.9 µs
    /// instead of 8.8 (`openssl speed`), and a page read from the disk costs 7.4 µs instead of 10.9 in all. (On an
    /// older Intel laptop without them, SHA-256 is somewhat slower than SHA-512.)
    Sha256,
    /// SQLCipher 4's default, which databases encrypted before 2026-12-03 keep.
    Sha512,
}

impl PageMac {
    fn pragma(self) -> &'static str {
        match self {
            PageMac::Sha256 => "HMAC_SHA256",
            PageMac::Sha512 => "HMAC_SHA512",
        }
    }
}

/// A connection to the database at `path`, keyed and checked: a new (absent or empty) file is made with
/// [`PageMac::Sha256`]; an existing one is opened with SHA-256, and then, for a database encrypted before, SHA-512.
/// A key that opens neither way is [`StoreError::WrongKey`]; nothing is written.
pub(crate) fn open_keyed(
    path: &Path,
    flags: rusqlite::OpenFlags,
    key: &DataKey,
) -> Result<(Connection, PageMac)> {
    let existing = file_kind(path).map_err(StoreError::Io)? != FileKind::Absent;
    let conn = Connection::open_with_flags(path, flags)?;
    match apply_key(&conn, key, PageMac::Sha256) {
        Err(StoreError::WrongKey) if existing => {}
        other => return other.map(|()| (conn, PageMac::Sha256)),
    }
    // SQLCipher keeps its settings once a key has been tried: the other choice needs a connection of its own.
    drop(conn);
    let conn = Connection::open_with_flags(path, flags)?;
    apply_key(&conn, key, PageMac::Sha512)?;
    Ok((conn, PageMac::Sha512))
}

/// Gives a fresh connection its key and page authentication, and checks that they open the file: SQLCipher only
/// notices a wrong key at the first read. A wrong key is [`StoreError::WrongKey`]; nothing is written.
pub(crate) fn apply_key(conn: &Connection, key: &DataKey, mac: PageMac) -> Result<()> {
    quiet(conn)?;
    conn.execute_batch(&format!(
        "PRAGMA key = \"{}\"; PRAGMA cipher_hmac_algorithm = {};",
        key.literal(),
        mac.pragma()
    ))?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(StoreError::WrongKey)
        }
        Err(e) => Err(e.into()),
    }
}

/// Keys a fresh connection to a new file as a store would make it: for a tool that writes its own encrypted
/// database to compare with the store's (the benchmark's baseline).
pub fn key_new_database(conn: &Connection, key: &DataKey) -> Result<()> {
    apply_key(conn, key, PageMac::Sha256)
}

/// Whether `key` opens the existing database at `path`, read only and without the store's set-up: how a key kept
/// elsewhere (the system keyring) is checked before it is trusted. A missing file is an error.
pub fn key_opens(path: &Path, key: &DataKey) -> Result<bool> {
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    match open_keyed(path, flags, key) {
        Ok(_) => Ok(true),
        Err(StoreError::WrongKey) => Ok(false),
        Err(e) => Err(e),
    }
}

/// SQLCipher writes its own log to stderr by default (a wrong key prints three lines): the store reports errors
/// itself, so its log stays off. The setting is for the whole process.
fn quiet(conn: &Connection) -> Result<()> {
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(()),
            e => Err(e),
        })?;
    Ok(())
}

/// Replaces the plain database at `plain` with an encrypted copy under `key`: the copy is made as `staging`
/// (replaced if there), flushed to disk, then renamed over `plain` and the directory flushed. The rename is the
/// only moment the file changes; a crash before it leaves `plain` as it was, after it the encrypted copy.
///
/// From the start to the rename this connection holds `plain` locked (exclusive locking mode), so no other writer
/// can commit a change that the copy would miss. A plain database that another process holds open is refused as
/// busy, changing nothing. The plain file is first taken out of WAL mode, which folds the write-ahead log into it
/// and deletes the log: no log of the plain file is left beside the encrypted one.
pub fn replace_with_encrypted(plain: &Path, staging: &Path, key: &DataKey) -> Result<()> {
    let conn = Connection::open(plain)?;
    quiet(&conn)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(StoreError::Corrupt(format!(
            "the database stayed in {mode} journal mode"
        )));
    }
    conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE;")?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    export(&conn, staging, key, version)?;
    std::fs::rename(staging, plain).map_err(StoreError::Io)?;
    if let Some(dir) = plain.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(StoreError::Io)?;
    }
    drop(conn);
    Ok(())
}

/// Copies the database of `conn` into a new encrypted file `dest` (replaced if there) and flushes it.
fn export(conn: &Connection, dest: &Path, key: &DataKey, version: i64) -> Result<()> {
    match std::fs::remove_file(dest) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StoreError::Io(e)),
    }
    let dest_text = dest
        .to_str()
        .ok_or_else(|| StoreError::Corrupt(format!("{} is not UTF-8", dest.display())))?;
    conn.execute(
        &format!("ATTACH DATABASE ?1 AS encrypted KEY \"{}\"", key.literal()),
        [dest_text],
    )?;
    conn.execute_batch(&format!(
        "PRAGMA encrypted.cipher_hmac_algorithm = {};",
        PageMac::Sha256.pragma()
    ))?;
    conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    // sqlcipher_export copies the schema and rows, not the header's schema version.
    conn.execute_batch(&format!(
        "PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"
    ))?;
    File::open(dest)
        .and_then(|f| f.sync_all())
        .map_err(StoreError::Io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> DataKey {
        DataKey::from_bytes([n; 32])
    }

    #[test]
    fn the_encrypted_replacement_opens_with_its_key_only_and_keeps_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("casebook.db");
        drop(crate::Store::open(&plain).unwrap());
        assert_eq!(file_kind(&plain).unwrap(), FileKind::Plain);
        let rows: i64 = crate::Store::open(&plain)
            .unwrap()
            .conn()
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();

        let dest = plain.clone();
        replace_with_encrypted(&plain, &dir.path().join("casebook.db.encrypting"), &key(7))
            .unwrap();
        assert_eq!(
            file_kind(&dest).unwrap(),
            FileKind::Encrypted,
            "the database must no longer start with SQLite's header"
        );
        assert!(
            !dir.path().join("casebook.db-wal").exists(),
            "no write-ahead log of the plain file may stay beside the encrypted one"
        );
        // Made with this build's page authentication, SHA-256.
        let fresh = |mac| apply_key(&Connection::open(&dest).unwrap(), &key(7), mac);
        assert!(matches!(fresh(PageMac::Sha512), Err(StoreError::WrongKey)));
        fresh(PageMac::Sha256).unwrap();
        let wrong = crate::Store::open_keyed(&dest, Some(&key(8))).err();
        assert!(
            matches!(wrong, Some(StoreError::WrongKey)),
            "another key must be told apart from a damaged file: {wrong:?}"
        );
        let store = crate::Store::open_keyed(&dest, Some(&key(7))).unwrap();
        let copied: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(copied, rows, "the copy must hold the whole schema");
        assert_eq!(
            store.integrity_check().unwrap(),
            "ok",
            "the copy must be a sound database"
        );
        let version: i64 = store
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            version,
            crate::SCHEMA_VERSION,
            "the copy keeps its schema version, so no migration runs twice"
        );
    }

    #[test]
    fn a_plain_database_is_not_opened_with_a_key_and_an_empty_path_is_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.db");
        assert_eq!(file_kind(&path).unwrap(), FileKind::Absent);
        drop(crate::Store::open(&path).unwrap());
        let keyed = crate::Store::open_keyed(&path, Some(&key(1))).err();
        assert!(
            matches!(keyed, Some(StoreError::WrongKey)),
            "a key on a plain file must fail, not silently write plain pages: {keyed:?}"
        );
    }

    #[test]
    fn an_encrypted_store_keeps_a_larger_page_cache_than_a_plain_one() {
        let dir = tempfile::tempdir().unwrap();
        let cache = |store: &crate::Store| -> i64 {
            store
                .conn()
                .query_row("PRAGMA cache_size", [], |r| r.get(0))
                .unwrap()
        };
        let encrypted =
            crate::Store::open_keyed(&dir.path().join("encrypted.db"), Some(&key(3))).unwrap();
        assert_eq!(
            cache(&encrypted),
            -PAGE_CACHE_KIB,
            "every page read past the cache is decrypted again"
        );
        let plain = crate::Store::open(&dir.path().join("plain.db")).unwrap();
        assert!(
            cache(&plain) > -PAGE_CACHE_KIB,
            "a plain store reads through the system's file cache and keeps SQLite's default"
        );
    }
}
