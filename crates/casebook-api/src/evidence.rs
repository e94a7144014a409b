//! Evidence: copying a file into the content-addressed store with its SHA-256, chain of custody, and re-verification.

use std::fs::File;
use std::path::Path;

use casebook_core::authz::Action;
use casebook_core::model::CustodyAction;
use casebook_core::{EvidenceId, Payload};
use casebook_store::blobs::BlobCheck;
use casebook_store::read::{self, EvidenceView};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{io, ErrorCode};
use crate::{Casebook, Error, Hint, Result};

/// What a person says about an evidence file besides the file itself.
#[derive(Debug, Clone, Default)]
pub struct EvidenceInput {
    /// By default: the file's name.
    pub name: Option<String>,
    pub description: String,
    pub source_host: String,
    /// By default: the path it was added from.
    pub source_path: Option<String>,
    /// By default: now.
    pub acquired_at: Option<DateTime<Utc>>,
    /// By default: the media type guessed from the extension.
    pub media_type: Option<String>,
}

/// A custody step as a person records it.
#[derive(Debug, Clone)]
pub struct CustodyInput {
    pub action: CustodyAction,
    /// By default: the acting person.
    pub who: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub location: String,
    pub reason: String,
}

/// What a hash check found of one evidence file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceStatus {
    /// The stored file still has the SHA-256 recorded when it was collected.
    Ok,
    /// Its content changed: `actual_sha256` says what it hashes to now.
    Changed,
    /// The file is not in this laptop's evidence store.
    Missing,
}

/// The verdict on one evidence item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EvidenceVerdict {
    pub id: EvidenceId,
    pub incident_key: String,
    pub name: String,
    pub sha256: String,
    pub status: EvidenceStatus,
    pub actual_sha256: Option<String>,
}

impl EvidenceVerdict {
    pub fn ok(&self) -> bool {
        self.status == EvidenceStatus::Ok
    }
}

