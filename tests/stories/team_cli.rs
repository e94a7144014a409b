//! Joining a team from the command line as the README tells it, with the certificate checked by its fingerprint:
//! `casebook login --pin` with what `casebook-server init` printed, a script without a terminal told the
//! fingerprint instead of being asked, evidence fetched on a second laptop, and `casebook logout --forget`.

use std::io::Write;
use std::process::Stdio;

use crate::cli::{array, DataDir, Run};
use crate::team_server::{free_port, kill, ServerDir, PASSWORD};

/// `casebook login` with the password on standard input, as scripts run it.
fn login(laptop: &DataDir, args: &[&str]) -> Run {
    let mut child = laptop
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        args: args.join(" "),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_laptop_pins_the_printed_fingerprint_fetches_evidence_and_forgets_the_team() {
    let server = ServerDir::new(None);
    let init: serde_json::Value = serde_json::from_str(&server.with_password(&[
        "--json",
        "init",
        "--team",
        "Acme SOC",
        "--admin",
        "admin@acme.example",
        "--password-stdin",
    ]))
    .unwrap();
    let printed = init["fingerprint"].as_str().unwrap().to_string();
    for (email, name, role, tier) in [
        ("ana@acme.example", "Ana Silva", "responder", Some("1")),
        ("lena@acme.example", "Lena Park", "lead", None),
    ] {
        let mut args = vec!["user", "add", email, "--name", name, "--role", role];
        if let Some(t) = tier {
            args.extend(["--tier", t]);
        }
        args.push("--password-stdin");
        server.with_password(&args);
    }
    let port = free_port();
    let mut serving = server.serve(port);
    let url = format!("https://127.0.0.1:{port}");
    let ana = DataDir::new();

    // A script (no terminal) that names no certificate is told the fingerprint and the flag, and joins nothing.
    let untold = login(
        &ana,
        &[
            "login",
            &url,
            "--user",
            "ana@acme.example",
            "--password-stdin",
        ],
    );
    assert_eq!(untold.code, Some(1), "{}", untold.stderr);
    assert!(
        untold.stderr.contains(&printed) && untold.stderr.contains("--pin"),
        "the refusal gives the fingerprint and the way to pin it: {}",
        untold.stderr
    );
    let as_json = login(
        &ana,
        &[
            "login",
            &url,
            "--user",
            "ana@acme.example",
            "--password-stdin",
            "--json",
        ],
    );
    let error: serde_json::Value = serde_json::from_str(as_json.stderr.trim()).unwrap();
    assert_eq!(error["code"], "invalid_input", "{error}");
    assert!(error["message"].as_str().unwrap().contains(&printed));

    // A wrong pin is refused, naming both fingerprints.
    let wrong = "00:".repeat(31) + "00";
    let refused = login(
        &ana,
        &[
            "login",
            &url,
            "--user",
            "ana@acme.example",
            "--password-stdin",
            "--pin",
            &wrong,
        ],
    );
    assert_eq!(refused.code, Some(1));
    assert!(
        refused.stderr.contains(&printed) && refused.stderr.contains(&wrong),
        "{}",
        refused.stderr
    );
    assert!(
        ana.json(&["sync", "status"])["server"].is_null(),
        "a refused sign-in joins nothing"
    );

    // The printed one, pasted in lower case.
    let pin = printed.to_lowercase();
    let joined = login(
        &ana,
        &[
            "login",
            &url,
            "--user",
            "ana@acme.example",
            "--password-stdin",
            "--pin",
            &pin,
        ],
    );
    assert_eq!(joined.code, Some(0), "{}", joined.stderr);
    assert!(
        joined.stdout.contains("Signed in to team \"Acme SOC\""),
        "{}",
        joined.stdout
    );
    assert_eq!(
        ana.json(&["sync", "status"])["fingerprint"],
        printed.as_str()
    );

    let key = ana
        .ok(&["incident", "new", "Suspicious macro"])
        .trim()
        .to_string();
    std::fs::write(ana.work().join("invoice.docm"), b"macro payload bytes").unwrap();
    ana.ok(&[
        "evidence",
        "add",
        &key,
        "invoice.docm",
        "--source-host",
        "ws-7",
    ]);
    ana.ok(&["sync"]);

    // A second laptop lists the evidence at once and fetches its file.
    let lena = DataDir::new();
    let joined = login(
        &lena,
        &[
            "login",
            &url,
            "--user",
            "lena@acme.example",
            "--password-stdin",
            "--pin",
            &printed,
        ],
    );
    assert_eq!(joined.code, Some(0), "{}", joined.stderr);
    let listed = lena.json(&["evidence", "list", &key]);
    assert_eq!(array(&listed)[0]["stored_here"], false, "{listed}");
    assert!(lena
        .ok(&["evidence", "list", &key])
        .contains("no (evidence fetch)"));
    let fetched = lena.json(&["evidence", "fetch", &key, "invoice.docm"]);
    assert_eq!(fetched["stored_here"], true, "{fetched}");
    assert_eq!(
        lena.json(&["evidence", "fetch", &key])["fetched"],
        0,
        "nothing left to fetch"
    );
    lena.ok(&[
        "evidence",
        "extract",
        &key,
        "invoice.docm",
        "-o",
        "copy.docm",
    ]);
    assert_eq!(
        std::fs::read(lena.work().join("copy.docm")).unwrap(),
        b"macro payload bytes"
    );

    // Ana leaves the team on this laptop, with one change that never went up.
    ana.ok(&["incident", "tag", &key, "macro"]);
    let forgot = ana.json(&["logout", "--forget"]);
    assert_eq!(forgot["unsynced"], 1, "{forgot}");
    assert_eq!(forgot["told_server"], true, "{forgot}");
    assert!(ana.json(&["sync", "status"])["server"].is_null());
    let shown = ana.json(&["incident", "show", &key]);
    assert_eq!(shown["tags"][0], "macro", "local work stays: {shown}");
    ana.fails(&["sync"]);
    kill(&mut serving);
}
