//! Case bundles: one incident's events (with the accounts and targets they refer to) and its evidence blobs in one
//! tar file, for hand-over between Casebooks. Evidence is re-hashed on export and verified on import; an import
//! is all or nothing and idempotent (events are deduplicated by id).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use casebook_core::event::WireEvent;
use casebook_core::{Event, IncidentId};
use casebook_store::append::{append_remote, read_events, Arrival, Refused};
use casebook_store::blobs::StagedBlob;
use chrono::{DateTime, Utc};
use hashing::HashingReader;
use serde::{Deserialize, Serialize};

use crate::error::{io, ErrorCode};
use crate::{Casebook, Error, Result};

const MANIFEST: &str = "casebook-bundle.json";
const EVENTS: &str = "events.jsonl";
const FORMAT: &str = "casebook-bundle";
const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub incident_id: IncidentId,
    pub incident_key: String,
    pub title: String,
    pub exported_at: DateTime<Utc>,
    pub exported_by: String,
    pub events: u64,
    pub blobs: Vec<BlobEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlobEntry {
    pub sha256: String,
    pub size: u64,
    pub name: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub incident_key: String,
    pub applied: u64,
    pub already_present: u64,
    pub forks: u64,
    pub blobs: u64,
}

impl Casebook {
    /// Writes one incident as a bundle. `progress` gets bytes of evidence written so far.
    pub fn export_bundle(
        &self,
        key_or_id: &str,
        dest: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Manifest> {
        let id = self.resolve(key_or_id)?;
        let detail = self.incident_by_id(id)?;
        let me = self
            .me()
            .map(|m| m.user.name)
            .unwrap_or_else(|_| "unknown".into());
        let conn = self.store.conn();
        let mut events = Vec::new();
        let mut after = 0;
        loop {
            let batch = read_events(conn, None, after, 5_000)?;
            let Some((last, _)) = batch.last() else { break };
            after = *last;
            events.extend(
                batch
                    .into_iter()
                    .map(|(_, e)| e)
                    .filter(|e| e.body.incident.is_none_or(|i| i == id)),
            );
        }
        let evidence = casebook_store::read::evidence(conn, Some(id))?;
        let mut blobs: Vec<BlobEntry> = evidence
            .iter()
            .map(|e| BlobEntry {
                sha256: e.sha256.clone(),
                size: e.size,
                name: e.name.clone(),
            })
            .collect();
        blobs.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        blobs.dedup_by(|a, b| a.sha256 == b.sha256);
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            incident_id: id,
            incident_key: detail.row.key.clone(),
            title: detail.row.title.clone(),
            exported_at: self.now(),
            exported_by: me,
            events: events.len() as u64,
            blobs: blobs.clone(),
        };
        // Written beside the destination and renamed at the end, so a failed export leaves no half bundle.
        let tmp = dest.with_extension("partial");
        let file = File::create(&tmp).map_err(io(format!("cannot create {}", tmp.display())))?;
        let result = (|| -> Result<()> {
            let mut tar = tar::Builder::new(std::io::BufWriter::new(file));
            append_bytes(
                &mut tar,
                MANIFEST,
                &serde_json::to_vec_pretty(&manifest).map_err(json_err)?,
            )?;
            let mut lines = Vec::new();
            for e in &events {
                serde_json::to_writer(&mut lines, &WireEvent::from(e)).map_err(json_err)?;
                lines.push(b'\n');
            }
            append_bytes(&mut tar, EVENTS, &lines)?;
            let mut done = 0u64;
            for b in &blobs {
                let path = self.blobs.path_of(&b.sha256);
                let f = File::open(&path).map_err(|e| {
                    Error::with_source(
                        ErrorCode::Integrity,
                        format!(
                            "the stored copy of {} is missing; nothing was exported",
                            b.name
                        ),
                        e,
                    )
                })?;
                let mut header = tar::Header::new_gnu();
                header.set_size(b.size);
                header.set_mode(0o644);
                header.set_cksum();
                let mut reader = HashingReader::new(f);
                tar.append_data(&mut header, format!("blobs/{}", b.sha256), &mut reader)
                    .map_err(io("cannot write the bundle"))?;
                if reader.finish() != b.sha256 {
                    return Err(Error::new(
                        ErrorCode::Integrity,
                        format!("the stored copy of {} no longer matches its SHA-256; nothing was exported (run `casebook evidence verify`)", b.name),
                    ));
                }
                done += b.size;
                progress(done);
            }
            let mut w = tar.into_inner().map_err(io("cannot finish the bundle"))?;
            w.flush().map_err(io("cannot finish the bundle"))?;
            w.get_ref()
                .sync_all()
                .map_err(io("cannot sync the bundle"))?;
            Ok(())
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, dest)
            .map_err(io(format!("cannot move the bundle to {}", dest.display())))?;
        Ok(manifest)
    }

    /// Imports a bundle: every event and blob, or nothing. `progress` gets bytes of evidence read so far.
    pub fn import_bundle(
        &mut self,
        src: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportReport> {
        let file = File::open(src).map_err(|e| {
            Error::with_source(
                ErrorCode::InvalidInput,
                format!("cannot open {}: {e}", src.display()),
                e,
            )
        })?;
        let mut archive = tar::Archive::new(BufReader::new(file));
        let not_a_bundle = |why: String| {
            Error::invalid(format!(
                "{} is not a Casebook bundle ({why}); nothing was imported",
                src.display()
            ))
        };
        let mut manifest: Option<Manifest> = None;
        let mut events: Vec<Event> = Vec::new();
        let mut staged: Vec<StagedBlob> = Vec::new();
        let mut bytes = 0u64;
        let entries = archive.entries().map_err(|e| not_a_bundle(e.to_string()))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| not_a_bundle(e.to_string()))?;
            let path = entry
                .path()
                .map_err(|e| not_a_bundle(e.to_string()))?
                .to_string_lossy()
                .to_string();
            if path == MANIFEST {
                let mut buf = Vec::new();
                entry
                    .read_to_end(&mut buf)
                    .map_err(|e| not_a_bundle(e.to_string()))?;
                let m: Manifest = serde_json::from_slice(&buf)
                    .map_err(|e| not_a_bundle(format!("its manifest is unreadable: {e}")))?;
                if m.format != FORMAT || m.version > VERSION {
                    return Err(Error::new(
                        ErrorCode::NewerVersion,
                        format!("{} is a bundle of format {} version {}; this Casebook reads {FORMAT} up to version {VERSION}", src.display(), m.format, m.version),
                    ));
                }
                manifest = Some(m);
            } else if path == EVENTS {
                for (n, line) in BufReader::new(&mut entry).lines().enumerate() {
                    let line = line.map_err(|e| not_a_bundle(e.to_string()))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let wire: WireEvent = serde_json::from_str(&line).map_err(|e| {
                        not_a_bundle(format!("event line {} is malformed: {e}", n + 1))
                    })?;
                    events.push(Event::try_from(wire).map_err(|e| {
                        Error::with_source(ErrorCode::NewerVersion, e.to_string(), e)
                    })?);
                }
            } else if let Some(sha) = path.strip_prefix("blobs/") {
                let base = bytes;
                let blob = self.blobs.stage(&mut entry, &mut |n| progress(base + n))?;
                bytes += blob.size;
                if blob.sha256 != sha {
                    return Err(Error::new(
                        ErrorCode::Integrity,
                        format!("the bundle's copy of evidence {sha} is damaged (its content hashes to {}); nothing was imported", blob.sha256),
                    ));
                }
                staged.push(blob);
            }
        }
        let manifest = manifest.ok_or_else(|| not_a_bundle(format!("it has no {MANIFEST}")))?;
        for b in &manifest.blobs {
            if !staged.iter().any(|s| s.sha256 == b.sha256) && !self.blobs.contains(&b.sha256) {
                return Err(Error::new(
                    ErrorCode::Integrity,
                    format!(
                        "the bundle lacks the evidence file {} ({}); nothing was imported",
                        b.name, b.sha256
                    ),
                ));
            }
        }
        let mut report = ImportReport {
            incident_key: manifest.incident_key,
            applied: 0,
            already_present: 0,
            forks: 0,
            blobs: staged.len() as u64,
        };
        let tx = self.store.write()?;
        for e in &events {
            match append_remote(&tx, e) {
                Ok(Arrival::Applied) => report.applied += 1,
                Ok(Arrival::Duplicate) => report.already_present += 1,
                Ok(Arrival::Fork { .. }) => report.forks += 1,
                Err(Refused::BadHash(id)) => {
                    return Err(Error::new(ErrorCode::Integrity, format!("event {id} in the bundle was changed after it was written; nothing was imported")))
                }
                Err(Refused::Store(s)) => return Err(s.into()),
            }
        }
        tx.commit().map_err(casebook_store::StoreError::from)?;
        drop(staged);
        Ok(report)
    }
}

fn append_bytes<W: Write>(tar: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
        .map_err(io("cannot write the bundle"))
}

fn json_err(e: serde_json::Error) -> Error {
    Error::with_source(
        ErrorCode::Internal,
        format!("cannot encode the bundle: {e}"),
        e,
    )
}

mod hashing {
    //! A reader that hashes what passes through it (SHA-256), so evidence is verified while it is exported.
    use std::io::Read;

    use sha2::{Digest, Sha256};

    pub struct HashingReader<R> {
        inner: R,
        hasher: Sha256,
    }

    impl<R: Read> HashingReader<R> {
        pub fn new(inner: R) -> Self {
            HashingReader {
                inner,
                hasher: Sha256::new(),
            }
        }

        pub fn finish(self) -> String {
            hex::encode(self.hasher.finalize())
        }
    }

    impl<R: Read> Read for HashingReader<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.hasher.update(&buf[..n]);
            Ok(n)
        }
    }
}