impl Casebook {
    /// Copies `path` into the evidence store (streaming: any size, fixed memory), records it with a `collected`
    /// custody step, and returns it. `progress` gets bytes copied so far.
    pub fn add_evidence(
        &mut self,
        key_or_id: &str,
        path: &Path,
        input: EvidenceInput,
        progress: &mut dyn FnMut(u64),
    ) -> Result<EvidenceView> {
        let id = self.editable(key_or_id)?;
        let me = self.me()?;
        let file = File::open(path).map_err(|e| {
            let what = if e.kind() == std::io::ErrorKind::NotFound {
                "there is no file"
            } else {
                "cannot read the file"
            };
            Error::with_source(
                ErrorCode::InvalidInput,
                format!("{what} {}: {e}; nothing was added", path.display()),
                e,
            )
        })?;
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(Error::invalid(format!(
                "{} is a directory; add the files in it one by one (or an archive of them)",
                path.display()
            )));
        }
        let name = input
            .name
            .filter(|n| !n.trim().is_empty())
            .or_else(|| path.file_name().map(|n| n.to_string_lossy().to_string()))
            .ok_or_else(|| Error::invalid("the evidence needs a name"))?;
        let staged = self.blobs.stage(file, progress)?;
        let acquired_at = input.acquired_at.unwrap_or_else(|| self.now());
        let evidence = EvidenceId(Uuid::now_v7());
        let source_path = input
            .source_path
            .unwrap_or_else(|| path.display().to_string());
        let payloads = vec![
            Payload::EvidenceAdded {
                evidence,
                name: name.clone(),
                sha256: staged.sha256.clone(),
                size: staged.size,
                media_type: input
                    .media_type
                    .unwrap_or_else(|| media_type(&name).to_string()),
                acquired_at,
                acquired_by: me.user.name.clone(),
                source_host: input.source_host.clone(),
                source_path,
                description: input.description,
            },
            Payload::CustodyRecorded {
                evidence,
                action: CustodyAction::Collected,
                who: me.user.name,
                at: acquired_at,
                location: input.source_host,
                reason: "added to the case".into(),
            },
        ];
        self.commit(Some(id), payloads)?;
        // Only now may a sweep consider the blob: the event that references it is committed.
        drop(staged);
        self.evidence_item(evidence)
    }

    fn evidence_item(&self, evidence: EvidenceId) -> Result<EvidenceView> {
        self.stored_here(read::evidence(self.store.conn(), None)?)
            .into_iter()
            .find(|e| e.id == evidence)
            .ok_or_else(|| Error::not_found(format!("evidence {evidence}")))
    }

    /// An incident's evidence, each item saying whether its file is on this laptop (evidence made on another laptop
    /// comes down with `fetch_evidence`).
    pub fn evidence(&self, key_or_id: &str) -> Result<Vec<EvidenceView>> {
        let id = self.resolve(key_or_id)?;
        Ok(self.stored_here(read::evidence(self.store.conn(), Some(id))?))
    }

    /// Fills in what only the blob store knows: whether each item's file is here.
    fn stored_here(&self, mut items: Vec<EvidenceView>) -> Vec<EvidenceView> {
        for e in &mut items {
            e.stored_here = self.blobs.contains(&e.sha256);
        }
        items
    }

    /// Finds an evidence item of an incident by id, id prefix, SHA-256 prefix or name.
    pub fn find_evidence(&self, key_or_id: &str, which: &str) -> Result<EvidenceView> {
        let which = which.trim();
        let all = self.evidence(key_or_id)?;
        let mut hits: Vec<EvidenceView> = all
            .into_iter()
            .filter(|e| {
                e.name == which
                    || (which.len() >= 6
                        && (e.id.to_string().starts_with(which)
                            || e.sha256.starts_with(&which.to_lowercase())))
            })
            .collect();
        match hits.len() {
            1 => Ok(hits.remove(0)),
            0 => Err(
                Error::not_found(format!("no evidence `{which}` in this incident")).hint(
                    Hint::ListEvidence {
                        incident: key_or_id.trim().to_string(),
                    },
                ),
            ),
            n => Err(Error::invalid(format!(
                "{n} evidence items match `{which}`; give more of the id or hash"
            ))),
        }
    }

    /// Adds a step to an evidence item's chain of custody.
    pub fn add_custody(
        &mut self,
        key_or_id: &str,
        which: &str,
        c: CustodyInput,
    ) -> Result<EvidenceView> {
        let id = self.editable(key_or_id)?;
        let ev = self.find_evidence(key_or_id, which)?;
        let who = match c.who {
            Some(w) if !w.trim().is_empty() => w.trim().to_string(),
            _ => self.me()?.user.name,
        };
        self.commit(
            Some(id),
            vec![Payload::CustodyRecorded {
                evidence: ev.id,
                action: c.action,
                who,
                at: c.at.unwrap_or_else(|| self.now()),
                location: c.location,
                reason: c.reason,
            }],
        )?;
        self.evidence_item(ev.id)
    }

    /// Re-hashes stored evidence (of one incident, or all) and says which items still match their recorded SHA-256.
    pub fn verify_evidence(
        &self,
        key_or_id: Option<&str>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<EvidenceVerdict>> {
        self.authorize(Action::Read)?;
        let incident = key_or_id.map(|k| self.resolve(k)).transpose()?;
        let items = read::evidence(self.store.conn(), incident)?;
        let keys: std::collections::HashMap<_, _> =
            read::incidents(self.store.conn(), &Default::default(), i64::MAX)?
                .into_iter()
                .map(|i| (i.id, i.key))
                .collect();
        let mut done = 0u64;
        let mut out = Vec::with_capacity(items.len());
        for e in items {
            let base = done;
            let check = self.blobs.check(&e.sha256, &mut |n| progress(base + n))?;
            done += e.size;
            let (status, actual) = match check {
                BlobCheck::Matches => (EvidenceStatus::Ok, None),
                BlobCheck::Differs { actual } => (EvidenceStatus::Changed, Some(actual)),
                BlobCheck::Missing => (EvidenceStatus::Missing, None),
                // An encrypted copy that no longer decrypts was altered too; it hashes to nothing readable.
                BlobCheck::Damaged { .. } => (EvidenceStatus::Changed, None),
            };
            out.push(EvidenceVerdict {
                id: e.id,
                incident_key: keys.get(&e.incident_id).cloned().unwrap_or_default(),
                name: e.name,
                sha256: e.sha256,
                status,
                actual_sha256: actual,
            });
        }
        Ok(out)
    }

    /// Copies a stored evidence file out to `dest`, verifying its hash on the way.
    pub fn extract_evidence(
        &self,
        key_or_id: &str,
        which: &str,
        dest: &Path,
    ) -> Result<EvidenceView> {
        let ev = self.find_evidence(key_or_id, which)?;
        if !ev.stored_here {
            return Err(Error::not_found(format!(
                "the file of {} is not on this laptop yet; it can be fetched from the team server",
                ev.name
            ))
            .hint(Hint::FetchEvidence {
                incident: key_or_id.trim().to_string(),
                evidence: ev.sha256[..12.min(ev.sha256.len())].to_string(),
            }));
        }
        let Some(mut src) = self.blobs.open_blob(&ev.sha256)? else {
            return Err(Error::not_found(format!(
                "the stored copy of {} is missing",
                ev.name
            )));
        };
        let copied = File::create(dest).and_then(|mut out| {
            std::io::copy(&mut src, &mut out)?;
            out.sync_all()
        });
        if let Err(e) = copied {
            if e.kind() == std::io::ErrorKind::InvalidData {
                // A sealed copy failed authentication part way: what was written is not the evidence.
                let _ = std::fs::remove_file(dest);
                return Err(Error::with_source(
                    ErrorCode::Integrity,
                    format!("the stored copy of {} is damaged: {e}", ev.name),
                    e,
                ));
            }
            return Err(io(format!(
                "cannot copy the evidence to {}",
                dest.display()
            ))(e));
        }
        let f = File::open(dest).map_err(io("cannot re-read the copy"))?;
        let got = casebook_store::blobs::hash_reader(f, &mut |_| {})
            .map_err(io("cannot re-read the copy"))?;
        if got != ev.sha256 {
            return Err(Error::new(
                ErrorCode::Integrity,
                format!(
                    "the stored copy of {} no longer matches its SHA-256",
                    ev.name
                ),
            ));
        }
        Ok(ev)
    }
}

/// A media type from the file name, for the common evidence formats; unknown ones are plain bytes.
fn media_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "eml" => "message/rfc822",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "json" | "jsonl" => "application/json",
        "pcap" | "pcapng" => "application/vnd.tcpdump.pcap",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "evtx" => "application/x-ms-evtx",
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}
