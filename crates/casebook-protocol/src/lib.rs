//! The sync protocol between laptops and the team server: every request and response body, the routes they travel
//! on, and the `{code, message}` error body. Shared by the client (`casebook-sync`) and the server
//! (`casebook-server`) so the two cannot drift.
//!
//! Events travel as [`WireEvent`] JSON. The server keeps each event's bytes exactly as pushed and relays them inside
//! an [`Relayed`] envelope that carries what the server knows for itself (position, receipt time): the signed bytes
//! never include it.

use casebook_core::admission::RefusalCode;
use casebook_core::digest::SetDigest;
use casebook_core::model::{Role, Tier};
use casebook_core::{AlertId, DeviceId, EventId, IncidentId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

pub use casebook_core::event::WireEvent;

mod certificate;
mod error;
pub mod routes;

pub use certificate::{certificate_fingerprint, normalize_fingerprint};
pub use error::{ErrorBody, ErrorCode};

/// The protocol version; every route lives under `/v{VERSION}`.
pub const VERSION: u32 = 1;

/// Limits both sides hold to: a client never builds a request the server would refuse for its size.
pub mod limits {
    /// A push request's body.
    pub const PUSH_BODY: usize = 32 * 1024 * 1024;
    /// Events in one push.
    pub const PUSH_EVENTS: usize = 1_000;
    /// What a client puts into one push, leaving room for the JSON around the events.
    pub const PUSH_TARGET_BYTES: usize = 8 * 1024 * 1024;
    /// Any other JSON request (sign-in, accounts).
    pub const SMALL_BODY: usize = 64 * 1024;
    /// One chunk of an evidence upload.
    pub const BLOB_CHUNK: usize = 8 * 1024 * 1024;
    /// Events in one page of a pull.
    pub const PULL_PAGE: u32 = 5_000;
    /// One post of alerts: thousands of alerts of a few kilobytes (one alert is capped at 1 MiB by its reader).
    pub const ALERTS_BODY: usize = 16 * 1024 * 1024;
}

/// A team on the server. Ids are UUIDs so that another team's objects cannot be guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TeamId(pub Uuid);

impl std::fmt::Display for TeamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// `POST /v1/session`: a device signs in with its person's account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
    pub device: DeviceId,
    /// The device's Ed25519 public key (hex); the server binds it to the account in the team directory.
    pub public_key: String,
    /// A name the person recognises in the device list ("ana's ThinkPad").
    pub device_name: String,
    /// The user id this laptop's offline work was made under (`casebook init` before joining), when it is not the
    /// account's: the server binds it to the account so that work keeps its author and counts as the account's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_user: Option<UserId>,
}

/// The answer to a sign-in: a token for this device and what the laptop needs to join the team.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub account: Account,
    pub team: Team,
}

/// What a laptop learns of its team at sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    /// The device that signs the team directory (accounts, roles, device bindings): the laptop's anchor of trust.
    pub directory_device: DeviceId,
    pub directory_key: String,
    pub epoch: Uuid,
}

/// An account as the server shows it (never its password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub user: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub tier: Option<Tier>,
    pub disabled: bool,
}

/// `POST /v1/accounts` (admins).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub tier: Option<Tier>,
    pub password: String,
}

/// `PATCH /v1/accounts/{user}` (admins): what to change; absent fields stay.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccountChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// `Some(None)` clears the tier (a responder made a lead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Option<Tier>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// A device bound to an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub device: DeviceId,
    pub user: UserId,
    pub name: String,
    pub fingerprint: String,
    pub revoked: bool,
    pub last_seen: Option<DateTime<Utc>>,
}

/// `POST /v1/integrations` (admins): a SIEM's account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewIntegration {
    /// Letters, digits, `-`, `_` and `.`, up to 64 (`wazuh-prod`).
    pub name: String,
}

/// An integration as the server shows it (never its key or token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    pub name: String,
    /// The directory user its alerts are authored by.
    pub user: UserId,
    /// The device whose key (held by the server) signs its alerts.
    pub device: DeviceId,
    pub fingerprint: String,
    pub revoked: bool,
    pub created_at: DateTime<Utc>,
}

/// The answer to adding an integration: its bearer token, shown this once (the server keeps only its SHA-256).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationToken {
    pub integration: Integration,
    pub token: String,
}

/// `POST /v1/alerts`: what the server did with a post, all of it admitted (a post with a bad alert is refused
/// whole, with `{code, message}` naming the line or element and the field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsPosted {
    /// Alerts raised by this post.
    pub new: usize,
    /// Alerts the team already had (same source and source id), or repeated within the post: nothing appended.
    pub duplicates: usize,
    /// Every alert of the post, in order.
    pub alerts: Vec<AlertReceipt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertReceipt {
    pub alert: AlertId,
    pub source: String,
    pub source_id: String,
    pub duplicate: bool,
}

/// `GET /v1/sync/frontiers`: for every device, the highest sequence up to which the server holds (or has settled)
/// every event of that device. A hole in the middle keeps the frontier below it, so the client pushes from there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frontiers {
    pub epoch: Uuid,
    /// The last position of the server's log.
    pub head: u64,
    pub devices: Vec<Frontier>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frontier {
    pub device: DeviceId,
    pub contiguous: u64,
}

/// `POST /v1/sync/push`: events in device order, each exactly as its device sealed and signed it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Push {
    pub events: Vec<Box<RawValue>>,
}

/// What the server did with each pushed event, in the order pushed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResult {
    pub epoch: Uuid,
    pub outcomes: Vec<PushOutcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushOutcome {
    pub id: EventId,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// One pushed event's fate. A fork is reported, never dropped: the server keeps the other version aside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Admitted {
        position: u64,
    },
    /// Already held with the same bytes (a retry).
    Duplicate,
    /// Another event holds this id or this device sequence; the pushed one is kept aside on the server.
    Fork {
        reason: String,
    },
    Refused {
        code: RefusalCode,
        reason: String,
    },
}

/// `GET /v1/sync/pull?after=P&limit=N`: the events after position `after`, in position order, gapless.
#[derive(Debug, Serialize, Deserialize)]
pub struct Page {
    pub epoch: Uuid,
    pub head: u64,
    pub events: Vec<Relayed>,
}

/// An event as the server relays it: the server's envelope beside the event's own bytes.
#[derive(Debug, Serialize, Deserialize)]
pub struct Relayed {
    pub position: u64,
    pub received_at: DateTime<Utc>,
    pub event: Box<RawValue>,
}

/// `GET /v1/incidents/{id}/digest`: what the server holds of one incident, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentDigest {
    pub incident: IncidentId,
    #[serde(flatten)]
    pub digest: SetDigest,
}

/// `HEAD`/`GET /v1/blobs/{sha256}/status`: how much of an evidence file the server holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlobStatus {
    pub sha256: String,
    pub size: u64,
    /// Bytes received so far; equal to `size` and `complete` once verified.
    pub received: u64,
    pub complete: bool,
}

/// `GET /v1/sync/stream` sends one of these (as a server-sent event's data) whenever the team's log grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tick {
    pub head: u64,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}
