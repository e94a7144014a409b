//! The event: the unit of change, sync, export and audit.
//!
//! Every change is an [`Event`] appended to a device's log. An event's hash covers its header and the exact bytes of
//! its payload and chains to the previous event of the same device, so a changed, dropped or inserted event breaks the
//! chain. Payloads are versioned: a payload written by a newer Casebook is refused with a clear error, never misread.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::wire::WireEvent;

use crate::alert::{AlertVerdict, NewAlert};
use crate::escalation::ResponseTarget;
use crate::model::*;
use crate::signing::DeviceKey;
use crate::*;

/// The payload version this build writes and the newest it reads.
pub const PAYLOAD_VERSION: u16 = 1;

/// Everything that identifies an event except its hash chain.
#[derive(Debug, Clone, PartialEq)]
pub struct EventBody {
    pub id: EventId,
    /// `None` for global events (accounts, response targets).
    pub incident: Option<IncidentId>,
    pub author: UserId,
    pub device: DeviceId,
    /// 1 for a device's first event, then +1 per event.
    pub device_seq: u64,
    pub hlc: Hlc,
    pub payload: Payload,
}

/// A sealed event: the body plus its encoded payload and its place in the device's hash chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub body: EventBody,
    pub payload_version: u16,
    /// The payload exactly as hashed and stored.
    pub payload_json: String,
    pub prev_hash: Option<String>,
    pub hash: String,
    /// The device's Ed25519 signature over `hash` (128 hex digits). `None` only for events written before devices
    /// had keys: those are verifiable by their hash chain alone.
    pub signature: Option<String>,
}

/// Why a stored event could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("event {id} was written by a newer Casebook (payload version {found}, this one reads up to {PAYLOAD_VERSION}); upgrade Casebook to read it")]
    NewerVersion { id: EventId, found: u16 },
    #[error("event {id} has a payload this Casebook cannot read: {source}")]
    Payload {
        id: EventId,
        source: serde_json::Error,
    },
}

impl Event {
    /// Encodes the payload and chains the body to `prev_hash` (the hash of the device's previous event).
    pub fn seal(body: EventBody, prev_hash: Option<String>) -> Event {
        // Serializing our own closed enum cannot fail: every field is a string, number, bool, list or map.
        let payload_json = serde_json::to_string(&body.payload).unwrap_or_default();
        let hash = chain_hash(&body, PAYLOAD_VERSION, &payload_json, prev_hash.as_deref());
        Event {
            body,
            payload_version: PAYLOAD_VERSION,
            payload_json,
            prev_hash,
            hash,
            signature: None,
        }
    }

    /// Seals the body and signs its hash with the device's key: how every new event is made.
    pub fn seal_signed(body: EventBody, prev_hash: Option<String>, key: &DeviceKey) -> Event {
        let mut e = Event::seal(body, prev_hash);
        e.signature = Some(key.sign(&e.hash));
        e
    }

    /// The same event with the signature it travelled or was stored with.
    pub fn with_signature(mut self, signature: Option<String>) -> Event {
        self.signature = signature;
        self
    }

    /// Rebuilds an event from its stored parts, decoding the payload.
    #[allow(clippy::too_many_arguments)]
    pub fn from_stored(
        id: EventId,
        incident: Option<IncidentId>,
        author: UserId,
        device: DeviceId,
        device_seq: u64,
        hlc: Hlc,
        payload_version: u16,
        payload_json: String,
        prev_hash: Option<String>,
        hash: String,
    ) -> Result<Event, DecodeError> {
        if payload_version > PAYLOAD_VERSION {
            return Err(DecodeError::NewerVersion {
                id,
                found: payload_version,
            });
        }
        let payload: Payload = serde_json::from_str(&payload_json)
            .map_err(|source| DecodeError::Payload { id, source })?;
        let body = EventBody {
            id,
            incident,
            author,
            device,
            device_seq,
            hlc,
            payload,
        };
        Ok(Event {
            body,
            payload_version,
            payload_json,
            prev_hash,
            hash,
            signature: None,
        })
    }

    /// The hash recomputed from the stored bytes; differs from `hash` if anything was changed.
    pub fn recompute_hash(&self) -> String {
        chain_hash(
            &self.body,
            self.payload_version,
            &self.payload_json,
            self.prev_hash.as_deref(),
        )
    }

    pub fn id(&self) -> EventId {
        self.body.id
    }

    pub fn payload(&self) -> &Payload {
        &self.body.payload
    }
}

