//! The timeline: entries by hand, corrections, key-event flags, Timesketch import (all or nothing) and export.

use std::io::{Read, Write};

use casebook_core::event::{EntrySource, NewEntry};
use casebook_core::model::EntryKind;
use casebook_core::{EntryId, EventId, Payload};
use casebook_import::{CsvTimelineWriter, ExportEntry, Format, ImportError, ImportedEntry};
use casebook_store::append::{append_local, Origin};
use casebook_store::read::{self, EntryFilter, EntryView};
use chrono::{DateTime, Offset, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::error::ErrorCode;
use crate::{Casebook, Error, Result};

/// What a person gives to add an entry.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub summary: String,
    pub details: String,
    /// By default: now.
    pub at: Option<DateTime<Utc>>,
    pub kind: Option<EntryKind>,
    pub source: EntrySource,
    pub key_event: bool,
}

/// How an import went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportSummary {
    pub incident_key: String,
    pub entries: u64,
    pub events: u64,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

/// The kind imported rows get unless the person chooses another: a forensic artefact is a finding, never `system`
/// (which is Casebook's own record of what it did).
pub const IMPORT_KIND: EntryKind = EntryKind::Finding;

/// Entries per event of an import: large enough that the log adds little per row, small enough that one event stays a
/// few megabytes for sync.
const IMPORT_CHUNK: usize = 1_000;

/// Batches read but not yet written during an import: enough to keep the writer busy, few enough to bound memory.
const CHUNKS_IN_FLIGHT: usize = 2;

/// What the reading side of an import hands the writer.
enum Batch {
    Entries(Vec<NewEntry>),
    /// Every row was read and sent: the writer may commit.
    AllRead,
}

impl Casebook {
    pub fn add_entry(&mut self, key_or_id: &str, input: EntryInput) -> Result<EntryView> {
        let id = self.editable(key_or_id)?;
        let entry = self.new_entry(input, None)?;
        let entry_id = entry.entry;
        self.commit(Some(id), vec![Payload::EntryAdded(entry)])?;
        self.entry(entry_id)
    }

    /// Adds a correction of an entry; the old one stays visible as superseded.
    pub fn correct_entry(
        &mut self,
        key_or_id: &str,
        entry: EntryId,
        input: EntryInput,
    ) -> Result<EntryView> {
        let id = self.editable(key_or_id)?;
        if !read::entry_exists(self.store.conn(), id, entry)? {
            return Err(Error::not_found(format!(
                "no timeline entry {entry} in this incident"
            )));
        }
        let new = self.new_entry(input, Some(entry))?;
        let new_id = new.entry;
        self.commit(Some(id), vec![Payload::EntryAdded(new)])?;
        self.entry(new_id)
    }

    pub fn set_key_event(
        &mut self,
        key_or_id: &str,
        entry: EntryId,
        key_event: bool,
    ) -> Result<EntryView> {
        let id = self.editable(key_or_id)?;
        if !read::entry_exists(self.store.conn(), id, entry)? {
            return Err(Error::not_found(format!(
                "no timeline entry {entry} in this incident"
            )));
        }
        self.commit(
            Some(id),
            vec![Payload::EntryKeyEventSet { entry, key_event }],
        )?;
        self.entry(entry)
    }

    fn new_entry(&self, input: EntryInput, supersedes: Option<EntryId>) -> Result<NewEntry> {
        let summary = input.summary.trim();
        if summary.is_empty() {
            return Err(Error::invalid(
                "a timeline entry needs a summary of what happened",
            ));
        }
        Ok(NewEntry {
            entry: EntryId(Uuid::now_v7()),
            event_time: input.at.unwrap_or_else(|| self.now()),
            time_zone: None,
            kind: input.kind.unwrap_or(casebook_core::model::EntryKind::Note),
            summary: summary.to_string(),
            details: input.details,
            source: input.source,
            key_event: input.key_event,
            evidence: vec![],
            observables: vec![],
            attributes: Default::default(),
            supersedes,
        })
    }

    fn entry(&self, entry: EntryId) -> Result<EntryView> {
        read::entry(self.store.conn(), entry)?
            .ok_or_else(|| Error::not_found(format!("timeline entry {entry}")))
    }

