//! A push in progress on the SQLite storage: the log's side of `LogTx`, holding the writer connection (and so the
//! write lock) from the first check to the commit.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use casebook_core::{DeviceId, EventId, IncidentId};
use casebook_protocol::TeamId;
use casebook_server_storage::*;
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::{broadcast, OwnedMutexGuard};
use uuid::Uuid;

use crate::db;
use crate::rows::*;

/// A push in progress: holds the writer connection (and so the write lock) until commit or drop.
pub(crate) struct SqliteTx {
    conn: OwnedMutexGuard<Connection>,
    team: String,
    team_id: TeamId,
    head: u64,
    open: bool,
    grown: broadcast::Sender<TeamId>,
}

impl SqliteTx {
    /// Takes the write lock's connection into a transaction at the team's head. The transaction belongs to the
    /// value from its first statement on, so an error here (an unknown team) rolls it back on drop too.
    pub(crate) fn begin(
        conn: OwnedMutexGuard<Connection>,
        team: TeamId,
        grown: broadcast::Sender<TeamId>,
    ) -> Result<SqliteTx> {
        conn.execute_batch("BEGIN IMMEDIATE").map_err(db)?;
        let mut tx = SqliteTx {
            conn,
            team: team.to_string(),
            team_id: team,
            head: 0,
            open: true,
            grown,
        };
        let head: i64 = tx
            .conn
            .query_row("SELECT head FROM teams WHERE id = ?1", [&tx.team], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)?
            .ok_or_else(|| StorageError::NotFound("team".into()))?;
        tx.head = head as u64;
        Ok(tx)
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.open {
            // Dropped without commit (an error, a cancelled request): nothing of it stays.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

#[async_trait]
impl LogTx for SqliteTx {
    async fn event_hash(&mut self, id: EventId) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT hash FROM events WHERE team = ?1 AND id = ?2")
            .map_err(db)?
            .query_row([&self.team, &id.to_string()], |r| r.get(0))
            .optional()
            .map_err(db)
    }

    async fn seq_hash(&mut self, device: DeviceId, seq: u64) -> Result<Option<String>> {
        self.conn
            .prepare_cached(
                "SELECT hash FROM events WHERE team = ?1 AND device = ?2 AND device_seq = ?3",
            )
            .map_err(db)?
            .query_row(params![self.team, device.to_string(), seq as i64], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)
    }

    async fn seq_raw(&mut self, device: DeviceId, seq: u64) -> Result<Option<String>> {
        self.conn
            .prepare_cached(
                "SELECT raw FROM events WHERE team = ?1 AND device = ?2 AND device_seq = ?3",
            )
            .map_err(db)?
            .query_row(params![self.team, device.to_string(), seq as i64], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)
    }

    async fn seq_settled(&mut self, device: DeviceId, seq: u64) -> Result<bool> {
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM events WHERE team = ?1 AND device = ?2 AND device_seq = ?3)
                     OR EXISTS (SELECT 1 FROM aside WHERE team = ?1 AND device = ?2 AND device_seq = ?3)",
            )
            .map_err(db)?
            .query_row(params![self.team, device.to_string(), seq as i64], |r| r.get(0))
            .map_err(db)?;
        Ok(n != 0)
    }

    async fn frontier(&mut self, device: DeviceId) -> Result<u64> {
        let n: Option<i64> = self
            .conn
            .prepare_cached("SELECT contiguous FROM frontiers WHERE team = ?1 AND device = ?2")
            .map_err(db)?
            .query_row([&self.team, &device.to_string()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        Ok(n.unwrap_or(0) as u64)
    }

    async fn set_frontier(&mut self, device: DeviceId, contiguous: u64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO frontiers (team, device, contiguous) VALUES (?1, ?2, ?3)
                 ON CONFLICT (team, device) DO UPDATE SET contiguous = excluded.contiguous",
            )
            .map_err(db)?
            .execute(params![self.team, device.to_string(), contiguous as i64])
            .map_err(db)?;
        Ok(())
    }

    async fn incident_opened(&mut self, incident: IncidentId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM incidents WHERE team = ?1 AND id = ?2")
            .map_err(db)?
            .query_row([&self.team, &incident.to_string()], |_| Ok(()))
            .optional()
            .map_err(db)?
            .is_some())
    }

