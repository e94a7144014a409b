//! Encryption at rest of a data directory: whether it is encrypted, unlocking it, encrypting a plain one in place,
//! and changing the passphrase. The key file's format is [`crate::keys`]; the database's cipher is the store's.
//!
//! Converting a plain directory (`encrypt_directory`) never leaves a mix. In order:
//! 1. the new data key, wrapped, is written whole as `casebook.key.pending`;
//! 2. the database is copied encrypted into `casebook.db.encrypting` and flushed, while the plain file is locked;
//! 3. that copy is renamed over `casebook.db`: the one commit point;
//! 4. `casebook.key.pending` is renamed to `casebook.key`.
//!
//! Before 3 the directory is plain (the leftovers are ignored, and replaced by the next conversion); after 3 it is
//! encrypted, and whoever next finds an encrypted database with only a pending key finishes step 4. Nothing is
//! deleted that the other state needs.

use std::path::Path;
use std::sync::Arc;

use casebook_store::blobs::BlobStore;
use casebook_store::cipher::{self, FileKind};
use serde::Serialize;

use crate::error::{self, Error, ErrorCode, Hint, Result};
use crate::keys::{self, DataKey, KdfParams, KeyFile, KEY_FILE, PENDING_KEY_FILE};
use crate::{erase, Casebook, Clock, SystemClock, DATABASE_FILE};

/// The encrypted copy being made by a conversion.
const STAGING_FILE: &str = "casebook.db.encrypting";

/// Whether a data directory is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// Nothing here yet: the first open makes a plain directory unless it is created encrypted.
    New,
    Plain,
    /// Opening needs the passphrase (or the data key).
    Encrypted,
}

/// What unlocks an encrypted data directory.
pub enum Unlock {
    /// The person's passphrase: Argon2id runs once.
    Passphrase(String),
    /// A data key already unlocked (e.g. by an open [`Casebook`], for a second one on the same directory).
    Key(DataKey),
}

/// What `encrypt_directory` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Encrypted {
    /// The plain database was converted.
    Converted,
    /// The directory was new: its database will be created encrypted.
    Created,
    /// It was already encrypted (the passphrase was checked); nothing changed.
    AlreadyEncrypted,
}

/// How `data_dir` is protected, from its files alone (nothing is opened). An encrypted database left with only a
/// pending key by an interrupted conversion has its key file put in place here.
pub fn protection(data_dir: &Path) -> Result<Protection> {
    let db = data_dir.join(DATABASE_FILE);
    let kind =
        cipher::file_kind(&db).map_err(error::io(format!("cannot read {}", db.display())))?;
    let key = data_dir.join(KEY_FILE);
    Ok(match kind {
        FileKind::Plain => Protection::Plain,
        FileKind::Absent if key.is_file() => Protection::Encrypted,
        FileKind::Absent => Protection::New,
        FileKind::Encrypted => {
            if !key.is_file() {
                finish_conversion(data_dir)?;
            }
            Protection::Encrypted
        }
    })
}

/// Step 4 of a conversion that was interrupted after its commit point; an error if there is no key at all.
fn finish_conversion(data_dir: &Path) -> Result<()> {
    let pending = data_dir.join(PENDING_KEY_FILE);
    let key = data_dir.join(KEY_FILE);
    match std::fs::rename(&pending, &key) {
        Ok(()) => keys::sync_dir(data_dir).map_err(error::io("cannot finish the key file")),
        // Another process finished it first.
        Err(_) if key.is_file() => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::new(
            ErrorCode::Integrity,
            format!(
                "the database in {} is encrypted but its key file ({KEY_FILE}) is missing: a database copied \
                 without its key file cannot be read. Copy the key file from where the database came from; \
                 nothing was changed",
                data_dir.display()
            ),
        )),
        Err(e) => Err(error::io("cannot finish the key file")(e)),
    }
}

/// The error for an encrypted directory opened without a key.
pub fn locked(data_dir: &Path) -> Error {
    Error::new(
        ErrorCode::Locked,
        format!(
            "the data in {} is encrypted: it opens with its passphrase",
            data_dir.display()
        ),
    )
    .hint(Hint::Unlock)
}

