//! The alert queue through the API: every vendored real sample imports and a re-import adds nothing; promotion
//! carries title, severity, observables, times and the raw alert as evidence; a group is dismissed at once; merging;
//! hostile files change nothing; auditors do not triage; and two laptops that dismiss a group and promote one of its
//! alerts concurrently converge on the same states, with the conflict shown.

use std::path::{Path, PathBuf};

use casebook_api::alerts::AlertListQuery;
use casebook_api::incidents::NewIncident;
use casebook_api::{Casebook, ErrorCode};
use casebook_core::alert::{AlertState, AlertVerdict};
use casebook_core::model::{Role, Severity, Tier, Tlp};
use sha2::{Digest, Sha256};

use crate::{at, open};

fn sample(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../casebook-alerts/tests/samples")
        .join(path)
}

const SAMPLES: [(&str, u64); 4] = [
    ("wazuh/alerts.json", 5),
    ("elastic/threat-match-alert.json", 1),
    ("splunk/search_one_result.json", 1),
    ("suricata/eve-alert.json", 1),
];

fn events(cb: &Casebook) -> i64 {
    cb.store()
        .conn()
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

fn tier1(dir: &Path) -> Casebook {
    let (mut cb, _) = open(dir, "2026-11-20T10:00:00Z");
    cb.init("Tia Tier-One", Role::Responder, Some(Tier::ONE))
        .unwrap();
    cb
}

/// A generic alert line: rule `rule`, about `ip`, at `time`.
fn line(id: &str, rule: &str, ip: &str, time: &str) -> String {
    format!(
        r#"{{"title":"Beacon from {ip}","time":"{time}","severity":"high","rule":{{"id":"{rule}","name":"C2 beacon"}},"source":"zeek","source_id":"{id}","host":"ws-042","observables":["{ip}","evil.example"]}}"#
    )
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

#[test]
fn every_vendored_sample_imports_and_a_re_import_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut cb = tier1(dir.path());
    for (file, n) in SAMPLES {
        let summary = cb
            .import_alerts(&sample(file), None, &mut |_| {})
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            (summary.read, summary.new, summary.duplicates),
            (n, n, 0),
            "{file}"
        );
        assert!(
            summary.groups >= 1 && summary.groups <= n,
            "{file}: {summary:?}"
        );
    }
    let before = events(&cb);
    for (file, n) in SAMPLES {
        let again = cb.import_alerts(&sample(file), None, &mut |_| {}).unwrap();
        assert_eq!(
            (again.new, again.duplicates),
            (0, n),
            "{file}: a re-import finds every alert held"
        );
    }
    assert_eq!(events(&cb), before, "a re-import adds nothing to the log");
    let queue = cb
        .alerts(&AlertListQuery {
            status: Some(AlertState::New),
            ..AlertListQuery::default()
        })
        .unwrap();
    let total: u64 = queue.iter().map(|g| g.alerts).sum();
    assert_eq!(total, 8, "every imported alert is in the open queue once");
}

