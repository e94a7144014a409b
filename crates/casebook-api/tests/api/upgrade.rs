//! A data directory from before devices had keys (schema version 2) opens in this build without losing or re-sealing
//! anything: its events keep their bytes and stay verifiable by chain, the device gets a key, and every new event is
//! signed.

use casebook_core::event::EventBody;
use casebook_core::model::{Role, Severity, Tier, Tlp};
use casebook_core::{DeviceId, Event, EventId, Hlc, IncidentId, Payload, UserId};
use uuid::Uuid;

use crate::open;

/// Writes a schema-2 database the way the previous build did: its two migrations, a profile, two chained events.
fn old_data_dir(dir: &std::path::Path) -> (DeviceId, Vec<Event>) {
    let conn = rusqlite::Connection::open(dir.join("casebook.db")).unwrap();
    conn.execute_batch(include_str!(
        "../../../../migrations/sqlite/0001_event_log.sql"
    ))
    .unwrap();
    conn.execute_batch(include_str!(
        "../../../../migrations/sqlite/0002_projections.sql"
    ))
    .unwrap();
    conn.pragma_update(None, "user_version", 2).unwrap();
    let device = DeviceId(Uuid::now_v7());
    let user = UserId(Uuid::now_v7());
    let incident = IncidentId(Uuid::now_v7());
    conn.execute(
        "INSERT INTO profile (singleton, device_id, user_id) VALUES (1, ?1, ?2)",
        [device.to_string(), user.to_string()],
    )
    .unwrap();
    let payloads = [
        (
            None,
            Payload::UserRegistered {
                user,
                name: "Ana Silva".into(),
                role: Role::Responder,
                tier: Some(Tier::ONE),
            },
        ),
        (
            Some(incident),
            Payload::IncidentOpened {
                key: casebook_core::key::incident_key(incident),
                title: "Opened before keys existed".into(),
                summary: String::new(),
                severity: Severity::Sev3,
                tlp: Tlp::Amber,
                category: String::new(),
                tier: Tier::ONE,
                detection_source: String::new(),
                affected_assets: vec![],
                tags: vec![],
                occurred_at: None,
                detected_at: None,
                reported_at: None,
            },
        ),
    ];
    let mut prev = None;
    let mut events = Vec::new();
    for (n, (inc, payload)) in payloads.into_iter().enumerate() {
        let seq = n as u64 + 1;
        let e = Event::seal(
            EventBody {
                id: EventId(Uuid::now_v7()),
                incident: inc,
                author: user,
                device,
                device_seq: seq,
                hlc: Hlc {
                    wall_micros: 1_795_000_000_000_000 + seq as i64,
                    counter: 0,
                    device,
                },
                payload,
            },
            prev.clone(),
        );
        let b = &e.body;
        conn.execute(
            "INSERT INTO events (id, incident_id, author, device, device_seq, hlc, kind, payload_version, payload, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            rusqlite::params![
                b.id.to_string(),
                b.incident.map(|i| i.to_string()),
                b.author.to_string(),
                b.device.to_string(),
                b.device_seq as i64,
                b.hlc.encode(),
                b.payload.kind(),
                e.payload_version,
                e.payload_json,
                e.prev_hash,
                e.hash
            ],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO device_heads (device, device_seq, hash, hlc) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (device) DO UPDATE SET device_seq = excluded.device_seq, hash = excluded.hash, hlc = excluded.hlc",
            rusqlite::params![b.device.to_string(), b.device_seq as i64, e.hash, b.hlc.encode()],
        )
        .unwrap();
        prev = Some(e.hash.clone());
        events.push(e);
    }
    (device, events)
}

#[test]
fn an_old_data_directory_gets_a_key_and_keeps_every_event_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (device, old) = old_data_dir(dir.path());
    let (mut cb, _) = open(dir.path(), "2026-11-20T10:00:00Z");
    // The old projections were written by the old build; the log is the truth, so rebuild them from it.
    let rebuilt = cb.rebuild(&mut |_| {}).unwrap();
    assert_eq!(
        rebuilt.events, 3,
        "two old events and the key's introduction"
    );
    let me = cb.me().unwrap();
    assert_eq!(
        me.user.name, "Ana Silva",
        "the profile survives the upgrade"
    );
    assert_eq!(me.user.role, Role::Responder);
    assert!(me.fingerprint.is_some(), "the device has a key now");
    for e in &old {
        let stored = casebook_store::append::read_one(cb.store().conn(), &e.id().to_string())
            .unwrap()
            .expect("every old event is still in the log");
        assert_eq!(stored.hash, e.hash, "an old event is not re-sealed");
        assert_eq!(
            stored.payload_json, e.payload_json,
            "its bytes are unchanged"
        );
        assert_eq!(stored.signature, None, "and it stays unsigned");
    }
    let key = casebook_core::key::incident_key(old[1].body.incident.unwrap());
    cb.add_tag(&key, "after-upgrade").unwrap();
    let log = cb.verify_log(&mut |_| {}).unwrap();
    let chain = log.chains.iter().find(|c| c.device == device).unwrap();
    assert!(
        chain.broken.is_empty(),
        "the chain runs on from the old events: {:?}",
        chain.broken
    );
    assert_eq!(
        chain.unsigned, 2,
        "the old events are verifiable by chain only, and counted so"
    );
    assert_eq!(
        chain.signed, 2,
        "the key's introduction and every later event are signed"
    );
    let again = cb.rebuild(&mut |_| {}).unwrap();
    assert!(
        again.identical,
        "rebuilding the upgraded log gives the same state"
    );
}
