//! Reading a case bundle from someone else, in memory and disk bounded by what the file really holds, whatever its
//! headers claim.
//!
//! A bundle is read as the exporter writes it: the manifest first, then `events.jsonl`, then one `blobs/<sha256>`
//! entry per evidence file the manifest declares. Only plain files are accepted: the tar crate would expand a GNU
//! sparse entry to the size its header claims (8 GiB from a 1.5 KB file) and read long-name and PAX extension
//! entries whole into memory, so the archive is read raw and every other kind of entry is refused. Each entry's
//! size is checked against its cap, or for evidence against the size the manifest declares, before a byte of it
//! is read. Evidence is streamed into locked temporary files, hashed and size-checked on the way, and evidence no
//! event of the bundle names is skipped unread. Nothing is put in place here: the caller places the blobs only when
//! the import commits, so a refused bundle leaves nothing behind.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use casebook_core::admission::is_sha256;
use casebook_core::event::WireEvent;
use casebook_core::{Event, Payload};
use casebook_store::blobs::{BlobStore, PendingBlob};

use super::{Manifest, EVENTS, FORMAT, MANIFEST, VERSION};
use crate::error::ErrorCode;
use crate::{Error, Result};

/// Largest manifest read: it lists every evidence file by name and hash, so a case with 100,000 of them fits.
pub const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;
/// Largest `events.jsonl`: the events are held in memory until they are admitted in one transaction.
pub const MAX_EVENTS_BYTES: u64 = 256 * 1024 * 1024;
/// Longest event line: an import event carries 1,000 timeline rows (16 KB each on average at this cap); the
/// exporter refuses to write a longer one, so every bundle Casebook writes can be read back.
pub const MAX_EVENT_LINE: usize = 16 * 1024 * 1024;

/// What a bundle holds once every check of the reading has passed.
pub(crate) struct ReadBundle {
    pub manifest: Manifest,
    pub events: Vec<Event>,
    /// Evidence the bundle's events name, hashed and in temporary files, not yet in place.
    pub blobs: Vec<PendingBlob>,
}

/// Where in the bundle the reader is: entries must come in the exporter's order.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Start,
    Manifest,
    Events,
}

