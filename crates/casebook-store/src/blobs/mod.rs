//! The evidence blob store: files addressed by their SHA-256 under `<data dir>/blobs/sha256/ab/abcd…`, or, in an
//! encrypted store, sealed (see [`sealed`]) under `<data dir>/blobs/sealed/xy/xyz…`, named by a keyed hash of it.
//!
//! A file is copied by streaming (fixed memory, whatever its size) into a temporary file that its writer holds an
//! exclusive lock on, hashed on the way, synced, then linked into place, still locked, and stays locked until the
//! caller has committed the event that references it. An existing blob is never replaced, only locked and reused. A
//! sweep on open removes temporary files and unreferenced blobs that nobody holds a lock on, asking the database
//! about each one while holding its lock: what a killed process left behind. So no half-copied or orphan blob
//! survives, and a blob another process is adding, or has just committed, is never touched.
//!
//! An encrypted store works the same way on sealed files: its sweep learns what each holds from the sealed header
//! (a file this key cannot open is kept), reads hand out plaintext only chunk by chunk as each authenticates, and
//! [`BlobStore::seal_plain_blobs`] (in `convert`) turns a plain directory into a sealed one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

mod convert;
mod incoming;
pub mod sealed;
mod stream;

pub use convert::{SealProgress, SealReport};
pub use incoming::Incoming;
pub use sealed::BlobKey;
use sealed::{SealReader, SealWriter};
pub use stream::BlobReader;
use stream::Sink;

/// Where plain blobs live, named by their SHA-256.
const PLAIN_DIR: &str = "sha256";
/// Where sealed blobs live, named by [`BlobKey::name_of`].
const SEALED_DIR: &str = "sealed";

/// A blob-store failure, with the path involved.
#[derive(Debug, thiserror::Error)]
#[error("{what} ({path}): {source}")]
pub struct BlobError {
    pub what: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl BlobError {
    fn at<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> BlobError + 'a {
        move |source| BlobError {
            what,
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether the disk filled up (so the caller can say so plainly).
    pub fn is_disk_full(&self) -> bool {
        self.source.kind() == io::ErrorKind::StorageFull || self.source.raw_os_error() == Some(28)
    }
}

/// The content-addressed store.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    /// Set for an encrypted store: every blob written is sealed with it.
    key: Option<BlobKey>,
}

/// A blob in place, locked until dropped: drop it only after the event that references it has committed.
#[derive(Debug)]
pub struct StagedBlob {
    pub sha256: String,
    pub size: u64,
    _lock: File,
}

/// A copy hashed into a locked temporary file and not yet in place; dropping it removes the file.
#[derive(Debug)]
pub struct PendingBlob {
    pub sha256: String,
    pub size: u64,
    tmp: PathBuf,
    file: Option<File>,
    /// `blobs/sha256` or `blobs/sealed`, under which the blob's prefix directory goes.
    dir: PathBuf,
    /// Its file name there.
    name: String,
}

impl PendingBlob {
    /// Links the copy into place under its hash (or locks the identical blob already there) and returns it locked.
    pub fn place(mut self) -> Result<StagedBlob, BlobError> {
        let file = self
            .file
            .take()
            .expect("a pending blob is placed at most once");
        let prefix = self.name.get(..2).unwrap_or("00");
        let parent = self.dir.join(prefix);
        let dest = parent.join(&self.name);
        fs::create_dir_all(&parent)
            .map_err(BlobError::at("cannot create the blob directory", &parent))?;
        let lock = place(&self.tmp, &dest, file)?;
        if let Ok(d) = File::open(&parent) {
            let _ = d.sync_all();
        }
        Ok(StagedBlob {
            sha256: std::mem::take(&mut self.sha256),
            size: self.size,
            _lock: lock,
        })
    }
}

impl Drop for PendingBlob {
    fn drop(&mut self) {
        // Placed or not, the temporary name must go: `place` linked it, or the import that wrote it was refused.
        let _ = fs::remove_file(&self.tmp);
    }
}

/// The result of re-hashing a stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobCheck {
    Matches,
    Differs {
        actual: String,
    },
    Missing,
    /// An encrypted blob that does not decrypt (altered, cut short, or sealed with another key): why.
    Damaged {
        reason: String,
    },
}

