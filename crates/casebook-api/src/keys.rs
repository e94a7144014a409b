//! The key file of an encrypted data directory: the random data key that encrypts the database (and the evidence
//! store), wrapped by a key derived from the person's passphrase.
//!
//! Format (JSON, `format: "casebook-key"`, `version: 1`): Argon2id with its parameters and a random salt turns the
//! passphrase into a 256-bit wrapping key; ChaCha20-Poly1305 (ring, already in the tree for TLS) seals the data key
//! under it with a random nonce, the format, version and KDF parameters as associated data, so a file whose
//! parameters were altered does not open. Changing the passphrase rewraps the same data key: the database is not
//! touched. A reader refuses a version it does not know rather than guess.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

pub use casebook_store::cipher::DataKey;

use crate::error::{self, Error, ErrorCode, Result};

/// The key file's name in a data directory.
pub const KEY_FILE: &str = "casebook.key";
/// The key file of a conversion under way (`casebook encrypt`): it becomes [`KEY_FILE`] once the encrypted database
/// is in place.
pub(crate) const PENDING_KEY_FILE: &str = "casebook.key.pending";

const FORMAT: &str = "casebook-key";
const VERSION: u32 = 1;
const CIPHER: &str = "chacha20-poly1305";
/// A passphrase shorter than this is refused: the key file is the only thing between a lost laptop and its cases.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Argon2id's cost, recorded in each key file so that later builds can raise it without breaking older files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for KdfParams {
    /// RFC 9106's second recommendation (64 MiB, 3 passes), on one lane: a fraction of a second on a laptop, once
    /// per unlock.
    fn default() -> Self {
        KdfParams {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Kdf {
    algorithm: String,
    /// Argon2's own version number (0x13).
    version: u32,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

/// One key file, as stored.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct KeyFile {
    format: String,
    version: u32,
    kdf: Kdf,
    cipher: String,
    nonce: String,
    wrapped_key: String,
}

impl KeyFile {
    /// Wraps `key` under `passphrase` with fresh salt and nonce.
    pub(crate) fn seal(key: &DataKey, passphrase: &str, params: KdfParams) -> Result<KeyFile> {
        check_passphrase_rule(passphrase)?;
        let salt: [u8; 16] = random()?;
        let nonce: [u8; NONCE_LEN] = random()?;
        let file = KeyFile {
            format: FORMAT.into(),
            version: VERSION,
            kdf: Kdf {
                algorithm: "argon2id".into(),
                version: 0x13,
                params,
                salt: hex::encode(salt),
            },
            cipher: CIPHER.into(),
            nonce: hex::encode(nonce),
            wrapped_key: String::new(),
        };
        let wrapping = file.wrapping_key(passphrase)?;
        let mut sealed = key.bytes().to_vec();
        wrapping
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(file.associated_data()),
                &mut sealed,
            )
            .map_err(|_| Error::new(ErrorCode::Internal, "the data key could not be sealed"))?;
        Ok(KeyFile {
            wrapped_key: hex::encode(sealed),
            ..file
        })
    }

    /// The data key, if `passphrase` is the one it was sealed with.
    pub(crate) fn open(&self, passphrase: &str) -> Result<DataKey> {
        let nonce: [u8; NONCE_LEN] = decode_fixed(&self.nonce, "nonce")?;
        let mut sealed = hex::decode(&self.wrapped_key).map_err(|_| damaged("wrapped_key"))?;
        let wrapping = self.wrapping_key(passphrase)?;
        let opened = wrapping
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.associated_data()),
                &mut sealed,
            )
            .map_err(|_| wrong_passphrase())?;
        let bytes: [u8; 32] = opened.try_into().map_err(|_| damaged("wrapped_key"))?;
        Ok(DataKey::from_bytes(bytes))
    }

    /// The Argon2id cost this file was sealed with.
    pub(crate) fn params(&self) -> KdfParams {
        self.kdf.params
    }

    /// Reads and checks a key file; a missing, truncated or foreign file is a clear [`ErrorCode::Integrity`].
    pub(crate) fn read(path: &Path) -> Result<KeyFile> {
        let bytes = std::fs::read(path).map_err(error::io(format!(
            "cannot read the key file {}",
            path.display()
        )))?;
        let file: KeyFile = serde_json::from_slice(&bytes).map_err(|e| {
            Error::with_source(
                ErrorCode::Integrity,
                format!(
                    "the key file {} is damaged (it is not a whole key file: {e}); restore it from a backup, \
                     without it the data cannot be read",
                    path.display()
                ),
                e,
            )
        })?;
        if file.format != FORMAT {
            return Err(damaged("format"));
        }
        if file.version != VERSION {
            return Err(Error::new(
                ErrorCode::NewerVersion,
                format!(
                    "the key file {} is of version {}, which this Casebook does not know; upgrade Casebook",
                    path.display(),
                    file.version
                ),
            ));
        }
        if file.cipher != CIPHER || file.kdf.algorithm != "argon2id" || file.kdf.version != 0x13 {
            return Err(damaged("cipher"));
        }
        Ok(file)
    }

    /// Writes the key file as `name` in `dir` atomically: a temporary file, flushed to disk, renamed into place, and
    /// the directory flushed, so a crash leaves the old file or the new one whole.
    pub(crate) fn write(&self, dir: &Path, name: &str) -> Result<()> {
        let temp = dir.join(format!("{name}.tmp"));
        let text = serde_json::to_vec_pretty(self).map_err(|e| {
            Error::with_source(ErrorCode::Internal, "cannot encode the key file", e)
        })?;
        let written = (|| {
            let mut file = private_file(&temp)?;
            file.write_all(&text)?;
            file.sync_all()?;
            std::fs::rename(&temp, dir.join(name))?;
            sync_dir(dir)
        })();
        written.map_err(error::io(format!(
            "cannot write the key file in {}",
            dir.display()
        )))
    }

    fn wrapping_key(&self, passphrase: &str) -> Result<LessSafeKey> {
        let salt = hex::decode(&self.kdf.salt).map_err(|_| damaged("salt"))?;
        let p = self.kdf.params;
        let params = argon2::Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32))
            .map_err(|_| damaged("kdf"))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = [0u8; 32];
        argon
            .hash_password_into(passphrase.as_bytes(), &salt, &mut out)
            .map_err(|_| damaged("kdf"))?;
        let key = UnboundKey::new(&CHACHA20_POLY1305, &out)
            .map_err(|_| Error::new(ErrorCode::Internal, "the wrapping key was refused"))?;
        zeroize::Zeroize::zeroize(&mut out);
        Ok(LessSafeKey::new(key))
    }

    /// Everything but the nonce and the sealed key, bound to the seal.
    fn associated_data(&self) -> Vec<u8> {
        let p = self.kdf.params;
        format!(
            "{}/{} {} v{} m={} t={} p={} salt={} {}",
            self.format,
            self.version,
            self.kdf.algorithm,
            self.kdf.version,
            p.memory_kib,
            p.iterations,
            p.parallelism,
            self.kdf.salt,
            self.cipher
        )
        .into_bytes()
    }
}

