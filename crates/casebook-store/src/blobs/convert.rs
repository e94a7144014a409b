//! Sealing the plain blobs of a data directory in place, one at a time, safe to stop or kill at any instant.

use std::fs::{self, File};
use std::io;
use std::ops::ControlFlow;
use std::path::Path;

use super::{blob_files, remove_if_unlocked, same_file, BlobError, BlobStore, PLAIN_DIR};

/// Where a conversion stands, given after each blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealProgress {
    /// Blobs handled so far (sealed, or found sealed already).
    pub done: u64,
    /// Plain blobs there were when this run started.
    pub total: u64,
    /// Plaintext bytes sealed by this run so far.
    pub bytes: u64,
}

/// What a conversion run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SealReport {
    /// Blobs now sealed whose plain copy is gone.
    pub sealed: u64,
    /// Plain blobs still there: held by another process, or the run was stopped. Run again to finish.
    pub left: u64,
    /// Unfinished plain copies and downloads removed from the temporary directory.
    pub temporary_removed: u64,
}

impl BlobStore {
    /// Whether an encrypted store still holds plain blobs: a conversion that was stopped or killed, which
    /// [`BlobStore::seal_plain_blobs`] finishes.
    pub fn plain_blobs_left(&self) -> bool {
        self.key.is_some() && !blob_files(&self.root.join(PLAIN_DIR)).is_empty()
    }

    /// Seals every plain blob under `sha256/` into this encrypted store: the evidence half of `casebook encrypt`,
    /// which opens the store with [`BlobStore::open_encrypted`] and calls this until `left` is 0.
    ///
    /// Per blob: the sealed copy is written to a temporary file and synced, linked into `sealed/` (its directory
    /// synced), checked to open with this key and record that hash, and only then is the plain file removed. So at
    /// every instant each blob is plain, sealed, or both, and a run after a kill finishes the rest (a blob found
    /// both ways just loses its plain copy). Until then the store still reads the plain ones. A plain file that no
    /// longer matches its name is sealed as it is, under its name, so verification still reports it as changed.
    /// Unlocked temporary files are removed first: a plain copy or download left there would keep plaintext on disk
    /// (such a download starts over). A file there not named by a SHA-256 is no blob: it is left alone and counted
    /// in `left`. `progress` is called after each blob; [`ControlFlow::Break`] stops the run
    /// there, every blob left still plain and readable.
    pub fn seal_plain_blobs(
        &self,
        progress: &mut dyn FnMut(SealProgress) -> ControlFlow<()>,
    ) -> Result<SealReport, BlobError> {
        let plain_dir = self.root.join(PLAIN_DIR);
        if self.key.is_none() {
            return Err(BlobError {
                what: "this evidence store is not encrypted, so there is nothing to seal with",
                path: self.root.clone(),
                source: io::Error::from(io::ErrorKind::InvalidInput),
            });
        }
        let mut report = SealReport::default();
        let tmp = self.root.join("tmp");
        for entry in fs::read_dir(&tmp)
            .map_err(BlobError::at("cannot list", &tmp))?
            .flatten()
        {
            report.temporary_removed += u64::from(remove_if_unlocked(&entry.path(), &|| true));
        }
        let plain = blob_files(&plain_dir);
        let mut state = SealProgress {
            done: 0,
            total: plain.len() as u64,
            bytes: 0,
        };
        for (i, path) in plain.iter().enumerate() {
            if self.seal_one(path, &mut state.bytes)? {
                report.sealed += 1;
                state.done += 1;
            } else {
                report.left += 1;
            }
            if progress(state).is_break() {
                report.left += (plain.len() - i - 1) as u64;
                break;
            }
        }
        if report.left == 0 {
            // Empty prefix directories, then `sha256/` itself; `remove_dir` keeps any that are not empty.
            if let Ok(prefixes) = fs::read_dir(&plain_dir) {
                for p in prefixes.flatten() {
                    let _ = fs::remove_dir(p.path());
                }
            }
            let _ = fs::remove_dir(&plain_dir);
        }
        Ok(report)
    }

    /// Seals one plain blob and removes it; `false` when another process holds it, or it is not named by a
    /// SHA-256 (not a blob: it is left alone and counted as left).
    fn seal_one(&self, path: &Path, bytes: &mut u64) -> Result<bool, BlobError> {
        let Some(sha) = path.file_name().map(|n| n.to_string_lossy().to_string()) else {
            return Ok(false);
        };
        if sha.len() != 64 || !sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Ok(false);
        }
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(true),
            Err(e) => return Err(BlobError::at("cannot open the stored evidence", path)(e)),
        };
        if file.try_lock().is_err() || !same_file(&file, path) {
            return Ok(false);
        }
        let dest = self.path_of(&sha);
        if !dest.exists() {
            let base = *bytes;
            let pending = self.write_temp_as(&file, Some(&sha), &mut |n| *bytes = base + n)?;
            drop(pending.place()?);
        }
        // The plain copy goes only once a sealed one that opens with this key and names this hash is in place.
        if self.sha_of_file(&dest).as_deref() != Some(sha.as_str()) {
            return Err(BlobError {
                what: "the sealed copy does not open with this key; the plain file was kept",
                path: dest,
                source: io::Error::from(io::ErrorKind::InvalidData),
            });
        }
        fs::remove_file(path).map_err(BlobError::at("cannot remove the plain evidence", path))?;
        if let Some(parent) = path.parent() {
            if let Ok(d) = File::open(parent) {
                let _ = d.sync_all();
            }
        }
        Ok(true)
    }
}
