//! Appending events: a local change (numbered, clocked and chained here) or an event from elsewhere (a bundle, later
//! the sync server), which is checked, deduplicated by id and tested for forks before it is applied.

use casebook_core::admission;
use casebook_core::event::EventBody;
use casebook_core::hlc;
use casebook_core::{DeviceId, Event, EventId, Hlc, IncidentId, Payload, UserId};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::sql::parse;
use crate::{project, trust, Result, StoreError};

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

/// How an event counts in the projections, decided when it was admitted and stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub standing: admission::Standing,
    /// Its clock ran far ahead of when it was received: by the team server when it came through it (the team's
    /// reference, so every replica agrees), else by this replica on arrival. This device's own events are flagged
    /// only by the server's receipt time.
    pub clock_ahead: bool,
}

impl Standing {
    pub(crate) fn as_str(&self) -> &'static str {
        match self.standing {
            admission::Standing::Authority => "authority",
            admission::Standing::Verified => "verified",
            admission::Standing::Unverified => "unverified",
        }
    }

    pub(crate) fn from_columns(standing: &str, clock_ahead: bool) -> Standing {
        let standing = match standing {
            "authority" => admission::Standing::Authority,
            "unverified" => admission::Standing::Unverified,
            _ => admission::Standing::Verified,
        };
        Standing {
            standing,
            clock_ahead,
        }
    }

    /// The rank of a directory claim made by such an event.
    pub(crate) fn rank(&self) -> i64 {
        match self.standing {
            admission::Standing::Authority => trust::RANK_AUTHORITY,
            admission::Standing::Verified => trust::RANK_VERIFIED,
            admission::Standing::Unverified => trust::RANK_UNVERIFIED,
        }
    }
}

/// Appends a local change and updates every projection, in the caller's transaction. The change passes the same
/// admission rule as events from elsewhere, is numbered and chained after this device's last event, and is signed
/// with this device's key.
pub fn append_local(
    tx: &Transaction,
    origin: Origin,
    id: EventId,
    incident: Option<IncidentId>,
    payload: Payload,
    wall_now_micros: i64,
) -> Result<Event> {
    let head: Option<(i64, String, String)> = tx
        .prepare_cached(
            "SELECT device_seq, hash, hlc FROM events WHERE device = ?1 ORDER BY device_seq DESC LIMIT 1",
        )?
        .query_row([origin.device.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    // Past everything this device has seen, so a local edit made after reading a colleague's wins over it; but a
    // clock far ahead of ours is never followed (whatever its flag says), or one event from 2400 would date every
    // later local change 2400.
    let ceiling = Hlc::ceiling(wall_now_micros.saturating_add(hlc::MAX_AHEAD_MICROS)).encode();
    let latest: Option<String> = tx
        .prepare_cached("SELECT max(hlc) FROM events WHERE hlc <= ?1")?
        .query_row([ceiling], |r| r.get(0))?;
    let own = match &head {
        Some((_, _, hlc)) => parse::<Hlc>("hlc", hlc)?,
        None => Hlc::zero(origin.device),
    };
    let seen = match latest {
        Some(h) => parse::<Hlc>("hlc", &h)?.max(own),
        None => own,
    };
    let hlc = Hlc::observe(own, seen, wall_now_micros);
    let (seq, prev) = match head {
        Some((seq, hash, _)) => (
            (seq as u64)
                .checked_add(1)
                .filter(|s| *s <= i64::MAX as u64)
                .ok_or_else(|| {
                    StoreError::Corrupt("this device's sequence numbers are exhausted".into())
                })?,
            Some(hash),
        ),
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
    let profile = trust::profile(tx)?;
    // A person's first event on this device introduces the device's key for them, so other replicas can verify what
    // they wrote here (the owner's comes at init; a colleague acting here gets theirs on first use).
    if let Some(key) = profile.as_ref().and_then(|p| p.key.as_ref()) {
        if !matches!(body.payload, Payload::DeviceBound { .. })
            && !trust::device_serves(tx, origin.device, origin.user)?
        {
            let bound = Payload::DeviceBound {
                device: origin.device,
                user: origin.user,
                public_key: key.public().to_hex(),
            };
            append_local(
                tx,
                origin,
                EventId(uuid::Uuid::now_v7()),
                None,
                bound,
                wall_now_micros,
            )?;
            return append_local(tx, origin, body.id, incident, body.payload, wall_now_micros);
        }
    }
    // Sealed once, before admission: encoding and hashing a 1,000-entry import batch is the costly part, and the
    // rule reads only the body.
    let event = match profile.as_ref().and_then(|p| p.key.as_ref()) {
        Some(key) => Event::seal_signed(body, prev, key),
        None => Event::seal(body, prev),
    };
    let standing = match &profile {
        Some(p) => admit_local(tx, p, &event)?,
        // Only `init` writes before the profile exists; it writes the profile first.
        None => admission::Standing::Verified,
    };
    let standing = Standing {
        standing,
        clock_ahead: false,
    };
    insert(tx, &event, standing, None)?;
    project::apply(tx, &event, standing)?;
    Ok(event)
}

/// The admission rule for a change typed here: the local profile vouches for the device, the directory for the
/// acting person's role.
fn admit_local(
    tx: &Transaction,
    profile: &trust::Profile,
    sealed: &Event,
) -> Result<admission::Standing> {
    let body = &sealed.body;
    let author = match trust::author_of(tx, Some(profile), sealed)? {
        Ok(a) => a,
        Err(reason) => {
            return Err(StoreError::Refused(admission::Refusal::new(
                admission::RefusalCode::BadSignature,
                reason,
            )))
        }
    };
    let authority = trust::is_directory_authority(tx, Some(profile), sealed, author)?;
    let incident = match body.incident {
        Some(i) => trust::incident_facts(tx, i)?,
        None => None,
    };
    let lookup = trust::DbLookup(tx);
    let cx = admission::Context {
        author,
        directory_authority: authority,
        outside_of: None,
        incident,
        minted_here: true,
        lookup: &lookup,
    };
    admission::admit(body, &cx).map_err(StoreError::Refused)
}

/// Stores an event with its standing and, when it came through the team server, the server's receipt time of it.
pub(crate) fn insert(
    tx: &Transaction,
    e: &Event,
    standing: Standing,
    server_received_us: Option<i64>,
) -> Result<()> {
    let b = &e.body;
    tx.prepare_cached(
        "INSERT INTO events (id, incident_id, author, device, device_seq, hlc, kind, payload_version, payload, prev_hash,
         hash, signature, standing, clock_ahead, server_received_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
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
        e.signature,
        standing.as_str(),
        standing.clock_ahead,
        server_received_us,
    ])?;
    Ok(())
}

/// Reads events in local arrival order, `after` the given local sequence, at most `limit`.
pub fn read_events(
    conn: &rusqlite::Connection,
    incident: Option<IncidentId>,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Event)>> {
    Ok(read_stored(conn, incident, after, limit)?
        .into_iter()
        .map(|s| (s.seq, s.event))
        .collect())
}

/// An event as this replica holds it: its local arrival number and the standing it was admitted with.
pub struct Stored {
    pub seq: i64,
    pub event: Event,
    pub standing: Standing,
}

pub(crate) const STORED_COLUMNS: &str = "seq, id, incident_id, author, device, device_seq, hlc, payload_version, payload, prev_hash, hash,
     signature, standing, clock_ahead";

/// Reads stored events in local arrival order.
pub fn read_stored(
    conn: &rusqlite::Connection,
    incident: Option<IncidentId>,
    after: i64,
    limit: i64,
) -> Result<Vec<Stored>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STORED_COLUMNS} FROM events WHERE seq > ?1 AND (?2 IS NULL OR incident_id = ?2) ORDER BY seq LIMIT ?3"
    ))?;
    let rows = stmt.query_map(
        params![after, incident.map(|i| i.to_string()), limit],
        stored_row,
    )?;
    rows.map(|r| r?.into_stored()).collect()
}