    async fn objects(&mut self, ids: &[Uuid]) -> Result<HashMap<Uuid, Option<IncidentId>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT incident FROM objects WHERE team = ?1 AND id = ?2")
            .map_err(db)?;
        let mut out = HashMap::new();
        for id in ids {
            let row: Option<Option<String>> = stmt
                .query_row([&self.team, &id.to_string()], |r| r.get(0))
                .optional()
                .map_err(db)?;
            if let Some(incident) = row {
                out.insert(*id, incident.map(|i| parse(&i)).transpose()?);
            }
        }
        Ok(out)
    }

    async fn append(&mut self, e: &NewEvent) -> Result<u64> {
        let position = self.head + 1;
        let incident = e.incident.map(|i| i.to_string());
        self.conn
            .prepare_cached(
                "INSERT INTO events (team, position, id, incident, author, device, device_seq, hash, raw, received_us)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .map_err(db)?
            .execute(params![
                self.team,
                position as i64,
                e.id.to_string(),
                incident,
                e.author.to_string(),
                e.device.to_string(),
                e.device_seq as i64,
                e.hash,
                e.raw,
                e.received_us
            ])
            .map_err(db)?;
        let mut object = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO objects (team, id, incident) VALUES (?1, ?2, ?3)",
            )
            .map_err(db)?;
        for id in &e.objects {
            object
                .execute(params![self.team, id.to_string(), incident])
                .map_err(db)?;
        }
        drop(object);
        if let (true, Some(i)) = (e.opens_incident, &incident) {
            self.conn
                .prepare_cached("INSERT OR IGNORE INTO incidents (team, id) VALUES (?1, ?2)")
                .map_err(db)?
                .execute([&self.team, i])
                .map_err(db)?;
        }
        if let Some(alert) = e.alert {
            self.conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO alerts (team, alert, event) VALUES (?1, ?2, ?3)",
                )
                .map_err(db)?
                .execute(params![self.team, alert.to_string(), e.id.to_string()])
                .map_err(db)?;
        }
        if let Some((sha, size)) = &e.blob {
            self.conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO blobs (team, sha256, size) VALUES (?1, ?2, ?3)",
                )
                .map_err(db)?
                .execute(params![self.team, sha, *size as i64])
                .map_err(db)?;
        }
        self.conn
            .prepare_cached("UPDATE teams SET head = ?2 WHERE id = ?1")
            .map_err(db)?
            .execute(params![self.team, position as i64])
            .map_err(db)?;
        self.head = position;
        Ok(position)
    }

    async fn set_aside(&mut self, a: &AsideEvent) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO aside (team, id, device, device_seq, hash, raw, reason, code, detail, pushed_by, received_us)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(db)?
            .execute(params![
                self.team,
                a.id.to_string(),
                a.device.to_string(),
                a.device_seq as i64,
                a.hash,
                a.raw,
                a.reason,
                a.code,
                a.detail,
                a.pushed_by.to_string(),
                a.received_us
            ])
            .map_err(db)?;
        Ok(())
    }

    async fn alerts_known(&mut self, alerts: &[Uuid]) -> Result<HashSet<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM alerts WHERE team = ?1 AND alert = ?2")
            .map_err(db)?;
        let mut known = HashSet::new();
        for alert in alerts {
            if stmt
                .query_row([&self.team, &alert.to_string()], |_| Ok(()))
                .optional()
                .map_err(db)?
                .is_some()
            {
                known.insert(*alert);
            }
        }
        Ok(known)
    }

    async fn commit(mut self: Box<Self>) -> Result<()> {
        self.conn.execute_batch("COMMIT").map_err(db)?;
        self.open = false;
        let _ = self.grown.send(self.team_id);
        Ok(())
    }
}
