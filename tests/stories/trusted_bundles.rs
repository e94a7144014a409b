//! Two responders hand a case back and forth through the real binary: a bundle from a device nobody trusted imports
//! for reading but cannot change a case already held; the fingerprint compared out of band lets it in; and an import
//! whose every new event is refused exits non-zero, with the refusals listed by `casebook log refused`.

use crate::cli::DataDir;

#[test]
fn an_untrusted_colleague_reads_but_changes_nothing_until_their_device_is_trusted() {
    let (ana, key) = DataDir::with_incident("Phishing wave in finance");
    let ben = DataDir::new();
    ben.ok(&[
        "init",
        "--name",
        "Ben Okafor",
        "--role",
        "responder",
        "--tier",
        "1",
    ]);

    // Ana's case reaches Ben, who has not trusted her device: he gets it for reading.
    let to_ben = ana.work().join("to-ben.bundle");
    ana.ok(&["export", &key, "-o", to_ben.to_str().unwrap()]);
    let first = ben.json(&["import", to_ben.to_str().unwrap()]);
    assert_eq!(first["refused"], 0, "a case new to Ben imports: {first}");
    assert_eq!(
        first["unverified_devices"].as_array().map(Vec::len),
        Some(1),
        "Ana's device is named as unverified, with its fingerprint: {first}"
    );

    // Ben adds to the case and sends it back; Ana has not trusted Ben's device.
    ben.ok(&[
        "timeline",
        "add",
        &key,
        "Mail gateway blocked the sender",
        "--kind",
        "containment",
    ]);
    let to_ana = ben.work().join("to-ana.bundle");
    ben.ok(&["export", &key, "-o", to_ana.to_str().unwrap()]);
    let refused = ana.fails(&["import", to_ana.to_str().unwrap()]);
    assert_eq!(
        refused.code,
        Some(1),
        "an import whose every new event was refused exits non-zero: {}",
        refused.all_output()
    );
    let listed = ana.json(&["log", "refused"]);
    let codes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(
        !codes.is_empty() && codes.iter().all(|c| *c == "unverified_author"),
        "the refusals are kept aside with their reason: {listed}"
    );
    let entries = ana.json(&["timeline", "list", &key]);
    assert!(
        !entries
            .to_string()
            .contains("Mail gateway blocked the sender"),
        "nothing of Ben's reached Ana's case"
    );

    // Ben reads his fingerprint to Ana; she imports again trusting it.
    let ben_fp = ben.json(&["whoami"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let second = ana.json(&[
        "import",
        to_ana.to_str().unwrap(),
        "--trust-device",
        &ben_fp,
    ]);
    assert!(second["admitted"].as_u64().unwrap() > 0, "{second}");
    assert_eq!(second["refused"], 0, "{second}");
    let entries = ana.json(&["timeline", "list", &key]);
    assert!(
        entries
            .to_string()
            .contains("Mail gateway blocked the sender"),
        "with Ben's device trusted, his entry is in Ana's case"
    );
    assert_eq!(
        ana.json(&["log", "refused"]).as_array().map(Vec::len),
        Some(0),
        "the earlier refusals were admitted after all and are no longer listed"
    );
    let verify = ana.json(&["log", "verify"]);
    assert!(
        verify["chains"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["broken"].as_array().unwrap().is_empty()),
        "every chain and signature checks out: {verify}"
    );

    // A typo in a fingerprint is an error, not a silent no-op.
    let typo = ana.fails(&[
        "import",
        to_ana.to_str().unwrap(),
        "--trust-device",
        "0000:0000:0000:0000:0000:0000:0000:0000",
    ]);
    assert!(
        typo.all_output().contains("no device in this bundle"),
        "{}",
        typo.all_output()
    );
}
