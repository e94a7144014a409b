//! Every vendored real sample parses, with its key fields as the source wrote them (see each SOURCE.md).

use std::path::PathBuf;

use casebook_alerts::{read_alerts, Format, Observable, ParsedAlert, Position};
use casebook_core::model::{ObservableKind, Severity};
use chrono::{DateTime, Utc};

fn sample(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/samples")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn read(path: &str, format: Option<Format>) -> Vec<ParsedAlert> {
    read_alerts(sample(path).as_slice(), format).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn time(text: &str) -> Option<DateTime<Utc>> {
    Some(text.parse().expect("a test time"))
}

fn has(alert: &ParsedAlert, kind: ObservableKind, value: &str) -> bool {
    alert.observables.contains(&Observable {
        kind,
        value: value.into(),
    })
}

#[test]
fn wazuh_alerts_json_lines_parse_with_rule_level_host_and_source_ip() {
    let alerts = read("wazuh/alerts.json", None);
    assert_eq!(alerts.len(), 5, "five alerts.json lines");
    assert!(
        alerts.iter().all(|a| a.format == Format::Wazuh),
        "detected as Wazuh"
    );
    let first = &alerts[0];
    assert_eq!(first.position, Position::Line(1));
    assert_eq!(first.source_id, "1587082673.77856", "Wazuh's own alert id");
    assert!(!first.source_id_is_digest);
    assert_eq!(first.rule_id.as_deref(), Some("5716"));
    assert_eq!(
        first.rule_name.as_deref(),
        Some("sshd: authentication failed.")
    );
    assert_eq!(first.title, "sshd: authentication failed.");
    assert_eq!(first.severity, Severity::Sev3, "level 5 is sev3");
    assert_eq!(first.source_severity.as_deref(), Some("level 5"));
    assert_eq!(
        first.event_time,
        time("2020-04-17T00:17:53.159Z"),
        "+0000 without a colon is read"
    );
    assert_eq!(first.host.as_deref(), Some("Debian"), "the agent's name");
    assert_eq!(first.user.as_deref(), Some("root"));
    assert_eq!(first.source_ip.as_deref(), Some("49.88.112.73"));
    assert_eq!(
        first.source_port,
        Some(36679),
        "the port is a string in Wazuh's data"
    );
    assert!(
        has(first, ObservableKind::Ipv4, "49.88.112.73"),
        "{:?}",
        first.observables
    );
    assert!(has(first, ObservableKind::Account, "root"));
    let burst = &alerts[2];
    assert_eq!(burst.rule_id.as_deref(), Some("5720"));
    assert_eq!(burst.severity, Severity::Sev2, "level 10 is sev2");
    let text = String::from_utf8(sample("wazuh/alerts.json")).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    for (alert, line) in alerts.iter().zip(&lines) {
        assert_eq!(
            alert.raw, *line,
            "the raw payload is the line exactly as received"
        );
    }
}

#[test]
fn elastic_detection_alert_parses_with_rule_severity_times_and_host() {
    let alerts = read("elastic/threat-match-alert.json", None);
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.format, Format::Elastic);
    assert_eq!(
        alert.source_id,
        "30a75fe46d3dbdfab55982036f77a8d60e2d1112e96f277c3b8c22f9bb57817a"
    );
    assert_eq!(alert.rule_name.as_deref(), Some("threat-match-rule"));
    assert_eq!(
        alert.rule_id.as_deref(),
        Some("53000028-120c-4e55-a8c0-db092e05aef4")
    );
    assert_eq!(alert.severity, Severity::Sev4, "Elastic low is sev4");
    assert_eq!(alert.source_severity.as_deref(), Some("low"));
    assert_eq!(
        alert.event_time,
        time("2022-03-19T02:47:57.376Z"),
        "kibana.alert.original_time"
    );
    assert_eq!(
        alert.raised_time,
        time("2022-03-19T02:48:12.634Z"),
        "@timestamp is when the rule raised it"
    );
    assert_eq!(
        alert.host.as_deref(),
        Some("security-linux-1"),
        "nested host.name"
    );
    assert_eq!(
        alert.description.as_deref(),
        Some("event on security-linux-1 created low alert threat-match-rule.")
    );
    assert!(
        has(alert, ObservableKind::Ipv4, "11.200.0.194"),
        "{:?}",
        alert.observables
    );
    let raw = String::from_utf8(sample("elastic/threat-match-alert.json")).expect("UTF-8");
    assert_eq!(
        alert.raw,
        raw.trim_end(),
        "a lone pretty-printed object is kept as written"
    );
}

