//! A responder hands indicators to the threat-intelligence team and takes a feed back, through the real binary:
//! defanged listing, STIX export, import into another incident, and a broken feed refused with its place named.

use crate::cli::{array, DataDir};

#[test]
fn indicators_go_out_as_stix_come_back_the_same_and_a_broken_feed_changes_nothing() {
    let (cb, key) = DataDir::with_incident("Phishing wave in finance");
    cb.ok(&[
        "observable",
        "add",
        &key,
        "hxxps://evil[.]example/login",
        "--ioc",
    ]);
    cb.ok(&["observable", "add", &key, "203.0.113.7"]);
    let listed = cb.ok(&["observable", "list", &key, "--defang"]);
    assert!(
        listed.contains("hxxps://evil[.]example/login") && listed.contains("203[.]0[.]113[.]7"),
        "--defang shows values that cannot be followed by accident: {listed}"
    );

    let summary = cb.json(&[
        "observable",
        "export",
        &key,
        "--format",
        "stix",
        "-o",
        "out.stix.json",
    ]);
    assert_eq!(summary["observables"], 2, "{summary}");
    let bundle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cb.work().join("out.stix.json")).unwrap()).unwrap();
    assert_eq!(bundle["type"], "bundle", "the file is a STIX bundle");

    let other = cb
        .ok(&["incident", "new", "Same actor, new wave"])
        .trim()
        .to_string();
    let imported = cb.json(&["observable", "import", &other, "out.stix.json"]);
    assert_eq!(imported["added"], 2, "{imported}");
    let values = |k: &str| {
        let mut v: Vec<(String, bool)> = array(&cb.json(&["observable", "list", k]))
            .iter()
            .map(|o| {
                (
                    o["value"].as_str().unwrap().to_string(),
                    o["ioc"].as_bool().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(values(&other), values(&key), "the feed round-trips");

    std::fs::write(
        cb.work().join("feed.csv"),
        "type,value\nipv4,198.51.100.1\nipv4,999.1.1.1\n",
    )
    .unwrap();
    let run = cb.fails(&["observable", "import", &other, "feed.csv"]);
    assert!(
        run.stderr.contains("row 2, column `value`") && run.stderr.contains("nothing was imported"),
        "the bad row and column are named: {}",
        run.stderr
    );
    assert_eq!(
        values(&other).len(),
        2,
        "the good first row was not kept either"
    );
}
