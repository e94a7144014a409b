//! Evidence files across laptops: an item made on another laptop is listed as soon as its event arrives, and its file
//! comes down from the team server when asked (one item, or all of an incident ahead of time). A download resumes
//! where a dropped connection left it, and the file enters this laptop's evidence store only once its SHA-256
//! matches the one its event recorded: a server that sends other bytes leaves nothing behind.

use std::io::Write;

use casebook_core::authz::Action;
use casebook_store::read::EvidenceView;
use casebook_sync::SyncError;

use crate::sync::sync_error;
use crate::{Casebook, Error, ErrorCode, Result};

/// Dropped connections a download survives, each resumed where it stopped, as long as each brought bytes.
const RESUMES: u32 = 5;

/// Counts what passes to the file and refuses bytes past the size the event recorded (a server that never stops).
struct Receiving<'a> {
    file: &'a mut casebook_store::blobs::Incoming,
    size: u64,
    /// Bytes of earlier files, for a bar over several.
    base: u64,
    total: Option<u64>,
    progress: &'a mut dyn FnMut(u64, Option<u64>),
    too_long: bool,
}

impl Write for Receiving<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.file.received() + buf.len() as u64 > self.size {
            self.too_long = true;
            return Err(std::io::Error::other(
                "the server sent more bytes than the evidence has",
            ));
        }
        let n = self.file.write(buf)?;
        (self.progress)(self.base + self.file.received(), self.total);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Casebook {
    /// Brings an evidence item's file to this laptop from the team server (by id, SHA-256 prefix or name, as
    /// `add_custody` takes it), verifying its SHA-256 before it enters the evidence store. `progress` gets the bytes
    /// received so far and the file's size. An item already here returns at once.
    pub fn fetch_evidence(
        &mut self,
        key: &str,
        evidence: &str,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<EvidenceView> {
        self.authorize(Action::Read)?;
        let item = self.find_evidence(key, evidence)?;
        if item.stored_here {
            return Ok(item);
        }
        self.download(&item, 0, Some(item.size), progress)?;
        self.find_evidence(key, &item.id.to_string())
    }

    /// Brings every file of an incident's evidence that is not on this laptop yet (ahead of time, for working
    /// offline); returns how many came down. Files the server does not hold yet (their laptop has not synced them)
    /// are skipped; the next call brings them. `progress` counts bytes over all the files.
    pub fn fetch_incident_evidence(
        &mut self,
        key: &str,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<u64> {
        self.authorize(Action::Read)?;
        let mut missing = self.evidence(key)?;
        missing.retain(|e| !e.stored_here);
        // Two items of one file come down once.
        missing.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        missing.dedup_by(|a, b| a.sha256 == b.sha256);
        let total: u64 = missing.iter().map(|e| e.size).sum();
        let mut done = 0;
        let mut fetched = 0;
        for item in &missing {
            match self.download(item, done, Some(total), progress) {
                Ok(()) => fetched += 1,
                Err(e) if e.code == ErrorCode::NotFound => {}
                Err(e) => return Err(e),
            }
            done += item.size;
            progress(done, Some(total));
        }
        Ok(fetched)
    }

    /// Downloads one file into the store (resuming after dropped connections) and checks its hash on arrival.
    fn download(
        &mut self,
        item: &EvidenceView,
        base: u64,
        total: Option<u64>,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<()> {
        let (_, client) = self.client()?;
        let mut incoming = self.blobs.receive(&item.sha256).map_err(|e| {
            if e.source.kind() == std::io::ErrorKind::WouldBlock {
                Error::new(
                    ErrorCode::Busy,
                    format!(
                        "{} is already coming down in another window; try again when it is done",
                        item.name
                    ),
                )
            } else {
                e.into()
            }
        })?;
        let mut resumes = 0;
        while incoming.received() < item.size {
            let before = incoming.received();
            let mut sink = Receiving {
                file: &mut incoming,
                size: item.size,
                base,
                total,
                progress: &mut *progress,
                too_long: false,
            };
            let result = client.blob_download(&item.sha256, before, &mut sink);
            if sink.too_long {
                incoming.discard();
                return Err(altered(item, "it sent more bytes than the file has"));
            }
            match result {
                Ok(_) if incoming.received() == before => {
                    // An answer without bytes while some are missing: the server's copy is shorter than recorded.
                    incoming.discard();
                    return Err(altered(item, "its copy is shorter than the file"));
                }
                Ok(_) => {}
                Err(SyncError::Offline { .. })
                    if incoming.received() > before && resumes < RESUMES =>
                {
                    resumes += 1;
                }
                Err(e) => return Err(sync_error(e)),
            }
        }
        let staged = incoming
            .finish(&mut |_| {})?
            .map_err(|actual| altered(item, &format!("what it sent has SHA-256 {actual}")))?;
        // The event naming the file committed long ago: the lock may go at once.
        drop(staged);
        Ok(())
    }
}

fn altered(item: &EvidenceView, what: &str) -> Error {
    Error::new(
        ErrorCode::Integrity,
        format!(
            "the team server's copy of {} does not match the SHA-256 its event recorded ({}): {what}. Nothing was kept; tell your admin, the server's copy may be damaged or altered",
            item.name, item.sha256
        ),
    )
}