#[test]
fn promotion_opens_an_incident_with_the_alerts_observables_times_and_raw_payload_as_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let mut cb = tier1(dir.path());
    let file = write(
        dir.path(),
        "a.jsonl",
        &[line("z-1", "R-12", "203.0.113.7", "2026-11-19T08:00:00Z")],
    );
    cb.import_alerts(&file, None, &mut |_| {}).unwrap();
    let row = &cb.alerts(&AlertListQuery::default()).unwrap()[0];
    let shown = cb.alert(&row.id.to_string()).unwrap();
    assert!(
        shown.raw.contains("\"source_id\":\"z-1\""),
        "the raw payload is kept as received"
    );
    let promoted = cb
        .promote_alert(&row.id.to_string()[..8], Some(Severity::Sev1))
        .unwrap();
    let incident = cb.incident(&promoted.incident_key).unwrap();
    assert_eq!(incident.row.title, "Beacon from 203.0.113.7");
    assert_eq!(
        incident.row.severity,
        Severity::Sev1,
        "the severity given overrides the alert's"
    );
    assert_eq!(
        incident.occurred_at,
        Some(at("2026-11-19T08:00:00Z")),
        "occurred = the alert's event time"
    );
    assert_eq!(promoted.detected_at, incident.detected_at);
    assert!(
        incident.detected_at.is_some(),
        "detected = when the alert was raised"
    );
    let observables: Vec<String> = cb
        .observables(&promoted.incident_key)
        .unwrap()
        .into_iter()
        .map(|o| format!("{}:{}", o.kind, o.value))
        .collect();
    assert_eq!(observables.len(), 2, "{observables:?}");
    assert!(observables.contains(&"ipv4:203.0.113.7".to_string()));
    assert!(observables.contains(&"domain:evil.example".to_string()));
    let evidence = cb.evidence(&promoted.incident_key).unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(
        evidence[0].sha256,
        hex::encode(Sha256::digest(shown.raw.as_bytes())),
        "the raw alert is the evidence, by its SHA-256"
    );
    assert_eq!(evidence[0].sha256, promoted.evidence_sha256);
    let after = cb.alert(&row.id.to_string()).unwrap();
    assert_eq!(after.alert.state, AlertState::Promoted);
    assert_eq!(
        after.incident_key.as_deref(),
        Some(promoted.incident_key.as_str())
    );
    let again = cb.promote_alert(&row.id.to_string(), None).unwrap_err();
    assert_eq!(
        again.code,
        ErrorCode::Conflict,
        "an alert is promoted once: {}",
        again.message
    );
    let dismissed = cb
        .dismiss_alerts(
            &[row.id.to_string()],
            false,
            AlertVerdict::FalsePositive,
            "noise",
        )
        .unwrap_err();
    assert_eq!(
        dismissed.code,
        ErrorCode::Conflict,
        "a promoted alert is not dismissed"
    );
    let m = cb.alert_metrics().unwrap();
    assert_eq!(m.alerts, 1);
    assert_eq!(m.alert_to_incident.map(|s| s.count), Some(1));
}