const CHUNK: usize = 1 << 20;

impl BlobStore {
    /// Opens (creating) the store under `root`.
    pub fn open(root: &Path) -> Result<BlobStore, BlobError> {
        Self::open_with(root, None)
    }

    /// Opens (creating) an encrypted store under `root`: every blob added is sealed with `key` (the data
    /// directory's data key). Plain blobs left by an unfinished [`BlobStore::seal_plain_blobs`] are still read.
    pub fn open_encrypted(root: &Path, key: [u8; 32]) -> Result<BlobStore, BlobError> {
        Self::open_with(root, Some(BlobKey::new(key)))
    }

    fn open_with(root: &Path, key: Option<BlobKey>) -> Result<BlobStore, BlobError> {
        let blobs = if key.is_some() { SEALED_DIR } else { PLAIN_DIR };
        for dir in [root.join("tmp"), root.join(blobs)] {
            crate::private_dir::create_private_dir(&dir, "")
                .map_err(BlobError::at("cannot create the blob directory", &dir))?;
        }
        Ok(BlobStore {
            root: root.to_path_buf(),
            key,
        })
    }

    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    fn blob_dir(&self) -> PathBuf {
        self.root.join(if self.key.is_some() {
            SEALED_DIR
        } else {
            PLAIN_DIR
        })
    }

    /// The file name of the blob with this hash.
    fn name_of(&self, sha256: &str) -> String {
        match &self.key {
            Some(key) => key.name_of(sha256),
            None => sha256.to_string(),
        }
    }