/// The data key of an encrypted directory, from `unlock`; `None` for a plain or new one.
pub(crate) fn data_key(data_dir: &Path, unlock: Option<&Unlock>) -> Result<Option<DataKey>> {
    match protection(data_dir)? {
        Protection::New | Protection::Plain => Ok(None),
        Protection::Encrypted => match unlock {
            None => Err(locked(data_dir)),
            Some(Unlock::Key(key)) => Ok(Some(key.clone())),
            Some(Unlock::Passphrase(p)) => {
                KeyFile::read(&data_dir.join(KEY_FILE))?.open(p).map(Some)
            }
        },
    }
}

/// The evidence store of `data_dir`: sealed with the data key when the directory is encrypted. Plain blobs left by
/// a conversion that was stopped are sealed now.
pub(crate) fn open_blobs(data_dir: &Path, key: Option<&DataKey>) -> Result<BlobStore> {
    let root = data_dir.join("blobs");
    let Some(key) = key else {
        return Ok(BlobStore::open(&root)?);
    };
    let blobs = BlobStore::open_encrypted(&root, *key.bytes())?;
    if blobs.plain_blobs_left() {
        // Blobs another program holds open stay plain (and readable) until a later open seals them.
        blobs.seal_plain_blobs(&mut |_| std::ops::ControlFlow::Continue(()))?;
    }
    Ok(blobs)
}

/// The store's "this key does not open the file", for a key that unwrapped from this directory's key file.
pub(crate) fn foreign_key_file(data_dir: &Path) -> Error {
    Error::new(
        ErrorCode::Integrity,
        format!(
            "the key file in {} does not belong to its database (was one of them copied from another laptop?); \
             nothing was changed",
            data_dir.display()
        ),
    )
}

impl Casebook {
    /// Opens an encrypted data directory (or a plain one, for which `unlock` is not needed) with the system clock.
    /// A wrong passphrase is [`ErrorCode::WrongPassphrase`] and changes nothing.
    pub fn open_unlocked(data_dir: &Path, unlock: &Unlock) -> Result<Casebook> {
        Casebook::open_unlocked_with_clock(data_dir, unlock, Arc::new(SystemClock))
    }

    pub fn open_unlocked_with_clock(
        data_dir: &Path,
        unlock: &Unlock,
        clock: Arc<dyn Clock>,
    ) -> Result<Casebook> {
        Casebook::open_inner(data_dir, clock, Some(unlock))
    }

    /// Opens `data_dir` encrypted with `passphrase`, for a new profile: a new directory is created encrypted, a
    /// plain one with no profile yet is converted, an encrypted one is unlocked. A plain directory that already
    /// holds a profile is refused (converting it is a step of its own).
    pub fn create_encrypted(
        data_dir: &Path,
        passphrase: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Casebook> {
        if protection(data_dir)? == Protection::Plain {
            let has_profile =
                Casebook::open_with_clock(data_dir, clock.clone())?.is_initialized()?;
            if has_profile {
                return Err(Error::conflict(format!(
                    "the data in {} already belongs to a profile and is not encrypted; encrypt it as it is \
                     instead",
                    data_dir.display()
                ))
                .hint(Hint::EncryptDirectory));
            }
        }
        encrypt_directory(data_dir, passphrase, KdfParams::default())?;
        Casebook::open_unlocked_with_clock(data_dir, &Unlock::Passphrase(passphrase.into()), clock)
    }

    /// The data key of this directory, `None` when it is plain: what the evidence store and a second [`Casebook`]
    /// on the same directory ([`Unlock::Key`]) are given.
    pub fn data_key(&self) -> Option<&DataKey> {
        self.data_key.as_ref()
    }

    /// Whether this directory is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.data_key.is_some()
    }
}