#[test]
fn a_group_is_dismissed_at_once_and_another_alert_merges_into_an_incident() {
    let dir = tempfile::tempdir().unwrap();
    let mut cb = tier1(dir.path());
    let file = write(
        dir.path(),
        "b.jsonl",
        &[
            line("s-1", "R-1", "198.51.100.1", "2026-11-19T08:00:00Z"),
            line("s-2", "R-1", "198.51.100.1", "2026-11-19T20:00:00Z"),
            line("s-3", "R-1", "198.51.100.1", "2026-11-20T06:00:00Z"),
            // More than 24 hours after the last: a new group.
            line("s-4", "R-1", "198.51.100.1", "2026-11-22T09:00:00Z"),
            line("s-5", "R-2", "192.0.2.9", "2026-11-19T09:00:00Z"),
        ],
    );
    let summary = cb.import_alerts(&file, None, &mut |_| {}).unwrap();
    assert_eq!(summary.groups, 3, "{summary:?}");
    let queue = cb.alerts(&AlertListQuery::default()).unwrap();
    let sizes: Vec<u64> = queue.iter().map(|g| g.alerts).collect();
    assert_eq!(sizes, vec![1, 3, 1], "newest group first: {queue:?}");
    let group = &queue[1];
    assert_eq!(
        (group.first_seen, group.last_seen),
        (at("2026-11-19T08:00:00Z"), at("2026-11-20T06:00:00Z"))
    );
    let missing_reason = cb
        .dismiss_alerts(&[group.id.to_string()], true, AlertVerdict::Benign, " ")
        .unwrap_err();
    assert_eq!(missing_reason.code, ErrorCode::InvalidInput);
    let done = cb
        .dismiss_alerts(
            &[group.id.to_string()],
            true,
            AlertVerdict::Benign,
            "patch window scans",
        )
        .unwrap();
    assert_eq!(done.alerts.len(), 3, "the whole group at once");
    let open = cb
        .alerts(&AlertListQuery {
            status: Some(AlertState::New),
            ..AlertListQuery::default()
        })
        .unwrap();
    assert_eq!(open.len(), 2, "the dismissed group leaves the open queue");
    let key = cb
        .new_incident(NewIncident::titled(
            "C2 traffic",
            Severity::Sev2,
            Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    let lone = open.iter().find(|g| g.rule == "R-2").unwrap();
    assert_eq!(cb.merge_alert(&lone.id.to_string(), &key).unwrap(), key);
    assert_eq!(
        cb.alert(&lone.id.to_string()).unwrap().alert.state,
        AlertState::Merged
    );
    assert_eq!(
        cb.evidence(&key).unwrap().len(),
        1,
        "the merged alert's raw payload is evidence"
    );
    let m = cb.alert_metrics().unwrap();
    let r1 = m.per_rule.iter().find(|r| r.rule == "C2 beacon").unwrap();
    assert_eq!((r1.alerts, r1.triaged, r1.false_positives), (5, 4, 0));
    assert_eq!(m.untriaged, 1);
    assert_eq!(m.time_to_triage.map(|s| s.count), Some(4));
}

#[test]
fn hostile_files_give_clear_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut cb = tier1(dir.path());
    let before = events(&cb);
    let huge = format!(
        r#"{{"title":"x","time":"2026-11-19T08:00:00Z","description":"{}"}}"#,
        "A".repeat(10 * 1024 * 1024)
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let good = line("ok-1", "R-1", "10.0.0.1", "2026-11-19T08:00:00Z");
    for (name, body, says) in [
        ("huge.json", format!("{good}\n{huge}"), "line 2"),
        ("deep.json", deep, "nested"),
        (
            "bad.jsonl",
            format!("{good}\n{{\"title\": 5, \"time\": \"2026\"}}"),
            "line 2",
        ),
        (
            "unknown.json",
            r#"{"hello":"world"}"#.to_string(),
            "not an alert",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let err = cb.import_alerts(&path, None, &mut |_| {}).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{name}: {}", err.message);
        assert!(
            err.message.contains(says),
            "{name}: the error says where: {}",
            err.message
        );
        assert!(
            err.message.contains("no alert was imported"),
            "{name}: {}",
            err.message
        );
    }
    assert_eq!(events(&cb), before, "nothing of a refused file is kept");
    // Markup is text: imported as given, shown as given.
    let script = r#"{"title":"<script>alert(1)</script>","time":"2026-11-19T08:00:00Z","source":"x","source_id":"s"}"#;
    let path = write(dir.path(), "script.json", &[script.to_string()]);
    cb.import_alerts(&path, None, &mut |_| {}).unwrap();
    let row = &cb.alerts(&AlertListQuery::default()).unwrap()[0];
    assert_eq!(row.title, "<script>alert(1)</script>");
    assert_eq!(cb.alert(&row.id.to_string()).unwrap().raw, script);
}

#[test]
fn an_auditor_reads_the_queue_but_neither_imports_nor_triages() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, _) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Ada Auditor", Role::Auditor, None).unwrap();
    let err = cb
        .import_alerts(&sample("suricata/eve-alert.json"), None, &mut |_| {})
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "{}", err.message);
    assert!(cb.alerts(&AlertListQuery::default()).unwrap().is_empty());
    let err = cb
        .dismiss_alerts(&["0190".into()], false, AlertVerdict::Benign, "x")
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
}