fn chain_hash(body: &EventBody, version: u16, payload_json: &str, prev: Option<&str>) -> String {
    let mut h = Sha256::new();
    let incident = body.incident.map(|i| i.to_string()).unwrap_or_default();
    // A fixed, delimited header: every field that identifies the event is covered, in one order forever.
    let header = format!(
        "casebook-event-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n",
        body.id,
        incident,
        body.author,
        body.device,
        body.device_seq,
        body.hlc,
        prev.unwrap_or(""),
        version
    );
    h.update(header.as_bytes());
    h.update(payload_json.as_bytes());
    hex::encode(h.finalize())
}

/// Where a timeline entry's information came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntrySource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// A new timeline entry, added by hand or by an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEntry {
    pub entry: EntryId,
    /// When it happened (UTC, microseconds).
    pub event_time: DateTime<Utc>,
    /// The source's own UTC offset, when it gave one (e.g. "+02:00").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    pub kind: EntryKind,
    pub summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub details: String,
    #[serde(default)]
    pub source: EntrySource,
    #[serde(default)]
    pub key_event: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observables: Vec<ObservableId>,
    /// Extra attributes, e.g. the extra columns of an imported Timesketch row.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// The entry this one corrects. Entries are never edited in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<EntryId>,
}

/// A scalar field of an incident; concurrent changes resolve last-writer-wins by HLC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FieldChange {
    Title(String),
    Severity(Severity),
    Status(Status),
    Tlp(Tlp),
    Category(String),
    DetectionSource(String),
    AffectedAssets(Vec<String>),
    KeyTime {
        which: KeyTime,
        at: Option<DateTime<Utc>>,
    },
}

/// What an event changes. The tag `type` names the change; new types may be added, existing ones never change shape
/// without a new payload version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// An account appears in the directory (global).
    UserRegistered {
        user: UserId,
        name: String,
        role: Role,
        tier: Option<Tier>,
    },
    /// Binds a device's public key (hex) to a user: the device's events by that user verify with it (global). A
    /// device introduces itself with its own first event; an admin's binding makes it part of the team directory.
    DeviceBound {
        device: DeviceId,
        user: UserId,
        public_key: String,
    },
    /// A lead sets the response targets per severity (global).
    ResponseTargetsSet {
        targets: Vec<ResponseTarget>,
    },
    IncidentOpened {
        key: String,
        title: String,
        #[serde(default)]
        summary: String,
        severity: Severity,
        tlp: Tlp,
        #[serde(default)]
        category: String,
        tier: Tier,
        #[serde(default)]
        detection_source: String,
        #[serde(default)]
        affected_assets: Vec<String>,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        occurred_at: Option<DateTime<Utc>>,
        #[serde(default)]
        detected_at: Option<DateTime<Utc>>,
        #[serde(default)]
        reported_at: Option<DateTime<Utc>>,
    },
    FieldSet {
        change: FieldChange,
    },
    /// A long text changed. `base` is the edit the author saw; `resolves` lists concurrent edits this one settles.
    TextEdited {
        field: TextField,
        text: String,
        base: Option<EventId>,
        #[serde(default)]
        resolves: Vec<EventId>,
    },
    TagAdded {
        tag: String,
    },
    /// Removes the additions of `tag` that the author had seen (add-wins: a concurrent addition survives).
    TagRemoved {
        tag: String,
        removes: Vec<EventId>,
    },
    /// A lead assigns the incident, or a responder takes it from their tier's queue.
    IncidentAssigned {
        tier: Tier,
        assignee: Option<UserId>,
        #[serde(default)]
        note: String,
    },
    IncidentClosed {
        resolution: Resolution,
        #[serde(default)]
        note: String,
    },
    EntryAdded(NewEntry),
    /// Many entries at once (an import), applied all or nothing.
    EntriesImported {
        label: String,
        entries: Vec<NewEntry>,
    },
    EntryKeyEventSet {
        entry: EntryId,
        key_event: bool,
    },
    EvidenceAdded {
        evidence: EvidenceId,
        name: String,
        sha256: String,
        size: u64,
        media_type: String,
        acquired_at: DateTime<Utc>,
        acquired_by: String,
        #[serde(default)]
        source_host: String,
        #[serde(default)]
        source_path: String,
        #[serde(default)]
        description: String,
    },
    CustodyRecorded {
        evidence: EvidenceId,
        action: CustodyAction,
        who: String,
        at: DateTime<Utc>,
        #[serde(default)]
        location: String,
        #[serde(default)]
        reason: String,
    },
    ObservableAdded {
        observable: ObservableId,
        observable_kind: ObservableKind,
        value: String,
        tlp: Tlp,
        ioc: bool,
        #[serde(default)]
        first_seen: Option<DateTime<Utc>>,
        #[serde(default)]
        last_seen: Option<DateTime<Utc>>,
        #[serde(default)]
        note: String,
    },
    TaskAdded {
        task: TaskId,
        title: String,
        owner: Option<UserId>,
        due: Option<DateTime<Utc>>,
    },
    TaskStatusSet {
        task: TaskId,
        status: TaskStatus,
    },
    CommentAdded {
        comment: CommentId,
        body: String,
    },
    EscalationRequested {
        escalation: EscalationId,
        from_tier: Tier,
        to_tier: Tier,
        /// A named analyst, or `None` for the target tier's queue.
        assignee: Option<UserId>,
        reason: String,
        #[serde(default)]
        handoff: String,
    },
    EscalationAcknowledged {
        escalation: EscalationId,
    },
    EscalationAccepted {
        escalation: EscalationId,
    },
    EscalationDeclined {
        escalation: EscalationId,
        reason: String,
    },
    /// A lead sends a pending escalation to another tier, queue or analyst (or escalates further).
    EscalationAssigned {
        escalation: EscalationId,
        to_tier: Tier,
        assignee: Option<UserId>,
        #[serde(default)]
        note: String,
    },
    /// A SIEM or IDS raised an alert (global: no incident). Raised again, it is a duplicate of the first.
    AlertRaised(NewAlert),
    /// Tier 1 dismisses alerts (one, or a whole group at once) with a verdict and why (global).
    AlertTriaged {
        alerts: Vec<AlertId>,
        verdict: AlertVerdict,
        #[serde(default)]
        reason: String,
    },
    /// The alert became the event's incident, opened by the events before this one in the same transaction.
    AlertPromoted {
        alert: AlertId,
    },
    /// The alert was found to belong to the event's incident, which already existed.
    AlertMerged {
        alert: AlertId,
    },
}

