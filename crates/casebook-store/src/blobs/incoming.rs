//! Evidence arriving from elsewhere: a transfer written to a locked temporary file, resumable, placed only once
//! its SHA-256 matched.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::PathBuf;

use super::sealed::{self, BlobKey, SealReader, SealWriter};
use super::stream::Sink;
use super::{hash_reader, BlobError, BlobStore, PendingBlob, StagedBlob};

/// An evidence file arriving from elsewhere (the team server): written to a locked temporary file named by the hash
/// it must have (its keyed name, sealed as it comes, in an encrypted store), so a transfer cut short resumes where it
/// stopped, and put in the store only by
/// [`Incoming::finish`], after its SHA-256 matched. Left unfinished, it stays out of the store, and the next open's
/// sweep removes it.
#[derive(Debug)]
pub struct Incoming {
    sha256: String,
    tmp: PathBuf,
    sink: Sink,
    received: u64,
    dir: PathBuf,
    name: String,
    key: Option<BlobKey>,
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
        let file = self
            .sink
            .finish(&self.sha256)
            .map_err(BlobError::at("cannot write the received file", &self.tmp))?;
        file.sync_all()
            .map_err(BlobError::at("cannot sync the received file", &self.tmp))?;
        let reader = File::open(&self.tmp)
            .map_err(BlobError::at("cannot read the received file", &self.tmp))?;
        let actual = match &self.key {
            None => hash_reader(reader, progress),
            Some(key) => SealReader::new(reader, key).and_then(|r| hash_reader(r, progress)),
        }
        .map_err(BlobError::at("cannot read the received file", &self.tmp))?;
        if actual != self.sha256 {
            let _ = fs::remove_file(&self.tmp);
            return Ok(Err(actual));
        }
        let pending = PendingBlob {
            sha256: self.sha256,
            size: self.received,
            tmp: self.tmp,
            file: Some(file),
            dir: self.dir,
            name: self.name,
        };
        pending.place().map(Ok)
    }
}

impl Write for Incoming {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.sink.write(buf)?;
        self.received += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Plain(f) => f.flush(),
            // A sealed chunk is written whole once full; what is held waits for more bytes or `finish`.
            Sink::Sealed(_) => Ok(()),
        }
    }
}

impl BlobStore {
    /// Opens (or resumes) the transfer of the blob that must hash to `sha256`. Another process receiving the same
    /// file holds its lock: that is `WouldBlock`, try again later.
    pub fn receive(&self, sha256: &str) -> Result<Incoming, BlobError> {
        let name = self.name_of(sha256);
        let tmp = self.root.join("tmp").join(format!("{name}.incoming"));
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
            .read(true)
            .write(true)
            .truncate(false)
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
        let (sink, received) = match &self.key {
            None => resume_plain(file),
            Some(key) => resume_sealed(file, key, sha256),
        }
        .map_err(BlobError::at("cannot read the temporary file", &tmp))?;
        Ok(Incoming {
            sha256: sha256.to_string(),
            tmp,
            sink,
            received,
            dir: self.blob_dir(),
            name,
            key: self.key.clone(),
        })
    }
}

/// A plain transfer carries on at the end of what is there.
fn resume_plain(mut file: File) -> io::Result<(Sink, u64)> {
    let received = file.seek(SeekFrom::End(0))?;
    Ok((Sink::Plain(file), received))
}

/// A sealed transfer keeps the whole chunks an earlier one wrote under the same header and drops a torn last one
/// (the held, unsealed part of a chunk died with its process); anything else starts over.
fn resume_sealed(mut file: File, key: &BlobKey, sha256: &str) -> io::Result<(Sink, u64)> {
    let len = file.metadata()?.len();
    if len >= sealed::HEADER as u64 {
        if let Ok((header, _, sha)) = sealed::read_header(&mut file, key) {
            if sha == sha256 {
                let chunks = (len - sealed::HEADER as u64) / sealed::SEALED_CHUNK as u64;
                let keep = sealed::HEADER as u64 + chunks * sealed::SEALED_CHUNK as u64;
                file.set_len(keep)?;
                file.seek(SeekFrom::Start(keep))?;
                let w = SealWriter::resume(file, key, &header, chunks);
                let received = w.taken();
                return Ok((Sink::Sealed(Box::new(w)), received));
            }
        }
    }
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    Ok((
        Sink::Sealed(Box::new(SealWriter::create(file, key, Some(sha256))?)),
        0,
    ))
}
