//! The closed vocabularies of the domain: severities, statuses, TLP markings, roles, kinds of timeline entries,
//! custody actions and the like, each with one canonical spelling.

use crate::string_enum;

/// A value that is not one of a vocabulary's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a valid {what}; use one of: {accepted}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub given: String,
    pub accepted: String,
}

string_enum! {
    /// How bad an incident is; SEV1 is the worst.
    pub enum Severity ("severity") { Sev1 => "sev1", Sev2 => "sev2", Sev3 => "sev3", Sev4 => "sev4" }
}

string_enum! {
    /// Where an incident stands. `Closed` carries a [`Resolution`].
    pub enum Status ("status") {
        New => "new", Triage => "triage", Investigating => "investigating", Contained => "contained",
        Eradicated => "eradicated", Recovered => "recovered", Closed => "closed",
    }
}

string_enum! {
    /// How a closed incident ended.
    pub enum Resolution ("resolution") {
        TruePositive => "true-positive", FalsePositive => "false-positive", Benign => "benign", Duplicate => "duplicate",
    }
}

string_enum! {
    /// Traffic Light Protocol 2.0 marking.
    pub enum Tlp ("TLP marking") {
        Clear => "clear", Green => "green", Amber => "amber", AmberStrict => "amber+strict", Red => "red",
    }
}

impl Tlp {
    /// The marking as TLP 2.0 writes it, e.g. `TLP:AMBER+STRICT`.
    pub fn label(self) -> String {
        format!("TLP:{}", self.as_str().to_ascii_uppercase())
    }
}

string_enum! {
    /// What a person does in Casebook. Responders also have a [`Tier`]. An integration is a SIEM's account on the
    /// team server: it raises alerts and does nothing else.
    pub enum Role ("role") {
        Responder => "responder", Lead => "lead", Auditor => "auditor", Admin => "admin", Integration => "integration",
    }
}

string_enum! {
    /// What a timeline entry records.
    pub enum EntryKind ("timeline kind") {
        Detection => "detection", Alert => "alert", Action => "action", Containment => "containment",
        Communication => "communication", Finding => "finding", Note => "note", System => "system",
    }
}

string_enum! {
    /// A step in an evidence item's chain of custody.
    pub enum CustodyAction ("custody action") {
        Collected => "collected", Transferred => "transferred", Analysed => "analysed", Copied => "copied",
        Exported => "exported", Returned => "returned", Destroyed => "destroyed",
    }
}

string_enum! {
    /// The type of an observable (indicator).
    pub enum ObservableKind ("observable type") {
        Ipv4 => "ipv4", Ipv6 => "ipv6", Domain => "domain", Url => "url", Email => "email",
        Md5 => "md5", Sha1 => "sha1", Sha256 => "sha256", FileName => "file-name", Account => "account",
        RegistryKey => "registry-key", Other => "other",
    }
}

string_enum! {
    /// Where a task stands.
    pub enum TaskStatus ("task status") { Open => "open", InProgress => "in-progress", Done => "done", Cancelled => "cancelled" }
}

string_enum! {
    /// The key times of an incident, from which time to detect, contain and resolve are derived.
    pub enum KeyTime ("key time") {
        Occurred => "occurred", Detected => "detected", Reported => "reported", Contained => "contained", Resolved => "resolved",
    }
}

string_enum! {
    /// The long texts of an incident. Concurrent edits of these are never silently overwritten.
    pub enum TextField ("text field") { Summary => "summary", RootCause => "root-cause", Lessons => "lessons" }
}

/// A responder tier, 1 (triage) to 3 (hunting, major incidents).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "u8", into = "u8")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "1 | 2 | 3"))]
pub struct Tier(u8);

impl Tier {
    pub const ONE: Tier = Tier(1);
    pub const TWO: Tier = Tier(2);
    pub const THREE: Tier = Tier(3);
    pub const ALL: [Tier; 3] = [Tier::ONE, Tier::TWO, Tier::THREE];

    pub fn new(n: u8) -> Result<Tier, UnknownValue> {
        if (1..=3).contains(&n) {
            Ok(Tier(n))
        } else {
            Err(UnknownValue {
                what: "tier",
                given: n.to_string(),
                accepted: "1, 2, 3".into(),
            })
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Tier {
    type Error = UnknownValue;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Tier::new(n)
    }
}

impl From<Tier> for u8 {
    fn from(t: Tier) -> u8 {
        t.0
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for Tier {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_start_matches(['t', 'T']);
        t.parse::<u8>()
            .map_err(|_| UnknownValue {
                what: "tier",
                given: s.to_string(),
                accepted: "1, 2, 3".into(),
            })
            .and_then(Tier::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_parse_their_own_spellings_and_common_variants() {
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>().unwrap(), *s);
        }
        assert_eq!("SEV2".parse::<Severity>().unwrap(), Severity::Sev2);
        assert_eq!(
            "false_positive".parse::<Resolution>().unwrap(),
            Resolution::FalsePositive
        );
        assert_eq!("AMBER+STRICT".parse::<Tlp>().unwrap(), Tlp::AmberStrict);
        let err = "sev9".parse::<Severity>().unwrap_err();
        assert!(
            err.to_string().contains("sev1, sev2, sev3, sev4"),
            "the error must list what is accepted: {err}"
        );
    }

    #[test]
    fn tiers_are_one_to_three() {
        assert!(Tier::new(0).is_err());
        assert!(Tier::new(4).is_err());
        assert_eq!("t2".parse::<Tier>().unwrap(), Tier::TWO);
    }
}
