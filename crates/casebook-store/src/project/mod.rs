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
}

/// Applies one event to the projections, in the caller's transaction, as it stood when admitted.
pub fn apply(tx: &Transaction, e: &Event, standing: Standing) -> Result<()> {
    let b = &e.body;
    let at = At {
        tx,
        event: e,
        id: b.id.to_string(),
        hlc: b.hlc.encode(),
        incident: b.incident.map(|i| i.to_string()).unwrap_or_default(),
        rank: standing.rank(),
        ahead: standing.clock_ahead,
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
