//! The directory: who people are and their roles, the devices they sign with, and the team's response targets.

use crate::sql::Cached as _;
use casebook_core::Payload;
use rusqlite::params;

use super::{misrouted, At};
use crate::Result;

pub(super) fn apply(at: &At, p: &Payload) -> Result<()> {
    let (tx, hlc, rank) = (at.tx, &at.hlc, at.rank);
    match p {
        Payload::UserRegistered {
            user,
            name,
            role,
            tier,
        } => {
            // An authority's registration beats any claim; among equals the later by HLC wins.
            tx.exec_cached(
                "INSERT INTO users (id, name, role, tier, hlc, rank) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, tier = excluded.tier,
                 hlc = excluded.hlc, rank = excluded.rank
                 WHERE excluded.rank > users.rank OR (excluded.rank = users.rank AND excluded.hlc > users.hlc)",
                params![user.to_string(), name, role.as_str(), tier.map(|t| t.get()), hlc, rank],
            )?;
        }
        Payload::DeviceBound {
            device,
            user,
            public_key,
        } => {
            tx.exec_cached(
                "INSERT INTO device_keys (device, user_id, public_key, rank, hlc, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (device, user_id) DO UPDATE SET public_key = excluded.public_key, rank = excluded.rank,
                 hlc = excluded.hlc, event_id = excluded.event_id
                 WHERE excluded.rank > device_keys.rank OR (excluded.rank = device_keys.rank AND excluded.hlc > device_keys.hlc)",
                params![device.to_string(), user.to_string(), public_key, rank, hlc, at.id],
            )?;
        }
        Payload::ResponseTargetsSet { targets } => {
            for t in targets {
                tx.exec_cached(
                    "INSERT INTO response_targets (severity, acknowledge_minutes, accept_minutes, hlc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (severity) DO UPDATE SET acknowledge_minutes = excluded.acknowledge_minutes,
                     accept_minutes = excluded.accept_minutes, hlc = excluded.hlc WHERE excluded.hlc > response_targets.hlc",
                    params![t.severity.as_str(), t.acknowledge_minutes, t.accept_minutes, hlc],
                )?;
            }
        }
        other => return Err(misrouted("directory", other)),
    }
    Ok(())
}
