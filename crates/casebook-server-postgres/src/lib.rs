//! The team server's storage on PostgreSQL ([`PgStorage`]), for teams that run several server processes behind a
//! load balancer on one database: the processes share nothing but the database, so every lock, counter and wake-up
//! lives there.
//!
//! - The log's positions are handed out under a per-team advisory lock, so they are gapless and in commit order
//!   (the reasoning is in [`log`](crate::log)'s module doc; the `commit_order` tests prove it, and show that a plain
//!   sequence would not).
//! - Commits that grow a team's log `NOTIFY casebook_log`, and every process listens, so a long poll on any of them
//!   wakes ([`listen`](crate::listen)).
//! - Event bytes are `text`, stored and returned exactly as pushed; evidence files are `bytea` chunks of at most
//!   8 MiB ([`blob`](crate::blob)).
//! - The schema comes from `migrations/postgres/`, applied on connect ([`migrate`](crate::migrate)).
//!
//! The database is reached without TLS: it is meant to sit on the same host or a private network, as the server's
//! deployment guide says.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use casebook_core::{DeviceId, EventId, IncidentId, UserId};
use casebook_protocol::TeamId;
use casebook_server_storage::{
    AccountRow, AsideEvent, BlobState, DeviceRow, EventRow, IntegrationRow, LogTx, Micros, Result,
    Storage, StorageError, TeamRow, TokenRow,
};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};
use uuid::Uuid;

mod blob;
mod error;
mod listen;
mod log;
mod migrate;
mod rows;

pub use blob::CHUNK;
pub use migrate::SCHEMA_VERSION;

/// The advisory lock key that serialises the pushes of `team` (what `pg_locks` shows, as `classid`/`objid`, for a
/// push waiting on it): for operators reading `pg_locks`, and for the tests that watch a push wait.
pub fn log_lock_key(team: TeamId) -> i64 {
    log::lock_key(team)
}

use error::{database, unique};
use rows::{
    to_i64, ACCOUNT_COLUMNS, ASIDE_COLUMNS, DEVICE_COLUMNS, EVENT_COLUMNS, INTEGRATION_COLUMNS,
    TEAM_COLUMNS, TOKEN_COLUMNS,
};

/// Connections per server process unless told otherwise. A push holds one connection while it waits for its
/// team's lock, so this bounds how many pushes of one process can queue in the database; the rest queue in the
/// pool. Several processes multiply it: keep it well under PostgreSQL's `max_connections` (100 by default).
pub const DEFAULT_POOL_SIZE: usize = 16;

/// How long a request waits for a free connection before it fails with a `Database` error.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// The team server's storage on one PostgreSQL database.
pub struct PgStorage {
    pool: Pool,
    listener: listen::Listener,
}

impl PgStorage {
    /// Connects to `url` (`postgres://user@host:port/database`), applies the migrations and starts listening for
    /// log notifications. A database written by a newer Casebook server is refused and left untouched.
    pub async fn connect(url: &str) -> Result<PgStorage> {
        PgStorage::connect_with(url, DEFAULT_POOL_SIZE).await
    }

    /// Like [`PgStorage::connect`], with at most `pool_size` connections (plus the one that listens).
    pub async fn connect_with(url: &str, pool_size: usize) -> Result<PgStorage> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| {
            StorageError::Database(format!("the database address is not valid: {e}"))
        })?;
        let (mut client, connection) = config
            .connect(NoTls)
            .await
            .map_err(database("connecting to the database"))?;
        let driver = tokio::spawn(connection);
        let migrated = migrate::migrate(&mut client).await;
        drop(client);
        // The connection ends once its client is gone; the outcome is already known.
        let _ = driver.await;
        migrated?;

        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                // A connection comes back from a push or a query outside any transaction (see `log`), so
                // there is nothing to clean; a closed one is noticed by the check `Fast` does.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|e| StorageError::Database(format!("building the connection pool: {e}")))?;
        let listener = listen::Listener::start(config, pool.clone()).await?;
        Ok(PgStorage { pool, listener })
    }

    async fn client(&self) -> Result<Object> {
        self.pool.get().await.map_err(error::pool)
    }

    /// Runs one statement on a pooled connection (cached prepared statement) and returns its rows.
    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        doing: &str,
    ) -> Result<Vec<Row>> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(database(doing))?;
        client
            .query(&statement, params)
            .await
            .map_err(database(doing))
    }

    /// Like [`PgStorage::query`] for a statement that writes; returns how many rows it touched and maps a unique
    /// violation to `Conflict(what)`.
    async fn write(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        doing: &'static str,
        what: impl FnOnce() -> String,
    ) -> Result<u64> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(database(doing))?;
        client
            .execute(&statement, params)
            .await
            .map_err(unique(doing, what))
    }
}

