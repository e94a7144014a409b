//! "Remember on this computer": an encrypted data directory's data key kept in the system keyring (the Secret
//! Service on Linux: GNOME Keyring, KWallet), so Casebook opens for the person logged in without the passphrase.
//!
//! The keyring is a convenience beside the passphrase, never instead of it. The key file still holds the key
//! wrapped by the passphrase; a computer without a keyring (a headless machine, a bare X server) works with the
//! passphrase alone, and there every keyring failure reads as "not remembered". A remembered key is checked against
//! the database before it is used, and one that no longer opens it (the directory was replaced, or erased and made
//! again) is forgotten.
//!
//! An entry is named by the service `casebook` and the data directory's absolute path: a moved directory asks for
//! its passphrase once more. The passphrase itself is never stored, so changing it leaves a remembered key valid
//! (the data key does not change).

use std::path::{Path, PathBuf};

use keyring::Entry;

use crate::error::{Error, ErrorCode, Result};
use crate::keys::DataKey;
use crate::DATABASE_FILE;

/// The service name of every entry Casebook keeps in the keyring.
const SERVICE: &str = "casebook";

/// Whether this computer's keyring can remember a data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available,
    /// No keyring answers (`reason` says why, in plain words): the passphrase is asked for at every start.
    Unavailable {
        reason: String,
    },
}

/// Asks the keyring whether it answers, by looking up an entry that is never written.
pub fn availability() -> Availability {
    match entry_for("availability probe").and_then(|e| e.get_secret().map(|_| ())) {
        Ok(()) | Err(keyring::Error::NoEntry) => Availability::Available,
        Err(keyring::Error::NoStorageAccess(e)) => Availability::Unavailable {
            reason: format!("the system keyring is locked or refused access ({e})"),
        },
        Err(e) => Availability::Unavailable {
            reason: format!("no system keyring answers on this computer ({e})"),
        },
    }
}

/// Keeps `key` in the keyring for `data_dir`, replacing what was there.
pub fn remember(data_dir: &Path, key: &DataKey) -> Result<()> {
    entry(data_dir)?
        .set_secret(key.bytes())
        .map_err(|e| keyring_error("cannot keep the passphrase in the system keyring", e))
}

/// Removes the key kept for `data_dir`; `false` when none was kept.
pub fn forget(data_dir: &Path) -> Result<bool> {
    match entry(data_dir)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(keyring_error(
            "cannot remove the passphrase from the system keyring",
            e,
        )),
    }
}

/// Whether a key is kept for `data_dir` (whether or not it still opens it).
pub fn is_remembered(data_dir: &Path) -> bool {
    entry(data_dir).is_ok_and(|e| e.get_secret().is_ok())
}

/// The key kept for `data_dir`, if there is one and it opens the directory's database. A kept key that does not
/// open it is forgotten. Any failure of the keyring is `None`: the passphrase then opens the directory.
pub fn remembered_key(data_dir: &Path) -> Option<DataKey> {
    let db = data_dir.join(DATABASE_FILE);
    // A key is only trusted once the database proves it; a directory without one yet is unlocked by passphrase.
    if !db.is_file() {
        return None;
    }
    let entry = entry(data_dir).ok()?;
    let mut secret = entry.get_secret().ok()?;
    let bytes: Option<[u8; 32]> = secret.as_slice().try_into().ok();
    zeroize::Zeroize::zeroize(&mut secret);
    let key = DataKey::from_bytes(bytes?);
    match casebook_store::cipher::key_opens(&db, &key) {
        Ok(true) => Some(key),
        Ok(false) => {
            // Someone else's key, or the key of a directory that was here before: never useful again.
            let _ = entry.delete_credential();
            None
        }
        Err(_) => None,
    }
}

/// The entry for `data_dir`, named by its absolute path.
fn entry(data_dir: &Path) -> Result<Entry> {
    entry_for(&absolute(data_dir).display().to_string())
        .map_err(|e| keyring_error("cannot use the system keyring", e))
}

fn entry_for(user: &str) -> keyring::Result<Entry> {
    Entry::new(SERVICE, user)
}

fn absolute(data_dir: &Path) -> PathBuf {
    std::fs::canonicalize(data_dir)
        .or_else(|_| std::path::absolute(data_dir))
        .unwrap_or_else(|_| data_dir.to_path_buf())
}

fn keyring_error(what: &str, e: keyring::Error) -> Error {
    let why = match e {
        keyring::Error::NoStorageAccess(e) => {
            format!("the system keyring is locked or refused access ({e})")
        }
        keyring::Error::PlatformFailure(e) => {
            format!("no system keyring answers on this computer ({e})")
        }
        other => other.to_string(),
    };
    Error::new(
        ErrorCode::Io,
        format!("{what}: {why}; the passphrase still opens the data"),
    )
}
