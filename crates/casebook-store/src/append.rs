//! Appending events: a local change (numbered, clocked and chained here) or an event from elsewhere (a bundle, later
//! the sync server), which is checked, deduplicated by id and tested for forks before it is applied.

use casebook_core::event::EventBody;
use casebook_core::{DeviceId, Event, EventId, Hlc, IncidentId, Payload, UserId};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::sql::parse;
use crate::{project, Result, StoreError};

/// Who makes a local change, on which device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub user: UserId,
    pub device: DeviceId,
}

/// Records who this installation is (once, at `init`).
pub fn set_profile(tx: &Transaction, device: DeviceId, user: UserId) -> Result<()> {
    tx.execute(
        "INSERT INTO profile (singleton, device_id, user_id) VALUES (1, ?1, ?2)",
        params![device.to_string(), user.to_string()],
    )?;
    Ok(())
}

/// Appends a local change and updates every projection, in the caller's transaction.
pub fn append_local(
    tx: &Transaction,
    origin: Origin,
    id: EventId,
    incident: Option<IncidentId>,
    payload: Payload,
    wall_now_micros: i64,
) -> Result<Event> {
    let head: Option<(i64, String, String)> = tx
        .query_row(
            "SELECT device_seq, hash, hlc FROM device_heads WHERE device = ?1",
            [origin.device.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let latest: Option<String> =
        tx.query_row("SELECT max(hlc) FROM device_heads", [], |r| r.get(0))?;
    let own = match &head {
        Some((_, _, hlc)) => parse::<Hlc>("hlc", hlc)?,
        None => Hlc::zero(origin.device),
    };
    let seen = match latest {
        Some(h) => parse::<Hlc>("hlc", &h)?,
        None => own,
    };
    // Past everything this device has seen, so a local edit made after reading a colleague's wins over it.
    let hlc = Hlc::observe(own, seen, wall_now_micros);
    let (seq, prev) = match head {
        Some((seq, hash, _)) => (seq as u64 + 1, Some(hash)),
        None => (1, None),
    };
    let body = EventBody {
        id,
        incident,
        author: origin.user,
        device: origin.device,
        device_seq: seq,
        hlc,
        payload,
    };
    let event = Event::seal(body, prev);
    insert(tx, &event)?;
    project::apply(tx, &event)?;
    Ok(event)
}

/// What became of an event from elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    Applied,
    /// Already here (same id): nothing to do.
    Duplicate,
    /// The device already has another event at this sequence number: kept aside and reported.
    Fork {
        device: DeviceId,
        device_seq: u64,
    },
}

/// Why an event from elsewhere was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("event {0} does not match its hash: it was changed after it was written")]
    BadHash(EventId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Appends an event written elsewhere (a bundle, later the sync server): verified, deduplicated, fork-checked.
pub fn append_remote(tx: &Transaction, event: &Event) -> Result<Arrival, Refused> {
    if event.recompute_hash() != event.hash {
        return Err(Refused::BadHash(event.id()));
    }
    let b = &event.body;
    let exists: bool = tx
        .query_row(
            "SELECT 1 FROM events WHERE id = ?1",
            [b.id.to_string()],
            |_| Ok(true),
        )
        .optional()
        .map_err(StoreError::from)?
        .unwrap_or(false);
    if exists {
        return Ok(Arrival::Duplicate);
    }
    let other: Option<String> = tx
        .query_row(
            "SELECT hash FROM events WHERE device = ?1 AND device_seq = ?2",
            params![b.device.to_string(), b.device_seq as i64],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::from)?;
    if other.is_some() {
        let json = serde_json::json!({
            "id": b.id, "incident": b.incident, "author": b.author, "device": b.device,
            "device_seq": b.device_seq, "hlc": b.hlc, "payload_version": event.payload_version,
            "payload": event.payload_json, "prev_hash": event.prev_hash, "hash": event.hash,
        });
        tx.execute(
            "INSERT OR IGNORE INTO forked_events (id, device, device_seq, hash, event_json) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![b.id.to_string(), b.device.to_string(), b.device_seq as i64, event.hash, json.to_string()],
        )
        .map_err(StoreError::from)?;
        return Ok(Arrival::Fork {
            device: b.device,
            device_seq: b.device_seq,
        });
    }
    insert(tx, event)?;
    project::apply(tx, event)?;
    Ok(Arrival::Applied)
}

fn insert(tx: &Transaction, e: &Event) -> Result<()> {
    let b = &e.body;
    tx.prepare_cached(
        "INSERT INTO events (id, incident_id, author, device, device_seq, hlc, kind, payload_version, payload, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
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
        e.hash,
    ])?;
    // The head moves only forward: a late, older event of a device leaves the head where it is.
    tx.prepare_cached(
        "INSERT INTO device_heads (device, device_seq, hash, hlc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (device) DO UPDATE SET device_seq = excluded.device_seq, hash = excluded.hash, hlc = excluded.hlc
         WHERE excluded.device_seq > device_heads.device_seq",
    )?
    .execute(params![b.device.to_string(), b.device_seq as i64, e.hash, b.hlc.encode()])?;
    Ok(())
}

/// Reads events in local arrival order, `after` the given local sequence, at most `limit`.
pub fn read_events(
    conn: &rusqlite::Connection,
    incident: Option<IncidentId>,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Event)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, incident_id, author, device, device_seq, hlc, payload_version, payload, prev_hash, hash
         FROM events WHERE seq > ?1 AND (?2 IS NULL OR incident_id = ?2) ORDER BY seq LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![after, incident.map(|i| i.to_string()), limit],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)? as u64,
                r.get::<_, String>(6)?,
                r.get::<_, u16>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, String>(10)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, id, inc, author, device, dseq, hlc, ver, payload, prev, hash) = row?;
        let event = Event::from_stored(
            parse("event id", &id)?,
            crate::sql::opt_parse("incident id", inc)?,
            parse("author", &author)?,
            parse("device", &device)?,
            dseq,
            parse("hlc", &hlc)?,
            ver,
            payload,
            prev,
            hash,
        )?;
        out.push((seq, event));
    }
    Ok(out)
}
