//! The report model: the plain data a post-incident report is built from.
//!
//! This crate does not depend on the rest of Casebook on purpose; the application layer maps a case into a
//! [`ReportCase`]. Everything here is serde data with UTC times, so the same value always produces the same canonical
//! bundle (see [`crate::bundle`]) and therefore the same content digest.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Everything a post-incident report shows about one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCase {
    /// Human key such as `INC-2024-0042`.
    pub key: String,
    /// Stable case id (a UUID in the application).
    pub id: String,
    /// Case title.
    pub title: String,
    /// `SEV1` (worst) to `SEV4`.
    pub severity: String,
    /// Workflow status, e.g. `Resolved`.
    pub status: String,
    /// How the case was closed, if it was.
    pub resolution: Option<String>,
    /// Traffic Light Protocol 2.0 marking of the report.
    pub tlp: Tlp,
    /// Incident category, e.g. `Phishing`.
    pub category: String,
    /// Support tier currently owning the case, e.g. `Tier 2`.
    pub tier: String,
    /// Current assignee.
    pub assignee: Option<String>,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// What raised the incident (SIEM rule, user report, …).
    pub detection_source: String,
    /// Hosts, accounts or services affected.
    pub affected_assets: Vec<String>,
    /// Executive summary; paragraphs, `- ` bullets and `#` headings are honoured.
    pub summary_markdown: String,
    /// Root cause analysis.
    pub root_cause: String,
    /// Lessons learned.
    pub lessons_learned: String,
    /// Milestone times of the incident.
    pub times: CaseTimes,
    /// Response metrics computed by the application.
    pub metrics: CaseMetrics,
    /// People who wrote the report.
    pub authors: Vec<String>,
    /// Timeline entries in the order they should be shown.
    pub timeline: Vec<TimelineEntry>,
    /// Evidence register.
    pub evidence: Vec<EvidenceItem>,
    /// Observables (indicators) collected in the case.
    pub observables: Vec<Observable>,
    /// Escalations between tiers.
    pub escalations: Vec<Escalation>,
    /// Follow-up tasks.
    pub tasks: Vec<CaseTask>,
    /// People who must sign the report; empty gives blank signature lines.
    pub sign_off: Vec<SignOff>,
}

/// TLP 2.0 marking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tlp {
    /// `TLP:CLEAR` — may be shared freely.
    #[serde(rename = "CLEAR")]
    Clear,
    /// `TLP:GREEN` — community-wide.
    #[serde(rename = "GREEN")]
    Green,
    /// `TLP:AMBER` — organisation and clients.
    #[serde(rename = "AMBER")]
    Amber,
    /// `TLP:AMBER+STRICT` — organisation only.
    #[serde(rename = "AMBER+STRICT")]
    AmberStrict,
    /// `TLP:RED` — named recipients only.
    #[serde(rename = "RED")]
    Red,
}

impl Tlp {
    /// The marking as printed, e.g. `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// Text colour on the black label, as RGB bytes, per the TLP 2.0 standard.
    pub fn colour(self) -> [u8; 3] {
        match self {
            Tlp::Clear => [0xFF, 0xFF, 0xFF],
            Tlp::Green => [0x33, 0xFF, 0x00],
            Tlp::Amber | Tlp::AmberStrict => [0xFF, 0xC0, 0x00],
            Tlp::Red => [0xFF, 0x2B, 0x2B],
        }
    }
}

/// Milestone times of the incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseTimes {
    /// When the incident began, if known.
    pub occurred: Option<DateTime<Utc>>,
    /// When it was detected.
    pub detected: Option<DateTime<Utc>>,
    /// When the case was opened.
    pub reported: DateTime<Utc>,
    /// When it was contained.
    pub contained: Option<DateTime<Utc>>,
    /// When it was resolved.
    pub resolved: Option<DateTime<Utc>>,
}