/// An error unless `data_dir` is encrypted: for the steps that only make sense then (unlocking, a new passphrase).
pub fn ensure_encrypted(data_dir: &Path) -> Result<()> {
    match protection(data_dir)? {
        Protection::Encrypted => Ok(()),
        Protection::New | Protection::Plain => Err(not_encrypted(data_dir)),
    }
}

/// Checks `passphrase` against an encrypted directory's key file and database, changing nothing; the data key it
/// unlocks (for the system keyring, say).
pub fn check_passphrase(data_dir: &Path, passphrase: &str) -> Result<DataKey> {
    let key = data_key(data_dir, Some(&Unlock::Passphrase(passphrase.into())))?
        .ok_or_else(|| not_encrypted(data_dir))?;
    opens(data_dir, &key)?;
    Ok(key)
}

/// Encrypts the data directory in place with a new data key wrapped by `passphrase` (see the module's steps). Other
/// Casebook processes must have closed it: one holding the database open makes this fail as busy, changing nothing.
pub fn encrypt_directory(
    data_dir: &Path,
    passphrase: &str,
    params: KdfParams,
) -> Result<Encrypted> {
    if erase::erase_requested(data_dir) {
        return Err(erase::refuse_marked(data_dir));
    }
    keys::check_passphrase_rule(passphrase)?;
    match protection(data_dir)? {
        Protection::Encrypted => {
            check_passphrase(data_dir, passphrase)?;
            Ok(Encrypted::AlreadyEncrypted)
        }
        Protection::New => {
            casebook_store::private_dir::create_private_dir(data_dir, DATABASE_FILE).map_err(
                error::io(format!(
                    "cannot create the data directory {}",
                    data_dir.display()
                )),
            )?;
            let key = keys::new_data_key()?;
            KeyFile::seal(&key, passphrase, params)?.write(data_dir, KEY_FILE)?;
            Ok(Encrypted::Created)
        }
        Protection::Plain => {
            let key = keys::new_data_key()?;
            KeyFile::seal(&key, passphrase, params)?.write(data_dir, PENDING_KEY_FILE)?;
            let staging = data_dir.join(STAGING_FILE);
            casebook_store::cipher::replace_with_encrypted(
                &data_dir.join(DATABASE_FILE),
                &staging,
                &key,
            )?;
            finish_conversion(data_dir)?;
            // The evidence files follow the database; a kill here leaves plain blobs that the next open seals.
            open_blobs(data_dir, Some(&key))?;
            Ok(Encrypted::Converted)
        }
    }
}

/// Rewraps the data key under `new`; the database is not re-encrypted. The key file is replaced atomically.
pub fn change_passphrase(data_dir: &Path, old: &str, new: &str) -> Result<()> {
    keys::check_passphrase_rule(new)?;
    let key = data_key(data_dir, Some(&Unlock::Passphrase(old.into())))?
        .ok_or_else(|| not_encrypted(data_dir))?;
    opens(data_dir, &key)?;
    let params = KeyFile::read(&data_dir.join(KEY_FILE))?.params();
    KeyFile::seal(&key, new, params)?.write(data_dir, KEY_FILE)
}

/// The files of a directory's encryption, for erasing.
pub(crate) fn key_files() -> Vec<String> {
    [KEY_FILE, PENDING_KEY_FILE, STAGING_FILE]
        .iter()
        .flat_map(|name| [name.to_string(), format!("{name}.tmp")])
        .collect()
}

/// Whether `key` opens the directory's database (a brand-new encrypted directory has none yet).
fn opens(data_dir: &Path, key: &DataKey) -> Result<()> {
    let db = data_dir.join(DATABASE_FILE);
    if !db.is_file() {
        return Ok(());
    }
    match casebook_store::Store::open_keyed(&db, Some(key)) {
        Ok(_) => Ok(()),
        Err(casebook_store::StoreError::WrongKey) => Err(foreign_key_file(data_dir)),
        Err(e) => Err(e.into()),
    }
}

fn not_encrypted(data_dir: &Path) -> Error {
    Error::new(
        ErrorCode::Conflict,
        format!("the data in {} is not encrypted", data_dir.display()),
    )
    .hint(Hint::EncryptDirectory)
}
