//! Alerts: what a SIEM or IDS raised, before anyone has looked at it. An alert enters the log as an `AlertRaised`
//! event (global: it belongs to no incident until it is promoted or merged into one) and is triaged by later events.
//!
//! Identity is the source's: an alert's id is derived from (source tool, source id), so the same alert raised twice
//! (re-sent by the SIEM, imported on two laptops, posted to the server and imported from a file) is one alert, and
//! the second raise is a duplicate rather than a new row.
//!
//! Grouping against alert fatigue: alerts with the same rule and the same key observable ([`key_observable`]) whose
//! times ([`NewAlert::seen_at`]) follow each other with gaps of at most [`GROUP_GAP_MICROS`] form one group. The
//! groups are a function of the set of alerts alone (never of arrival order), so every replica shows the same ones.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{ObservableKind, Severity};
use crate::{string_enum, AlertId};

/// Two alerts of the same rule and key observable at most this far apart (24 hours) are in one group: a day is
/// the span a tier-1 shift triages in, and a noisy rule firing daily stays one row.
pub const GROUP_GAP_MICROS: i64 = 24 * 60 * 60 * 1_000_000;

/// The most kept of one alert's raw payload: 1 MiB, as the parsers cap one document.
pub const MAX_RAW_BYTES: usize = 1024 * 1024;

/// The most observables one alert carries.
pub const MAX_OBSERVABLES: usize = 1_000;

string_enum! {
    /// How tier 1 dismisses an alert.
    pub enum AlertVerdict ("alert verdict") {
        FalsePositive => "false-positive", Benign => "benign", Duplicate => "duplicate",
    }
}

string_enum! {
    /// Where an alert stands: new, dismissed with a verdict, or a true positive (promoted to a new incident or merged
    /// into an existing one).
    pub enum AlertState ("alert status") {
        New => "new", FalsePositive => "false-positive", Benign => "benign", Duplicate => "duplicate",
        Promoted => "promoted", Merged => "merged",
    }
}

impl From<AlertVerdict> for AlertState {
    fn from(v: AlertVerdict) -> Self {
        match v {
            AlertVerdict::FalsePositive => AlertState::FalsePositive,
            AlertVerdict::Benign => AlertState::Benign,
            AlertVerdict::Duplicate => AlertState::Duplicate,
        }
    }
}

/// An indicator the source gave, normalised as a typed-in observable is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertObservable {
    pub kind: ObservableKind,
    pub value: String,
}

/// Every fact of an alert as the source gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAlert {
    /// Derived from `source` and `source_id` ([`alert_id`]).
    pub alert: AlertId,
    /// The tool that raised it (`wazuh`, `elastic`, `splunk`, `suricata`, or a generic source's name).
    pub source: String,
    /// The source's own id for the alert.
    pub source_id: String,
    /// The reader that mapped it (`generic`, `wazuh`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    pub severity: Severity,
    /// The source's own severity as it wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_severity: Option<String>,
    /// When the event behind the alert happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<DateTime<Utc>>,
    /// When the source raised the alert, when it says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raised_at: Option<DateTime<Utc>>,
    /// When Casebook received it (the importing laptop's or the server's clock).
    pub received_at: DateTime<Utc>,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observables: Vec<AlertObservable>,
    /// The document exactly as received: plain text, never rendered as HTML.
    pub raw: String,
}

impl NewAlert {
    /// The alert's place in time for grouping and the queue: the event's time, else when the source raised it,
    /// else when Casebook received it.
    pub fn seen_at(&self) -> DateTime<Utc> {
        self.event_time
            .or(self.raised_at)
            .unwrap_or(self.received_at)
    }

    /// The rule that groups it: its id, else its name, else its title.
    pub fn rule_key(&self) -> &str {
        self.rule_id
            .as_deref()
            .or(self.rule_name.as_deref())
            .unwrap_or(&self.title)
    }
}

/// The id of the alert a source identifies as `source_id`: a UUID (version 8) made of the SHA-256 of both, so every
/// device that receives the alert names it alike, and nobody can claim another alert's id.
pub fn alert_id(source: &str, source_id: &str) -> AlertId {
    let mut h = Sha256::new();
    h.update(b"casebook-alert-v1\n");
    // The source's length first: no choice of the two parts can pass for another pair.
    h.update((source.len() as u64).to_be_bytes());
    h.update(source.as_bytes());
    h.update(source_id.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    AlertId(uuid::Uuid::from_bytes(bytes))
}

/// The observable alerts are grouped by, as `kind:value`: the first of the alert's observables of the most telling
/// kind (addresses first, then names, accounts, hashes), else the host, else nothing (the rule alone groups).
pub fn key_observable(a: &NewAlert) -> String {
    use ObservableKind::*;
    const ORDER: [ObservableKind; 12] = [
        Ipv4,
        Ipv6,
        Domain,
        Url,
        Account,
        Email,
        Sha256,
        Sha1,
        Md5,
        FileName,
        RegistryKey,
        Other,
    ];
    ORDER
        .iter()
        .find_map(|kind| a.observables.iter().find(|o| o.kind == *kind))
        .map(|o| format!("{}:{}", o.kind, o.value))
        .or_else(|| a.host.as_ref().map(|h| format!("host:{h}")))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(observables: Vec<AlertObservable>) -> NewAlert {
        NewAlert {
            alert: alert_id("wazuh", "1"),
            source: "wazuh".into(),
            source_id: "1".into(),
            format: "wazuh".into(),
            rule_name: Some("sshd: brute force".into()),
            rule_id: Some("5712".into()),
            severity: Severity::Sev2,
            source_severity: None,
            event_time: None,
            raised_at: None,
            received_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            title: "t".into(),
            description: String::new(),
            host: Some("web-1".into()),
            user: None,
            source_ip: None,
            source_port: None,
            destination_ip: None,
            destination_port: None,
            observables,
            raw: "{}".into(),
        }
    }

    #[test]
    fn the_id_is_the_sources_identity_and_nothing_else() {
        assert_eq!(alert_id("wazuh", "1"), alert_id("wazuh", "1"));
        assert_ne!(alert_id("wazuh", "1"), alert_id("elastic", "1"));
        assert_ne!(
            alert_id("a\nb", "c"),
            alert_id("a", "b\nc"),
            "the separator must keep the two parts apart"
        );
        assert_eq!(alert_id("x", "y").0.get_version_num(), 8);
    }

    #[test]
    fn the_key_observable_prefers_addresses_then_falls_back_to_the_host() {
        let o = |kind, value: &str| AlertObservable {
            kind,
            value: value.into(),
        };
        let a = alert(vec![
            o(ObservableKind::Sha256, &"a".repeat(64)),
            o(ObservableKind::Ipv4, "203.0.113.7"),
        ]);
        assert_eq!(key_observable(&a), "ipv4:203.0.113.7");
        assert_eq!(key_observable(&alert(vec![])), "host:web-1");
        let bare = NewAlert {
            host: None,
            ..alert(vec![])
        };
        assert_eq!(
            key_observable(&bare),
            "",
            "no observable and no host: the rule alone groups"
        );
    }

    #[test]
    fn the_time_an_alert_is_seen_at_falls_back_in_order() {
        let mut a = alert(vec![]);
        assert_eq!(a.seen_at(), a.received_at);
        a.raised_at = DateTime::from_timestamp(1_700_000_100, 0);
        assert_eq!(Some(a.seen_at()), a.raised_at);
        a.event_time = DateTime::from_timestamp(1_700_000_000, 0);
        assert_eq!(Some(a.seen_at()), a.event_time);
    }
}
