//! Case bundles: one incident's events (with the accounts and targets they refer to) and its evidence blobs in one
//! tar file, for hand-over between Casebooks. Evidence is re-hashed on export and verified on import; an import
//! is all or nothing and idempotent (events are deduplicated by id). Reading a bundle from outside is `reader`'s:
//! bounded in memory and disk whatever the file claims.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use casebook_core::event::WireEvent;
use casebook_core::signing::{normalize_fingerprint, PublicKey};
use casebook_core::{Event, IncidentId};
use casebook_core::{EventId, Payload};
use casebook_store::append::read_events;
use casebook_store::arrival::{Arrival, Arrivals};
use chrono::{DateTime, Utc};
use hashing::HashingReader;
use serde::{Deserialize, Serialize};

use crate::error::{io, ErrorCode};
use crate::{Casebook, Error, Hint, Result};

pub mod reader;
pub use reader::{decode_event, EventLineError};

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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    pub incident_key: String,
    /// Events admitted into the log that change a case or, by its authority, the directory.
    pub admitted: u64,
    /// Accounts and device keys that the bundle's devices claim for themselves: kept to show names, deciding nothing.
    pub claims: u64,
    /// Events that were already here, byte for byte.
    pub already_present: u64,
    /// Events the admission rule refused (kept aside; `casebook log refused` lists them).
    pub refused: u64,
    /// Events that reuse a device sequence (a fork) or an event id with other content, kept aside and reported.
    pub forks: u64,
    pub reused_ids: u64,
    /// The first refusals, with their reasons (all of them are in `casebook log refused`).
    pub refusals: Vec<RefusalLine>,
    /// Devices in the bundle that nobody you trust vouches for: their events were imported for reading only.
    pub unverified_devices: Vec<casebook_store::trust::UntrustedDevice>,
    pub blobs: u64,
}

/// One refused event, as reported by an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefusalLine {
    pub event: EventId,
    pub kind: String,
    pub code: String,
    pub reason: String,
}

/// How many refusals an import report lists one by one.
const REFUSALS_SHOWN: usize = 20;

