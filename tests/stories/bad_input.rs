//! Wrong keys, missing and tampered files, a database from the future, wrong usage and an edited event log: each is
//! refused with the right exit code and a message that says what to do, and nothing is damaged.

use crate::cli::{array, sha256_hex, DataDir};

fn case() -> (DataDir, String) {
    DataDir::with_incident("Phishing wave in finance")
}

#[test]
fn an_unknown_incident_key_says_how_to_list_incidents() {
    let (cb, _) = case();
    for args in [
        vec!["incident", "show", "INC-ZZZZZZ"],
        vec!["timeline", "list", "INC-ZZZZZZ"],
        vec!["timeline", "add", "INC-ZZZZZZ", "Something"],
    ] {
        let run = cb.fails(&args);
        assert!(
            run.stderr.contains("INC-ZZZZZZ") && run.stderr.contains("casebook incident list"),
            "`{}` must name the unknown key and point at `casebook incident list`: {}",
            run.args,
            run.stderr
        );
    }
    // A script gets the next step as data, and the message itself names no command.
    let run = cb.run(&["--json", "incident", "show", "INC-ZZZZZZ"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let error: serde_json::Value =
        serde_json::from_str(run.stderr.trim()).expect("--json errors are one JSON object");
    assert_eq!(error["code"], "not_found", "{error}");
    assert_eq!(error["hint"]["kind"], "list_incidents", "{error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("INC-ZZZZZZ") && !message.contains("casebook "),
        "the message speaks of the product; the CLI's words are in the hint: {message}"
    );
}

#[test]
fn a_missing_evidence_file_adds_nothing() {
    let (cb, key) = case();
    let run = cb.fails(&[
        "evidence",
        "add",
        &key,
        "./not-here.eml",
        "--source-host",
        "MX-01",
    ]);
    assert!(
        run.stderr.contains("not-here.eml") && run.stderr.contains("nothing was added"),
        "the message must name the missing file and say nothing was added: {}",
        run.stderr
    );
    assert!(
        array(&cb.json(&["evidence", "list", &key])).is_empty(),
        "no evidence may be recorded for a file that is not there"
    );
}

#[test]
fn evidence_changed_in_the_store_fails_verification_naming_the_file() {
    let (cb, key) = case();
    let mail = b"Subject: Invoice\r\n\r\nPlease pay.\r\n";
    std::fs::write(cb.work().join("mail.eml"), mail).expect("write mail");
    cb.ok(&[
        "evidence",
        "add",
        &key,
        "./mail.eml",
        "--source-host",
        "MX-01",
    ]);
    let sha = sha256_hex(mail);
    cb.ok(&["evidence", "verify"]);

    let blob = cb.path().join("blobs/sha256").join(&sha[..2]).join(&sha);
    assert!(
        blob.is_file(),
        "evidence is stored by SHA-256 at {}",
        blob.display()
    );
    std::fs::write(
        &blob,
        b"Subject: Invoice\r\n\r\nPlease pay to a new account.\r\n",
    )
    .expect("tamper with the stored copy");

    let run = cb.fails(&["evidence", "verify"]);
    assert!(
        run.all_output().contains("mail.eml") && run.all_output().contains(&sha),
        "verification must name the changed file and its recorded hash: {}",
        run.all_output()
    );
    let run = cb.fails(&["evidence", "verify", &key]);
    assert!(
        run.all_output().contains("mail.eml"),
        "verifying one incident must also catch it: {}",
        run.all_output()
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
    let (cb, _) = case();
    {
        let conn = cb.sql();
        conn.pragma_update(None, "user_version", 9_999)
            .expect("set user_version");
    }
    let before = std::fs::read(cb.database()).expect("read db");

    let run = cb.fails(&["incident", "list"]);
    assert!(
        run.stderr.contains("newer Casebook"),
        "the message must say the data comes from a newer Casebook: {}",
        run.stderr
    );
    let after = std::fs::read(cb.database()).expect("read db");
    assert!(
        before == after,
        "a refused database file must not change by a single byte"
    );
    let version: i64 = cb
        .sql()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap_or(-1);
    assert_eq!(version, 9_999, "the newer version mark must stay");
}

#[test]
fn wrong_usage_exits_with_code_2() {
    let (cb, key) = case();
    for args in [
        vec!["incident", "new"],
        vec!["incident", "new", "Title", "--severity", "sev9"],
        vec!["timeline", "add", &key, "Note", "--at", "yesterday"],
        vec!["no-such-command"],
    ] {
        let run = cb.run(&args);
        assert_eq!(
            run.code,
            Some(2),
            "`casebook {}` is wrong usage and must exit with 2 (scripts tell it from failures): {}",
            run.args,
            run.stderr
        );
        assert!(!run.stderr.is_empty(), "wrong usage must say what is wrong");
    }
}

#[test]
fn log_verify_detects_an_event_edited_in_the_database() {
    let (cb, key) = case();
    cb.ok(&[
        "timeline",
        "add",
        &key,
        "Blocked sender domain at the mail gateway",
        "--at",
        "2026-11-20T10:04:00Z",
    ]);
    cb.ok(&["log", "verify"]);

    let changed = cb
        .sql()
        .execute(
            "UPDATE events SET payload = replace(payload, 'mail gateway', 'web proxy') \
             WHERE kind = 'entry_added'",
            [],
        )
        .expect("edit the event");
    assert_eq!(changed, 1, "the test must really edit one event");

    let run = cb.run(&["log", "verify"]);
    assert_eq!(
        run.code,
        Some(1),
        "an edited event must fail the log check: {}",
        run.all_output()
    );
    assert!(
        run.all_output().contains("does not match its hash"),
        "the report must say which check failed: {}",
        run.all_output()
    );
}

#[test]
fn a_reader_that_stops_early_does_not_crash_the_command() {
    let (cb, key) = case();
    for i in 0..3 {
        let at = format!("2026-11-20T10:0{i}:00Z");
        cb.ok(&[
            "timeline",
            "add",
            &key,
            "Beacon to 198.51.100.7",
            "--at",
            &at,
        ]);
    }
    // Like `casebook timeline list KEY --json | head -1` when head has already exited: the read end of the pipe is
    // closed before the command writes anything.
    let (reader, writer) = std::io::pipe().expect("create a pipe");
    drop(reader);
    let output = cb
        .command(&["timeline", "list", &key, "--json"])
        .stdout(writer)
        .output()
        .expect("run casebook");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() == Some(0) && !stderr.contains("panicked"),
        "a closed output pipe means the reader has what it wanted; it must not be reported as a crash \
         (exit {:?}): {stderr}",
        output.status.code()
    );
}
