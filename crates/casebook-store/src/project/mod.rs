//! Projections: how each event changes the tables people read.
//!
//! Every rule here gives the same tables whatever order the events arrive in (the merge contract of DESIGN.md):
//! scalar fields keep every claim and show the one with the highest HLC; tags are an add-wins set; timeline
//! entries, evidence, custody records, observables and comments are only ever inserted; long texts keep every version
//! and show the latest, leaving unseen concurrent versions as conflicts; escalations keep every transition and are
//! refolded in HLC order by the core whenever one arrives.
//!
//! `apply` judges the event's scope and routes it to its payload family's module: `directory` (people, device keys,
//! response targets), `incident` (the incident's own fields, texts and tags), `entries` (timeline entries),
//! `records` (evidence and custody, observables, tasks, comments), `escalations` and `alerts` (raised alerts, their
//! groups and triage).

use std::cell::RefCell;

use casebook_core::{Event, Payload};
use rusqlite::{params, Transaction};

use crate::append::Standing;
use crate::Result;

mod alerts;
mod claims;
mod directory;
mod entries;
mod escalations;
mod incident;
mod records;
mod scope;

/// The event being applied, with the columns every rule writes, computed once.
pub(super) struct At<'a> {
    pub tx: &'a Transaction<'a>,
    pub event: &'a Event,
    /// The event's id, as stored.
    pub id: String,
    /// The event's encoded HLC.
    pub hlc: String,
    /// The incident's id, or empty for events of no incident.
    pub incident: String,
    /// The standing's rank: an authority's claim beats any other.
    pub rank: i64,
    /// Claims of an event whose clock ran far ahead rank below every ordinary claim.
    pub ahead: bool,
    /// Where the event's full-text rows wait until the events applied with it are done.
    pub search: &'a SearchRows,
}

/// Full-text rows of events applied together (a pulled page, a bundle, a replay), written when they are done.
///
/// FTS5 writes out its pending rows as a new segment of the index whenever a later statement of the transaction
/// opens a statement journal, as most of the next event's inserts do. Written event by event, every event became a
/// segment of its own, and merging them was 28% of a pull's time (`perf`, 20,000 events). Kept here, one batch
/// makes a segment or a few. They are written in the order they were made, so rowids (which rank recent matches
/// first) come out as before; nothing in a projection reads the index.
#[derive(Default)]
pub struct SearchRows {
    rows: RefCell<Vec<SearchRow>>,
}

struct SearchRow {
    kind: &'static str,
    id: String,
    incident: String,
    body: String,
    /// A timeline entry's event time and kind, for its place (`search_places`).
    place: Option<(i64, &'static str)>,
}

/// Rows kept before they are written anyway, so a long replay holds a bounded amount of text.
const MAX_KEPT_ROWS: usize = 2_000;

impl SearchRows {
    pub(super) fn add(&self, kind: &'static str, id: &str, incident: &str, body: String) {
        self.push(kind, id, incident, body, None);
    }

    /// A timeline entry's row, which also records the entry's place.
    pub(super) fn add_entry(
        &self,
        id: &str,
        incident: &str,
        body: String,
        event_time_us: i64,
        kind: &'static str,
    ) {
        self.push("entry", id, incident, body, Some((event_time_us, kind)));
    }

