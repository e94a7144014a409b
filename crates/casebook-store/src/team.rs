//! This laptop's link to its team: the server, the sign-in token, the pull cursor, and what the server said of this
//! laptop's own events. Local facts, not events: a rebuild keeps them.

use casebook_core::signing::PublicKey;
use casebook_core::{DeviceId, UserId};
use rusqlite::{params, Connection, OptionalExtension};

use crate::sql::parse;
use crate::Result;

/// The team this laptop joined.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamLink {
    pub server_url: String,
    pub ca_cert_pem: Option<String>,
    pub team_id: String,
    pub team_name: String,
    pub account_user: UserId,
    pub email: String,
    /// `None` once signed out.
    pub token: Option<String>,
    pub token_expires_us: Option<i64>,
    pub epoch: Option<String>,
    pub cursor: u64,
    pub server_frontier: u64,
    pub last_sync_us: Option<i64>,
    pub last_error: Option<String>,
}

pub fn link(conn: &Connection) -> Result<Option<TeamLink>> {
    let row = conn
        .prepare_cached(
            "SELECT server_url, ca_cert_pem, team_id, team_name, account_user, email, token, token_expires_us, epoch,
             cursor, server_frontier, last_sync_us, last_error FROM team_link WHERE singleton = 1",
        )?
        .query_row([], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?),
                (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?),
                (r.get::<_, i64>(9)?, r.get::<_, i64>(10)?, r.get(11)?, r.get(12)?),
            ))
        })
        .optional()?;
    row.map(
        |(
            (server_url, ca_cert_pem, team_id, team_name, user),
            (email, token, token_expires_us, epoch),
            (cursor, frontier, last_sync_us, last_error),
        )| {
            Ok(TeamLink {
                server_url,
                ca_cert_pem,
                team_id,
                team_name,
                account_user: parse("user id", &user)?,
                email,
                token,
                token_expires_us,
                epoch,
                cursor: cursor as u64,
                server_frontier: frontier as u64,
                last_sync_us,
                last_error,
            })
        },
    )
    .transpose()
}

/// Records a sign-in: the server, the account and a fresh token. A new team (or a new epoch) starts the cursor over.
pub fn set_link(tx: &Connection, l: &TeamLink) -> Result<()> {
    tx.execute(
        "INSERT INTO team_link (singleton, server_url, ca_cert_pem, team_id, team_name, account_user, email, token,
           token_expires_us, epoch, cursor, server_frontier)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (singleton) DO UPDATE SET server_url = excluded.server_url, ca_cert_pem = excluded.ca_cert_pem,
           team_id = excluded.team_id, team_name = excluded.team_name, account_user = excluded.account_user,
           email = excluded.email, token = excluded.token, token_expires_us = excluded.token_expires_us,
           cursor = CASE WHEN team_link.team_id = excluded.team_id THEN team_link.cursor ELSE 0 END,
           epoch = CASE WHEN team_link.team_id = excluded.team_id THEN team_link.epoch ELSE NULL END",
        params![
            l.server_url,
            l.ca_cert_pem,
            l.team_id,
            l.team_name,
            l.account_user.to_string(),
            l.email,
            l.token,
            l.token_expires_us,
            l.epoch,
            l.cursor as i64,
            l.server_frontier as i64
        ],
    )?;
    Ok(())
}

/// Signs out: the token goes, the link to the team stays.
pub fn clear_token(tx: &Connection) -> Result<()> {
    tx.execute(
        "UPDATE team_link SET token = NULL, token_expires_us = NULL WHERE singleton = 1",
        [],
    )?;
    Ok(())
}

/// Forgets the team (`casebook logout --forget`): the link, its token and cursor, what the server said of this
/// laptop's events and which files it holds. The events stay, and so does the team's directory device as the
/// anchor: the directory events already admitted keep deciding the directory (a rebuild gives the same state), and
/// the laptop does not become its own directory again ([`has_anchor`]).
pub fn forget(tx: &Connection) -> Result<()> {
    tx.execute("DELETE FROM team_link", [])?;
    tx.execute("DELETE FROM sync_verdicts", [])?;
    tx.execute("DELETE FROM sync_blobs", [])?;
    Ok(())
}