    /// Where the blob with this hash lives (sealed, in an encrypted store).
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let name = self.name_of(sha256);
        let prefix = name.get(..2).unwrap_or("00");
        self.blob_dir().join(prefix).join(&name)
    }

    /// Where a plain blob with this hash lives.
    fn plain_path(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("00");
        self.root.join(PLAIN_DIR).join(prefix).join(sha256)
    }

    pub fn contains(&self, sha256: &str) -> bool {
        self.path_of(sha256).is_file() || (self.key.is_some() && self.plain_path(sha256).is_file())
    }

    /// Opens the blob's plaintext as a stream, or `None` when it is not here. An encrypted blob must decrypt with
    /// this store's key and record this hash; each chunk is authenticated as it is read, so a reader that reaches
    /// the end has read exactly what was sealed.
    pub fn open_blob(&self, sha256: &str) -> Result<Option<BlobReader>, BlobError> {
        let path = self.path_of(sha256);
        let reader = self
            .open_raw(sha256)
            .map_err(BlobError::at("cannot open the stored evidence", &path))?;
        if let Some(BlobReader::Sealed(r)) = &reader {
            if r.sha256() != sha256 {
                return Err(BlobError {
                    what: "the stored evidence file holds another file's contents",
                    path,
                    source: io::Error::from(io::ErrorKind::InvalidData),
                });
            }
        }
        Ok(reader)
    }

    /// The blob's plaintext stream, without checking what its header says it holds.
    fn open_raw(&self, sha256: &str) -> io::Result<Option<BlobReader>> {
        let opened = |path: PathBuf| match File::open(path) {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        };
        let Some(key) = &self.key else {
            return Ok(opened(self.path_of(sha256))?.map(BlobReader::Plain));
        };
        match opened(self.path_of(sha256))? {
            Some(f) => Ok(Some(BlobReader::Sealed(Box::new(SealReader::new(f, key)?)))),
            // A conversion cut short leaves this one plain until it is run again.
            None => Ok(opened(self.plain_path(sha256))?.map(BlobReader::Plain)),
        }
    }

    /// Copies `source` into the store, hashing as it goes; `progress` gets the bytes copied so far.
    pub fn stage(
        &self,
        source: impl Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<StagedBlob, BlobError> {
        self.write_temp(source, progress)?.place()
    }

    /// Copies `source` into a locked temporary file of the store, hashing as it goes, without putting it in place:
    /// a reader that must check several files before it may keep any (a case bundle) places them all at the end,
    /// and a [`PendingBlob`] dropped unplaced leaves nothing behind.
    pub fn write_temp(
        &self,
        source: impl Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<PendingBlob, BlobError> {
        self.write_temp_as(source, None, progress)
    }

    /// [`BlobStore::write_temp`], filed under `claimed` rather than the hash the bytes have when given (a plain
    /// blob being sealed keeps its name, so a file changed on disk is still reported as changed).
    fn write_temp_as(
        &self,
        mut source: impl Read,
        claimed: Option<&str>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<PendingBlob, BlobError> {
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}.part", uuid::Uuid::now_v7().simple()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(BlobError::at("cannot create a temporary file", &tmp))?;
        file.lock()
            .map_err(BlobError::at("cannot lock the temporary file", &tmp))?;
        let mut sink = match &self.key {
            None => Sink::Plain(file),
            Some(key) => match SealWriter::create(file, key, None) {
                Ok(w) => Sink::Sealed(Box::new(w)),
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    return Err(BlobError::at("cannot write the evidence copy", &tmp)(e));
                }
            },
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut size = 0u64;
        let copied = (|| -> Result<(), BlobError> {
            loop {
                let n = match source.read(&mut buf) {
                    Ok(0) => return Ok(()),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(BlobError {
                            what: "cannot read the evidence file",
                            path: PathBuf::new(),
                            source: e,
                        })
                    }
                };
                hasher.update(&buf[..n]);
                sink.write_all(&buf[..n])
                    .map_err(BlobError::at("cannot write the evidence copy", &tmp))?;
                size += n as u64;
                progress(size);
            }
        })();
        let sha256 = claimed.map_or_else(|| hex::encode(hasher.finalize()), str::to_string);
        let synced = copied.and_then(|()| {
            let file = sink
                .finish(&sha256)
                .map_err(BlobError::at("cannot write the evidence copy", &tmp))?;
            file.sync_all()
                .map_err(BlobError::at("cannot sync the evidence copy", &tmp))?;
            Ok(file)
        });
        let file = match synced {
            Ok(file) => file,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        Ok(PendingBlob {
            name: self.name_of(&sha256),
            sha256,
            size,
            tmp,
            file: Some(file),
            dir: self.blob_dir(),
        })
    }

    /// Re-hashes a stored blob by streaming it.
    pub fn check(
        &self,
        sha256: &str,
        progress: &mut dyn FnMut(u64),
    ) -> Result<BlobCheck, BlobError> {
        let path = self.path_of(sha256);
        let hashed = self
            .open_raw(sha256)
            .and_then(|r| r.map(|r| hash_reader(r, progress)).transpose());
        Ok(match hashed {
            Ok(None) => BlobCheck::Missing,
            Ok(Some(actual)) if actual == sha256 => BlobCheck::Matches,
            Ok(Some(actual)) => BlobCheck::Differs { actual },
            Err(e) if e.kind() == io::ErrorKind::InvalidData => BlobCheck::Damaged {
                reason: e.to_string(),
            },
            Err(e) => {
                return Err(BlobError {
                    what: "cannot read the stored evidence",
                    path,
                    source: e,
                })
            }
        })
    }

    /// Removes what interrupted writers left: temporary files and blobs no committed evidence references, unless a
    /// live process holds their lock. `referenced` must ask the database at the moment it is called: it runs while
    /// the blob's lock is held, so a writer that committed and let go just before is seen. Returns how many files
    /// were removed.
    pub fn sweep(&self, referenced: &dyn Fn(&str) -> bool) -> Result<usize, BlobError> {
        let mut removed = 0;
        let tmp = self.root.join("tmp");
        for entry in fs::read_dir(&tmp)
            .map_err(BlobError::at("cannot list", &tmp))?
            .flatten()
        {
            removed += usize::from(remove_if_unlocked(&entry.path(), &|| true));
        }
        let blobs = self.blob_dir();
        fs::read_dir(&blobs).map_err(BlobError::at("cannot list", &blobs))?;
        for path in blob_files(&blobs) {
            // A sealed file that does not open with this key is not known to be an orphan, so it stays.
            let orphan = || self.sha_of_file(&path).is_some_and(|sha| !referenced(&sha));
            removed += usize::from(remove_if_unlocked(&path, &orphan));
        }
        Ok(removed)
    }

    /// Every blob hash present (in an encrypted store, as its sealed header records it).
    pub fn list(&self) -> Vec<String> {
        let mut out: Vec<String> = blob_files(&self.blob_dir())
            .iter()
            .filter_map(|p| self.sha_of_file(p))
            .collect();
        out.sort();
        out
    }

    /// The SHA-256 a stored file holds: its name, or what its sealed header records.
    fn sha_of_file(&self, path: &Path) -> Option<String> {
        match &self.key {
            None => Some(path.file_name()?.to_string_lossy().to_string()),
            Some(key) => {
                let mut f = File::open(path).ok()?;
                sealed::read_header(&mut f, key).ok().map(|(_, _, sha)| sha)
            }
        }
    }
}

/// Puts the hashed temporary file at `dest` and returns a locked handle on what is there. Never replaces an existing
/// blob (a sweeper may hold its lock and be about to remove it): it waits for that lock instead and checks that the
/// file is still in place once it has it, trying again if it was swept meanwhile.
fn place(tmp: &Path, dest: &Path, tmp_file: File) -> Result<File, BlobError> {
    loop {
        // A hard link fails if `dest` exists, so it can never clobber a blob another process is looking at.
        match fs::hard_link(tmp, dest) {
            Ok(()) => {
                let _ = fs::remove_file(tmp);
                return Ok(tmp_file);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let existing = match File::open(dest) {
                    Ok(f) => f,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => {
                        return Err(BlobError {
                            what: "cannot open the stored evidence",
                            path: dest.to_path_buf(),
                            source: e,
                        })
                    }
                };
                #[cfg(test)]
                tests::opened_existing(dest);
                existing
                    .lock()
                    .map_err(BlobError::at("cannot lock the stored evidence", dest))?;
                if same_file(&existing, dest) {
                    let _ = fs::remove_file(tmp);
                    return Ok(existing);
                }
            }
            Err(e) => {
                return Err(BlobError {
                    what: "cannot move the evidence copy into the store",
                    path: dest.to_path_buf(),
                    source: e,
                })
            }
        }
    }
}

/// Every file under a blob directory's prefix directories.
fn blob_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(prefixes) = fs::read_dir(dir) {
        for p in prefixes.flatten() {
            if let Ok(files) = fs::read_dir(p.path()) {
                out.extend(files.flatten().map(|f| f.path()));
            }
        }
    }
    out
}

/// Whether `path` still names the file `f` is open on.
fn same_file(f: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Removes `path` if no process holds its lock and `orphan()` (asked while this process holds the lock) agrees.
fn remove_if_unlocked(path: &Path, orphan: &dyn Fn() -> bool) -> bool {
    let Ok(f) = File::open(path) else {
        return false;
    };
    if f.try_lock().is_err() || !same_file(&f, path) || !orphan() {
        return false;
    }
    fs::remove_file(path).is_ok()
}

/// SHA-256 of a stream, in fixed memory.
pub fn hash_reader(mut r: impl Read, progress: &mut dyn FnMut(u64)) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
        progress(total);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sealed;
