//! The evidence blob store: files addressed by their SHA-256 under `<data dir>/blobs/sha256/ab/abcd…`.
//!
//! A file is copied by streaming (fixed memory, whatever its size) into a temporary file that its writer holds an
//! exclusive lock on, hashed on the way, synced, then linked into place, still locked, and stays locked until the
//! caller has committed the event that references it. An existing blob is never replaced, only locked and reused. A
//! sweep on open removes temporary files and unreferenced blobs that nobody holds a lock on, asking the database
//! about each one while holding its lock: what a killed process left behind. So no half-copied or orphan blob
//! survives, and a blob another process is adding, or has just committed, is never touched.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

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
    /// `blobs/sha256`, under which the blob's prefix directory goes.
    dir: PathBuf,
}

impl PendingBlob {
    /// Links the copy into place under its hash (or locks the identical blob already there) and returns it locked.
    pub fn place(mut self) -> Result<StagedBlob, BlobError> {
        let file = self
            .file
            .take()
            .expect("a pending blob is placed at most once");
        let prefix = self.sha256.get(..2).unwrap_or("00");
        let parent = self.dir.join(prefix);
        let dest = parent.join(&self.sha256);
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

/// An evidence file arriving from elsewhere (the team server): written to a locked temporary file named by the hash
/// it must have, so a transfer cut short resumes where it stopped, and put in the store only by
/// [`Incoming::finish`], after its SHA-256 matched. Left unfinished, it stays out of the store, and the next open's
/// sweep removes it.
#[derive(Debug)]
pub struct Incoming {
    sha256: String,
    tmp: PathBuf,
    file: File,
    received: u64,
    dir: PathBuf,
}

impl Incoming {
    /// Bytes held so far (from an earlier, interrupted transfer too).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Drops what was received.
    pub fn discard(self) {
        let _ = fs::remove_file(&self.tmp);
    }

    /// Checks the received bytes against the hash they must have: a match is put in place (locked, like a staged
    /// blob); a mismatch is removed and reported with the hash it really has.
    pub fn finish(
        self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Result<StagedBlob, String>, BlobError> {
        self.file
            .sync_all()
            .map_err(BlobError::at("cannot sync the received file", &self.tmp))?;
        let reader = File::open(&self.tmp)
            .map_err(BlobError::at("cannot read the received file", &self.tmp))?;
        let actual = hash_reader(reader, progress)
            .map_err(BlobError::at("cannot read the received file", &self.tmp))?;
        if actual != self.sha256 {
            self.discard();
            return Ok(Err(actual));
        }
        let pending = PendingBlob {
            sha256: self.sha256,
            size: self.received,
            tmp: self.tmp,
            file: Some(self.file),
            dir: self.dir,
        };
        pending.place().map(Ok)
    }
}

impl Write for Incoming {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.received += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// The result of re-hashing a stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobCheck {
    Matches,
    Differs { actual: String },
    Missing,
}

const CHUNK: usize = 1 << 20;

impl BlobStore {
    /// Opens (creating) the store under `root`.
    pub fn open(root: &Path) -> Result<BlobStore, BlobError> {
        for dir in [root.join("tmp"), root.join("sha256")] {
            crate::private_dir::create_private_dir(&dir, "")
                .map_err(BlobError::at("cannot create the blob directory", &dir))?;
        }
        Ok(BlobStore {
            root: root.to_path_buf(),
        })
    }

    /// Where the blob with this hash lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("00");
        self.root.join("sha256").join(prefix).join(sha256)
    }

    pub fn contains(&self, sha256: &str) -> bool {
        self.path_of(sha256).is_file()
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
        mut source: impl Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<PendingBlob, BlobError> {
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}.part", uuid::Uuid::now_v7().simple()));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(BlobError::at("cannot create a temporary file", &tmp))?;
        file.lock()
            .map_err(BlobError::at("cannot lock the temporary file", &tmp))?;
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
                file.write_all(&buf[..n])
                    .map_err(BlobError::at("cannot write the evidence copy", &tmp))?;
                size += n as u64;
                progress(size);
            }
        })();
        let synced = copied.and_then(|()| {
            file.sync_all()
                .map_err(BlobError::at("cannot sync the evidence copy", &tmp))
        });
        if let Err(e) = synced {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(PendingBlob {
            sha256: hex::encode(hasher.finalize()),
            size,
            tmp,
            file: Some(file),
            dir: self.root.join("sha256"),
        })
    }

