//! `casebook alert …`: every vendored sample imports and a re-import adds nothing; promotion prints the new
//! incident's key, which carries the alert's observables, times and the raw alert's SHA-256; a group is dismissed at
//! once; merging; hostile files give clear errors and change nothing.

use sha2::{Digest, Sha256};

use crate::{sample, Shell};

fn events(shell: &Shell) -> u64 {
    let out = shell.json(&["log", "verify"]);
    out["events"]
        .as_u64()
        .unwrap_or_else(|| panic!("log verify gives a count: {out}"))
}

fn generic(id: &str, rule: &str, ip: &str, time: &str) -> String {
    format!(
        r#"{{"title":"Beacon from {ip}","time":"{time}","severity":"high","rule":{{"id":"{rule}","name":"C2 beacon"}},"source":"zeek","source_id":"{id}","host":"ws-042","observables":["{ip}"]}}"#
    )
}

#[test]
fn every_sample_imports_once_and_promotion_prints_a_key_carrying_the_alert() {
    let shell = Shell::tier1();
    for (file, n) in [
        ("wazuh/alerts.json", 5),
        ("elastic/threat-match-alert.json", 1),
        ("splunk/search_one_result.json", 1),
        ("suricata/eve-alert.json", 1),
    ] {
        let s = shell.json(&["alert", "import", &sample(file)]);
        assert_eq!(
            (s["read"].as_u64(), s["new"].as_u64()),
            (Some(n), Some(n)),
            "{file}: {s}"
        );
    }
    let before = events(&shell);
    let again = shell.ok(&[
        "alert",
        "import",
        &sample("wazuh/alerts.json"),
        "--format",
        "wazuh",
    ]);
    assert!(
        again.contains("Imported 0 new alerts of 5 read (5 already here)"),
        "{again}"
    );
    assert_eq!(events(&shell), before, "a re-import adds nothing");

    let queue = shell.json(&["alert", "list", "--status", "new"]);
    let rows = queue.as_array().unwrap();
    assert_eq!(rows.len(), 8, "{queue}");
    let wazuh = rows
        .iter()
        .find(|r| r["title"] == "sshd: Multiple authentication failures.")
        .expect("the Wazuh brute-force alert is queued");
    let id = wazuh["id"].as_str().unwrap();
    let shown = shell.json(&["alert", "show", &id[..8]]);
    let raw = shown["raw"].as_str().unwrap().to_string();
    let printed = shell.ok(&["alert", "promote", &id[..8], "--severity", "sev2"]);
    let key = printed.split_whitespace().next().unwrap().to_string();
    assert!(
        key.starts_with("INC-"),
        "promote prints the new key first: {printed}"
    );
    let sha = hex::encode(Sha256::digest(raw.as_bytes()));
    assert!(
        printed.contains(&sha),
        "promote prints the raw alert's SHA-256: {printed}"
    );
    let incident = shell.json(&["incident", "show", &key]);
    assert_eq!(incident["severity"], "sev2", "{incident}");
    assert_eq!(
        incident["occurred_at"], "2020-04-17T00:25:13.117Z",
        "occurred = the alert's event time"
    );
    assert!(incident["detected_at"].is_string());
    let observables = shell.json(&["observable", "list", &key]);
    let values: Vec<&str> = observables
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["value"].as_str())
        .collect();
    assert!(
        values.contains(&"49.88.112.76") && values.contains(&"root"),
        "{values:?}"
    );
    let evidence = shell.json(&["evidence", "list", &key]);
    assert_eq!(evidence[0]["sha256"], sha.as_str(), "{evidence}");
    let metrics = shell.ok(&["metrics"]);
    assert!(metrics.contains("Alerts: 8 (7 untriaged)"), "{metrics}");
}

#[test]
fn a_group_is_dismissed_at_once_and_an_alert_merges_into_an_incident() {
    let shell = Shell::tier1();
    let file = shell.path("siem.jsonl");
    std::fs::write(
        &file,
        [
            generic("a1", "R-1", "198.51.100.1", "2026-11-19T08:00:00Z"),
            generic("a2", "R-1", "198.51.100.1", "2026-11-19T12:00:00Z"),
            generic("a3", "R-1", "198.51.100.1", "2026-11-19T16:00:00Z"),
            generic("b1", "R-2", "192.0.2.9", "2026-11-19T09:00:00Z"),
        ]
        .join("\n"),
    )
    .unwrap();
    shell.ok(&["alert", "import", file.to_str().unwrap()]);
    let rows = shell.json(&["alert", "list"]);
    let group = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["alerts"] == 3)
        .expect("one row of three");
    let gid = group["id"].as_str().unwrap();
    let said = shell.ok(&[
        "alert",
        "dismiss",
        &gid[..8],
        "--group",
        "--false-positive",
        "--reason",
        "lab scanner",
    ]);
    assert!(
        said.contains("Dismissed 3 alerts as false-positive"),
        "{said}"
    );
    let open = shell.json(&["alert", "list", "--status", "new"]);
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    let lone = open[0]["id"].as_str().unwrap().to_string();
    let key = shell.json(&["incident", "new", "C2 traffic", "--severity", "sev2"])["key"]
        .as_str()
        .unwrap()
        .to_string();
    let merged = shell.json(&["alert", "merge", &lone, &key]);
    assert_eq!(merged["incident_key"], key.as_str());
    assert_eq!(
        shell.json(&["alert", "show", &lone])["alert"]["state"],
        "merged"
    );
    let usage = shell.fails(&["alert", "dismiss", &lone, "--reason", "x"]);
    assert!(
        usage.contains("--false-positive"),
        "a verdict is required: {usage}"
    );
}

#[test]
fn hostile_files_give_clear_errors_and_change_nothing() {
    let shell = Shell::tier1();
    let before = events(&shell);
    let ok = generic("ok", "R-1", "10.0.0.1", "2026-11-19T08:00:00Z");
    let huge = format!(
        r#"{{"title":"x","time":"2026-11-19T08:00:00Z","description":"{}"}}"#,
        "A".repeat(10 * 1024 * 1024)
    );
    for (name, body, says) in [
        ("huge.jsonl", format!("{ok}\n{huge}"), "line 2"),
        (
            "deep.json",
            format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)),
            "nested deeper",
        ),
        (
            "broken.jsonl",
            format!("{ok}\n{{\"title\": \"x\", \"time\": \"yesterday\"}}"),
            "line 2",
        ),
    ] {
        let path = shell.path(name);
        std::fs::write(&path, body).unwrap();
        let err = shell.fails(&["alert", "import", path.to_str().unwrap()]);
        assert!(err.contains(says), "{name}: the error names where: {err}");
        assert!(err.contains("no alert was imported"), "{name}: {err}");
    }
    assert_eq!(events(&shell), before, "nothing of a refused file is kept");
    let script = r#"{"title":"<script>alert(1)</script>","time":"2026-11-19T08:00:00Z","source":"x","source_id":"1"}"#;
    let path = shell.path("script.json");
    std::fs::write(&path, script).unwrap();
    shell.ok(&["alert", "import", path.to_str().unwrap()]);
    let listed = shell.ok(&["alert", "list"]);
    assert!(
        listed.contains("<script>alert(1)</script>"),
        "markup is shown as text: {listed}"
    );
}
