//! Integration tests of the store on real SQLite files: the merge contract (any order of the same events gives the
//! same state), rebuild equals live, idempotent arrival, and arrival safety.

mod alerts;
mod convergence;
mod page_crypto;
mod relayed;
mod search;
mod search_scope;

use casebook_core::signing::DeviceKey;
use casebook_core::{DeviceId, Event, UserId};
use casebook_store::arrival::{Arrival, Arrivals};
use casebook_store::{trust, Store};
use uuid::Uuid;

/// The receiving replica's own device and owner in these tests.
pub const RECEIVER: DeviceId = DeviceId(Uuid::from_u128(0xEEEE));
pub const RECEIVER_OWNER: UserId = UserId(Uuid::from_u128(0xEEEF));
/// "Now" on every receiving replica, in wall microseconds (far beyond every ordinary test clock).
pub const NOW_US: i64 = 1_000 * 60_000_000;

/// A device's signing key in these tests.
pub fn key(device: DeviceId) -> DeviceKey {
    let mut secret = [7u8; 32];
    secret[..16].copy_from_slice(&device.0.as_u128().to_le_bytes());
    DeviceKey::from_secret(secret)
}

/// A new store with a receiver profile that trusts the given devices' keys (as a person who compared fingerprints).
pub fn receiver(trusted: &[DeviceId]) -> (tempfile::TempDir, Store) {
    receiver_with_directory(trusted, &[])
}

/// The same, with leads registered by the receiver's own directory (a standalone profile is its own directory).
pub fn receiver_with_directory(
    trusted: &[DeviceId],
    leads: &[UserId],
) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("casebook.db")).expect("open store");
    let tx = store.write().expect("begin");
    casebook_store::append::set_profile(&tx, RECEIVER, RECEIVER_OWNER).unwrap();
    trust::set_device_key(&tx, &key(RECEIVER), 1).unwrap();
    for d in trusted {
        trust::trust_device(&tx, *d, &key(*d).public(), 0).unwrap();
    }
    let origin = casebook_store::append::Origin {
        user: RECEIVER_OWNER,
        device: RECEIVER,
    };
    // The receiver introduces its own key first, under a fixed id, so two receivers' logs are comparable.
    let bound = casebook_core::Payload::DeviceBound {
        device: RECEIVER,
        user: RECEIVER_OWNER,
        public_key: key(RECEIVER).public().to_hex(),
    };
    let id = casebook_core::EventId(Uuid::from_u128(0xCFFF));
    casebook_store::append::append_local(&tx, origin, id, None, bound, 0).unwrap();
    for (n, lead) in leads.iter().enumerate() {
        let payload = casebook_core::Payload::UserRegistered {
            user: *lead,
            name: format!("lead {n}"),
            role: casebook_core::model::Role::Lead,
            tier: None,
        };
        let id = casebook_core::EventId(Uuid::from_u128(0xD000 + n as u128));
        casebook_store::append::append_local(&tx, origin, id, None, payload, 0).unwrap();
    }
    tx.commit().expect("commit");
    (dir, store)
}

/// Delivers events as one arrival batch.
pub fn arrive(store: &mut Store, events: &[Event]) -> Vec<Arrival> {
    let tx = store.write().expect("begin");
    let mut arrivals = Arrivals::new(&tx, NOW_US, "test").unwrap();
    let out = events.iter().map(|e| arrivals.append(e).unwrap()).collect();
    arrivals.finish().unwrap();
    tx.commit().expect("commit");
    out
}