    fn push(
        &self,
        kind: &'static str,
        id: &str,
        incident: &str,
        body: String,
        place: Option<(i64, &'static str)>,
    ) {
        self.rows.borrow_mut().push(SearchRow {
            kind,
            id: id.to_string(),
            incident: incident.to_string(),
            body,
            place,
        });
    }

    /// Writes the rows kept so far into the index, in the caller's transaction, after the backlog of rows made
    /// before them.
    pub fn write(&self, tx: &Transaction) -> Result<()> {
        let rows = std::mem::take(&mut *self.rows.borrow_mut());
        if rows.is_empty() {
            return Ok(());
        }
        crate::fts::flush_backlog(tx)?;
        let first = crate::fts::next_rowid(tx)?;
        for (rowid, r) in (first..).zip(&rows) {
            crate::fts::index_doc(tx, rowid, r.kind, &r.id, &r.incident, &r.body)?;
        }
        // Places after every row of the index: FTS5 would make the rows before each other statement a segment.
        for (rowid, r) in (first..).zip(&rows) {
            if let Some((time, kind)) = r.place {
                crate::fts::place_entry(tx, rowid, time, &r.id, kind)?;
            }
        }
        Ok(())
    }

    /// Queues the rows kept so far in the index's backlog (`fts::queue_doc`): how one event applied on its own
    /// leaves its rows.
    fn queue(&self, tx: &Transaction) -> Result<()> {
        let rows = std::mem::take(&mut *self.rows.borrow_mut());
        for r in rows {
            crate::fts::queue_doc(tx, r.kind, &r.id, &r.incident, &r.body)?;
        }
        Ok(())
    }
}

/// Applies one event to the projections, in the caller's transaction, as it stood when admitted. Its full-text rows
/// wait in the index's backlog, which every query of the index takes in first.
pub fn apply(tx: &Transaction, e: &Event, standing: Standing) -> Result<()> {
    let search = SearchRows::default();
    apply_with(tx, e, standing, &search)?;
    search.queue(tx)
}

/// [`apply`] for one of several events: its full-text rows wait in `search` until the caller writes them (before
/// its commit; a rollback drops them with everything else).
pub fn apply_with(
    tx: &Transaction,
    e: &Event,
    standing: Standing,
    search: &SearchRows,
) -> Result<()> {
    route(tx, e, standing, search)?;
    if search.rows.borrow().len() >= MAX_KEPT_ROWS {
        search.write(tx)?;
    }
    Ok(())
}

fn route(tx: &Transaction, e: &Event, standing: Standing, search: &SearchRows) -> Result<()> {
    let b = &e.body;
    let at = At {
        tx,
        event: e,
        id: b.id.to_string(),
        hlc: b.hlc.encode(),
        incident: b.incident.map(|i| i.to_string()).unwrap_or_default(),
        rank: standing.rank(),
        ahead: standing.clock_ahead,
        search,
    };
    if b.incident.is_some() {
        // Any event of an incident makes sure its row exists, so events that arrive before the incident's opening
        // have somewhere to land.
        tx.prepare_cached("INSERT OR IGNORE INTO incidents (id) VALUES (?1)")?
            .execute([&at.incident])?;
        tx.prepare_cached("UPDATE incidents SET updated_hlc = max(updated_hlc, ?2) WHERE id = ?1")?
            .execute(params![at.incident, at.hlc])?;
    }
    if let Some(reason) = scope::out_of_scope(tx, e, standing)? {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO scope_conflicts (event_id, incident_id, author, hlc, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![at.id, at.incident, b.author.to_string(), at.hlc, reason])?;
        return Ok(());
    }
    let p = &b.payload;
    match p {
        Payload::UserRegistered { .. }
        | Payload::DeviceBound { .. }
        | Payload::ResponseTargetsSet { .. } => directory::apply(&at, p),
        Payload::IncidentOpened { .. }
        | Payload::FieldSet { .. }
        | Payload::TextEdited { .. }
        | Payload::TagAdded { .. }
        | Payload::TagRemoved { .. }
        | Payload::IncidentAssigned { .. }
        | Payload::IncidentClosed { .. } => incident::apply(&at, p),
        Payload::EntryAdded(_)
        | Payload::EntriesImported { .. }
        | Payload::EntryKeyEventSet { .. } => entries::apply(&at, p),
        Payload::EvidenceAdded { .. } | Payload::CustodyRecorded { .. } => {
            records::evidence(&at, p)
        }
        Payload::ObservableAdded { .. } => records::observable(&at, p),
        Payload::TaskAdded { .. } | Payload::TaskStatusSet { .. } => records::task(&at, p),
        Payload::CommentAdded { .. } => records::comment(&at, p),
        Payload::EscalationRequested { .. }
        | Payload::EscalationAcknowledged { .. }
        | Payload::EscalationAccepted { .. }
        | Payload::EscalationDeclined { .. }
        | Payload::EscalationAssigned { .. } => escalations::apply(&at, p),
        Payload::AlertRaised(_)
        | Payload::AlertTriaged { .. }
        | Payload::AlertPromoted { .. }
        | Payload::AlertMerged { .. } => alerts::apply(&at, p),
    }
}

/// A family's rule was handed a payload `apply` routes elsewhere: a bug here, never a property of the data.
fn misrouted(family: &str, p: &Payload) -> crate::StoreError {
    crate::StoreError::Corrupt(format!(
        "a {} event was routed to the {family} projection",
        p.kind()
    ))
}
