//! The team server's storage, as a trait with one implementation per database (`casebook-server-sqlite`, the
//! default, and `casebook-server-postgres` for teams that run several server processes). The server's rules (who
//! may push what, forks, frontiers) live in `casebook-server` and reach the database only through these methods,
//! so both databases behave alike and one story test (`tests/storage.rs`'s `story`) runs on both.
//!
//! Two properties every implementation must keep, and the story test checks:
//! - **Positions are gapless and in commit order.** A [`LogTx`] holds the team's write lock from `begin` to
//!   `commit`, so the position it hands out is the next one and no reader can see a later position before it. (A
//!   plain database sequence does not give this on PostgreSQL: a smaller number can commit after a larger one was
//!   read.)
//! - **Event bytes are kept exactly as pushed**: `raw` goes in and comes out byte for byte (no re-encoding, no
//!   `jsonb`).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use casebook_core::model::{Role, Tier};
use casebook_core::{DeviceId, EventId, IncidentId, UserId};
use casebook_protocol::TeamId;
use uuid::Uuid;

pub mod story;

/// Microseconds since the Unix epoch, UTC: how every time is stored.
pub type Micros = i64;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique key is taken (an e-mail address, a team name).
    #[error("{0} already exists")]
    Conflict(String),
    /// What the caller asked for is not there (or belongs to another team).
    #[error("{0} not found")]
    NotFound(String),
    /// The database answered with an error or could not be reached.
    #[error("database error: {0}")]
    Database(String),
    /// Stored data that cannot be read back (a bad id, an unknown role).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A team and the key that signs its directory.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRow {
    pub id: TeamId,
    pub name: String,
    /// Changes when the server is restored from an older backup, so clients pull again from the start and push
    /// what the server lost.
    pub epoch: Uuid,
    /// The device id under which the server signs directory events for this team.
    pub directory_device: DeviceId,
    /// Its Ed25519 secret key (hex). It never leaves the server.
    pub directory_secret: String,
    pub created_us: Micros,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountRow {
    pub team: TeamId,
    pub user: UserId,
    /// Lower-cased; unique across the server, so a sign-in needs no team name.
    pub email: String,
    pub name: String,
    pub role: Role,
    pub tier: Option<Tier>,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub disabled: bool,
    pub created_us: Micros,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRow {
    pub team: TeamId,
    pub device: DeviceId,
    /// The account the device signs for.
    pub user: UserId,
    /// The user id the laptop's offline work was made under, when it differs from the account's: that work keeps
    /// its author and counts as the account's (the binding of an offline profile).
    pub alias: Option<UserId>,
    pub name: String,
    pub public_key: String,
    pub revoked: bool,
    pub created_us: Micros,
    pub last_seen_us: Option<Micros>,
}

/// A device's sign-in token, stored by its SHA-256 only.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRow {
    pub token_hash: String,
    pub team: TeamId,
    pub device: DeviceId,
    pub user: UserId,
    pub created_us: Micros,
    pub expires_us: Micros,
}

/// An event as the server holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub position: u64,
    pub received_us: Micros,
    pub id: EventId,
    pub incident: Option<IncidentId>,
    pub author: UserId,
    pub device: DeviceId,
    pub device_seq: u64,
    pub hash: String,
    /// The event's JSON exactly as pushed.
    pub raw: String,
}

/// An event to append, with what the server records beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub id: EventId,
    pub incident: Option<IncidentId>,
    pub author: UserId,
    pub device: DeviceId,
    pub device_seq: u64,
    pub hash: String,
    pub raw: String,
    pub received_us: Micros,
    /// Ids the event introduces (its own id first), all in its incident: later references are checked against them.
    pub objects: Vec<Uuid>,
    /// The event opens its incident.
    pub opens_incident: bool,
    /// An evidence file the event names: `(sha256, size)`; only named files may be uploaded.
    pub blob: Option<(String, u64)>,
    /// The alert an `AlertRaised` event raises (its id, derived from source and source id): indexed so a re-sent
    /// alert is found to be a duplicate by [`LogTx::alerts_known`], whoever raised it first.
    pub alert: Option<Uuid>,
}

