//! The team server's storage on an embedded SQLite file: the default, for a team served by one process.
//!
//! One writer connection behind an async mutex serialises pushes (SQLite has one writer anyway), which is what makes
//! positions gapless and in commit order; a second connection serves reads concurrently (WAL). Statements are short
//! (a push of 1,000 events takes milliseconds), so they run on the async worker that holds the lock.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use casebook_core::{DeviceId, EventId, IncidentId, UserId};
use casebook_protocol::TeamId;
use casebook_server_storage::*;
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::{broadcast, Mutex};
use uuid::Uuid;

mod log_tx;
mod rows;

use log_tx::SqliteTx;
use rows::*;

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/server-sqlite/0001_server.sql"),
    include_str!("../../../migrations/server-sqlite/0002_integrations.sql"),
];

pub struct SqliteStorage {
    writer: Arc<Mutex<Connection>>,
    reader: Mutex<Connection>,
    grown: broadcast::Sender<TeamId>,
}

pub(crate) fn db(e: rusqlite::Error) -> StorageError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            return StorageError::Conflict(msg.clone().unwrap_or_else(|| "a row".into()));
        }
    }
    StorageError::Database(e.to_string())
}

fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(db)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
    )
    .map_err(db)?;
    Ok(conn)
}

impl SqliteStorage {
    /// Opens (creating and migrating) the database file. A file from a newer server is refused untouched.
    pub fn open(path: &Path) -> Result<SqliteStorage> {
        let mut writer = connect(path)?;
        let found: i64 = writer
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(db)?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StorageError::Database(format!(
                "{} was written by a newer casebook-server (schema {found}, this one knows {known}); upgrade the server",
                path.display()
            )));
        }
        if found < known {
            let tx = writer
                .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
                .map_err(db)?;
            for sql in MIGRATIONS.iter().skip(found as usize) {
                tx.execute_batch(sql).map_err(db)?;
            }
            tx.pragma_update(None, "user_version", known).map_err(db)?;
            tx.commit().map_err(db)?;
        }
        let reader = connect(path)?;
        Ok(SqliteStorage {
            writer: Arc::new(Mutex::new(writer)),
            reader: Mutex::new(reader),
            grown: broadcast::channel(1024).0,
        })
    }
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn create_team(&self, t: &TeamRow) -> Result<()> {
        self.writer.lock().await.execute(
            "INSERT INTO teams (id, name, epoch, directory_device, directory_secret, created_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![t.id.to_string(), t.name, t.epoch.to_string(), t.directory_device.to_string(), t.directory_secret, t.created_us],
        ).map_err(db)?;
        Ok(())
    }

    async fn team(&self, id: TeamId) -> Result<Option<TeamRow>> {
        let c = self.reader.lock().await;
        c.query_row(&format!("{TEAM} WHERE id = ?1"), [id.to_string()], team_row)
            .optional()
            .map_err(db)?
            .transpose()
    }

    async fn team_by_name(&self, name: &str) -> Result<Option<TeamRow>> {
        let c = self.reader.lock().await;
        c.query_row(&format!("{TEAM} WHERE name = ?1"), [name], team_row)
            .optional()
            .map_err(db)?
            .transpose()
    }

    async fn teams(&self) -> Result<Vec<TeamRow>> {
        let c = self.reader.lock().await;
        let mut stmt = c
            .prepare(&format!("{TEAM} ORDER BY created_us, name"))
            .map_err(db)?;
        let rows = stmt.query_map([], team_row).map_err(db)?;
        rows.map(|r| r.map_err(db)?).collect()
    }

    async fn set_epoch(&self, team: TeamId, epoch: Uuid) -> Result<()> {
        let n = self
            .writer
            .lock()
            .await
            .execute(
                "UPDATE teams SET epoch = ?2 WHERE id = ?1",
                params![team.to_string(), epoch.to_string()],
            )
            .map_err(db)?;
        found(n, "team")
    }

    async fn create_account(&self, a: &AccountRow) -> Result<()> {
        self.writer.lock().await.execute(
            "INSERT INTO accounts (team, user_id, email, name, role, tier, password_hash, disabled, created_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![a.team.to_string(), a.user.to_string(), a.email, a.name, a.role.as_str(), a.tier.map(|t| t.get()),
                    a.password_hash, a.disabled, a.created_us],
        ).map_err(|e| match db(e) {
            StorageError::Conflict(_) => StorageError::Conflict(format!("an account for {}", a.email)),
            other => other,
        })?;
        Ok(())
    }

    async fn account(&self, team: TeamId, user: UserId) -> Result<Option<AccountRow>> {
        let c = self.reader.lock().await;
        c.query_row(
            &format!("{ACCOUNT} WHERE team = ?1 AND user_id = ?2"),
            [team.to_string(), user.to_string()],
            account_row,
        )
        .optional()
        .map_err(db)?
        .transpose()
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<AccountRow>> {
        let c = self.reader.lock().await;
        c.query_row(&format!("{ACCOUNT} WHERE email = ?1"), [email], account_row)
            .optional()
            .map_err(db)?
            .transpose()
    }

    async fn accounts(&self, team: TeamId) -> Result<Vec<AccountRow>> {
        let c = self.reader.lock().await;
        let mut stmt = c
            .prepare(&format!("{ACCOUNT} WHERE team = ?1 ORDER BY email"))
            .map_err(db)?;
        let rows = stmt
            .query_map([team.to_string()], account_row)
            .map_err(db)?;
        rows.map(|r| r.map_err(db)?).collect()
    }

    async fn update_account(&self, a: &AccountRow) -> Result<()> {
        let n = self.writer.lock().await.execute(
            "UPDATE accounts SET email = ?3, name = ?4, role = ?5, tier = ?6, password_hash = ?7, disabled = ?8
             WHERE team = ?1 AND user_id = ?2",
            params![a.team.to_string(), a.user.to_string(), a.email, a.name, a.role.as_str(), a.tier.map(|t| t.get()),
                    a.password_hash, a.disabled],
        ).map_err(db)?;
        found(n, "account")
    }

    async fn put_device(&self, d: &DeviceRow) -> Result<()> {
        self.writer.lock().await.execute(
            "INSERT INTO devices (team, device, user_id, alias, name, public_key, revoked, created_us, last_seen_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (team, device) DO UPDATE SET user_id = excluded.user_id, alias = excluded.alias,
               name = excluded.name, public_key = excluded.public_key, revoked = excluded.revoked,
               last_seen_us = excluded.last_seen_us",
            params![d.team.to_string(), d.device.to_string(), d.user.to_string(), d.alias.map(|a| a.to_string()), d.name,
                    d.public_key, d.revoked, d.created_us, d.last_seen_us],
        ).map_err(db)?;
        Ok(())
    }

    async fn device(&self, team: TeamId, device: DeviceId) -> Result<Option<DeviceRow>> {
        let c = self.reader.lock().await;
        c.query_row(
            &format!("{DEVICE} WHERE team = ?1 AND device = ?2"),
            [team.to_string(), device.to_string()],
            device_row,
        )
        .optional()
        .map_err(db)?
        .transpose()
    }

    async fn devices(&self, team: TeamId) -> Result<Vec<DeviceRow>> {
        let c = self.reader.lock().await;
        let mut stmt = c
            .prepare(&format!(
                "{DEVICE} WHERE team = ?1 ORDER BY created_us, device"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([team.to_string()], device_row).map_err(db)?;
        rows.map(|r| r.map_err(db)?).collect()
    }

    async fn touch_device(&self, team: TeamId, device: DeviceId, now: Micros) -> Result<()> {
        self.writer
            .lock()
            .await
            .execute(
                "UPDATE devices SET last_seen_us = ?3 WHERE team = ?1 AND device = ?2",
                params![team.to_string(), device.to_string(), now],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn put_token(&self, t: &TokenRow) -> Result<()> {
        self.writer.lock().await.execute(
            "INSERT INTO tokens (token_hash, team, device, user_id, created_us, expires_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![t.token_hash, t.team.to_string(), t.device.to_string(), t.user.to_string(), t.created_us, t.expires_us],
        ).map_err(db)?;
        Ok(())
    }

    async fn token(&self, token_hash: &str) -> Result<Option<TokenRow>> {
        let c = self.reader.lock().await;
        c.query_row(
            "SELECT token_hash, team, device, user_id, created_us, expires_us FROM tokens WHERE token_hash = ?1",
            [token_hash],
            token_row,
        )
        .optional()
        .map_err(db)?
        .transpose()
    }

    async fn delete_token(&self, token_hash: &str) -> Result<()> {
        self.writer
            .lock()
            .await
            .execute("DELETE FROM tokens WHERE token_hash = ?1", [token_hash])
            .map_err(db)?;
        Ok(())
    }

    async fn delete_device_tokens(&self, team: TeamId, device: DeviceId) -> Result<()> {
        self.writer
            .lock()
            .await
            .execute(
                "DELETE FROM tokens WHERE team = ?1 AND device = ?2",
                [team.to_string(), device.to_string()],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn create_integration(&self, i: &IntegrationRow) -> Result<()> {
        self.writer.lock().await.execute(
            "INSERT INTO integrations (team, name, user_id, device, device_secret, token_hash, revoked, created_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![i.team.to_string(), i.name, i.user.to_string(), i.device.to_string(), i.device_secret,
                    i.token_hash, i.revoked, i.created_us],
        ).map_err(|e| match db(e) {
            StorageError::Conflict(_) => StorageError::Conflict(format!("an integration named {:?}", i.name)),
            other => other,
        })?;
        Ok(())
    }

    async fn integrations(&self, team: TeamId) -> Result<Vec<IntegrationRow>> {
        let c = self.reader.lock().await;
        let mut stmt = c
            .prepare(&format!(
                "{INTEGRATION} WHERE team = ?1 ORDER BY created_us, name"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map([team.to_string()], integration_row)
            .map_err(db)?;
        rows.map(|r| r.map_err(db)?).collect()
    }

    async fn integration_by_token(&self, token_hash: &str) -> Result<Option<IntegrationRow>> {
        let c = self.reader.lock().await;
        c.query_row(
            &format!("{INTEGRATION} WHERE token_hash = ?1"),
            [token_hash],
            integration_row,
        )
        .optional()
        .map_err(db)?
        .transpose()
    }

    async fn revoke_integration(&self, team: TeamId, name: &str) -> Result<IntegrationRow> {
        let c = self.writer.lock().await;
        let row = c
            .query_row(
                &format!("{INTEGRATION} WHERE team = ?1 AND name = ?2 AND revoked = 0"),
                [team.to_string(), name.to_string()],
                integration_row,
            )
            .optional()
            .map_err(db)?
            .transpose()?
            .ok_or_else(|| StorageError::NotFound(format!("an integration named {name:?}")))?;
        c.execute(
            "UPDATE integrations SET revoked = 1 WHERE team = ?1 AND device = ?2",
            [team.to_string(), row.device.to_string()],
        )
        .map_err(db)?;
        Ok(IntegrationRow {
            revoked: true,
            ..row
        })
    }

    async fn begin(&self, team: TeamId) -> Result<Box<dyn LogTx>> {
        let conn = self.writer.clone().lock_owned().await;
        Ok(Box::new(SqliteTx::begin(conn, team, self.grown.clone())?))
    }

    async fn pull(&self, team: TeamId, after: u64, limit: u32) -> Result<Vec<EventRow>> {
        let c = self.reader.lock().await;
        let mut stmt = c
            .prepare_cached(
                "SELECT position, received_us, id, incident, author, device, device_seq, hash, raw FROM events
                 WHERE team = ?1 AND position > ?2 ORDER BY position LIMIT ?3",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![team.to_string(), after as i64, limit], event_row)
            .map_err(db)?;
        rows.map(|r| r.map_err(db)?).collect()
    }

    async fn head(&self, team: TeamId) -> Result<u64> {
        let c = self.reader.lock().await;
        let head: Option<i64> = c
            .query_row(
                "SELECT head FROM teams WHERE id = ?1",
                [team.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        Ok(head.unwrap_or(0) as u64)
    }

    async fn frontiers(&self, team: TeamId) -> Result<Vec<(DeviceId, u64)>> {
        let c = self.reader.lock().await;
        let mut stmt = c
            .prepare("SELECT device, contiguous FROM frontiers WHERE team = ?1 ORDER BY device")
            .map_err(db)?;
        let rows = stmt
            .query_map([team.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (d, n) = r.map_err(db)?;
            Ok((parse(&d)?, n as u64))
        })
        .collect()
    }

    async fn incident_events(
        &self,
        team: TeamId,
        incident: IncidentId,
    ) -> Result<Vec<(EventId, String)>> {
        let c = self.reader.lock().await;
        let mut stmt = c
            .prepare("SELECT id, hash FROM events WHERE team = ?1 AND incident = ?2")
            .map_err(db)?;
        let rows = stmt
            .query_map([team.to_string(), incident.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (id, hash) = r.map_err(db)?;
            Ok((parse(&id)?, hash))
        })
        .collect()
    }

    async fn aside(&self, team: TeamId, limit: u32) -> Result<Vec<AsideEvent>> {
        let c = self.reader.lock().await;
        let mut stmt = c
            .prepare(
                "SELECT id, device, device_seq, hash, raw, reason, code, detail, pushed_by, received_us FROM aside
                 WHERE team = ?1 ORDER BY received_us DESC, rowid DESC LIMIT ?2",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![team.to_string(), limit], aside_row)
            .map_err(db)?;
        rows.map(|r| r.map_err(db)?).collect()
    }

    fn watch(&self) -> broadcast::Receiver<TeamId> {
        self.grown.subscribe()
    }

    async fn blob(&self, team: TeamId, sha256: &str) -> Result<Option<BlobState>> {
        let c = self.reader.lock().await;
        c.query_row(
            "SELECT size, received, complete FROM blobs WHERE team = ?1 AND sha256 = ?2",
            [team.to_string(), sha256.to_string()],
            |r| {
                Ok(BlobState {
                    size: r.get::<_, i64>(0)? as u64,
                    received: r.get::<_, i64>(1)? as u64,
                    complete: r.get(2)?,
                })
            },
        )
        .optional()
        .map_err(db)
    }

    async fn blob_append(
        &self,
        team: TeamId,
        sha256: &str,
        offset: u64,
        bytes: &[u8],
    ) -> Result<u64> {
        let mut c = self.writer.lock().await;
        let tx = c.transaction().map_err(db)?;
        let state: Option<(i64, i64)> = tx
            .query_row(
                "SELECT size, received FROM blobs WHERE team = ?1 AND sha256 = ?2",
                [team.to_string(), sha256.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)?;
        let Some((size, received)) = state else {
            return Err(StorageError::NotFound("evidence file".into()));
        };
        if offset != received as u64 {
            return Err(StorageError::Conflict(format!(
                "upload resumes at byte {received}, not {offset}"
            )));
        }
        if offset + bytes.len() as u64 > size as u64 {
            return Err(StorageError::Conflict(format!(
                "the file has {size} bytes, not more"
            )));
        }
        tx.execute(
            "INSERT INTO blob_chunks (team, sha256, offset, data) VALUES (?1, ?2, ?3, ?4)",
            params![team.to_string(), sha256, offset as i64, bytes],
        )
        .map_err(db)?;
        let now = offset + bytes.len() as u64;
        tx.execute(
            "UPDATE blobs SET received = ?3 WHERE team = ?1 AND sha256 = ?2",
            params![team.to_string(), sha256, now as i64],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(now)
    }

    async fn blob_read(
        &self,
        team: TeamId,
        sha256: &str,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>> {
        let c = self.reader.lock().await;
        let mut stmt = c
            .prepare_cached(
                "SELECT offset, data FROM blob_chunks WHERE team = ?1 AND sha256 = ?2 AND offset < ?4
                 AND offset + length(data) > ?3 ORDER BY offset",
            )
            .map_err(db)?;
        let end = offset.saturating_add(len as u64);
        let rows = stmt
            .query_map(
                params![team.to_string(), sha256, offset as i64, end as i64],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?)),
            )
            .map_err(db)?;
        let mut out = Vec::with_capacity(len.min(8 << 20));
        for row in rows {
            let (at, data) = row.map_err(db)?;
            let from = offset.saturating_sub(at) as usize;
            let to = ((end - at) as usize).min(data.len());
            out.extend_from_slice(&data[from..to]);
        }
        Ok(out)
    }

    async fn blob_finish(&self, team: TeamId, sha256: &str, verified: bool) -> Result<()> {
        let mut c = self.writer.lock().await;
        let tx = c.transaction().map_err(db)?;
        if verified {
            tx.execute(
                "UPDATE blobs SET complete = 1 WHERE team = ?1 AND sha256 = ?2",
                [team.to_string(), sha256.to_string()],
            )
            .map_err(db)?;
        } else {
            tx.execute(
                "DELETE FROM blob_chunks WHERE team = ?1 AND sha256 = ?2",
                [team.to_string(), sha256.to_string()],
            )
            .map_err(db)?;
            tx.execute(
                "UPDATE blobs SET received = 0, complete = 0 WHERE team = ?1 AND sha256 = ?2",
                [team.to_string(), sha256.to_string()],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    async fn ping(&self) -> Result<()> {
        self.reader
            .lock()
            .await
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(db)
    }
}

fn found(n: usize, what: &str) -> Result<()> {
    if n == 0 {
        Err(StorageError::NotFound(what.into()))
    } else {
        Ok(())
    }
}
