//! The exact command lines that scripts and the README rely on, in order, on a fresh data directory.

use crate::cli::{array, is_incident_key, sha256_hex, DataDir};

/// A plaso-style export: zones other than UTC and microseconds that must survive the trip.
const PLASO_EXPORT: &str = concat!(
    r#"{"message": "User opened invoice.html from a phishing mail", "datetime": "2026-11-20T10:58:12.123456+01:00", "timestamp_desc": "Last Access Time", "computer_name": "FIN-WS-07", "parser": "msie_webcache"}"#,
    "\n",
    r#"{"message": "Credential form posted to login-micros0ft.example", "datetime": "2026-11-20T09:59:30.000001Z", "timestamp_desc": "Event Recorded", "computer_name": "FIN-WS-07", "http_status": 200}"#,
    "\n",
    r#"{"message": "Mailbox rule created: forward to external address", "datetime": "2026-11-20T05:15:00.654321-05:00", "timestamp_desc": "Creation Time", "data_type": "o365:audit"}"#,
    "\n",
);

#[test]
fn the_documented_invocations_work_in_order() {
    let cb = DataDir::new();

    let init = cb.ok(&[
        "init",
        "--name",
        "Ana Silva",
        "--role",
        "responder",
        "--tier",
        "1",
    ]);
    assert!(
        init.contains("Ana Silva"),
        "init must confirm whose profile it created: {init}"
    );

    let stdout = cb.ok(&[
        "incident",
        "new",
        "Phishing wave in finance",
        "--severity",
        "sev2",
        "--tlp",
        "amber",
    ]);
    let key = stdout.trim_end_matches('\n').to_string();
    assert!(
        is_incident_key(&key) && stdout == format!("{key}\n"),
        "`incident new` must print exactly the new key (^INC-[0-9A-Z]{{6}}$) and a newline, so `KEY=$(…)` works: {stdout:?}"
    );

    cb.ok(&[
        "timeline",
        "add",
        &key,
        "Blocked sender domain at the mail gateway",
        "--at",
        "2026-11-20T10:04:00Z",
        "--kind",
        "containment",
    ]);

    let export = cb.work().join("plaso-export.jsonl");
    std::fs::write(&export, PLASO_EXPORT).expect("write the JSONL fixture");
    cb.ok(&["timeline", "import", &key, "plaso-export.jsonl"]);

    let listed = cb.json(&["timeline", "list", &key]);
    let entries = array(&listed);
    let seen: Vec<(&str, &str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["event_time"].as_str().unwrap_or_default(),
                e["kind"].as_str().unwrap_or_default(),
                e["time_zone"].as_str().unwrap_or("none"),
                e["summary"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "2026-11-20T09:58:12.123456Z",
                "finding",
                "+01:00",
                "User opened invoice.html from a phishing mail"
            ),
            (
                "2026-11-20T09:59:30.000001Z",
                "finding",
                "+00:00",
                "Credential form posted to login-micros0ft.example"
            ),
            (
                "2026-11-20T10:04:00Z",
                "containment",
                "none",
                "Blocked sender domain at the mail gateway"
            ),
            (
                "2026-11-20T10:15:00.654321Z",
                "finding",
                "-05:00",
                "Mailbox rule created: forward to external address"
            ),
        ],
        "the list must hold the hand-made entry and every imported row, in UTC event-time order, microseconds and \
         the source's zone kept, imported rows as findings"
    );
    let posted = &entries[1];
    assert_eq!(
        (
            &posted["attributes"]["http_status"],
            &posted["attributes"]["timestamp_desc"],
            &posted["source_host"]
        ),
        (
            &serde_json::json!(200),
            &serde_json::json!("Event Recorded"),
            &serde_json::json!("FIN-WS-07")
        ),
        "extra JSONL fields stay attributes with their JSON types, and computer_name becomes the source host"
    );

    let mail = b"From: payroll@login-micros0ft.example\r\nSubject: Invoice overdue\r\n\r\nOpen the attachment.\r\n";
    std::fs::write(cb.work().join("mail.eml"), mail).expect("write the mail");
    let added = cb.ok(&[
        "evidence",
        "add",
        &key,
        "./mail.eml",
        "--source-host",
        "MX-01",
    ]);
    let expected = sha256_hex(mail);
    let printed = added
        .lines()
        .find_map(|l| l.strip_prefix("sha256 "))
        .map(str::trim);
    assert_eq!(
        printed,
        Some(expected.as_str()),
        "`evidence add` must print the file's SHA-256 as computed independently: {added}"
    );
    let evidence = cb.json(&["evidence", "list", &key]);
    let item = &array(&evidence)[0];
    assert_eq!(
        (
            item["sha256"].as_str(),
            item["size"].as_u64(),
            item["source_host"].as_str()
        ),
        (
            Some(expected.as_str()),
            Some(mail.len() as u64),
            Some("MX-01")
        ),
        "the evidence register must record the independent SHA-256, the size and the source host"
    );

    let escalated = cb.ok(&[
        "escalate",
        &key,
        "--to-tier",
        "2",
        "--reason",
        "Credential theft confirmed",
    ]);
    assert!(
        escalated.contains(&key) && escalated.contains("tier-2"),
        "escalate must say which incident went to which queue: {escalated}"
    );
    let escalations = cb.json(&["escalation", "list", &key]);
    assert_eq!(
        array(&escalations).len(),
        1,
        "the escalation must be recorded: {escalations}"
    );

    let hits = cb.json(&["search", "mail gateway"]);
    assert_eq!(
        (&hits["limit"], &hits["more"]),
        (&serde_json::json!(20), &serde_json::json!(false)),
        "the JSON says how many hits were asked for and that none was left out: {hits}"
    );
    let found = array(&hits["hits"]).iter().any(|h| {
        h["incident_key"] == key.as_str()
            && h["kind"] == "entry"
            && h["snippet"].as_str().is_some_and(|s| s.contains("mail"))
    });
    assert!(
        found,
        "searching `mail gateway` must find the containment entry: {hits}"
    );
    // `mail` is in two entries and starts `Mailbox`: a limit of two leaves one out, and both outputs say so.
    let partial = cb.json(&["search", "mail", "--limit", "2"]);
    assert_eq!(
        (array(&partial["hits"]).len(), &partial["more"]),
        (2, &serde_json::json!(true)),
        "a search cut at its limit must say in the JSON that more match: {partial}"
    );
    let table = cb.ok(&["search", "mail", "--limit", "2"]);
    assert!(
        table.contains("(the first 2 hits; more match: use --limit for more)"),
        "the table must say it shows part of the hits: {table}"
    );

    let other = DataDir::new();
    let empty = other.ok(&["incident", "list", "--json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&empty).ok(),
        Some(serde_json::json!([])),
        "--data-dir before the subcommand must point at the other, empty directory: {empty}"
    );
}

