//! The event on the wire: how an [`Event`] travels between devices (bundles, sync), every stored part kept, the
//! payload as its exact bytes so the receiver re-checks the same hash and signature.

use serde::{Deserialize, Serialize};

use crate::event::{DecodeError, Event};
use crate::hlc::Hlc;
use crate::*;

/// An event as it travels between devices (bundles, sync): every stored part, the payload as its exact bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireEvent {
    pub id: EventId,
    pub incident: Option<IncidentId>,
    pub author: UserId,
    pub device: DeviceId,
    pub device_seq: u64,
    pub hlc: Hlc,
    pub payload_version: u16,
    pub payload: String,
    pub prev_hash: Option<String>,
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl From<&Event> for WireEvent {
    fn from(e: &Event) -> Self {
        let b = &e.body;
        WireEvent {
            id: b.id,
            incident: b.incident,
            author: b.author,
            device: b.device,
            device_seq: b.device_seq,
            hlc: b.hlc,
            payload_version: e.payload_version,
            payload: e.payload_json.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
            signature: e.signature.clone(),
        }
    }
}

impl TryFrom<WireEvent> for Event {
    type Error = DecodeError;
    fn try_from(w: WireEvent) -> Result<Self, Self::Error> {
        Event::from_stored(
            w.id,
            w.incident,
            w.author,
            w.device,
            w.device_seq,
            w.hlc,
            w.payload_version,
            w.payload,
            w.prev_hash,
            w.hash,
        )
        .map(|e| e.with_signature(w.signature))
    }
}

#[cfg(test)]
mod roundtrip {
    use super::*;
    use crate::event::*;
    use crate::model::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn text() -> impl Strategy<Value = String> {
        "\\PC{0,40}"
    }

    fn payload() -> impl Strategy<Value = Payload> {
        let id = any::<u128>().prop_map(Uuid::from_u128);
        prop_oneof![
            (
                text(),
                any::<bool>(),
                any::<i64>().prop_map(|t| t % 253_402_300_799_000_000),
                id.clone(),
                proptest::option::of(text())
            )
                .prop_map(|(summary, key_event, micros, uuid, tz)| {
                    let mut attributes = serde_json::Map::new();
                    attributes.insert("note".into(), serde_json::Value::String(summary.clone()));
                    Payload::EntryAdded(NewEntry {
                        entry: EntryId(uuid),
                        event_time: chrono::DateTime::from_timestamp_micros(micros)
                            .unwrap_or_default(),
                        time_zone: tz,
                        kind: EntryKind::Action,
                        summary,
                        details: String::new(),
                        source: EntrySource {
                            host: Some("h".into()),
                            tool: None,
                            file: None,
                        },
                        key_event,
                        evidence: vec![],
                        observables: vec![],
                        attributes,
                        supersedes: None,
                    })
                }),
            (text(), proptest::option::of(id.clone())).prop_map(|(t, base)| Payload::TextEdited {
                field: TextField::Lessons,
                text: t,
                base: base.map(EventId),
                resolves: vec![]
            }),
            (text(), proptest::collection::vec(id.clone(), 0..3)).prop_map(|(tag, r)| {
                Payload::TagRemoved {
                    tag,
                    removes: r.into_iter().map(EventId).collect(),
                }
            }),
            (id.clone(), text(), 1u8..4).prop_map(|(u, name, t)| Payload::UserRegistered {
                user: UserId(u),
                name,
                role: Role::Responder,
                tier: Tier::new(t).ok()
            }),
            (id, text()).prop_map(|(e, reason)| Payload::EscalationDeclined {
                escalation: EscalationId(e),
                reason
            }),
        ]
    }

    proptest! {
        #[test]
        fn payloads_round_trip_and_hash_stably(p in payload()) {
            let device = DeviceId(Uuid::from_u128(1));
            let body = EventBody {
                id: EventId(Uuid::from_u128(2)),
                incident: None,
                author: UserId(Uuid::from_u128(3)),
                device,
                device_seq: 7,
                hlc: Hlc { wall_micros: 5, counter: 1, device },
                payload: p,
            };
            let sealed = Event::seal(body, Some("ab".repeat(32)));
            let wire = WireEvent::from(&sealed);
            let json = serde_json::to_string(&wire).unwrap();
            let back = Event::try_from(serde_json::from_str::<WireEvent>(&json).unwrap()).unwrap();
            prop_assert_eq!(&back, &sealed, "an event must survive the wire unchanged");
            prop_assert_eq!(back.recompute_hash(), sealed.hash, "and still match its hash");
        }
    }
}
