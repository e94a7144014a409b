//! The interchange formats on sample cases holding one observable of every type, flagged and not: what each writer
//! writes, what each reader reads back, and the located errors bad files get.

mod csv;
mod misp;
mod stix;

use casebook_core::model::{ObservableKind, Severity, Tlp};
use casebook_core::{IncidentId, ObservableId};
use casebook_interchange::{CaseInfo, CaseObservables, ObservableRecord};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// One normalized value of every observable type.
pub const VALUES: [(ObservableKind, &str); 12] = [
    (ObservableKind::Ipv4, "203.0.113.7"),
    (ObservableKind::Ipv6, "2001:db8::1"),
    (ObservableKind::Domain, "evil.example"),
    (
        ObservableKind::Url,
        "https://evil.example/login?next='home'",
    ),
    (ObservableKind::Email, "billing@evil.example"),
    (ObservableKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
    (
        ObservableKind::Sha1,
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    ),
    (
        ObservableKind::Sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    (
        ObservableKind::FileName,
        r"C:\Users\o'brien\invoice.pdf.exe",
    ),
    (ObservableKind::Account, "CORP\\svc-backup"),
    (
        ObservableKind::RegistryKey,
        r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Run",
    ),
    (ObservableKind::Other, "Mutex Global\\xyz"),
];

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_b6a4_0000_7000_8000_0000_0000_0000 | n)
}

/// A case with every value twice over: as an IOC (TLP:AMBER) and, with another value, not (TLP:GREEN). The
/// non-IOC copy of each value gets a prefix so both are distinct observables.
pub fn sample() -> CaseObservables {
    let mut observables = Vec::new();
    for (i, (kind, value)) in VALUES.iter().enumerate() {
        observables.push(ObservableRecord {
            id: ObservableId(id(100 + i as u128)),
            kind: *kind,
            value: value.to_string(),
            tlp: Tlp::Amber,
            ioc: true,
            note: format!("seen in the {kind} logs"),
            first_seen: Some(at("2026-11-19T08:00:00Z")),
            last_seen: None,
            added_at: at("2026-11-20T10:00:00.123456Z"),
            seen_in: vec!["INC-AAAAAA".into()],
        });
        observables.push(ObservableRecord {
            id: ObservableId(id(200 + i as u128)),
            kind: *kind,
            value: plain_variant(*kind, value),
            tlp: Tlp::Green,
            ioc: false,
            note: String::new(),
            first_seen: None,
            last_seen: None,
            added_at: at("2026-11-20T11:00:00Z"),
            seen_in: vec![],
        });
    }
    CaseObservables {
        case: CaseInfo {
            id: IncidentId(id(1)),
            key: "INC-7K3QF2".into(),
            title: "Phishing wave in finance".into(),
            summary: "Credential phishing against the finance team.".into(),
            severity: Severity::Sev2,
            tlp: Tlp::Amber,
            created: at("2026-11-20T09:00:00Z"),
            modified: at("2026-11-20T12:00:00Z"),
        },
        observables,
    }
}

/// Another valid value of the same type.
pub fn plain_variant(kind: ObservableKind, value: &str) -> String {
    match kind {
        ObservableKind::Ipv4 => "198.51.100.9".into(),
        ObservableKind::Ipv6 => "2001:db8::2".into(),
        ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 => {
            value.replace(['0', '1'], "f")
        }
        ObservableKind::Url => "http://cdn.evil.example/a.js".into(),
        ObservableKind::Email => "ceo@corp.example".into(),
        _ => format!("other.{value}"),
    }
}

/// (type, value, ioc, tlp) of each observable, sorted, for comparing what was written with what was read.
pub fn facts(c: &CaseObservables) -> Vec<(ObservableKind, String, bool, Tlp)> {
    let mut v: Vec<_> = c
        .observables
        .iter()
        .map(|o| (o.kind, o.value.clone(), o.ioc, o.tlp))
        .collect();
    v.sort();
    v
}
