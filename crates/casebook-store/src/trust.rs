//! What this replica knows for the admission rule: who it is, which device keys it trusts, what the directory says
//! of an author, where referenced objects live, and the incident an event touches. The rule itself is the core's
//! (`casebook_core::admission`); this module only answers its questions from the database.

use std::collections::HashMap;
use std::sync::Mutex;

use casebook_core::admission::{Author, IncidentFacts, Lookup, Ref};
use casebook_core::authz::IncidentScope;
use casebook_core::model::{Role, Tier};
use casebook_core::signing::{DeviceKey, PublicKey};
use casebook_core::{DeviceId, Event, IncidentId, UserId};
use rusqlite::{params, Connection, OptionalExtension};

use crate::sql::{opt_parse, parse};
use crate::{Result, StoreError};

/// Ranks of a directory row's source: an authority's decision beats a verified claim, which beats an unverified one.
pub const RANK_AUTHORITY: i64 = 2;
pub const RANK_VERIFIED: i64 = 1;
pub const RANK_UNVERIFIED: i64 = 0;

/// This installation: its device, its owner, its signing key.
#[derive(Debug, Clone)]
pub struct Profile {
    pub device: DeviceId,
    pub owner: UserId,
    pub key: Option<DeviceKey>,
}

pub fn profile(conn: &Connection) -> Result<Option<Profile>> {
    let row: Option<(String, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT device_id, user_id, device_secret FROM profile WHERE singleton = 1",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(|(d, u, k)| {
        Ok(Profile {
            device: parse("device id", &d)?,
            owner: parse("user id", &u)?,
            key: k
                .map(|k| {
                    DeviceKey::from_secret_hex(&k).map_err(|e| StoreError::Corrupt(e.to_string()))
                })
                .transpose()?,
        })
    })
    .transpose()
}

/// The highest device sequence this device has written (0 before its first event).
pub fn own_head(conn: &Connection, device: DeviceId) -> Result<u64> {
    let head: i64 = conn
        .prepare_cached("SELECT COALESCE(max(device_seq), 0) FROM events WHERE device = ?1")?
        .query_row([device.to_string()], |r| r.get(0))?;
    Ok(head as u64)
}

/// Stores this device's signing key and the first device sequence it signs (events before it are unsigned).
pub fn set_device_key(tx: &Connection, key: &DeviceKey, signed_from: u64) -> Result<()> {
    tx.execute(
        "UPDATE profile SET device_secret = ?1, signed_from = ?2 WHERE singleton = 1",
        params![key.secret_hex(), signed_from as i64],
    )?;
    Ok(())
}