/// `timeline list --json` on a timeline longer than a table's page gives every entry (a script never gets part of a
/// case without knowing it), `--limit` gives what it asks for, and the table says it shows only part.
#[test]
fn a_json_list_gives_every_entry_unless_a_limit_is_asked_for() {
    let cb = DataDir::new();
    cb.ok(&[
        "init",
        "--name",
        "Ana Silva",
        "--role",
        "responder",
        "--tier",
        "1",
    ]);
    let key = cb.ok(&["incident", "new", "Long case"]).trim().to_string();
    let lines: String = (0..2002)
        .map(|i| {
            format!(
                "{{\"message\": \"row {i}\", \"datetime\": \"2026-11-20T10:{:02}:{:02}Z\", \"timestamp_desc\": \"Event\"}}\n",
                i / 60 % 60,
                i % 60
            )
        })
        .collect();
    std::fs::write(cb.work().join("long.jsonl"), lines).expect("write the JSONL");
    cb.ok(&["timeline", "import", &key, "long.jsonl"]);

    let all = cb.json(&["timeline", "list", &key]);
    let all = array(&all);
    assert_eq!(all.len(), 2002, "--json gives every entry");
    let mut ids: Vec<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2002, "no entry twice across pages");

    assert_eq!(
        array(&cb.json(&["timeline", "list", &key, "--limit", "5"])).len(),
        5
    );
    let table = cb.ok(&["timeline", "list", &key]);
    assert!(
        table.contains("(1000 of 2002 entries"),
        "the table says it shows part: {table}"
    );
}