fn one<T>(rows: Vec<Row>, read: fn(&Row) -> Result<T>) -> Result<Option<T>> {
    rows.first().map(read).transpose()
}

fn all<T>(rows: Vec<Row>, read: fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(read).collect()
}

fn tier(account: &AccountRow) -> Option<i16> {
    account.tier.map(|t| i16::from(t.get()))
}

#[async_trait]
impl Storage for PgStorage {
    async fn create_team(&self, team: &TeamRow) -> Result<()> {
        self.write(
            "INSERT INTO teams (id, name, epoch, directory_device, directory_secret, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &team.id.0,
                &team.name,
                &team.epoch,
                &team.directory_device.0,
                &team.directory_secret,
                &team.created_us,
            ],
            "creating a team",
            || format!("a team named {:?} (or with id {})", team.name, team.id),
        )
        .await?;
        Ok(())
    }

    async fn team(&self, id: TeamId) -> Result<Option<TeamRow>> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE id = $1");
        one(
            self.query(&sql, &[&id.0], "reading a team").await?,
            rows::team,
        )
    }

    async fn team_by_name(&self, name: &str) -> Result<Option<TeamRow>> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE name = $1");
        one(
            self.query(&sql, &[&name], "reading a team").await?,
            rows::team,
        )
    }

    async fn teams(&self) -> Result<Vec<TeamRow>> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams ORDER BY name");
        all(self.query(&sql, &[], "listing teams").await?, rows::team)
    }

    async fn set_epoch(&self, team: TeamId, epoch: Uuid) -> Result<()> {
        let n = self
            .write(
                "UPDATE teams SET epoch = $2 WHERE id = $1",
                &[&team.0, &epoch],
                "setting a team's epoch",
                String::new,
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound(format!("team {team}")));
        }
        Ok(())
    }

    async fn create_account(&self, a: &AccountRow) -> Result<()> {
        self.write(
            "INSERT INTO accounts (team, user_id, email, name, role, tier, password_hash, disabled, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[&a.team.0, &a.user.0, &a.email, &a.name, &a.role.as_str(), &tier(a), &a.password_hash, &a.disabled, &a.created_us],
            "creating an account",
            || format!("an account with the e-mail address {:?} (or the user id {})", a.email, a.user),
        )
        .await?;
        Ok(())
    }

    async fn account(&self, team: TeamId, user: UserId) -> Result<Option<AccountRow>> {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE team = $1 AND user_id = $2");
        one(
            self.query(&sql, &[&team.0, &user.0], "reading an account")
                .await?,
            rows::account,
        )
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<AccountRow>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = $1");
        one(
            self.query(&sql, &[&email], "reading an account").await?,
            rows::account,
        )
    }

    async fn accounts(&self, team: TeamId) -> Result<Vec<AccountRow>> {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE team = $1 ORDER BY name, email");
        all(
            self.query(&sql, &[&team.0], "listing accounts").await?,
            rows::account,
        )
    }

    async fn update_account(&self, a: &AccountRow) -> Result<()> {
        let n = self
            .write(
                "UPDATE accounts SET email = $3, name = $4, role = $5, tier = $6, password_hash = $7, disabled = $8, \
                 created_us = $9 WHERE team = $1 AND user_id = $2",
                &[&a.team.0, &a.user.0, &a.email, &a.name, &a.role.as_str(), &tier(a), &a.password_hash, &a.disabled, &a.created_us],
                "updating an account",
                || format!("an account with the e-mail address {:?}", a.email),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound(format!(
                "account {} in team {}",
                a.user, a.team
            )));
        }
        Ok(())
    }

    async fn put_device(&self, d: &DeviceRow) -> Result<()> {
        self.write(
            "INSERT INTO devices (team, device, user_id, alias, name, public_key, revoked, created_us, last_seen_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (team, device) DO UPDATE SET user_id = excluded.user_id, alias = excluded.alias, \
                 name = excluded.name, public_key = excluded.public_key, revoked = excluded.revoked, \
                 created_us = excluded.created_us, last_seen_us = excluded.last_seen_us",
            &[&d.team.0, &d.device.0, &d.user.0, &d.alias.map(|u| u.0), &d.name, &d.public_key, &d.revoked, &d.created_us, &d.last_seen_us],
            "recording a device",
            || format!("device {}", d.device),
        )
        .await?;
        Ok(())
    }

    async fn device(&self, team: TeamId, device: DeviceId) -> Result<Option<DeviceRow>> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE team = $1 AND device = $2");
        one(
            self.query(&sql, &[&team.0, &device.0], "reading a device")
                .await?,
            rows::device,
        )
    }

    async fn devices(&self, team: TeamId) -> Result<Vec<DeviceRow>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE team = $1 ORDER BY created_us, device"
        );
        all(
            self.query(&sql, &[&team.0], "listing devices").await?,
            rows::device,
        )
    }

    async fn touch_device(&self, team: TeamId, device: DeviceId, now: Micros) -> Result<()> {
        self.write(
            "UPDATE devices SET last_seen_us = $3 WHERE team = $1 AND device = $2",
            &[&team.0, &device.0, &now],
            "recording when a device was last seen",
            String::new,
        )
        .await?;
        Ok(())
    }

    async fn put_token(&self, t: &TokenRow) -> Result<()> {
        self.write(
            "INSERT INTO tokens (token_hash, team, device, user_id, created_us, expires_us) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &t.token_hash,
                &t.team.0,
                &t.device.0,
                &t.user.0,
                &t.created_us,
                &t.expires_us,
            ],
            "storing a token",
            || "a token with this hash".to_string(),
        )
        .await?;
        Ok(())
    }

    async fn token(&self, token_hash: &str) -> Result<Option<TokenRow>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1");
        one(
            self.query(&sql, &[&token_hash], "reading a token").await?,
            rows::token,
        )
    }

    async fn delete_token(&self, token_hash: &str) -> Result<()> {
        self.write(
            "DELETE FROM tokens WHERE token_hash = $1",
            &[&token_hash],
            "deleting a token",
            String::new,
        )
        .await?;
        Ok(())
    }

    async fn delete_device_tokens(&self, team: TeamId, device: DeviceId) -> Result<()> {
        self.write(
            "DELETE FROM tokens WHERE team = $1 AND device = $2",
            &[&team.0, &device.0],
            "deleting a device's tokens",
            String::new,
        )
        .await?;
        Ok(())
    }

    async fn create_integration(&self, i: &IntegrationRow) -> Result<()> {
        self.write(
            "INSERT INTO integrations (team, name, user_id, device, device_secret, token_hash, revoked, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &i.team.0,
                &i.name,
                &i.user.0,
                &i.device.0,
                &i.device_secret,
                &i.token_hash,
                &i.revoked,
                &i.created_us,
            ],
            "adding an integration",
            || format!("an integration named {:?}", i.name),
        )
        .await?;
        Ok(())
    }

    async fn integrations(&self, team: TeamId) -> Result<Vec<IntegrationRow>> {
        let sql = format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE team = $1 ORDER BY created_us, name"
        );
        all(
            self.query(&sql, &[&team.0], "listing integrations").await?,
            rows::integration,
        )
    }

    async fn integration_by_token(&self, token_hash: &str) -> Result<Option<IntegrationRow>> {
        let sql = format!("SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE token_hash = $1");
        one(
            self.query(&sql, &[&token_hash], "reading an integration")
                .await?,
            rows::integration,
        )
    }

    async fn revoke_integration(&self, team: TeamId, name: &str) -> Result<IntegrationRow> {
        let sql = format!(
            "UPDATE integrations SET revoked = true WHERE team = $1 AND name = $2 AND NOT revoked \
             RETURNING {INTEGRATION_COLUMNS}"
        );
        one(
            self.query(&sql, &[&team.0, &name], "revoking an integration")
                .await?,
            rows::integration,
        )?
        .ok_or_else(|| StorageError::NotFound(format!("an integration named {name:?}")))
    }

    async fn begin(&self, team: TeamId) -> Result<Box<dyn LogTx>> {
        log::begin(self.client().await?, team).await
    }

    async fn pull(&self, team: TeamId, after: u64, limit: u32) -> Result<Vec<EventRow>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE team = $1 AND position > $2 ORDER BY position LIMIT $3"
        );
        let (after, limit) = (to_i64(after, "position")?, i64::from(limit));
        all(
            self.query(&sql, &[&team.0, &after, &limit], "reading the log")
                .await?,
            rows::event,
        )
    }

    async fn head(&self, team: TeamId) -> Result<u64> {
        let rows = self
            .query(
                "SELECT coalesce(max(position), 0) FROM events WHERE team = $1",
                &[&team.0],
                "reading the log head",
            )
            .await?;
        rows::to_u64(rows[0].get(0), "position")
    }

    async fn frontiers(&self, team: TeamId) -> Result<Vec<(DeviceId, u64)>> {
        let rows = self
            .query(
                "SELECT device, contiguous FROM frontiers WHERE team = $1 ORDER BY device",
                &[&team.0],
                "reading the devices' frontiers",
            )
            .await?;
        rows.iter()
            .map(|r| Ok((DeviceId(r.get(0)), rows::to_u64(r.get(1), "frontier")?)))
            .collect()
    }

    async fn incident_events(
        &self,
        team: TeamId,
        incident: IncidentId,
    ) -> Result<Vec<(EventId, String)>> {
        let rows = self
            .query(
                "SELECT id, hash FROM events WHERE team = $1 AND incident = $2 ORDER BY position",
                &[&team.0, &incident.0],
                "reading an incident's events",
            )
            .await?;
        Ok(rows.iter().map(|r| (EventId(r.get(0)), r.get(1))).collect())
    }

    async fn aside(&self, team: TeamId, limit: u32) -> Result<Vec<AsideEvent>> {
        let sql =
            format!("SELECT {ASIDE_COLUMNS} FROM aside WHERE team = $1 ORDER BY n DESC LIMIT $2");
        all(
            self.query(
                &sql,
                &[&team.0, &i64::from(limit)],
                "reading the events kept aside",
            )
            .await?,
            rows::aside,
        )
    }

    fn watch(&self) -> tokio::sync::broadcast::Receiver<TeamId> {
        self.listener.wakes.subscribe()
    }

    async fn blob(&self, team: TeamId, sha256: &str) -> Result<Option<BlobState>> {
        blob::state(&self.client().await?, team, sha256).await
    }

    async fn blob_append(
        &self,
        team: TeamId,
        sha256: &str,
        offset: u64,
        bytes: &[u8],
    ) -> Result<u64> {
        blob::append(&mut self.client().await?, team, sha256, offset, bytes).await
    }

    async fn blob_read(
        &self,
        team: TeamId,
        sha256: &str,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>> {
        blob::read(&self.client().await?, team, sha256, offset, len).await
    }

    async fn blob_finish(&self, team: TeamId, sha256: &str, verified: bool) -> Result<()> {
        blob::finish(&mut self.client().await?, team, sha256, verified).await
    }

    async fn ping(&self) -> Result<()> {
        self.query("SELECT 1", &[], "checking the database").await?;
        Ok(())
    }
}