/// An integration: a SIEM's account on the server. It has a directory user with the `integration` role and a
/// device whose key the server holds and signs the integration's alerts with; a SIEM calls with its bearer token.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationRow {
    pub team: TeamId,
    /// Unique among the team's integrations that are not revoked (`wazuh-prod`).
    pub name: String,
    pub user: UserId,
    pub device: DeviceId,
    /// The device's Ed25519 secret key (hex). It never leaves the server.
    pub device_secret: String,
    /// The SHA-256 of its bearer token (hex); the token itself is shown once, when the integration is added.
    pub token_hash: String,
    pub revoked: bool,
    pub created_us: Micros,
}

/// An event the server did not put in its log: a fork, a reused id, or one the admission rule refused.
#[derive(Debug, Clone, PartialEq)]
pub struct AsideEvent {
    pub id: EventId,
    pub device: DeviceId,
    pub device_seq: u64,
    pub hash: String,
    pub raw: String,
    /// `fork`, `reused_id` or `refused`.
    pub reason: String,
    /// The refusal code, for refused events.
    pub code: Option<String>,
    pub detail: String,
    pub pushed_by: UserId,
    pub received_us: Micros,
}

/// How much of an evidence file the server holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobState {
    pub size: u64,
    pub received: u64,
    pub complete: bool,
}

/// The team server's database.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    // Teams.
    async fn create_team(&self, team: &TeamRow) -> Result<()>;
    async fn team(&self, id: TeamId) -> Result<Option<TeamRow>>;
    async fn team_by_name(&self, name: &str) -> Result<Option<TeamRow>>;
    async fn teams(&self) -> Result<Vec<TeamRow>>;
    /// A new epoch after a restore from backup.
    async fn set_epoch(&self, team: TeamId, epoch: Uuid) -> Result<()>;

    // Accounts. E-mail addresses are unique across the server (`Conflict` otherwise).
    async fn create_account(&self, account: &AccountRow) -> Result<()>;
    async fn account(&self, team: TeamId, user: UserId) -> Result<Option<AccountRow>>;
    async fn account_by_email(&self, email: &str) -> Result<Option<AccountRow>>;
    async fn accounts(&self, team: TeamId) -> Result<Vec<AccountRow>>;
    /// Replaces the row of `(account.team, account.user)`; `NotFound` when absent.
    async fn update_account(&self, account: &AccountRow) -> Result<()>;

    // Devices.
    /// Inserts or replaces the row of `(device.team, device.device)`.
    async fn put_device(&self, device: &DeviceRow) -> Result<()>;
    async fn device(&self, team: TeamId, device: DeviceId) -> Result<Option<DeviceRow>>;
    async fn devices(&self, team: TeamId) -> Result<Vec<DeviceRow>>;
    async fn touch_device(&self, team: TeamId, device: DeviceId, now: Micros) -> Result<()>;

    // Tokens.
    async fn put_token(&self, token: &TokenRow) -> Result<()>;
    async fn token(&self, token_hash: &str) -> Result<Option<TokenRow>>;
    async fn delete_token(&self, token_hash: &str) -> Result<()>;
    /// Every token of a device (on revocation).
    async fn delete_device_tokens(&self, team: TeamId, device: DeviceId) -> Result<()>;

    // Integrations. A name is unique among a team's integrations not revoked (`Conflict` otherwise).
    async fn create_integration(&self, integration: &IntegrationRow) -> Result<()>;
    /// The team's integrations, revoked ones included, oldest first.
    async fn integrations(&self, team: TeamId) -> Result<Vec<IntegrationRow>>;
    async fn integration_by_token(&self, token_hash: &str) -> Result<Option<IntegrationRow>>;
    /// Revokes the team's live integration of that name: its token stops working at once (`NotFound` when absent).
    async fn revoke_integration(&self, team: TeamId, name: &str) -> Result<IntegrationRow>;

    // The log.
    /// Opens a write transaction holding the team's write lock until commit (or drop, which rolls back).
    async fn begin(&self, team: TeamId) -> Result<Box<dyn LogTx>>;
    /// Events after `after`, in position order, at most `limit`.
    async fn pull(&self, team: TeamId, after: u64, limit: u32) -> Result<Vec<EventRow>>;
    /// The last position (0 for an empty log).
    async fn head(&self, team: TeamId) -> Result<u64>;
    /// Per device, the contiguous frontier kept by [`LogTx::set_frontier`].
    async fn frontiers(&self, team: TeamId) -> Result<Vec<(DeviceId, u64)>>;
    /// `(id, hash)` of every event of an incident in the log.
    async fn incident_events(
        &self,
        team: TeamId,
        incident: IncidentId,
    ) -> Result<Vec<(EventId, String)>>;
    /// Events kept aside, newest first.
    async fn aside(&self, team: TeamId, limit: u32) -> Result<Vec<AsideEvent>>;
    /// Wakes when any team's log grows (after the commit); several server processes on one database all wake.
    fn watch(&self) -> tokio::sync::broadcast::Receiver<TeamId>;

    // Evidence files, stored in chunks so that any server process can serve them.
    async fn blob(&self, team: TeamId, sha256: &str) -> Result<Option<BlobState>>;
    /// Appends bytes at `offset`, which must equal what was received so far (`Conflict` otherwise); returns the new
    /// received count. The blob must have been named by an admitted event (`NotFound` otherwise).
    async fn blob_append(
        &self,
        team: TeamId,
        sha256: &str,
        offset: u64,
        bytes: &[u8],
    ) -> Result<u64>;
    /// Up to `len` bytes from `offset`.
    async fn blob_read(
        &self,
        team: TeamId,
        sha256: &str,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>>;
    /// Marks the blob complete (verified by the caller), or, with `false`, drops what was received (a bad upload).
    async fn blob_finish(&self, team: TeamId, sha256: &str, verified: bool) -> Result<()>;

    /// Checks the database is reachable (`/health`).
    async fn ping(&self) -> Result<()>;
}