/// Response metrics, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseMetrics {
    /// Occurrence to detection.
    pub time_to_detect_secs: Option<i64>,
    /// Detection to containment.
    pub time_to_contain_secs: Option<i64>,
    /// Detection to resolution.
    pub time_to_resolve_secs: Option<i64>,
    /// Response times of each escalation.
    pub escalations: Vec<EscalationMetric>,
}

/// How fast one escalation was answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationMetric {
    /// Tier that asked.
    pub from_tier: String,
    /// Tier that was asked.
    pub to_tier: String,
    /// When it was requested.
    pub requested_at: DateTime<Utc>,
    /// Request to acknowledgement.
    pub ack_secs: Option<i64>,
    /// Request to acceptance.
    pub accept_secs: Option<i64>,
    /// Whether the response SLA was breached.
    pub breached: bool,
}

/// One entry of the incident timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Entry id.
    pub id: String,
    /// When the event happened.
    pub event_time: DateTime<Utc>,
    /// When it was written down.
    pub recorded_at: DateTime<Utc>,
    /// Who wrote it.
    pub author: String,
    /// Kind of entry, e.g. `detection`, `action`, `note`.
    pub kind: String,
    /// One-line summary.
    pub summary: String,
    /// Longer description; may be empty.
    pub details: String,
    /// Host the event was observed on.
    pub source_host: Option<String>,
    /// Tool that observed it.
    pub source_tool: Option<String>,
    /// Whether the entry is a key event (shown in the executive template).
    pub key_event: bool,
    /// Whether a later entry superseded this one; shown greyed, never hidden.
    pub superseded: bool,
}

/// One item of the evidence register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceItem {
    /// Evidence id.
    pub id: String,
    /// File or item name.
    pub name: String,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Media type, e.g. `application/vnd.tcpdump.pcap`.
    pub media_type: String,
    /// When it was acquired.
    pub acquired_at: DateTime<Utc>,
    /// Who acquired it.
    pub acquired_by: String,
    /// Host it came from.
    pub source_host: Option<String>,
    /// Path or URL it came from.
    pub source_path: Option<String>,
    /// Chain of custody, oldest first.
    pub custody: Vec<CustodyRecord>,
}

/// One hand-over in an evidence item's chain of custody.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustodyRecord {
    /// What happened, e.g. `acquired`, `transferred`, `analysed`.
    pub action: String,
    /// Who did it.
    pub who: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Where the item was kept.
    pub location: String,
    /// Why.
    pub reason: String,
}

/// An observable (indicator) seen in the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observable {
    /// Kind, e.g. `ipv4`, `domain`, `url`, `sha256`.
    pub kind: String,
    /// The value.
    pub value: String,
    /// Sharing marking of this observable.
    pub tlp: Tlp,
    /// Whether it is an indicator of compromise.
    pub ioc: bool,
    /// How many other incidents saw it.
    pub seen_in_incidents: u32,
}

/// An escalation between tiers and what happened to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    /// Tier that asked.
    pub from_tier: String,
    /// Tier that was asked.
    pub to_tier: String,
    /// Current state, e.g. `accepted`.
    pub state: String,
    /// Team or person asked.
    pub target: String,
    /// Who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Hand-over note for the receiving tier.
    pub handoff_note: String,
    /// State changes, oldest first.
    pub history: Vec<EscalationStep>,
}

/// One state change of an escalation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationStep {
    /// New state.
    pub state: String,
    /// Who changed it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Note given with the change.
    pub note: String,
}

/// A follow-up task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseTask {
    /// Title.
    pub title: String,
    /// Owner.
    pub owner: Option<String>,
    /// Status, e.g. `open`, `done`.
    pub status: String,
    /// Due date.
    pub due: Option<DateTime<Utc>>,
}

/// A person who must sign the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignOff {
    /// Name.
    pub name: String,
    /// Role, e.g. `Incident commander`.
    pub role: String,
}