/// Delivers every event of `from` to `to`, whose owner trusts `from`'s device (as after comparing fingerprints).
fn exchange(from: &Casebook, to: &Casebook) {
    use casebook_core::Payload;
    let sent = casebook_store::append::read_stored(from.store().conn(), None, 0, i64::MAX).unwrap();
    let mut store = casebook_store::Store::open(to.store().path()).unwrap();
    let tx = store.write().unwrap();
    for s in &sent {
        if let Payload::DeviceBound {
            device, public_key, ..
        } = s.event.payload()
        {
            let key = casebook_core::signing::PublicKey::from_hex(public_key).unwrap();
            casebook_store::trust::trust_device(&tx, *device, &key, 0).unwrap();
        }
    }
    let mut arrivals = casebook_store::arrival::Arrivals::new(&tx, i64::MAX / 4, "test").unwrap();
    for s in &sent {
        arrivals.append(&s.event).unwrap();
    }
    arrivals.finish().unwrap();
    tx.commit().unwrap();
}

#[test]
fn one_laptop_dismisses_a_group_while_another_promotes_one_of_its_alerts_and_both_converge_with_the_conflict_shown(
) {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut ana = tier1(a_dir.path());
    let (mut ben, ben_clock) = open(b_dir.path(), "2026-11-20T10:00:00Z");
    ben.init("Ben Tier-Two", Role::Responder, Some(Tier::TWO))
        .unwrap();
    let file = write(
        a_dir.path(),
        "c.jsonl",
        &[
            line("g-1", "R-7", "203.0.113.50", "2026-11-19T08:00:00Z"),
            line("g-2", "R-7", "203.0.113.50", "2026-11-19T09:00:00Z"),
            line("g-3", "R-7", "203.0.113.50", "2026-11-19T10:00:00Z"),
        ],
    );
    // Both laptops import the same SIEM export: the same alerts, by their source's ids.
    ana.import_alerts(&file, None, &mut |_| {}).unwrap();
    ben.import_alerts(&file, None, &mut |_| {}).unwrap();
    let group = ana.alerts(&AlertListQuery::default()).unwrap()[0].clone();
    assert_eq!(group.alerts, 3);
    assert_eq!(
        ben.alert(&group.id.to_string()).unwrap().group_alerts,
        3,
        "the other laptop groups the same alerts alike"
    );
    // Offline: Ana dismisses the whole group, Ben (a minute later) promotes its first alert.
    ana.dismiss_alerts(
        &[group.id.to_string()],
        true,
        AlertVerdict::FalsePositive,
        "lab traffic",
    )
    .unwrap();
    ben_clock.set(at("2026-11-20T10:01:00Z"));
    let promoted = ben.promote_alert(&group.id.to_string(), None).unwrap();
    exchange(&ana, &ben);
    exchange(&ben, &ana);
    for cb in [&ana, &ben] {
        let states: Vec<AlertState> = ["g-1", "g-2", "g-3"]
            .iter()
            .map(|id| {
                let a = casebook_core::alert::alert_id("zeek", id);
                cb.alert(&a.to_string()).unwrap().alert.state
            })
            .collect();
        assert_eq!(
            states,
            vec![
                AlertState::Promoted,
                AlertState::FalsePositive,
                AlertState::FalsePositive
            ],
            "the promotion wins over the concurrent dismissal on both laptops"
        );
        let conflicts: Vec<_> = cb
            .open_conflicts()
            .unwrap()
            .into_iter()
            .filter(|c| c.kind == casebook_api::conflicts::ConflictKind::Alert)
            .collect();
        assert_eq!(
            conflicts.len(),
            1,
            "the dismissal that lost is shown: {conflicts:?}"
        );
        assert_eq!(conflicts[0].key, promoted.incident_key);
        assert!(
            conflicts[0].detail.contains("false-positive"),
            "{}",
            conflicts[0].detail
        );
    }
    assert_eq!(
        casebook_store::dump::dump_replicated(ana.store().conn())
            .unwrap()
            .split("## alerts")
            .nth(1),
        casebook_store::dump::dump_replicated(ben.store().conn())
            .unwrap()
            .split("## alerts")
            .nth(1),
        "the alert projections are the same on both laptops"
    );
}
