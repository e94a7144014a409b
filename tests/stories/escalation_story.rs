//! A team shares one laptop (`--as`): tier 1 opens and escalates, tier 2 takes the case, a lead moves it, an auditor
//! can only look, and the state machine refuses what makes no sense.

use serde_json::Value;

use crate::cli::{array, DataDir};

const ANA: &str = "Ana Silva";
const BEN: &str = "Ben Okafor";
const CHEN: &str = "Chen Wu";
const LENA: &str = "Lena Park";
const OMAR: &str = "Omar Haddad";

/// An admin's data directory with a tier-1 and two tier-2 responders, a lead and an auditor registered.
fn team() -> DataDir {
    let cb = DataDir::new();
    cb.ok(&["init", "--name", "Iris Admin", "--role", "admin"]);
    for (name, role, tier) in [
        (ANA, "responder", Some("1")),
        (BEN, "responder", Some("2")),
        (CHEN, "responder", Some("2")),
        (LENA, "lead", None),
        (OMAR, "auditor", None),
    ] {
        let mut args = vec!["user", "add", name, "--role", role];
        if let Some(tier) = tier {
            args.extend(["--tier", tier]);
        }
        cb.ok(&args);
    }
    cb
}

/// Runs a command as `who`.
fn as_user(cb: &DataDir, who: &str, args: &[&str]) -> String {
    let mut all = vec!["--as", who];
    all.extend_from_slice(args);
    cb.ok(&all)
}

fn new_incident(cb: &DataDir, who: &str, title: &str) -> String {
    as_user(cb, who, &["incident", "new", title, "--severity", "sev2"])
        .trim()
        .to_string()
}

fn show(cb: &DataDir, key: &str) -> Value {
    cb.json(&["incident", "show", key])
}

#[test]
fn tier1_escalates_tier2_accepts_and_a_lead_reassigns() {
    let cb = team();
    let key = new_incident(&cb, ANA, "Phishing wave in finance");
    assert_eq!(
        show(&cb, &key)["tier"],
        1,
        "a tier-1 responder's incident starts in the tier-1 queue"
    );

    as_user(
        &cb,
        ANA,
        &[
            "escalate",
            &key,
            "--to-tier",
            "2",
            "--reason",
            "Credential theft confirmed",
            "--handoff",
            "Two mailboxes forwarded externally",
        ],
    );
    let state = |cb: &DataDir| -> Value {
        let list = cb.json(&["escalation", "list", &key]);
        array(&list)[0]["state"].clone()
    };
    assert_eq!(
        state(&cb),
        "requested",
        "a new escalation waits in the tier-2 queue"
    );
    assert_eq!(
        show(&cb, &key)["tier"],
        1,
        "requesting an escalation does not move the incident yet"
    );

    as_user(&cb, BEN, &["escalation", "ack", &key]);
    assert_eq!(
        state(&cb),
        "acknowledged",
        "tier 2 acknowledging must be recorded"
    );
    as_user(&cb, BEN, &["escalation", "accept", &key]);
    assert_eq!(state(&cb), "accepted");
    let accepted = show(&cb, &key);
    assert_eq!(
        (&accepted["tier"], &accepted["assignee_name"]),
        (&serde_json::json!(2), &serde_json::json!(BEN)),
        "accepting moves the incident to the accepting analyst's tier and to them"
    );

    let timeline = cb.json(&["timeline", "list", &key, "--kind", "system"]);
    assert!(
        array(&timeline).len() >= 3,
        "every escalation change (request, acknowledge, accept) must appear on the timeline as a system entry: \
         {timeline}"
    );

    let refused = cb.fails(&[
        "--as", BEN, "incident", "assign", &key, "--tier", "2", "--to", CHEN,
    ]);
    assert!(
        refused.stderr.contains("may not assign"),
        "only a lead reassigns; a tier-2 responder is told so: {}",
        refused.stderr
    );

    as_user(
        &cb,
        LENA,
        &[
            "incident",
            "assign",
            &key,
            "--tier",
            "2",
            "--to",
            CHEN,
            "--note",
            "Ben is on leave",
        ],
    );
    assert_eq!(
        show(&cb, &key)["assignee_name"],
        CHEN,
        "a lead may reassign to another analyst"
    );
}