#[test]
fn splunk_webhook_body_parses_with_search_time_and_host() {
    let alerts = read("splunk/search_one_result.json", None);
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.format, Format::Splunk);
    assert_eq!(
        alert.source_id, "rt_scheduler__admin__search__sudo_at_1483557185_2.2",
        "the search job id"
    );
    assert_eq!(alert.rule_name.as_deref(), Some("sudo"));
    assert_eq!(alert.title, "sudo");
    assert_eq!(
        alert.severity,
        Severity::Sev3,
        "the webhook has no severity; sev3 until triaged"
    );
    assert_eq!(alert.source_severity, None);
    assert_eq!(
        alert.event_time,
        time("2017-01-04T19:14:32Z"),
        "result._time, seconds since 1970"
    );
    assert_eq!(alert.host.as_deref(), Some("myserver"));
    assert_eq!(
        alert.description.as_deref(),
        Some("Jan  4 11:14:32 myserver sudo: pam_unix(sudo:session): session closed for user root")
    );
    // The sample's result row has no IP, user, URL or hash field: nothing to extract, and nothing is invented.
    assert!(alert.observables.is_empty(), "{:?}", alert.observables);
}

#[test]
fn suricata_eve_alert_parses_with_signature_priority_flow_and_sni() {
    let alerts = read("suricata/eve-alert.json", None);
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.format, Format::Suricata);
    assert_eq!(alert.rule_id.as_deref(), Some("2024833"));
    assert_eq!(
        alert.rule_name.as_deref(),
        Some("ET POLICY Observed IP Lookup Domain (l2 .io in TLS SNI)")
    );
    assert_eq!(
        alert.severity,
        Severity::Sev2,
        "Suricata priority 1 is sev2"
    );
    assert_eq!(alert.source_severity.as_deref(), Some("1"));
    assert_eq!(
        alert.event_time,
        time("2018-07-05T19:07:20.910626Z"),
        "-0400 is applied"
    );
    assert_eq!(alert.source_ip.as_deref(), Some("192.168.86.85"));
    assert_eq!(alert.source_port, Some(55641));
    assert_eq!(alert.destination_ip.as_deref(), Some("192.168.156.70"));
    assert_eq!(alert.destination_port, Some(443));
    assert!(has(alert, ObservableKind::Ipv4, "192.168.156.70"));
    assert!(has(alert, ObservableKind::Domain, "l2.io"), "the TLS SNI");
    assert!(alert.source_id_is_digest, "EVE has no alert id");
    let again = read("suricata/eve-alert.json", None);
    assert_eq!(
        again[0].source_id, alert.source_id,
        "the digest is stable, so a re-import is recognised"
    );
    assert_eq!(alert.source_id.len(), 64);
}

#[test]
fn each_sample_is_detected_as_its_own_format_and_refused_by_the_others() {
    let cases = [
        ("wazuh/alerts.json", Format::Wazuh),
        ("elastic/threat-match-alert.json", Format::Elastic),
        ("splunk/search_one_result.json", Format::Splunk),
        ("suricata/eve-alert.json", Format::Suricata),
    ];
    for (path, format) in cases {
        let detected = read(path, None);
        let named = read(path, Some(format));
        assert_eq!(detected, named, "{path}: detection picks {format:?}");
        for other in Format::ALL.into_iter().filter(|f| *f != format) {
            let result = read_alerts(sample(path).as_slice(), Some(other));
            assert!(
                result.is_err(),
                "{path} read as {other:?} must fail, not half-map"
            );
        }
    }
}