/// Reads and checks the whole bundle at `src`; see the module documentation.
pub(crate) fn read_bundle(
    src: &Path,
    blobs: &BlobStore,
    progress: &mut dyn FnMut(u64),
) -> Result<ReadBundle> {
    let file = File::open(src).map_err(|e| {
        Error::with_source(
            ErrorCode::InvalidInput,
            format!("cannot open {}: {e}", src.display()),
            e,
        )
    })?;
    let refuse = |why: String| {
        Error::invalid(format!(
            "{} is not a Casebook bundle that can be read safely ({why}); nothing was imported",
            src.display()
        ))
    };
    let mut archive = tar::Archive::new(BufReader::new(file));
    let entries = archive
        .entries()
        .map_err(|e| refuse(e.to_string()))?
        // Raw: no sparse expansion, no long names or PAX extensions read into memory behind our back.
        .raw(true);
    let mut stage = Stage::Start;
    let mut manifest: Option<Manifest> = None;
    let mut events: Vec<Event> = Vec::new();
    let mut named: HashSet<String> = HashSet::new();
    let mut declared: HashMap<String, u64> = HashMap::new();
    let mut pending: Vec<PendingBlob> = Vec::new();
    let mut seen_blobs: HashSet<String> = HashSet::new();
    let mut bytes = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(|e| refuse(e.to_string()))?;
        let kind = entry.header().entry_type();
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if kind.is_gnu_sparse() {
            return Err(refuse(format!("`{path}` is a sparse entry")));
        }
        if kind != tar::EntryType::Regular {
            return Err(refuse(format!(
                "`{path}` is not a plain file (tar entry type {:?})",
                kind.as_byte() as char
            )));
        }
        let size = entry.size();
        if path == MANIFEST {
            if stage != Stage::Start {
                return Err(refuse(format!("it has a second {MANIFEST}")));
            }
            if size > MAX_MANIFEST_BYTES {
                return Err(refuse(format!(
                    "its manifest claims {size} bytes, more than the {MAX_MANIFEST_BYTES} a manifest may have"
                )));
            }
            let mut buf = Vec::with_capacity(size as usize);
            (&mut entry)
                .take(size)
                .read_to_end(&mut buf)
                .map_err(|e| refuse(e.to_string()))?;
            let m: Manifest = serde_json::from_slice(&buf)
                .map_err(|e| refuse(format!("its manifest is unreadable: {e}")))?;
            if m.format != FORMAT || m.version > VERSION {
                return Err(Error::new(
                    ErrorCode::NewerVersion,
                    format!("{} is a bundle of format {} version {}; this Casebook reads {FORMAT} up to version {VERSION}", src.display(), m.format, m.version),
                ));
            }
            for b in &m.blobs {
                declared.insert(b.sha256.clone(), b.size);
            }
            manifest = Some(m);
            stage = Stage::Manifest;
        } else if path == EVENTS {
            if stage != Stage::Manifest {
                return Err(refuse(format!(
                    "{EVENTS} must come once, right after {MANIFEST}"
                )));
            }
            if size > MAX_EVENTS_BYTES {
                return Err(refuse(format!(
                    "its {EVENTS} claims {size} bytes, more than the {MAX_EVENTS_BYTES} a bundle's events may have"
                )));
            }
            events = read_events(BufReader::new((&mut entry).take(size)), &refuse)?;
            for e in &events {
                // A name that is not a SHA-256 (a path, say) is never looked up: the admission rule refuses its
                // event, and the blob store must not be asked about a path someone else chose.
                if let Payload::EvidenceAdded { sha256, .. } = e.payload() {
                    if is_sha256(sha256) {
                        named.insert(sha256.clone());
                    }
                }
            }
            stage = Stage::Events;
        } else if let Some(sha) = path.strip_prefix("blobs/") {
            if stage != Stage::Events {
                return Err(refuse(format!("evidence `{path}` comes before the events")));
            }
            if !is_sha256(sha) {
                return Err(refuse(format!(
                    "evidence `{path}` is not named by a SHA-256"
                )));
            }
            let Some(&expected) = declared.get(sha) else {
                return Err(refuse(format!(
                    "evidence `{path}` is not listed in its manifest"
                )));
            };
            if size != expected {
                return Err(refuse(format!(
                    "evidence `{path}` holds {size} bytes but the manifest declares {expected}"
                )));
            }
            if !seen_blobs.insert(sha.to_string()) {
                return Err(refuse(format!("evidence `{path}` comes twice")));
            }
            // Evidence no event names would be an orphan: skipped unread (the archive reader steps over it).
            if !named.contains(sha) {
                continue;
            }
            let base = bytes;
            let blob = blobs.write_temp((&mut entry).take(size), &mut |n| progress(base + n))?;
            bytes += blob.size;
            if blob.size != expected || blob.sha256 != sha {
                return Err(Error::new(
                    ErrorCode::Integrity,
                    format!("the bundle's copy of evidence {sha} is damaged (its {} bytes hash to {}); nothing was imported", blob.size, blob.sha256),
                ));
            }
            pending.push(blob);
        }
        // Any other plain file is not ours to read; the archive reader skips its bytes without keeping them.
    }
    let manifest = manifest.ok_or_else(|| refuse(format!("it has no {MANIFEST}")))?;
    if stage != Stage::Events {
        return Err(refuse(format!("it has no {EVENTS}")));
    }
    let names: HashMap<&str, &str> = manifest
        .blobs
        .iter()
        .map(|b| (b.sha256.as_str(), b.name.as_str()))
        .collect();
    for sha in &named {
        if !seen_blobs.contains(sha) && !blobs.contains(sha) {
            return Err(Error::new(
                ErrorCode::Integrity,
                format!(
                    "the bundle lacks the evidence file {} ({sha}); nothing was imported",
                    names
                        .get(sha.as_str())
                        .copied()
                        .unwrap_or("not in its manifest")
                ),
            ));
        }
    }
    Ok(ReadBundle {
        manifest,
        events,
        blobs: pending,
    })
}

/// Decodes `events.jsonl` one capped line at a time.
fn read_events(mut input: impl BufRead, refuse: &dyn Fn(String) -> Error) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    let mut line = Vec::new();
    let mut n = 0usize;
    loop {
        line.clear();
        let read = (&mut input)
            .take(MAX_EVENT_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| refuse(e.to_string()))?;
        if read == 0 {
            return Ok(events);
        }
        n += 1;
        if line.last() != Some(&b'\n') && line.len() > MAX_EVENT_LINE {
            return Err(refuse(format!(
                "event line {n} is longer than {MAX_EVENT_LINE} bytes"
            )));
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        events.push(decode_event(&line).map_err(|e| match e {
            EventLineError::Malformed(why) => refuse(format!("event line {n} is malformed: {why}")),
            EventLineError::Newer(e) => {
                Error::with_source(ErrorCode::NewerVersion, e.to_string(), e)
            }
        })?);
    }
}

/// Why one line of `events.jsonl` is not an event.
#[derive(Debug, thiserror::Error)]
pub enum EventLineError {
    /// Not the JSON of a wire event.
    #[error("{0}")]
    Malformed(#[source] serde_json::Error),
    /// A wire event this build cannot decode (a newer payload version, or a payload that does not decode).
    #[error(transparent)]
    Newer(#[from] casebook_core::event::DecodeError),
}

/// Decodes one line of a bundle's `events.jsonl` (a [`WireEvent`] as JSON) into an event. Public for the fuzz
/// target, which feeds it arbitrary bytes.
pub fn decode_event(line: &[u8]) -> std::result::Result<Event, EventLineError> {
    let wire: WireEvent = serde_json::from_slice(line).map_err(EventLineError::Malformed)?;
    Ok(Event::try_from(wire)?)
}
