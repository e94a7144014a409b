//! The like-for-like baseline of the bulk import: the same durable work as `Casebook::import_timeline`, written by
//! hand with rusqlite, in a fresh database with the store's real schema (its migrations, so the same tables, indexes
//! and FTS5 tables) and pragmas.
//!
//! Timed from the JSONL bytes to the commit, one transaction, on one thread:
//! - parse the file with the same reader (`casebook_import::read_timeline`) and map each row to the same entry
//!   (summary, source host/tool/file taken from the same attributes, `timestamp_desc` kept as an attribute);
//! - every 1,000 rows, one event-log row of the same bytes: the `EntriesImported` payload encoded as JSON, hashed into
//!   the device's chain and signed with a device key (the log's rows carry the hash and signature, so computing them
//!   is part of writing the row);
//! - per row, the same `timeline_entries` row (with its secondary indexes and the counts its triggers keep) and the
//!   same `search_index` FTS5 row, its derived columns (identifiers, incident scope) included. The FTS5 rows go in
//!   [`FTS_ROWS`] to a statement, as someone writing this by hand for speed would: FTS5 turns the rows of each
//!   statement of a transaction into a segment of their own (the statement's savepoint flushes them), so one row a
//!   statement would make the baseline pay for a segment a row, which the import does not. After each statement,
//!   the same rows' places in `search_places` (each row's rowid, the entry's time, id and kind), one statement too.
//!
//! Left out, because they are the import's rules rather than the rows it writes: resolving the incident and the
//! acting person, the admission rule, reading the clock and the device's head before each event, and the checks a
//! projection makes for rows that could be there already (a correction's target, a key-event claim that arrived
//! first). The baseline knows its rows are new; the import must not assume it.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use casebook_api::Clock as _;
use casebook_core::event::NewEntry;
use casebook_core::model::EntryKind;
use casebook_core::signing::DeviceKey;
use casebook_core::{DeviceId, Event, EventBody, EventId, Hlc, IncidentId, Payload, UserId};
use casebook_import::Format;
use rusqlite::{params, Transaction};
use uuid::Uuid;

use crate::Progress;

/// Entries per event-log row, as the import writes them.
const CHUNK: usize = 1_000;

/// FTS5 rows per statement: one segment each (the import's backlog moves 256 rows at once).
const FTS_ROWS: usize = 250;

/// Runs the baseline over `jsonl` into a fresh database at `path`; returns its time and the entries and FTS rows
/// written.
pub fn run(
    path: &Path,
    jsonl: &[u8],
    rows: usize,
    cipher: &crate::cipher::Cipher,
    progress: Progress,
) -> Result<(Duration, i64, i64)> {
    let mut store = cipher
        .store(path)
        .context("creating the like-for-like database")?;
    let incident = IncidentId(Uuid::now_v7());
    let (author, device) = (UserId(Uuid::now_v7()), DeviceId(Uuid::now_v7()));
    let key = DeviceKey::from_secret([7; 32]);
    store
        .conn()
        .execute(
            "INSERT INTO incidents (id, key, opened) VALUES (?1, 'BENCH-1', 1)",
            [incident.to_string()],
        )
        .context("opening the baseline's incident")?;
    let label = "plaso";
    let bar = progress.bar(rows as u64, "like-for-like baseline");

    let started = Instant::now();
    let tx = store.write()?;
    let mut chain = Chain {
        incident,
        author,
        device,
        key,
        seq: 0,
        hlc: Hlc::zero(device),
        prev: None,
        // Read once, as the import reads its clock once; each event's HLC ticks past the last.
        now: casebook_api::SystemClock.now().timestamp_micros(),
    };
    let mut chunk = Vec::with_capacity(CHUNK);
    for row in casebook_import::read_timeline(jsonl, Format::Jsonl)? {
        let row = row.context("parsing the generated timeline")?;
        // The import's own row mapping: the baseline saves only the import's rules, never its parsing.
        chunk.push(casebook_api::timeline::imported_entry(
            row,
            EntryKind::Finding,
            label,
        ));
        if chunk.len() == CHUNK {
            chain.write(&tx, std::mem::take(&mut chunk), label)?;
            bar.set_position(chain.seq * CHUNK as u64);
        }
    }
    if !chunk.is_empty() {
        chain.write(&tx, chunk, label)?;
    }
    tx.commit()
        .context("committing the like-for-like baseline")?;
    let elapsed = started.elapsed();
    bar.finish_and_clear();

    let conn = store.conn();
    let entries = conn.query_row("SELECT count(*) FROM timeline_entries", [], |r| r.get(0))?;
    let indexed = conn.query_row(
        "SELECT count(*) FROM search_index s JOIN search_places p ON p.doc_rowid = s.rowid
         WHERE s.doc_kind = 'entry' AND p.entry_id = unhex(replace(s.doc_id, '-', ''))",
        [],
        |r| r.get(0),
    )?;
    Ok((elapsed, entries, indexed))
}

