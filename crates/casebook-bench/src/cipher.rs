//! How the store phases open what they measure: plain, or encrypted (`--encrypted`), so that one run measures both
//! on the same machine under the same load and the ratios mean something.
//!
//! An encrypted data directory is created as the product creates one (`Casebook::create_encrypted`, Argon2id once);
//! reopening it then uses its data key ([`Unlock::Key`]), as the desktop's second connection does, so no measured
//! open pays for the key derivation that a person pays once per unlock. Databases the phases make outside a data
//! directory (the import's baselines) get one random key of this run, so the baselines do the same encrypted work.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use casebook_api::{Casebook, DataKey, SystemClock, Unlock};
use casebook_store::Store;

/// The passphrase of the benchmark's encrypted directories.
const PASSPHRASE: &str = "casebook-bench passphrase";

/// Plain or encrypted, with the data key of each encrypted directory made so far.
pub struct Cipher {
    encrypted: bool,
    standalone: DataKey,
    keys: Mutex<HashMap<PathBuf, DataKey>>,
}

impl Cipher {
    pub fn plain() -> Cipher {
        Cipher::new(false)
    }

    pub fn encrypted() -> Cipher {
        Cipher::new(true)
    }

    fn new(encrypted: bool) -> Cipher {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Cipher {
            encrypted,
            standalone: DataKey::from_bytes(bytes),
            keys: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// Opens a new data directory (encrypted when this run is).
    pub(crate) fn create(&self, dir: &Path) -> Result<Casebook> {
        if !self.encrypted {
            return Ok(Casebook::open(dir)?);
        }
        let cb = Casebook::create_encrypted(dir, PASSPHRASE, Arc::new(SystemClock)).with_context(
            || format!("creating an encrypted data directory in {}", dir.display()),
        )?;
        let key = cb
            .data_key()
            .cloned()
            .context("an encrypted directory has a data key")?;
        self.keys
            .lock()
            .map_err(|_| anyhow::anyhow!("the key map was poisoned"))?
            .insert(dir.to_path_buf(), key);
        Ok(cb)
    }

    /// Reopens a data directory made by [`Cipher::create`].
    pub(crate) fn open(&self, dir: &Path) -> Result<Casebook> {
        Ok(match self.key_of(dir)? {
            Some(key) => Casebook::open_unlocked(dir, &Unlock::Key(key))?,
            None => Casebook::open(dir)?,
        })
    }

    /// Opens a database file directly: a data directory's with its key, any other with this run's key.
    pub(crate) fn store(&self, db: &Path) -> Result<Store> {
        if !self.encrypted {
            return Ok(Store::open(db)?);
        }
        let key = match db.parent() {
            Some(dir) => self.key_of(dir)?,
            None => None,
        }
        .unwrap_or_else(|| self.standalone.clone());
        Ok(Store::open_keyed(db, Some(&key))?)
    }

    /// Gives a fresh rusqlite connection to a new file this run's key, as a store keys a new database (the
    /// bare-insert baseline).
    pub(crate) fn key_connection(&self, conn: &rusqlite::Connection) -> Result<()> {
        if self.encrypted {
            casebook_store::cipher::key_new_database(conn, &self.standalone)?;
        }
        Ok(())
    }

    fn key_of(&self, dir: &Path) -> Result<Option<DataKey>> {
        Ok(self
            .keys
            .lock()
            .map_err(|_| anyhow::anyhow!("the key map was poisoned"))?
            .get(dir)
            .cloned())
    }
}