    /// The entry of an incident named by its full id or by a unique start of it (as timelines show them), looked
    /// up on the index; unknown or ambiguous starts get a plain error.
    pub fn entry_id(&self, key_or_id: &str, given: &str) -> Result<EntryId> {
        let given = given.trim();
        if let Ok(id) = given.parse() {
            return Ok(id);
        }
        let incident = self.resolve(key_or_id)?;
        let prefix = given.to_ascii_lowercase();
        let plausible =
            !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        let hits = if plausible {
            read::entry_ids_with_prefix(self.store.conn(), incident, &prefix, 2)?
        } else {
            Vec::new()
        };
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => Err(Error::not_found(format!(
                "no timeline entry of {} has an id starting with `{given}`",
                key_or_id.trim()
            ))),
            _ => Err(Error::invalid(format!(
                "several timeline entries of {} have ids starting with `{given}`; give more of the id",
                key_or_id.trim()
            ))),
        }
    }

    /// Imports a Timesketch CSV/JSONL timeline in one transaction: every row or none. `progress` gets rows read.
    ///
    /// Two threads share the work: this one reads, parses and maps the rows, a writer thread appends each batch of
    /// `IMPORT_CHUNK` entries as one event (encoded, hashed, signed, admitted, projected and indexed) in the import's
    /// transaction. At most `CHUNKS_IN_FLIGHT` batches wait between them, so memory stays bounded whatever the file's
    /// size. The writer commits only when told every row was read; a bad row, a failed append or a panic on either
    /// side drops the transaction, so nothing is left behind.
    pub fn import_timeline(
        &mut self,
        key_or_id: &str,
        input: impl Read,
        format: Format,
        label: &str,
        kind: EntryKind,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary> {
        let id = self.editable(key_or_id)?;
        let (actor, device) = self.actor()?;
        let origin = Origin {
            user: actor.user,
            device,
        };
        let rows = casebook_import::read_timeline(input, format).map_err(import_error)?;
        let now = self.now().timestamp_micros();
        let store = &mut self.store;
        let mut summary = ImportSummary {
            incident_key: String::new(),
            entries: 0,
            events: 0,
            first: None,
            last: None,
        };
        std::thread::scope(|scope| -> Result<()> {
            let (send, batches) = std::sync::mpsc::sync_channel::<Batch>(CHUNKS_IN_FLIGHT);
            let writer = scope.spawn(move || -> Result<u64> {
                let tx = store.write()?;
                for (events, batch) in (0u64..).zip(batches) {
                    let Batch::Entries(entries) = batch else {
                        tx.commit().map_err(casebook_store::StoreError::from)?;
                        return Ok(events);
                    };
                    let payload = Payload::EntriesImported {
                        label: label.to_string(),
                        entries,
                    };
                    append_local(&tx, origin, EventId(Uuid::now_v7()), Some(id), payload, now)?;
                }
                // The reader stopped before the end (a bad row): dropping `tx` rolls every batch back.
                Ok(0)
            });
            let read = read_batches(rows, kind, label, &send, &mut summary, progress);
            // Whatever happened, the writer learns it from the channel: `AllRead` (sent only after every row) or
            // the channel closing.
            drop(send);
            let written = writer.join().map_err(|_| {
                Error::new(
                    ErrorCode::Internal,
                    "the import's writer stopped unexpectedly: nothing was imported",
                )
            })?;
            // A writer's error explains a reader that stopped early (its batches had nowhere to go), so it comes first.
            summary.events = written?;
            read
        })?;
        summary.incident_key = self.incident_by_id(id)?.row.key;
        Ok(summary)
    }

    /// Writes the timeline in Timesketch format (CSV or JSONL), oldest first, [`EXPORT_PAGE`] entries at a time, so
    /// memory stays flat however long the timeline.
    pub fn export_timeline(&self, key_or_id: &str, format: Format, out: impl Write) -> Result<u64> {
        self.export_timeline_in_pages(key_or_id, format, out, EXPORT_PAGE)
    }

    fn export_timeline_in_pages(
        &self,
        key_or_id: &str,
        format: Format,
        mut out: impl Write,
        page: i64,
    ) -> Result<u64> {
        let id = self.resolve(key_or_id)?;
        let conn = self.store.conn();
        // One read transaction: CSV reads the timeline twice, and both passes must see the same entries.
        let snapshot = conn
            .unchecked_transaction()
            .map_err(casebook_store::StoreError::from)?;
        // Every entry, a page at a time, each page after the last entry of the one before (a keyset step).
        let pages = |each: &mut dyn FnMut(&[ExportEntry]) -> Result<()>| -> Result<u64> {
            let (filter, mut after, mut n) = (EntryFilter::default(), None, 0u64);
            loop {
                let entries = read::entries_after(conn, id, &filter, after.as_ref(), page)?;
                let Some(last) = entries.last() else {
                    return Ok(n);
                };
                after = Some(read::Cursor::from(last));
                n += entries.len() as u64;
                let batch: Vec<ExportEntry> = entries.into_iter().map(export_entry).collect();
                each(&batch)?;
            }
        };
        let written = match format {
            Format::Csv => {
                // The header names every attribute column, in the order they first appear: a first pass learns them.
                let mut columns: Vec<String> = Vec::new();
                pages(&mut |batch| {
                    for name in batch.iter().flat_map(|e| e.attributes.keys()) {
                        if !columns.contains(name) {
                            columns.push(name.clone());
                        }
                    }
                    Ok(())
                })?;
                let mut csv = CsvTimelineWriter::new(&mut out, columns).map_err(export_error)?;
                let n = pages(&mut |batch| {
                    batch
                        .iter()
                        .try_for_each(|e| csv.write(e))
                        .map_err(export_error)
                })?;
                csv.finish().map_err(export_error)?;
                n
            }
            Format::Jsonl => pages(&mut |batch| {
                casebook_import::write_jsonl(batch, &mut out).map_err(export_error)
            })?,
        };
        drop(snapshot);
        Ok(written)
    }
}