/// The device's hash chain as the baseline extends it.
struct Chain {
    incident: IncidentId,
    author: UserId,
    device: DeviceId,
    key: DeviceKey,
    seq: u64,
    hlc: Hlc,
    prev: Option<String>,
    now: i64,
}

impl Chain {
    /// One event-log row for `entries`, then their projection and FTS rows.
    fn write(&mut self, tx: &Transaction, entries: Vec<NewEntry>, label: &str) -> Result<()> {
        self.seq += 1;
        self.hlc = Hlc::tick(self.hlc, self.now);
        let body = EventBody {
            id: EventId(Uuid::now_v7()),
            incident: Some(self.incident),
            author: self.author,
            device: self.device,
            device_seq: self.seq,
            hlc: self.hlc,
            payload: Payload::EntriesImported {
                label: label.to_string(),
                entries,
            },
        };
        let e = Event::seal_signed(body, self.prev.take(), &self.key);
        let b = &e.body;
        let (id, incident, author, hlc) = (
            b.id.to_string(),
            self.incident.to_string(),
            self.author.to_string(),
            self.hlc.encode(),
        );
        tx.prepare_cached(
            "INSERT INTO events (id, incident_id, author, device, device_seq, hlc, kind, payload_version, payload,
             prev_hash, hash, signature, standing, clock_ahead)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'verified', 0)",
        )?
        .execute(params![
            id,
            incident,
            author,
            self.device.to_string(),
            self.seq as i64,
            hlc,
            b.payload.kind(),
            e.payload_version,
            e.payload_json,
            e.prev_hash,
            e.hash,
            e.signature,
        ])?;
        let Payload::EntriesImported { entries, .. } = &b.payload else {
            unreachable!("the payload was made above");
        };
        let mut entry_row = tx.prepare_cached(
            "INSERT INTO timeline_entries (id, incident_id, event_id, event_time_us, time_zone, recorded_hlc, author,
             kind, summary, details, source_host, source_tool, source_file, key_event, key_event_hlc, evidence,
             observables, attributes, supersedes, superseded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, ?6, '[]', '[]', ?14, NULL, NULL)",
        )?;
        let mut fts_rows: Vec<[String; 5]> = Vec::with_capacity(entries.len());
        let mut places: Vec<(i64, [u8; 16], &str)> = Vec::with_capacity(entries.len());
        for n in entries {
            let entry = n.entry.to_string();
            entry_row.execute(params![
                entry,
                incident,
                id,
                n.event_time.timestamp_micros(),
                n.time_zone,
                hlc,
                author,
                n.kind.as_str(),
                n.summary,
                n.details,
                n.source.host,
                n.source.tool,
                n.source.file,
                serde_json::to_string(&n.attributes)?,
            ])?;
            let mut body = format!("{} {}", n.summary, n.details);
            for s in [&n.source.host, &n.source.tool, &n.source.file]
                .into_iter()
                .flatten()
            {
                body.push(' ');
                body.push_str(s);
            }
            let (idents, scope) = casebook_store::search_row_derived(&body, &incident);
            fts_rows.push([entry, incident.clone(), body, idents, scope]);
            places.push((
                n.event_time.timestamp_micros(),
                *n.entry.0.as_bytes(),
                n.kind.as_str(),
            ));
        }
        for (rows, places) in fts_rows.chunks(FTS_ROWS).zip(places.chunks(FTS_ROWS)) {
            tx.prepare_cached(&fts_insert(rows.len()))?
                .execute(rusqlite::params_from_iter(rows.iter().flatten()))?;
            // Each entry's place names its index row: FTS5 numbered the statement's rows in order.
            let first = tx.last_insert_rowid() - rows.len() as i64 + 1;
            let mut stmt = tx.prepare_cached(&places_insert(places.len()))?;
            for (i, (rowid, (time, id, kind))) in (first..).zip(places).enumerate() {
                stmt.raw_bind_parameter(4 * i + 1, rowid)?;
                stmt.raw_bind_parameter(4 * i + 2, time)?;
                stmt.raw_bind_parameter(4 * i + 3, &id[..])?;
                stmt.raw_bind_parameter(4 * i + 4, *kind)?;
            }
            stmt.raw_execute()?;
        }
        self.prev = Some(e.hash);
        Ok(())
    }
}

/// One statement inserting `rows` entries' places (`search_places`).
fn places_insert(rows: usize) -> String {
    let values = vec!["(?, ?, ?, ?)"; rows].join(", ");
    format!("INSERT INTO search_places (doc_rowid, event_time_us, entry_id, kind) VALUES {values}")
}

/// One statement inserting `rows` entries' FTS5 rows.
fn fts_insert(rows: usize) -> String {
    let values = vec!["('entry', ?, ?, ?, ?, ?)"; rows].join(", ");
    format!("INSERT INTO search_index (doc_kind, doc_id, incident_id, body, idents, scope) VALUES {values}")
}