    /// Opens (or resumes) the transfer of the blob that must hash to `sha256`. Another process receiving the same
    /// file holds its lock: that is `WouldBlock`, try again later.
    pub fn receive(&self, sha256: &str) -> Result<Incoming, BlobError> {
        let tmp = self.root.join("tmp").join(format!("{sha256}.incoming"));
        if sha256.len() != 64
            || !sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(BlobError {
                what: "not a SHA-256",
                path: tmp,
                source: io::Error::from(io::ErrorKind::InvalidInput),
            });
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&tmp)
            .map_err(BlobError::at("cannot create a temporary file", &tmp))?;
        file.try_lock().map_err(|e| BlobError {
            what: "another Casebook is receiving this file",
            path: tmp.clone(),
            source: match e {
                fs::TryLockError::WouldBlock => io::Error::from(io::ErrorKind::WouldBlock),
                fs::TryLockError::Error(e) => e,
            },
        })?;
        let received = file
            .metadata()
            .map_err(BlobError::at("cannot read the temporary file", &tmp))?
            .len();
        Ok(Incoming {
            sha256: sha256.to_string(),
            tmp,
            file,
            received,
            dir: self.root.join("sha256"),
        })
    }

    /// Re-hashes a stored blob by streaming it.
    pub fn check(
        &self,
        sha256: &str,
        progress: &mut dyn FnMut(u64),
    ) -> Result<BlobCheck, BlobError> {
        let path = self.path_of(sha256);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BlobCheck::Missing),
            Err(e) => {
                return Err(BlobError {
                    what: "cannot open the stored evidence",
                    path,
                    source: e,
                })
            }
        };
        let actual = hash_reader(file, progress)
            .map_err(BlobError::at("cannot read the stored evidence", &path))?;
        Ok(if actual == sha256 {
            BlobCheck::Matches
        } else {
            BlobCheck::Differs { actual }
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
        let blobs = self.root.join("sha256");
        for prefix in fs::read_dir(&blobs)
            .map_err(BlobError::at("cannot list", &blobs))?
            .flatten()
        {
            let Ok(files) = fs::read_dir(prefix.path()) else {
                continue;
            };
            for f in files.flatten() {
                let name = f.file_name().to_string_lossy().to_string();
                removed += usize::from(remove_if_unlocked(&f.path(), &|| !referenced(&name)));
            }
        }
        Ok(removed)
    }

    /// Every blob hash present.
    pub fn list(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(prefixes) = fs::read_dir(self.root.join("sha256")) {
            for p in prefixes.flatten() {
                if let Ok(files) = fs::read_dir(p.path()) {
                    out.extend(
                        files
                            .flatten()
                            .map(|f| f.file_name().to_string_lossy().to_string()),
                    );
                }
            }
        }
        out.sort();
        out
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
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier, Mutex};

    /// A test's barrier, met by an add of the blob at this path once it has opened the copy in place and before it
    /// waits for that copy's lock: the interleaving the sweep test needs, without sleeping.
    static OPENED_EXISTING: Mutex<Option<(PathBuf, Arc<Barrier>)>> = Mutex::new(None);

    pub(super) fn opened_existing(dest: &Path) {
        let hook = OPENED_EXISTING.lock().unwrap().clone();
        if let Some((path, barrier)) = hook {
            if path == dest {
                barrier.wait();
            }
        }
    }

    #[test]
    fn staging_hashes_deduplicates_and_detects_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let a = store.stage(&b"hello evidence"[..], &mut |_| {}).unwrap();
        assert_eq!(
            a.sha256,
            hash_reader(&b"hello evidence"[..], &mut |_| {}).unwrap()
        );
        let sha = a.sha256.clone();
        // A second add of the same content waits for the first's lock (it would block here), so let go first.
        drop(a);
        let b = store.stage(&b"hello evidence"[..], &mut |_| {}).unwrap();
        assert_eq!(b.sha256, sha);
        assert_eq!(
            store.list(),
            vec![sha.clone()],
            "the same content must be stored once"
        );
        drop(b);
        assert_eq!(store.check(&sha, &mut |_| {}).unwrap(), BlobCheck::Matches);
        fs::write(store.path_of(&sha), b"tampered").unwrap();
        assert!(
            matches!(
                store.check(&sha, &mut |_| {}).unwrap(),
                BlobCheck::Differs { .. }
            ),
            "a changed blob must be reported"
        );
    }

    #[test]
    fn an_add_waits_for_a_sweeper_holding_the_blob_and_puts_it_back_if_swept() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let sha = store
            .stage(&b"same bytes"[..], &mut |_| {})
            .unwrap()
            .sha256
            .clone();
        // A sweeper holds the orphan's lock and is about to remove it.
        let sweeper = File::open(store.path_of(&sha)).unwrap();
        sweeper.lock().unwrap();
        let opened = Arc::new(Barrier::new(2));
        *OPENED_EXISTING.lock().unwrap() = Some((store.path_of(&sha), opened.clone()));
        let adder = {
            let store = store.clone();
            std::thread::spawn(move || {
                store
                    .stage(&b"same bytes"[..], &mut |_| {})
                    .map(|b| b.sha256.clone())
            })
        };
        // The adder has opened the blob in place and is about to wait for its lock; only then does the sweep go on.
        opened.wait();
        fs::remove_file(store.path_of(&sha)).unwrap();
        drop(sweeper);
        assert_eq!(adder.join().unwrap().unwrap(), sha);
        assert!(
            store.contains(&sha),
            "the add must put its copy in place after the sweep removed the old one"
        );
        assert_eq!(store.check(&sha, &mut |_| {}).unwrap(), BlobCheck::Matches);
    }

    #[test]
    fn sweep_removes_orphans_but_not_blobs_still_being_added() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let held = store.stage(&b"in flight"[..], &mut |_| {}).unwrap();
        let orphan = store
            .stage(&b"left by a killed process"[..], &mut |_| {})
            .unwrap();
        let orphan_sha = orphan.sha256.clone();
        drop(orphan);
        fs::write(dir.path().join("tmp").join("x.part"), b"half").unwrap();
        let removed = store.sweep(&|_| false).unwrap();
        assert_eq!(
            removed, 2,
            "the unlocked orphan blob and the temporary file go"
        );
        assert!(
            store.contains(&held.sha256),
            "a blob whose writer still holds its lock must survive the sweep"
        );
        assert!(!store.contains(&orphan_sha));
    }

    #[test]
    fn a_received_file_resumes_and_enters_the_store_only_with_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let bytes = b"evidence from another laptop";
        let sha = hash_reader(&bytes[..], &mut |_| {}).unwrap();
        let mut first = store.receive(&sha).unwrap();
        first.write_all(&bytes[..10]).unwrap();
        drop(first); // the connection dropped
        assert!(!store.contains(&sha), "half a file is never in the store");
        let mut again = store.receive(&sha).unwrap();
        assert_eq!(
            again.received(),
            10,
            "the transfer resumes where it stopped"
        );
        again.write_all(&bytes[10..]).unwrap();
        let staged = again.finish(&mut |_| {}).unwrap().unwrap();
        assert_eq!(
            (staged.sha256.as_str(), staged.size),
            (sha.as_str(), bytes.len() as u64)
        );
        drop(staged);
        assert_eq!(store.check(&sha, &mut |_| {}).unwrap(), BlobCheck::Matches);

        let claimed = "ab".repeat(32);
        let mut wrong = store.receive(&claimed).unwrap();
        wrong.write_all(b"not what the hash says").unwrap();
        let refused = wrong.finish(&mut |_| {}).unwrap();
        assert!(
            refused.is_err(),
            "bytes that do not hash to the name are refused"
        );
        assert!(!store.contains(&claimed));
        assert_eq!(
            fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0,
            "a refused file leaves nothing behind"
        );
        assert!(
            store.receive("../../etc/passwd").is_err(),
            "only a SHA-256 names a file"
        );
    }
}
