//! A realistic case for the report tests: a ransomware precursor investigation with accents, CJK, long hashes and
//! URLs, and enough timeline entries for tables to span many pages.

use casebook_report::*;
use chrono::{DateTime, Duration, TimeZone, Utc};

pub const LONG_URL: &str =
    "https://files.example-cdn.net/download/2024/03/quarterly-invoice-update/Invoice_Q1_final_v2.zip?session=8c1f0a77e2b94d6f9a1c&utm_source=mail";
pub const PAYLOAD_SHA256: &str = "e3b98a4da31a127d4bde6e43033f66ba274cab0eb7eb1c70ec41402bf6273dd8";

pub fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, day, hour, minute, 0)
        .single()
        .expect("fixture dates are valid")
}

pub fn export_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 20, 9, 30, 0)
        .single()
        .expect("valid export time")
}

pub fn options(template: ReportTemplate) -> ReportOptions {
    ReportOptions {
        template,
        key_events_only: false,
        exported_at: export_time(),
    }
}

/// Summary text of timeline entry `n`; unique so tests can find each one in order.
pub fn entry_summary(n: usize) -> String {
    format!("Entry {n:04} observed beacon to 203.0.113.{}", n % 250)
}

fn timeline(count: usize) -> Vec<TimelineEntry> {
    let start = at(4, 7, 0);
    (0..count)
        .map(|n| {
            let details = match n % 7 {
                0 => format!("Proxy log shows download from {LONG_URL}"),
                1 => format!("File hash {PAYLOAD_SHA256} matched the payload."),
                2 => "Analyst José Müller confirmed the finding with the Zürich office; hostname 财务-服务器 (中文).".into(),
                3 => String::new(),
                4 => "EDR isolated the host and collected a triage package including memory, prefetch, amcache and the \
                      registry hives. The collection took longer than usual because the host was on a slow VPN link."
                    .into(),
                _ => "Correlated with firewall deny events.".into(),
            };
            TimelineEntry {
                id: format!("tl-{n:05}"),
                event_time: start + Duration::minutes((n as i64) * 17),
                recorded_at: start + Duration::minutes((n as i64) * 17 + 5),
                author: if n % 3 == 0 { "Renée Dubois".into() } else { "Jürgen Weiß".into() },
                kind: ["detection", "analysis", "containment", "note"][n % 4].into(),
                summary: entry_summary(n),
                details,
                source_host: (n % 2 == 0).then(|| format!("ws-fin-{:03}.corp.example.com", n % 40)),
                source_tool: (n % 5 == 0).then(|| "CrowdStrike Falcon".to_string()),
                key_event: n % 25 == 0,
                superseded: n % 41 == 7,
            }
        })
        .collect()
}

fn evidence() -> Vec<EvidenceItem> {
    let names = [
        (
            "Invoice_Q1_final_v2.zip",
            "application/zip",
            PAYLOAD_SHA256.to_string(),
        ),
        (
            "ws-fin-012-memory.raw",
            "application/octet-stream",
            "4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778899".to_string(),
        ),
        (
            "proxy-export-2024-03-04.csv",
            "text/csv",
            "0d3b2e9fb1c5a7f4e6d8c0b2a4968778695a4b3c2d1e0f1a2b3c4d5e6f708192".to_string(),
        ),
        (
            "mail-headers-é中文.eml",
            "message/rfc822",
            "77aa88bb99cc00dd11ee22ff33004411552266337744885599aa66bb77cc88dd".to_string(),
        ),
    ];
    names
        .iter()
        .enumerate()
        .map(|(i, (name, media, sha))| EvidenceItem {
            id: format!("EV-{:03}", i + 1),
            name: (*name).to_string(),
            sha256: sha.clone(),
            size_bytes: 1_048_576 * (i as u64 + 1) * 37 + 123,
            media_type: (*media).to_string(),
            acquired_at: at(4, 9 + i as u32, 15),
            acquired_by: "Renée Dubois".into(),
            source_host: Some(format!("ws-fin-{:03}.corp.example.com", 12 + i)),
            source_path: Some(if i == 0 {
                LONG_URL.to_string()
            } else {
                format!("C:\\Users\\jmuller\\Downloads\\{name}")
            }),
            custody: vec![
                CustodyRecord {
                    action: "acquired".into(),
                    who: "Renée Dubois".into(),
                    at: at(4, 9 + i as u32, 15),
                    location: "Forensic workstation FW-02".into(),
                    reason: "Initial triage collection".into(),
                },
                CustodyRecord {
                    action: "transferred".into(),
                    who: "Jürgen Weiß".into(),
                    at: at(5, 10, 0),
                    location: "Evidence locker, Zürich".into(),
                    reason: "Long-term retention under legal hold".into(),
                },
            ],
        })
        .collect()
}