/// One push, inside the team's write lock.
#[async_trait]
pub trait LogTx: Send {
    /// The hash of the logged event with this id.
    async fn event_hash(&mut self, id: EventId) -> Result<Option<String>>;
    /// The hash of the logged event at `(device, seq)`.
    async fn seq_hash(&mut self, device: DeviceId, seq: u64) -> Result<Option<String>>;
    /// The bytes of the logged event at `(device, seq)` (the server reads its own directory device's last event to
    /// chain and clock the next one).
    async fn seq_raw(&mut self, device: DeviceId, seq: u64) -> Result<Option<String>>;
    /// Whether `(device, seq)` is in the log or kept aside: settled either way, so the frontier may pass it.
    async fn seq_settled(&mut self, device: DeviceId, seq: u64) -> Result<bool>;
    async fn frontier(&mut self, device: DeviceId) -> Result<u64>;
    async fn set_frontier(&mut self, device: DeviceId, contiguous: u64) -> Result<()>;
    async fn incident_opened(&mut self, incident: IncidentId) -> Result<bool>;
    /// The incident holding each of these object ids, for those the log holds.
    async fn objects(&mut self, ids: &[Uuid]) -> Result<HashMap<Uuid, Option<IncidentId>>>;
    /// Appends at the next position and returns it.
    async fn append(&mut self, event: &NewEvent) -> Result<u64>;
    async fn set_aside(&mut self, event: &AsideEvent) -> Result<()>;
    /// Which of these alert ids an appended `AlertRaised` already raised (see [`NewEvent::alert`]).
    async fn alerts_known(&mut self, alerts: &[Uuid]) -> Result<HashSet<Uuid>>;
    async fn commit(self: Box<Self>) -> Result<()>;
}