/// One stored event by id.
pub fn read_one(conn: &rusqlite::Connection, id: &str) -> Result<Option<Event>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {STORED_COLUMNS} FROM events WHERE id = ?1"
        ))?
        .query_row([id], stored_row)
        .optional()?;
    row.map(|r| r.into_stored().map(|s| s.event)).transpose()
}

/// Reads stored events in HLC order, after the given (HLC, id) (exclusive), at most `limit`: the deterministic order in
/// which scope is judged, so a rebuild judges every event exactly as every other replica does.
pub fn read_in_clock_order(
    conn: &rusqlite::Connection,
    after: (&str, &str),
    limit: i64,
) -> Result<Vec<Stored>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STORED_COLUMNS} FROM events WHERE (hlc, id) > (?1, ?2) ORDER BY hlc, id LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![after.0, after.1, limit], stored_row)?;
    rows.map(|r| r?.into_stored()).collect()
}

pub(crate) struct Row {
    seq: i64,
    id: String,
    incident: Option<String>,
    author: String,
    device: String,
    device_seq: u64,
    hlc: String,
    version: u16,
    payload: String,
    prev: Option<String>,
    hash: String,
    signature: Option<String>,
    standing: String,
    ahead: bool,
}

pub(crate) fn stored_row(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    Ok(Row {
        seq: r.get(0)?,
        id: r.get(1)?,
        incident: r.get(2)?,
        author: r.get(3)?,
        device: r.get(4)?,
        device_seq: r.get::<_, i64>(5)? as u64,
        hlc: r.get(6)?,
        version: r.get(7)?,
        payload: r.get(8)?,
        prev: r.get(9)?,
        hash: r.get(10)?,
        signature: r.get(11)?,
        standing: r.get(12)?,
        ahead: r.get(13)?,
    })
}

impl Row {
    pub(crate) fn into_stored(self) -> Result<Stored> {
        let event = Event::from_stored(
            parse("event id", &self.id)?,
            crate::sql::opt_parse("incident id", self.incident)?,
            parse("author", &self.author)?,
            parse("device", &self.device)?,
            self.device_seq,
            parse("hlc", &self.hlc)?,
            self.version,
            self.payload,
            self.prev,
            self.hash,
        )?
        .with_signature(self.signature);
        Ok(Stored {
            seq: self.seq,
            event,
            standing: Standing::from_columns(&self.standing, self.ahead),
        })
    }
}