/// The devices this laptop trusts as the anchor of its directory (one per team it has joined, so at most one).
pub fn anchors(conn: &Connection) -> Result<Vec<DeviceId>> {
    let mut stmt = conn.prepare_cached("SELECT device FROM trusted_devices WHERE anchor = 1")?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    rows.iter().map(|d| parse("device id", d)).collect()
}

/// Whether this laptop ever joined a team (and so is not its own directory), even after forgetting it.
pub fn has_anchor(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM trusted_devices WHERE anchor = 1 LIMIT 1")?
        .query_row([], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Where the pull stands, written in the transaction that applied the page.
pub fn set_cursor(tx: &Connection, epoch: &str, position: u64) -> Result<()> {
    tx.execute(
        "UPDATE team_link SET epoch = ?1, cursor = ?2 WHERE singleton = 1",
        params![epoch, position as i64],
    )?;
    Ok(())
}

pub fn set_server_frontier(tx: &Connection, frontier: u64) -> Result<()> {
    tx.execute(
        "UPDATE team_link SET server_frontier = ?1 WHERE singleton = 1",
        [frontier as i64],
    )?;
    Ok(())
}

/// The outcome of a sync attempt: the time of a success, or the error of a failure (which keeps the last success).
pub fn record_attempt(tx: &Connection, now_us: i64, error: Option<&str>) -> Result<()> {
    match error {
        None => tx.execute(
            "UPDATE team_link SET last_sync_us = ?1, last_error = NULL WHERE singleton = 1",
            [now_us],
        )?,
        Some(e) => tx.execute(
            "UPDATE team_link SET last_error = ?1 WHERE singleton = 1",
            [e],
        )?,
    };
    Ok(())
}

/// Trusts the team's directory device as the anchor of this laptop's directory.
pub fn trust_anchor(tx: &Connection, device: DeviceId, key: &PublicKey, now_us: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO trusted_devices (device, public_key, trusted_us, anchor) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (device) DO UPDATE SET public_key = excluded.public_key, anchor = 1",
        params![device.to_string(), key.to_hex(), now_us],
    )?;
    Ok(())
}

pub fn is_anchor(conn: &Connection, device: DeviceId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM trusted_devices WHERE device = ?1 AND anchor = 1")?
        .query_row([device.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// What the server said of one of this laptop's events it did not take.
pub fn record_verdict(
    tx: &Connection,
    event: &str,
    verdict: &str,
    code: Option<&str>,
    reason: &str,
    now_us: i64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_verdicts (event_id, verdict, code, reason, at_us) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (event_id) DO UPDATE SET verdict = excluded.verdict, code = excluded.code, reason = excluded.reason",
        params![event, verdict, code, reason, now_us],
    )?;
    Ok(())
}

/// An event of this laptop's that the server did not take, for the person to read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerVerdict {
    pub event: String,
    pub kind: String,
    pub incident: Option<String>,
    /// `refused` or `fork`.
    pub verdict: String,
    pub code: Option<String>,
    pub reason: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

pub fn verdicts(conn: &Connection) -> Result<Vec<ServerVerdict>> {
    let mut stmt = conn.prepare(
        "SELECT v.event_id, COALESCE(e.kind, '?'), COALESCE(i.key, e.incident_id), v.verdict, v.code, v.reason, v.at_us
         FROM sync_verdicts v LEFT JOIN events e ON e.id = v.event_id LEFT JOIN incidents i ON i.id = e.incident_id
         ORDER BY v.at_us DESC, v.event_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ServerVerdict {
            event: r.get(0)?,
            kind: r.get(1)?,
            incident: r.get(2)?,
            verdict: r.get(3)?,
            code: r.get(4)?,
            reason: r.get(5)?,
            at: crate::sql::from_micros(r.get(6)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// This device's events after the server's frontier that the server has not refused: what waits to go up.
pub fn waiting(conn: &Connection, device: DeviceId, server_frontier: u64) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM events WHERE device = ?1 AND device_seq > ?2
             AND id NOT IN (SELECT event_id FROM sync_verdicts)",
        )?
        .query_row(params![device.to_string(), server_frontier as i64], |r| {
            r.get(0)
        })?;
    Ok(n as u64)
}

/// The JSON of this device's events with sequences in `after+1 ..= through`, in order, up to `max_bytes` (at least
/// one event).
pub fn own_events(
    conn: &Connection,
    device: DeviceId,
    after: u64,
    through: u64,
    max_events: usize,
    max_bytes: usize,
) -> Result<Vec<(u64, String)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM events WHERE device = ?1 AND device_seq > ?2 AND device_seq <= ?3 ORDER BY device_seq LIMIT ?4",
        crate::append::STORED_COLUMNS
    ))?;
    let rows = stmt.query_map(
        params![
            device.to_string(),
            after as i64,
            through as i64,
            max_events as i64
        ],
        crate::append::stored_row,
    )?;
    let mut out = Vec::new();
    let mut bytes = 0;
    for row in rows {
        let stored = row?.into_stored()?;
        let json = serde_json::to_string(&casebook_core::event::WireEvent::from(&stored.event))?;
        if !out.is_empty() && bytes + json.len() > max_bytes {
            break;
        }
        bytes += json.len();
        out.push((stored.event.body.device_seq, json));
    }
    Ok(out)
}

/// The highest sequence this device holds with no gap below it.
pub fn contiguous_head(conn: &Connection, device: DeviceId) -> Result<u64> {
    // A device's own events are numbered without gaps (one writer, one transaction per append).
    crate::trust::own_head(conn, device)
}

/// Evidence files named by this device's events that the server is not yet known to hold in full.
pub fn blobs_to_upload(conn: &Connection, device: DeviceId) -> Result<Vec<(String, u64)>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT ev.sha256, ev.size FROM evidence ev JOIN events e ON e.id = ev.event_id
         WHERE e.device = ?1 AND ev.sha256 NOT IN (SELECT sha256 FROM sync_blobs)
         AND e.id NOT IN (SELECT event_id FROM sync_verdicts)",
    )?;
    let rows = stmt.query_map([device.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn blob_on_server(tx: &Connection, sha256: &str, now_us: i64) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO sync_blobs (sha256, on_server_us) VALUES (?1, ?2)",
        params![sha256, now_us],
    )?;
    Ok(())
}

/// Conflicts waiting for a person: long-text versions nobody settled, changes out of scope at their place, and
/// escalation transitions that lost.
pub fn open_conflicts(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT
           (SELECT count(*) FROM text_versions v
             WHERE NOT EXISTS (SELECT 1 FROM text_settles s WHERE s.settled = v.event_id)
               AND v.event_id != (SELECT w.event_id FROM text_versions w WHERE w.incident_id = v.incident_id
                                   AND w.field = v.field ORDER BY w.hlc DESC, w.event_id DESC LIMIT 1))
         + (SELECT count(*) FROM scope_conflicts)
         + (SELECT count(*) FROM escalation_transitions WHERE conflict IS NOT NULL)",
        [],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// The convergence digest of an incident as this laptop holds it (its own events the server refused left out).
pub fn incident_digest(
    conn: &Connection,
    incident: casebook_core::IncidentId,
) -> Result<casebook_core::digest::SetDigest> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, hash FROM events WHERE incident_id = ?1 AND id NOT IN (SELECT event_id FROM sync_verdicts)",
    )?;
    let rows: Vec<(String, String)> = stmt
        .query_map([incident.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let parsed: Vec<(casebook_core::EventId, String)> = rows
        .into_iter()
        .map(|(id, hash)| Ok((parse("event id", &id)?, hash)))
        .collect::<Result<_>>()?;
    Ok(casebook_core::digest::set_digest(
        parsed.iter().map(|(id, h)| (*id, h.as_str())),
    ))
}