impl Payload {
    /// The tag under which this payload is stored (for listings and indexes).
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::UserRegistered { .. } => "user_registered",
            Payload::DeviceBound { .. } => "device_bound",
            Payload::ResponseTargetsSet { .. } => "response_targets_set",
            Payload::IncidentOpened { .. } => "incident_opened",
            Payload::FieldSet { .. } => "field_set",
            Payload::TextEdited { .. } => "text_edited",
            Payload::TagAdded { .. } => "tag_added",
            Payload::TagRemoved { .. } => "tag_removed",
            Payload::IncidentAssigned { .. } => "incident_assigned",
            Payload::IncidentClosed { .. } => "incident_closed",
            Payload::EntryAdded(_) => "entry_added",
            Payload::EntriesImported { .. } => "entries_imported",
            Payload::EntryKeyEventSet { .. } => "entry_key_event_set",
            Payload::EvidenceAdded { .. } => "evidence_added",
            Payload::CustodyRecorded { .. } => "custody_recorded",
            Payload::ObservableAdded { .. } => "observable_added",
            Payload::TaskAdded { .. } => "task_added",
            Payload::TaskStatusSet { .. } => "task_status_set",
            Payload::CommentAdded { .. } => "comment_added",
            Payload::EscalationRequested { .. } => "escalation_requested",
            Payload::EscalationAcknowledged { .. } => "escalation_acknowledged",
            Payload::EscalationAccepted { .. } => "escalation_accepted",
            Payload::EscalationDeclined { .. } => "escalation_declined",
            Payload::EscalationAssigned { .. } => "escalation_assigned",
            Payload::AlertRaised(_) => "alert_raised",
            Payload::AlertTriaged { .. } => "alert_triaged",
            Payload::AlertPromoted { .. } => "alert_promoted",
            Payload::AlertMerged { .. } => "alert_merged",
        }
    }

    /// Whether the event belongs to no incident: directory events, response targets, raised and dismissed alerts.
    pub fn is_global(&self) -> bool {
        matches!(
            self,
            Payload::UserRegistered { .. }
                | Payload::DeviceBound { .. }
                | Payload::ResponseTargetsSet { .. }
                | Payload::AlertRaised(_)
                | Payload::AlertTriaged { .. }
        )
    }

    /// The escalation an escalation event belongs to.
    pub fn escalation(&self) -> Option<EscalationId> {
        match self {
            Payload::EscalationRequested { escalation, .. }
            | Payload::EscalationAcknowledged { escalation }
            | Payload::EscalationAccepted { escalation }
            | Payload::EscalationDeclined { escalation, .. }
            | Payload::EscalationAssigned { escalation, .. } => Some(*escalation),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn body(payload: Payload) -> EventBody {
        let device = DeviceId(Uuid::from_u128(7));
        EventBody {
            id: EventId(Uuid::from_u128(1)),
            incident: Some(IncidentId(Uuid::from_u128(2))),
            author: UserId(Uuid::from_u128(3)),
            device,
            device_seq: 1,
            hlc: Hlc {
                wall_micros: 1_700_000_000_000_000,
                counter: 0,
                device,
            },
            payload,
        }
    }

    #[test]
    fn a_changed_payload_byte_breaks_the_hash() {
        let mut e = Event::seal(
            body(Payload::TagAdded {
                tag: "phishing".into(),
            }),
            None,
        );
        assert_eq!(e.recompute_hash(), e.hash);
        e.payload_json = e.payload_json.replace("phishing", "phishinG");
        assert_ne!(
            e.recompute_hash(),
            e.hash,
            "tampering with the stored payload must be detectable"
        );
    }

    #[test]
    fn the_hash_chains_to_the_previous_event() {
        let a = Event::seal(body(Payload::TagAdded { tag: "x".into() }), None);
        let b1 = Event::seal(
            body(Payload::TagAdded { tag: "x".into() }),
            Some(a.hash.clone()),
        );
        let b2 = Event::seal(
            body(Payload::TagAdded { tag: "x".into() }),
            Some("0".repeat(64)),
        );
        assert_ne!(
            b1.hash, b2.hash,
            "the same event after a different predecessor must hash differently"
        );
    }

    #[test]
    fn every_payload_shape_round_trips_through_json() {
        let entry = NewEntry {
            entry: EntryId(Uuid::from_u128(9)),
            event_time: chrono::DateTime::from_timestamp_micros(1_331_698_658_276_340).unwrap(),
            time_zone: Some("+02:00".into()),
            kind: EntryKind::Finding,
            summary: "s".into(),
            details: String::new(),
            source: EntrySource::default(),
            key_event: true,
            evidence: vec![],
            observables: vec![],
            attributes: serde_json::Map::new(),
            supersedes: None,
        };
        for p in [
            Payload::EntryAdded(entry.clone()),
            Payload::EntriesImported {
                label: "x".into(),
                entries: vec![entry],
            },
            Payload::FieldSet {
                change: FieldChange::KeyTime {
                    which: KeyTime::Contained,
                    at: None,
                },
            },
            Payload::AlertRaised(NewAlert {
                alert: crate::alert::alert_id("suricata", "x"),
                source: "suricata".into(),
                source_id: "x".into(),
                format: "suricata".into(),
                rule_name: Some("ET POLICY".into()),
                rule_id: None,
                severity: Severity::Sev3,
                source_severity: Some("2".into()),
                event_time: chrono::DateTime::from_timestamp_micros(1_331_698_658_276_340),
                raised_at: None,
                received_at: chrono::DateTime::from_timestamp_micros(1_331_698_659_000_000)
                    .unwrap(),
                title: "t".into(),
                description: String::new(),
                host: None,
                user: None,
                source_ip: Some("10.0.0.1".into()),
                source_port: Some(53),
                destination_ip: None,
                destination_port: None,
                observables: vec![crate::alert::AlertObservable {
                    kind: ObservableKind::Ipv4,
                    value: "10.0.0.1".into(),
                }],
                raw: "{\"event_type\":\"alert\"}\n".into(),
            }),
            Payload::AlertTriaged {
                alerts: vec![AlertId(Uuid::from_u128(4))],
                verdict: AlertVerdict::Benign,
                reason: "backup job".into(),
            },
            Payload::AlertPromoted {
                alert: AlertId(Uuid::from_u128(4)),
            },
        ] {
            let e = Event::seal(body(p), None);
            let b = &e.body;
            let back = Event::from_stored(
                b.id,
                b.incident,
                b.author,
                b.device,
                1,
                b.hlc,
                PAYLOAD_VERSION,
                e.payload_json.clone(),
                None,
                e.hash.clone(),
            )
            .expect("a sealed payload must decode");
            assert_eq!(
                back.body.payload, e.body.payload,
                "payload must survive encoding: {}",
                e.payload_json
            );
        }
    }

    #[test]
    fn a_newer_payload_version_is_refused_with_a_clear_message() {
        let e = Event::seal(body(Payload::TagAdded { tag: "x".into() }), None);
        let b = &e.body;
        let err = Event::from_stored(
            b.id,
            b.incident,
            b.author,
            b.device,
            1,
            b.hlc,
            PAYLOAD_VERSION + 1,
            e.payload_json.clone(),
            None,
            e.hash.clone(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("newer Casebook"), "{err}");
    }
}