/// Entries an export holds in memory at once.
const EXPORT_PAGE: i64 = 1_000;

fn export_error(e: casebook_import::ExportError) -> Error {
    Error::with_source(ErrorCode::Io, format!("cannot write the timeline: {e}"), e)
}

/// Reads every row into batches of `IMPORT_CHUNK` entries and sends them, then `AllRead` when there was at least one
/// row. Returns early, without `AllRead`, at a bad row or when the writer has stopped.
fn read_batches<R: Read>(
    rows: casebook_import::Entries<R>,
    kind: EntryKind,
    label: &str,
    send: &std::sync::mpsc::SyncSender<Batch>,
    summary: &mut ImportSummary,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    // A failed send means the writer stopped; its own error is the one to report.
    let stopped = || {
        Error::new(
            ErrorCode::Internal,
            "the import's writer stopped: nothing was imported",
        )
    };
    let mut chunk = Vec::with_capacity(IMPORT_CHUNK);
    for row in rows {
        let row = row.map_err(import_error)?;
        summary.first = Some(
            summary
                .first
                .map_or(row.event_time, |f| f.min(row.event_time)),
        );
        summary.last = Some(
            summary
                .last
                .map_or(row.event_time, |l| l.max(row.event_time)),
        );
        chunk.push(imported_entry(row, kind, label));
        summary.entries += 1;
        if chunk.len() == IMPORT_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(IMPORT_CHUNK));
            send.send(Batch::Entries(full)).map_err(|_| stopped())?;
            progress(summary.entries);
        }
    }
    if !chunk.is_empty() {
        send.send(Batch::Entries(chunk)).map_err(|_| stopped())?;
    }
    progress(summary.entries);
    if summary.entries == 0 {
        return Err(Error::invalid(
            "the file has a header but no rows: nothing was imported",
        ));
    }
    send.send(Batch::AllRead).map_err(|_| stopped())
}

fn import_error(e: ImportError) -> Error {
    let message = format!("nothing was imported: {e}");
    let code = if matches!(e, ImportError::Read { .. }) {
        ErrorCode::Io
    } else {
        ErrorCode::InvalidInput
    };
    Error::with_source(code, message, e)
}

