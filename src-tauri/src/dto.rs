//! Transfer types that exist only at the IPC boundary: command inputs, the error shape, progress events, and the
//! app's own small views. Every one derives `ts_rs::TS`, so the UI's TypeScript follows the Rust.
//!
//! Inputs are plain data converted into the API's input types with `From`; no rule lives here (defaults such as
//! "now" or "the file's name" are the API's).

use casebook_api::alerts::AlertListQuery;
use casebook_api::views::{Cursor, EntryFilter, IncidentFilter};
use casebook_api::{ErrorCode, Hint};
use casebook_core::alert::AlertState;
use casebook_core::event::EntrySource;
use casebook_core::model::{
    CustodyAction, EntryKind, ObservableKind, Role, Severity, Status, Tier, Tlp,
};
use casebook_core::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every command's error: `code` is for the UI to branch on, `message` is for the person, `hint` is the next step,
/// which the UI words for its own screens.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<Hint>,
}

impl From<casebook_api::Error> for CommandError {
    fn from(e: casebook_api::Error) -> Self {
        CommandError {
            code: e.code,
            message: e.message,
            hint: e.hint,
        }
    }
}

/// The event that carries a [`Progress`].
pub const PROGRESS_EVENT: &str = "progress";

/// The event that carries the sync agent's state (`casebook_api::agent::AgentState`).
pub const TEAM_EVENT: &str = "team";

/// The payload of the `progress` event: how far the long task `task` (named by the UI) has come.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Progress {
    pub task: String,
    /// Bytes or rows done so far.
    pub done: u64,
    /// Bytes or rows in all, when known.
    pub total: Option<u64>,
}

/// Where the app keeps its data and whether a profile exists there.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Startup {
    pub data_dir: String,
    /// The directory is encrypted (Settings offers a new passphrase).
    pub encrypted: bool,
    /// Encrypted and not unlocked yet: the page asks for the passphrase before anything else.
    pub locked: bool,
    pub initialized: bool,
    /// This computer's keyring can remember the passphrase (asked only while it matters: a new, locked or encrypted
    /// directory), so the unlock and first-run screens offer "Remember on this computer".
    pub keyring: bool,
    /// The keyring holds this directory's key: the app opens it without asking.
    pub remembered: bool,
    /// Something the person should know that did not stop the step (the keyring refused to keep the key, say).
    pub notice: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ProfileInput {
    pub name: String,
    pub role: Role,
    pub tier: Option<Tier>,
    /// Encrypt the new data directory with this passphrase; `None` keeps it plain.
    pub passphrase: Option<String>,
    /// With a passphrase: keep the key in this computer's keyring, so the app opens without asking.
    #[serde(default)]
    pub remember: bool,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct IncidentQuery {
    pub status: Option<Status>,
    #[serde(default)]
    pub open_only: bool,
    pub severity: Option<Severity>,
    pub tier: Option<Tier>,
    pub assignee: Option<UserId>,
    #[serde(default)]
    pub unassigned: bool,
    pub limit: i32,
}

impl From<&IncidentQuery> for IncidentFilter {
    fn from(q: &IncidentQuery) -> Self {
        IncidentFilter {
            status: q.status,
            open_only: q.open_only,
            severity: q.severity,
            tier: q.tier,
            assignee: q.assignee,
            unassigned: q.unassigned,
        }
    }
}

/// Which rows of the alert queue to list.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct AlertQueueQuery {
    /// `new` for the groups still waiting; none for every group.
    pub status: Option<AlertState>,
    pub limit: u32,
    /// The `cursor` of the last row shown, for the next page.
    pub cursor: Option<String>,
}

