//! Events made the way a laptop makes them (sealed, chained and signed by the device's own key), without a laptop
//! store: the sync phases need hundreds of thousands of them on the server quickly, and a laptop's durable append
//! per event would make the seeding, not the sync, the slow part.
//!
//! What is made is what `Casebook::new_incident` and `Casebook::add_entry` would write: an `IncidentOpened`, then
//! `EntryAdded` events with a summary, a host and a tool taken from the benchmark's synthetic timeline. The server
//! admits them by the same rule as any laptop's.

use anyhow::{Context, Result};
use casebook_api::{Clock, SystemClock};
use casebook_core::event::{EntrySource, NewEntry, WireEvent};
use casebook_core::key::incident_key;
use casebook_core::model::{EntryKind, Severity, Tier, Tlp};
use casebook_core::signing::DeviceKey;
use casebook_core::{
    DeviceId, EntryId, Event, EventBody, EventId, Hlc, IncidentId, Payload, UserId,
};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::corpus::TimelineWriter;

/// One device's log as it grows: its key, its next sequence, its chain and its clock.
pub struct DeviceLog {
    key: DeviceKey,
    device: DeviceId,
    author: UserId,
    seq: u64,
    prev_hash: Option<String>,
    hlc: Hlc,
    timeline: TimelineWriter,
    /// The incident that entries go to, and how many events it has so far.
    incident: Option<(IncidentId, usize)>,
    per_incident: usize,
}

impl DeviceLog {
    /// A log for a device that has signed in as `author` with `key` and has made nothing yet. Every
    /// `per_incident` events, the device opens a new incident (that event counts as one of them).
    pub fn new(
        key: DeviceKey,
        device: DeviceId,
        author: UserId,
        per_incident: usize,
        seed: u64,
    ) -> DeviceLog {
        DeviceLog {
            key,
            device,
            author,
            seq: 0,
            prev_hash: None,
            hlc: Hlc::zero(device),
            timeline: TimelineWriter::new(seed),
            incident: None,
            per_incident: per_incident.max(2),
        }
    }

    /// The next `n` events, as the exact JSON a laptop pushes.
    pub fn batch(&mut self, n: usize) -> Result<Vec<Box<RawValue>>> {
        (0..n).map(|_| self.next()).collect()
    }

    /// Events made so far.
    pub fn made(&self) -> u64 {
        self.seq
    }

    fn next(&mut self) -> Result<Box<RawValue>> {
        let incident = match self.incident {
            Some((id, n)) if n < self.per_incident => {
                self.incident = Some((id, n + 1));
                id
            }
            _ => {
                let id = IncidentId(Uuid::now_v7());
                self.incident = Some((id, 1));
                let number = self.seq / self.per_incident as u64 + 1;
                return self.seal(id, opened(id, number));
            }
        };
        let payload = self.entry();
        self.seal(incident, payload)
    }

    fn entry(&mut self) -> Payload {
        let row = self.timeline.row();
        Payload::EntryAdded(NewEntry {
            entry: EntryId(Uuid::now_v7()),
            event_time: SystemClock.now(),
            time_zone: None,
            kind: EntryKind::Action,
            summary: text(&row, "message"),
            details: String::new(),
            source: EntrySource {
                host: Some(text(&row, "hostname")),
                tool: Some("casebook-bench".into()),
                file: None,
            },
            key_event: false,
            evidence: vec![],
            observables: vec![],
            attributes: Map::new(),
            supersedes: None,
        })
    }

    fn seal(&mut self, incident: IncidentId, payload: Payload) -> Result<Box<RawValue>> {
        self.seq += 1;
        self.hlc = Hlc::tick(self.hlc, SystemClock.now().timestamp_micros());
        let body = EventBody {
            id: EventId(Uuid::now_v7()),
            incident: Some(incident),
            author: self.author,
            device: self.device,
            device_seq: self.seq,
            hlc: self.hlc,
            payload,
        };
        let event = Event::seal_signed(body, self.prev_hash.take(), &self.key);
        self.prev_hash = Some(event.hash.clone());
        let json = serde_json::to_string(&WireEvent::from(&event)).context("encoding an event")?;
        RawValue::from_string(json).context("encoding an event")
    }
}

fn opened(id: IncidentId, number: u64) -> Payload {
    Payload::IncidentOpened {
        key: incident_key(id),
        title: format!("Sync benchmark incident {number}"),
        summary: String::new(),
        severity: Severity::Sev3,
        tlp: Tlp::Amber,
        category: String::new(),
        tier: Tier::ONE,
        detection_source: String::new(),
        affected_assets: vec![],
        tags: vec![],
        occurred_at: None,
        detected_at: Some(SystemClock.now()),
        reported_at: None,
    }
}

fn text(row: &Map<String, Value>, field: &str) -> String {
    row.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