/// Maps a Timesketch row to an entry: the message is the summary, plaso's usual columns fill the source, every
/// other column stays as an attribute (`timestamp_desc` included, so an export writes it back). Public so that the
/// benchmark's like-for-like baseline maps rows exactly as the import does.
pub fn imported_entry(row: ImportedEntry, kind: EntryKind, label: &str) -> NewEntry {
    let mut attributes = row.attributes;
    let take =
        |attrs: &serde_json::Map<String, serde_json::Value>, keys: &[&str]| -> Option<String> {
            keys.iter().find_map(|k| {
                attrs
                    .get(*k)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            })
        };
    let source = EntrySource {
        host: take(&attributes, &["hostname", "computer_name", "host"]),
        tool: take(&attributes, &["parser", "source_long", "data_type"])
            .or_else(|| Some(label.to_string())),
        file: take(&attributes, &["filename", "display_name", "source_file"]),
    };
    attributes.insert(
        "timestamp_desc".into(),
        serde_json::Value::String(row.timestamp_desc),
    );
    NewEntry {
        entry: EntryId(Uuid::now_v7()),
        event_time: row.event_time,
        time_zone: row.time_zone,
        kind,
        summary: row.message,
        details: String::new(),
        source,
        key_event: false,
        evidence: vec![],
        observables: vec![],
        attributes,
        supersedes: None,
    }
}

fn export_entry(e: EntryView) -> ExportEntry {
    let offset = e
        .time_zone
        .as_deref()
        .and_then(|tz| {
            chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{tz}")).ok()
        })
        .map(|d| *d.offset())
        .unwrap_or_else(|| Utc.fix());
    let mut attributes = e.attributes;
    let desc = attributes
        .remove("timestamp_desc")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("Casebook {}", e.kind));
    for reserved in ["message", "datetime", "timestamp"] {
        attributes.remove(reserved);
    }
    attributes.insert("casebook_kind".into(), e.kind.as_str().into());
    attributes.insert("casebook_entry_id".into(), e.id.to_string().into());
    if e.key_event {
        attributes.insert("casebook_key_event".into(), true.into());
    }
    ExportEntry {
        datetime: e.event_time.with_timezone(&offset),
        timestamp_desc: desc,
        message: e.summary,
        attributes,
    }
}

#[cfg(test)]
mod tests {
    use casebook_core::model::{Role, Severity, Tlp};

    use super::*;

    /// An export in pages writes the same bytes as one that holds the whole timeline at once (a page bigger than
    /// it), including a CSV column that only an entry of a late page has, and entries that share an instant.
    #[test]
    fn an_export_in_pages_equals_one_of_the_whole_timeline() {
        let dir = tempfile::tempdir().unwrap();
        let mut cb = Casebook::open(dir.path()).unwrap();
        cb.init("Ana", Role::Lead, None).unwrap();
        let key = cb
            .new_incident(crate::incidents::NewIncident::titled(
                "Long",
                Severity::Sev2,
                Tlp::Amber,
            ))
            .unwrap()
            .row
            .key;
        let mut jsonl = String::new();
        for i in 0..50 {
            let late = if i == 45 {
                r#","late":"only here""#
            } else {
                ""
            };
            jsonl.push_str(&format!(
                r#"{{"message":"event {i}","datetime":"2026-11-20T10:{:02}:00+02:00","timestamp_desc":"Write","host":"h{i}"{late}}}"#,
                i / 3
            ));
            jsonl.push('\n');
        }
        cb.import_timeline(
            &key,
            jsonl.as_bytes(),
            Format::Jsonl,
            "t",
            EntryKind::Finding,
            &mut |_| {},
        )
        .unwrap();
        for format in [Format::Csv, Format::Jsonl] {
            let (mut paged, mut whole) = (Vec::new(), Vec::new());
            let n = cb
                .export_timeline_in_pages(&key, format, &mut paged, 7)
                .unwrap();
            cb.export_timeline_in_pages(&key, format, &mut whole, 1_000)
                .unwrap();
            assert_eq!(n, 50, "every entry is written once");
            assert_eq!(
                String::from_utf8(paged).unwrap(),
                String::from_utf8(whole).unwrap(),
                "{format:?}"
            );
        }
        let mut csv = Vec::new();
        cb.export_timeline(&key, Format::Csv, &mut csv).unwrap();
        let header = String::from_utf8(csv).unwrap();
        assert!(
            header.lines().next().unwrap().ends_with(",late"),
            "the late column is in the header: {header:.200}"
        );
    }
}