impl ImportReport {
    /// A bundle none of whose new events was admitted (claims about people aside): the import changed nothing a
    /// person would see.
    pub fn all_refused(&self) -> bool {
        self.admitted == 0 && self.refused > 0
    }
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
                let start = lines.len();
                serde_json::to_writer(&mut lines, &WireEvent::from(e)).map_err(json_err)?;
                if lines.len() - start > reader::MAX_EVENT_LINE {
                    return Err(Error::new(
                        ErrorCode::InvalidInput,
                        format!("event {} is larger than a bundle may carry ({} bytes); nothing was exported", e.id(), reader::MAX_EVENT_LINE),
                    ));
                }
                lines.push(b'\n');
            }
            append_bytes(&mut tar, EVENTS, &lines)?;
            let mut done = 0u64;
            for b in &blobs {
                let Some(f) = self.blobs.open_blob(&b.sha256)? else {
                    return Err(Error::new(
                        ErrorCode::Integrity,
                        format!(
                            "the stored copy of {} is missing; nothing was exported",
                            b.name
                        ),
                    ));
                };
                let mut header = tar::Header::new_gnu();
                header.set_size(b.size);
                header.set_mode(0o644);
                header.set_cksum();
                let mut reader = HashingReader::new(f);
                tar.append_data(&mut header, format!("blobs/{}", b.sha256), &mut reader)
                    .map_err(|e| {
                        if e.kind() == std::io::ErrorKind::InvalidData {
                            Error::with_source(
                                ErrorCode::Integrity,
                                format!(
                                    "the stored copy of {} is damaged ({e}); nothing was exported",
                                    b.name
                                ),
                                e,
                            )
                        } else {
                            io("cannot write the bundle")(e)
                        }
                    })?;
                if reader.finish() != b.sha256 {
                    return Err(Error::new(
                        ErrorCode::Integrity,
                        format!("the stored copy of {} no longer matches its SHA-256; nothing was exported", b.name),
                    )
                    .hint(Hint::VerifyEvidence {
                        incident: detail.row.key.clone(),
                    }));
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

    /// Imports a bundle: every event passes the admission rule (refused ones are kept aside with their reasons), and
    /// the evidence blobs come in only if the import commits. `trust` lists device key fingerprints the person
    /// confirmed with their owners: those devices' events then count as their authors' own, and may change incidents
    /// already held here. `progress` gets bytes of evidence read so far.
    pub fn import_bundle(
        &mut self,
        src: &Path,
        trust: &[String],
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportReport> {
        let reader::ReadBundle {
            manifest,
            mut events,
            blobs,
        } = reader::read_bundle(src, &self.blobs, progress)?;
        let mut report = ImportReport {
            incident_key: manifest.incident_key,
            admitted: 0,
            claims: 0,
            already_present: 0,
            refused: 0,
            forks: 0,
            reused_ids: 0,
            refusals: Vec::new(),
            unverified_devices: Vec::new(),
            blobs: blobs.len() as u64,
        };
        // Causes before effects: a device's key before its events, an incident's opening before its changes.
        events.sort_by(|a, b| a.body.hlc.cmp(&b.body.hlc).then(a.body.id.cmp(&b.body.id)));
        let now = self.now().timestamp_micros();
        let tx = self.store.write()?;
        trust_devices(&tx, &events, trust, now)?;
        let origin = format!(
            "bundle {}",
            src.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let mut arrivals = Arrivals::new(&tx, now, &origin)?;
        for e in &events {
            match arrivals.append(e)? {
                Arrival::Applied(s)
                    if e.body.incident.is_none()
                        && s.standing != casebook_core::admission::Standing::Authority
                        && matches!(
                            e.payload(),
                            Payload::UserRegistered { .. } | Payload::DeviceBound { .. }
                        ) =>
                {
                    report.claims += 1
                }
                Arrival::Applied(_) => report.admitted += 1,
                Arrival::Duplicate => report.already_present += 1,
                Arrival::Fork { .. } => report.forks += 1,
                Arrival::ReusedId => report.reused_ids += 1,
                Arrival::Refused(r) => {
                    report.refused += 1;
                    if report.refusals.len() < REFUSALS_SHOWN {
                        report.refusals.push(RefusalLine {
                            event: e.id(),
                            kind: e.payload().kind().to_string(),
                            code: r.code.as_str().to_string(),
                            reason: r.reason,
                        });
                    }
                }
            }
        }
        // A held event displaced by an arrival with a smaller hash is reported like the arrival kept aside would be.
        let (forks, reused) = arrivals.displaced();
        report.forks += forks;
        report.reused_ids += reused;
        arrivals.finish()?;
        let bundle_devices: std::collections::HashSet<_> =
            events.iter().map(|e| e.body.device).collect();
        report.unverified_devices = casebook_store::trust::untrusted_devices(&tx)?
            .into_iter()
            .filter(|d| bundle_devices.contains(&d.device))
            .collect();
        // In place only now that every check passed, and locked until the events that name them have committed.
        let placed = blobs
            .into_iter()
            .map(|b| b.place())
            .collect::<std::result::Result<Vec<_>, _>>()?;
        tx.commit().map_err(casebook_store::StoreError::from)?;
        drop(placed);
        Ok(report)
    }
}

/// Records the person's trust in the bundle's devices whose key fingerprints they typed. A fingerprint that no
/// device of the bundle has is an error: a typo must not pass silently.
fn trust_devices(
    tx: &casebook_store::Transaction,
    events: &[Event],
    fingerprints: &[String],
    now: i64,
) -> Result<()> {
    for typed in fingerprints {
        let wanted = normalize_fingerprint(typed).ok_or_else(|| {
                Error::invalid(format!(
                    "`{typed}` is not a device fingerprint (eight groups of four hex digits, as shown when a bundle is opened)"
                ))
            })?;
        let found = events.iter().find_map(|e| match e.payload() {
            Payload::DeviceBound {
                device, public_key, ..
            } if *device == e.body.device => PublicKey::from_hex(public_key)
                .ok()
                .filter(|k| k.fingerprint().replace(':', "") == wanted)
                .map(|k| (*device, k)),
            _ => None,
        });
        let (device, key) = found.ok_or_else(|| {
            Error::invalid(format!(
                "no device in this bundle has the fingerprint {typed}; nothing was imported"
            ))
        })?;
        casebook_store::trust::trust_device(tx, device, &key, now)?;
    }
    Ok(())
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