/// A user's row in the directory: role, tier and the rank of the registration behind it.
pub fn directory_entry(
    conn: &Connection,
    user: UserId,
) -> Result<Option<(Role, Option<Tier>, i64)>> {
    let row: Option<(String, Option<u8>, i64)> = conn
        .prepare_cached("SELECT role, tier, rank FROM users WHERE id = ?1")?
        .query_row([user.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    row.map(|(role, tier, rank)| {
        let tier = tier
            .map(|t| Tier::new(t).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()?;
        Ok((parse::<Role>("role", &role)?, tier, rank))
    })
    .transpose()
}

/// The key a device signs with, and how far it is trusted: the person's own trust decision first, then the best
/// binding the directory holds for that device.
pub struct DeviceTrust {
    pub key: PublicKey,
    /// The person trusted it, or an authority bound it: its events are verified for the users bound to it.
    pub trusted: bool,
    /// The person trusted this key themselves: the device then vouches for whoever it signs for.
    pub chosen: bool,
}

pub fn device_trust(conn: &Connection, device: DeviceId) -> Result<Option<DeviceTrust>> {
    let chosen: Option<String> = conn
        .prepare_cached("SELECT public_key FROM trusted_devices WHERE device = ?1")?
        .query_row([device.to_string()], |r| r.get(0))
        .optional()?;
    if let Some(k) = chosen {
        return Ok(Some(DeviceTrust {
            key: stored_key(&k)?,
            trusted: true,
            chosen: true,
        }));
    }
    let bound: Option<(String, i64)> = conn
        .prepare_cached("SELECT public_key, rank FROM device_keys WHERE device = ?1 ORDER BY rank DESC, hlc DESC LIMIT 1")?
        .query_row([device.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    bound
        .map(|(k, rank)| {
            Ok(DeviceTrust {
                key: stored_key(&k)?,
                trusted: rank >= RANK_AUTHORITY,
                chosen: false,
            })
        })
        .transpose()
}

/// A device key as stored (hex). Parsing one is a point decompression, and a pulled page asks for the same few
/// devices' keys thousands of times (7% of a pull's time), so parsed keys are kept for the process: they are public,
/// and a bounded map holds them.
fn stored_key(hex: &str) -> Result<PublicKey> {
    static PARSED: Mutex<Option<HashMap<String, PublicKey>>> = Mutex::new(None);
    const KEPT: usize = 4_096;
    let mut parsed = PARSED.lock().unwrap_or_else(|p| p.into_inner());
    let parsed = parsed.get_or_insert_with(HashMap::new);
    if let Some(key) = parsed.get(hex) {
        return Ok(*key);
    }
    let key = PublicKey::from_hex(hex).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if parsed.len() >= KEPT {
        parsed.clear();
    }
    parsed.insert(hex.to_string(), key);
    Ok(key)
}

/// Whether the device is bound to this user at all (a device vouches only for the people bound to it).
pub fn device_serves(conn: &Connection, device: DeviceId, user: UserId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM device_keys WHERE device = ?1 AND user_id = ?2")?
        .query_row([device.to_string(), user.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Records the person's decision to trust a device's key.
pub fn trust_device(tx: &Connection, device: DeviceId, key: &PublicKey, now_us: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO trusted_devices (device, public_key, trusted_us) VALUES (?1, ?2, ?3)
         ON CONFLICT (device) DO UPDATE SET public_key = excluded.public_key, trusted_us = excluded.trusted_us",
        params![device.to_string(), key.to_hex(), now_us],
    )?;
    Ok(())
}

/// A device known to this replica whose key nobody trusted yet, with the people it claims.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UntrustedDevice {
    pub device: DeviceId,
    pub fingerprint: String,
    pub users: Vec<String>,
}

/// Devices whose keys this replica knows only from their own claims.
pub fn untrusted_devices(conn: &Connection) -> Result<Vec<UntrustedDevice>> {
    let mut stmt = conn.prepare(
        "SELECT k.device, k.public_key, group_concat(COALESCE(u.name, k.user_id), ', ')
         FROM device_keys k LEFT JOIN users u ON u.id = k.user_id
         WHERE k.rank < 2 AND k.device NOT IN (SELECT device FROM trusted_devices)
         AND k.device NOT IN (SELECT device_id FROM profile)
         GROUP BY k.device, k.public_key ORDER BY k.device",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (device, key, users) = row?;
        let key = PublicKey::from_hex(&key).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        out.push(UntrustedDevice {
            device: parse("device id", &device)?,
            fingerprint: key.fingerprint(),
            users: users.split(", ").map(str::to_string).collect(),
        });
    }
    Ok(out)
}

/// What the receiver knows of an event's author on its device, after checking the signature when a key is known.
/// `Err` carries the refusal reason for a signature that does not verify.
pub fn author_of(
    conn: &Connection,
    profile: Option<&Profile>,
    e: &Event,
) -> Result<Result<Author, String>> {
    let b = &e.body;
    let role_of = |user: UserId| -> Result<Author> {
        Ok(match directory_entry(conn, user)? {
            // A claim never makes anyone a lead or an admin: only an authority's registration does.
            Some((Role::Lead | Role::Admin, _, rank)) if rank < RANK_AUTHORITY => {
                Author::Unverified
            }
            Some((role, tier, _)) => Author::Verified { role, tier },
            None => Author::Unverified,
        })
    };
    // Made here: the local profile is its own root of trust.
    if profile.is_some_and(|p| b.device == p.device) {
        return role_of(b.author).map(Ok);
    }
    // A device introducing its own key verifies against that very key.
    let introduced = match &b.payload {
        casebook_core::Payload::DeviceBound {
            device, public_key, ..
        } if *device == b.device => PublicKey::from_hex(public_key).ok(),
        _ => None,
    };
    let known = device_trust(conn, b.device)?;
    let key = match (&known, introduced) {
        (Some(k), Some(new)) if k.key != new && k.trusted => {
            return Ok(Err(format!(
                "it introduces another key for device {}, which already has a trusted one",
                b.device
            )))
        }
        (_, Some(new)) => Some((
            new,
            known.as_ref().is_some_and(|k| k.trusted && k.key == new),
        )),
        (Some(k), None) => Some((k.key, k.trusted)),
        (None, None) => None,
    };
    let Some((key, trusted)) = key else {
        return Ok(Ok(Author::Unverified));
    };
    let Some(sig) = &e.signature else {
        // Unsigned (made before keys existed, or stripped): nobody can vouch for it.
        return Ok(Ok(Author::Unverified));
    };
    if key.verify(&e.hash, sig).is_err() {
        return Ok(Err(format!(
            "its signature does not verify with the key of device {} (fingerprint {})",
            b.device,
            key.fingerprint()
        )));
    }
    let chosen = known.as_ref().is_some_and(|k| k.chosen);
    let serves = chosen || introduced.is_some() || device_serves(conn, b.device, b.author)?;
    if !(trusted && serves) {
        return Ok(Ok(Author::Unverified));
    }
    Ok(Ok(match (role_of(b.author)?, &b.payload) {
        // A trusted device's first word about its person comes before any directory row for them: their
        // self-registration speaks for itself (as a claim; it never beats an authority's row).
        (
            Author::Unverified,
            casebook_core::Payload::UserRegistered {
                user, role, tier, ..
            },
        ) if *user == b.author => Author::Verified {
            role: *role,
            tier: *tier,
        },
        (Author::Unverified, casebook_core::Payload::DeviceBound { .. }) => Author::Verified {
            role: Role::Auditor,
            tier: None,
        },
        (author, _) => author,
    }))
}

/// Whether the author may change the directory: the team's directory device (the anchor this laptop trusted when
/// it joined), a verified admin (by an authority's registration), or, on a laptop that never joined a team, the
/// owner of this standalone profile on its own device.
pub fn is_directory_authority(
    conn: &Connection,
    profile: Option<&Profile>,
    e: &Event,
    author: Author,
) -> Result<bool> {
    let b = &e.body;
    if crate::team::is_anchor(conn, b.device)? {
        return Ok(true);
    }
    // A laptop that joined a team stays under the team's directory after forgetting it (the anchor stays).
    let standalone = crate::team::link(conn)?.is_none() && !crate::team::has_anchor(conn)?;
    if standalone && profile.is_some_and(|p| b.device == p.device && b.author == p.owner) {
        return Ok(true);
    }
    Ok(matches!(author, Author::Verified { .. })
        && matches!(directory_entry(conn, b.author)?, Some((Role::Admin, _, r)) if r >= RANK_AUTHORITY))
}

/// The incident as the receiver holds it now.
pub fn incident_facts(conn: &Connection, id: IncidentId) -> Result<Option<IncidentFacts>> {
    let row: Option<(bool, bool, u8, Option<String>)> = conn
        .prepare_cached("SELECT opened, foreign_case, tier, assignee FROM incidents WHERE id = ?1")?
        .query_row([id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    row.map(|(opened, foreign, tier, assignee)| {
        Ok(IncidentFacts {
            opened,
            foreign,
            scope: IncidentScope {
                tier: Tier::new(tier).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                assignee: opt_parse("user id", assignee)?,
            },
        })
    })
    .transpose()
}

/// Answers "which incident holds this object?" from the projections and the log.
pub struct DbLookup<'a>(pub &'a Connection);

impl Lookup for DbLookup<'_> {
    fn incident_of(&self, r: Ref) -> Option<IncidentId> {
        let (sql, id) = match r {
            Ref::Event(x) => (
                "SELECT incident_id FROM events WHERE id = ?1",
                x.to_string(),
            ),
            Ref::Entry(x) => (
                "SELECT incident_id FROM timeline_entries WHERE id = ?1",
                x.to_string(),
            ),
            Ref::Evidence(x) => (
                "SELECT incident_id FROM evidence WHERE id = ?1",
                x.to_string(),
            ),
            Ref::Observable(x) => (
                "SELECT incident_id FROM observables WHERE id = ?1",
                x.to_string(),
            ),
            Ref::Task(x) => ("SELECT incident_id FROM tasks WHERE id = ?1", x.to_string()),
            Ref::Comment(x) => (
                "SELECT incident_id FROM comments WHERE id = ?1",
                x.to_string(),
            ),
            Ref::Escalation(x) => (
                "SELECT incident_id FROM escalations WHERE id = ?1",
                x.to_string(),
            ),
        };
        // A read error answers "not held": the projection's own guards still keep the reference inside its incident.
        let found: Option<Option<String>> = self
            .0
            .prepare_cached(sql)
            .ok()?
            .query_row([id], |row| row.get(0))
            .optional()
            .ok()?;
        found.flatten().and_then(|s| s.parse().ok())
    }
}

/// An event the admission rule refused, as kept aside.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefusedEvent {
    pub id: String,
    pub kind: String,
    pub device: String,
    pub author: String,
    pub incident: Option<String>,
    pub code: String,
    pub reason: String,
    pub origin: String,
    pub refused_at: chrono::DateTime<chrono::Utc>,
}

/// Refused events, newest first.
pub fn refused_events(conn: &Connection, limit: i64) -> Result<Vec<RefusedEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.kind, r.device, COALESCE(u.name, r.author), COALESCE(i.key, r.incident_id), r.code, r.reason,
         r.origin, r.refused_us
         FROM refused_events r LEFT JOIN users u ON u.id = r.author LEFT JOIN incidents i ON i.id = r.incident_id
         ORDER BY r.refused_us DESC, r.id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(RefusedEvent {
            id: r.get(0)?,
            kind: r.get(1)?,
            device: r.get(2)?,
            author: r.get(3)?,
            incident: r.get(4)?,
            code: r.get(5)?,
            reason: r.get(6)?,
            origin: r.get(7)?,
            refused_at: crate::sql::from_micros(r.get(8)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Counts for `log verify`: events kept aside (by reason), refused, flagged for a clock far ahead.
pub fn aside_counts(conn: &Connection) -> Result<(u64, u64, u64, u64)> {
    let count =
        |sql: &str| -> Result<u64> { Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
    Ok((
        count("SELECT count(*) FROM forked_events WHERE reason IN ('fork', 'displaced')")?,
        count("SELECT count(*) FROM forked_events WHERE reason = 'reused_id'")?,
        count("SELECT count(*) FROM refused_events")?,
        count("SELECT count(*) FROM events WHERE clock_ahead = 1")?,
    ))
}

/// A device's public key as the directory (or the person's trust) has it, for checking stored signatures.
pub fn device_key(conn: &Connection, device: DeviceId) -> Result<Option<PublicKey>> {
    Ok(device_trust(conn, device)?.map(|t| t.key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_key_is_the_stored_one_and_a_malformed_one_is_refused_every_time() {
        let a = DeviceKey::from_secret([9; 32]).public();
        let b = DeviceKey::from_secret([10; 32]).public();
        for _ in 0..2 {
            assert!(stored_key(&a.to_hex()).unwrap() == a);
            assert!(stored_key(&b.to_hex()).unwrap() == b);
            assert!(matches!(
                stored_key("not a key"),
                Err(StoreError::Corrupt(_))
            ));
        }
    }
}