/// The full fixture with `entries` timeline entries.
pub fn case_with_entries(entries: usize) -> ReportCase {
    ReportCase {
        key: "INC-2024-0042".into(),
        id: "0190f5a2-7c1e-7a3b-9f00-00000000002a".into(),
        title: "Qakbot loader on finance workstations after invoice phishing".into(),
        severity: "SEV2".into(),
        status: "Resolved".into(),
        resolution: Some("True positive — contained before encryption".into()),
        tlp: Tlp::AmberStrict,
        category: "Malware".into(),
        tier: "Tier 3".into(),
        assignee: Some("Renée Dubois".into()),
        tags: vec!["qakbot".into(), "phishing".into(), "finance".into(), "中文".into()],
        detection_source: "EDR behavioural alert (CrowdStrike Falcon)".into(),
        affected_assets: vec!["ws-fin-012.corp.example.com".into(), "ws-fin-013.corp.example.com".into(), "j.muller@example.com".into()],
        summary_markdown: "# What happened\nOn 4 March a finance clerk opened an invoice-themed attachment that installed the Qakbot \
                           loader. The loader beaconed to three command-and-control servers for about six hours before \
                           EDR isolated the host.\n\n# Impact\n- Two workstations infected; no lateral movement beyond the \
                           finance VLAN\n- No data exfiltration observed in proxy and firewall logs\n- Mailbox of José Müller \
                           used to send 14 follow-up phishing mails (中文 subject lines)\n\nThe incident was resolved on 6 March."
            .into(),
        root_cause: "Macro-enabled documents inside password-protected ZIP archives bypassed the mail gateway's sandbox, \
                     and the workstation's attack surface reduction rules were in audit mode."
            .into(),
        lessons_learned: "- Enforce ASR rules in block mode on finance workstations\n- Quarantine password-protected \
                          archives from external senders\n- Shorten EDR isolation approval from 45 to 10 minutes"
            .into(),
        times: CaseTimes {
            occurred: Some(at(4, 7, 0)),
            detected: Some(at(4, 8, 12)),
            reported: at(4, 8, 20),
            contained: Some(at(4, 13, 40)),
            resolved: Some(at(6, 17, 5)),
        },
        metrics: CaseMetrics {
            time_to_detect_secs: Some(72 * 60),
            time_to_contain_secs: Some(5 * 3600 + 28 * 60),
            time_to_resolve_secs: Some(2 * 86_400 + 8 * 3600 + 53 * 60),
            escalations: vec![
                EscalationMetric {
                    from_tier: "Tier 1".into(),
                    to_tier: "Tier 2".into(),
                    requested_at: at(4, 8, 25),
                    ack_secs: Some(240),
                    accept_secs: Some(600),
                    breached: false,
                },
                EscalationMetric {
                    from_tier: "Tier 2".into(),
                    to_tier: "Tier 3".into(),
                    requested_at: at(4, 10, 5),
                    ack_secs: Some(1900),
                    accept_secs: Some(3100),
                    breached: true,
                },
            ],
        },
        authors: vec!["Renée Dubois".into(), "Jürgen Weiß".into()],
        timeline: timeline(entries),
        evidence: evidence(),
        observables: vec![
            Observable { kind: "url".into(), value: LONG_URL.into(), tlp: Tlp::Amber, ioc: true, seen_in_incidents: 2 },
            Observable { kind: "sha256".into(), value: PAYLOAD_SHA256.into(), tlp: Tlp::Green, ioc: true, seen_in_incidents: 5 },
            Observable { kind: "ipv4".into(), value: "203.0.113.45".into(), tlp: Tlp::Clear, ioc: true, seen_in_incidents: 0 },
            Observable { kind: "domain".into(), value: "invoice-update.example-cdn.net".into(), tlp: Tlp::Red, ioc: false, seen_in_incidents: 1 },
        ],
        escalations: vec![Escalation {
            from_tier: "Tier 2".into(),
            to_tier: "Tier 3".into(),
            state: "accepted".into(),
            target: "DFIR team".into(),
            requested_by: "Jürgen Weiß".into(),
            requested_at: at(4, 10, 5),
            reason: "Loader persistence and possible credential theft need forensic analysis.".into(),
            handoff_note: "Memory image of ws-fin-012 is in the evidence locker; see EV-002.".into(),
            history: vec![
                EscalationStep { state: "requested".into(), by: "Jürgen Weiß".into(), at: at(4, 10, 5), note: "Paged DFIR on-call".into() },
                EscalationStep { state: "acknowledged".into(), by: "Renée Dubois".into(), at: at(4, 10, 36), note: String::new() },
                EscalationStep { state: "accepted".into(), by: "Renée Dubois".into(), at: at(4, 10, 57), note: "Taking over analysis".into() },
            ],
        }],
        tasks: vec![
            CaseTask { title: "Switch ASR rules to block mode on finance OU".into(), owner: Some("Endpoint team".into()), status: "done".into(), due: Some(at(11, 17, 0)) },
            CaseTask { title: "Reset credentials of all finance users".into(), owner: Some("IAM".into()), status: "done".into(), due: Some(at(7, 12, 0)) },
            CaseTask { title: "Review mail gateway archive policy".into(), owner: None, status: "open".into(), due: None },
        ],
        sign_off: vec![
            SignOff { name: "Renée Dubois".into(), role: "Incident commander".into() },
            SignOff { name: "Dr. Mei Chen (陈美)".into(), role: "CISO".into() },
        ],
    }
}

/// The standard fixture: 320 entries, so the timeline spans many pages.
pub fn case() -> ReportCase {
    case_with_entries(320)
}