#[test]
fn an_auditor_is_refused_every_write_and_nothing_changes() {
    let cb = team();
    let key = new_incident(&cb, ANA, "Suspicious VPN logins");
    as_user(
        &cb,
        ANA,
        &[
            "timeline",
            "add",
            &key,
            "Impossible travel alert",
            "--at",
            "2026-11-20T08:00:00Z",
        ],
    );
    std::fs::write(cb.work().join("vpn.log"), "user=jdoe src=203.0.113.9\n").expect("write log");
    as_user(&cb, ANA, &["evidence", "add", &key, "vpn.log"]);
    as_user(&cb, ANA, &["task", "add", &key, "Reset jdoe's password"]);
    as_user(
        &cb,
        ANA,
        &["comment", "add", &key, "Looks like a token replay"],
    );
    as_user(&cb, ANA, &["observable", "add", &key, "203.0.113.9"]);
    as_user(
        &cb,
        ANA,
        &[
            "escalate",
            &key,
            "--to-tier",
            "2",
            "--reason",
            "Token theft",
        ],
    );
    let entry_list = cb.json(&["timeline", "list", &key]);
    let entry = array(&entry_list)[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    std::fs::write(
        cb.work().join("more.csv"),
        "message,datetime,timestamp_desc\nx,2026-11-20T08:00:00Z,Event\n",
    )
    .expect("write csv");

    let snapshot = |cb: &DataDir| -> Vec<Value> {
        let mut views: Vec<Value> = [
            vec!["incident", "show", key.as_str()],
            vec!["incident", "list", "--all"],
            vec!["timeline", "list", key.as_str()],
            vec!["evidence", "list", key.as_str()],
            vec!["task", "list", key.as_str()],
            vec!["comment", "list", key.as_str()],
            vec!["observable", "list", key.as_str()],
            vec!["escalation", "list", key.as_str()],
            vec!["user", "list"],
        ]
        .iter()
        .map(|args| cb.json(args))
        .collect();
        let events: i64 = cb
            .sql()
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap_or(-1);
        views.push(events.into());
        views
    };
    let before = snapshot(&cb);

    let writes: Vec<Vec<&str>> = vec![
        vec!["incident", "new", "Auditor's own case"],
        vec!["incident", "set", &key, "--severity", "sev1"],
        vec![
            "incident", "text", &key, "--field", "summary", "--text", "edited",
        ],
        vec!["incident", "tag", &key, "audited"],
        vec!["incident", "untag", &key, "vpn"],
        vec!["incident", "assign", &key, "--tier", "2", "--to", BEN],
        vec!["incident", "take", &key],
        vec!["incident", "close", &key, "--resolution", "benign"],
        vec!["timeline", "add", &key, "Auditor note"],
        vec!["timeline", "import", &key, "more.csv"],
        vec!["timeline", "correct", &key, &entry, "Corrected"],
        vec!["timeline", "star", &key, &entry],
        vec!["evidence", "add", &key, "vpn.log"],
        vec![
            "evidence",
            "custody",
            &key,
            "vpn.log",
            "--action",
            "transferred",
        ],
        vec!["observable", "add", &key, "evil.example"],
        vec!["task", "add", &key, "Audit task"],
        vec!["task", "done", &key, "Reset jdoe's password"],
        vec!["comment", "add", &key, "Auditor comment"],
        vec!["escalate", &key, "--to-tier", "3", "--reason", "r"],
        vec!["escalation", "ack", &key],
        vec!["escalation", "accept", &key],
        vec!["escalation", "decline", &key, "--reason", "no"],
        vec!["escalation", "assign", &key, "--to-tier", "3"],
        vec![
            "escalation",
            "targets",
            "--severity",
            "sev1",
            "--ack",
            "5",
            "--accept",
            "10",
        ],
        vec!["user", "add", "Mallory", "--role", "lead"],
    ];
    for write in &writes {
        let mut args = vec!["--as", OMAR];
        args.extend_from_slice(write);
        let run = cb.fails(&args);
        assert!(
            run.stderr.contains("an auditor may not") && run.stderr.lines().count() == 1,
            "`{}` must be refused in one plain line that says an auditor may not do it: {}",
            run.args,
            run.stderr
        );
        assert!(
            run.stdout.is_empty(),
            "a refused `{}` must print no result: {}",
            run.args,
            run.stdout
        );
    }

    assert_eq!(
        snapshot(&cb),
        before,
        "after every refused write, every view and the event count must be exactly as before"
    );
}

#[test]
fn accepting_a_declined_escalation_is_refused() {
    let cb = team();
    let key = new_incident(&cb, ANA, "Odd outbound DNS");
    as_user(
        &cb,
        ANA,
        &[
            "escalate",
            &key,
            "--to-tier",
            "2",
            "--reason",
            "Possible tunnel",
        ],
    );
    as_user(
        &cb,
        BEN,
        &[
            "escalation",
            "decline",
            &key,
            "--reason",
            "Known backup job",
        ],
    );
    let run = cb.fails(&["--as", BEN, "escalation", "accept", &key]);
    assert!(
        run.stderr.contains("declined"),
        "the refusal must say the escalation was declined: {}",
        run.stderr
    );
    let shown = show(&cb, &key);
    assert_eq!(
        (&shown["tier"], &shown["assignee_name"]),
        (&serde_json::json!(1), &Value::Null),
        "a declined escalation keeps the incident with tier 1, unassigned to tier 2"
    );
    let list = cb.json(&["escalation", "list", &key]);
    assert_eq!(
        array(&list)[0]["state"],
        "declined",
        "the failed accept must not change the escalation"
    );
}

#[test]
fn closing_needs_a_resolution_and_tier1_may_close_only_as_false_positive_or_benign() {
    let cb = team();
    let key = new_incident(&cb, ANA, "Macro document opened");

    let run = cb.fails(&["--as", LENA, "incident", "set", &key, "--status", "closed"]);
    assert!(
        run.stderr.contains("resolution") && run.stderr.contains("incident close"),
        "closing through `set` must say a resolution is needed and how to give one: {}",
        run.stderr
    );

    let run = cb.fails(&[
        "--as",
        ANA,
        "incident",
        "close",
        &key,
        "--resolution",
        "true-positive",
    ]);
    assert!(
        run.stderr.contains("tier-1") && run.stderr.contains("false positive"),
        "tier 1 closing as true positive must be refused with the rule: {}",
        run.stderr
    );
    assert_eq!(
        show(&cb, &key)["status"],
        "new",
        "refused closings leave the incident open"
    );

    as_user(
        &cb,
        ANA,
        &["incident", "close", &key, "--resolution", "false-positive"],
    );
    let closed = show(&cb, &key);
    assert_eq!(
        (&closed["status"], &closed["resolution"]),
        (
            &serde_json::json!("closed"),
            &serde_json::json!("false-positive")
        ),
        "the same tier-1 responder may close as false positive, so the refusal above was about the resolution"
    );
}