impl From<AlertQueueQuery> for AlertListQuery {
    fn from(q: AlertQueueQuery) -> Self {
        AlertListQuery {
            status: q.status,
            rule: None,
            limit: Some(q.limit),
            cursor: q.cursor,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewIncidentInput {
    pub title: String,
    pub severity: Severity,
    pub tlp: Tlp,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub category: String,
    pub tier: Option<Tier>,
    #[serde(default)]
    pub detection_source: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl From<NewIncidentInput> for casebook_api::incidents::NewIncident {
    fn from(i: NewIncidentInput) -> Self {
        let mut n = Self::titled(&i.title, i.severity, i.tlp);
        n.summary = i.summary;
        n.category = i.category;
        n.tier = i.tier;
        n.detection_source = i.detection_source;
        n.tags = i.tags;
        n
    }
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct EntryQuery {
    pub kind: Option<EntryKind>,
    #[serde(default)]
    pub key_events_only: bool,
    #[serde(default)]
    pub hide_superseded: bool,
    pub text: Option<String>,
}

impl From<&EntryQuery> for EntryFilter {
    fn from(q: &EntryQuery) -> Self {
        EntryFilter {
            kind: q.kind,
            key_events_only: q.key_events_only,
            hide_superseded: q.hide_superseded,
            text: q.text.clone().filter(|t| !t.trim().is_empty()),
        }
    }
}

/// Where a page of the timeline starts.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PageAt {
    /// At the entry at this position (from 0) of the filtered list.
    Position(i32),
    /// At the first entry at or after this instant.
    Time(DateTime<Utc>),
    /// Just after this entry.
    After(Cursor),
    /// Ending just before this entry.
    Before(Cursor),
}

impl From<PageAt> for casebook_api::paging::PageAt {
    fn from(a: PageAt) -> Self {
        match a {
            PageAt::Position(p) => Self::Position(p.into()),
            PageAt::Time(t) => Self::Time(t),
            PageAt::After(c) => Self::After(c),
            PageAt::Before(c) => Self::Before(c),
        }
    }
}

/// A stretch of time `[from, to)`.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct TimeRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct EntryInput {
    pub summary: String,
    #[serde(default)]
    pub details: String,
    pub at: Option<DateTime<Utc>>,
    pub kind: Option<EntryKind>,
    pub source_host: Option<String>,
    #[serde(default)]
    pub key_event: bool,
}

impl From<EntryInput> for casebook_api::timeline::EntryInput {
    fn from(i: EntryInput) -> Self {
        Self {
            summary: i.summary,
            details: i.details,
            at: i.at,
            kind: i.kind,
            source: EntrySource {
                host: i.source_host.filter(|h| !h.trim().is_empty()),
                tool: None,
                file: None,
            },
            key_event: i.key_event,
        }
    }
}

/// A file type offered in a file dialog: its name and extensions (without the dot).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct FileFilter {
    pub name: String,
    pub extensions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct EvidenceInput {
    pub path: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub source_host: String,
}

impl From<&EvidenceInput> for casebook_api::evidence::EvidenceInput {
    fn from(i: &EvidenceInput) -> Self {
        Self {
            description: i.description.clone(),
            source_host: i.source_host.clone(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct CustodyInput {
    pub action: CustodyAction,
    pub who: Option<String>,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub reason: String,
}

impl From<CustodyInput> for casebook_api::evidence::CustodyInput {
    fn from(c: CustodyInput) -> Self {
        Self {
            action: c.action,
            who: c.who.filter(|w| !w.trim().is_empty()),
            at: None,
            location: c.location,
            reason: c.reason,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ObservableInput {
    pub value: String,
    pub kind: Option<ObservableKind>,
    #[serde(default)]
    pub ioc: bool,
    #[serde(default)]
    pub note: String,
}

impl From<ObservableInput> for casebook_api::records::ObservableInput {
    fn from(o: ObservableInput) -> Self {
        Self {
            value: o.value,
            kind: o.kind,
            tlp: None,
            ioc: o.ioc,
            note: o.note,
            first_seen: None,
            last_seen: None,
        }
    }
}

/// An answer to an escalation, as the UI sends it.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum AnswerInput {
    Acknowledge,
    Accept,
    Decline { reason: String },
}

impl From<AnswerInput> for casebook_api::escalations::Answer {
    fn from(a: AnswerInput) -> Self {
        match a {
            AnswerInput::Acknowledge => Self::Acknowledge,
            AnswerInput::Accept => Self::Accept,
            AnswerInput::Decline { reason } => Self::Decline { reason },
        }
    }
}

/// Which report to write: everything, or the management summary.
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Technical,
    Executive,
}

impl From<ReportKind> for casebook_api::report::ReportTemplate {
    fn from(k: ReportKind) -> Self {
        match k {
            ReportKind::Technical => Self::Technical,
            ReportKind::Executive => Self::Executive,
        }
    }
}