/// A fresh random data key.
pub(crate) fn new_data_key() -> Result<DataKey> {
    random().map(DataKey::from_bytes)
}

pub(crate) fn check_passphrase_rule(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(format!(
            "a passphrase needs at least {MIN_PASSPHRASE_CHARS} characters"
        )));
    }
    Ok(())
}

pub(crate) fn wrong_passphrase() -> Error {
    Error::new(
        ErrorCode::WrongPassphrase,
        "the passphrase does not unlock this data directory; nothing was changed",
    )
}

fn damaged(what: &str) -> Error {
    Error::new(
        ErrorCode::Integrity,
        format!(
            "the key file is damaged (its {what} does not read); restore it from a backup, without it the data \
             cannot be read"
        ),
    )
}

fn decode_fixed<const N: usize>(text: &str, what: &str) -> Result<[u8; N]> {
    hex::decode(text)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| damaged(what))
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| Error::new(ErrorCode::Internal, "the system gave no randomness"))?;
    Ok(out)
}

/// A new file only its owner may read.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Flushes a directory's entries, so a rename in it survives a power cut.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters: the tests check the format, not Argon2's cost.
    const FAST: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn a_sealed_key_opens_with_its_passphrase_only() {
        let key = DataKey::from_bytes([42; 32]);
        let file = KeyFile::seal(&key, "correct horse battery", FAST).unwrap();
        assert_eq!(file.open("correct horse battery").unwrap(), key);
        let wrong = file.open("correct horse battery!").unwrap_err();
        assert_eq!(
            wrong.code,
            ErrorCode::WrongPassphrase,
            "a wrong passphrase has its own code for the unlock screen"
        );
    }

    #[test]
    fn altered_parameters_or_a_truncated_file_do_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let key = DataKey::from_bytes([7; 32]);
        KeyFile::seal(&key, "correct horse battery", FAST)
            .unwrap()
            .write(dir.path(), KEY_FILE)
            .unwrap();
        let path = dir.path().join(KEY_FILE);
        let text = std::fs::read_to_string(&path).unwrap();

        let weakened = text.replace("\"iterations\": 1", "\"iterations\": 2");
        assert_ne!(weakened, text, "the test must really change a parameter");
        std::fs::write(&path, &weakened).unwrap();
        let err = KeyFile::read(&path)
            .unwrap()
            .open("correct horse battery")
            .unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::WrongPassphrase,
            "the parameters are bound to the seal"
        );

        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        let err = KeyFile::read(&path).unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::Integrity,
            "a truncated key file is damaged data, said plainly: {err}"
        );
        assert!(err.message.contains("damaged"), "{}", err.message);
    }

    #[test]
    fn a_short_passphrase_is_refused() {
        let err = KeyFile::seal(&DataKey::from_bytes([1; 32]), "short", FAST).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
    }
}
