//! STIX 2.1: the bundle's shape, stable ids, reading back, and bad bundles.

use casebook_core::model::{ObservableKind, Tlp};
use casebook_interchange::{read, write, Format, Location, ReadError};
use serde_json::Value;

use crate::{facts, sample};

fn bundle() -> Value {
    let mut out = Vec::new();
    write(&[sample()], Format::Stix, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

fn of_type<'a>(b: &'a Value, t: &str) -> Vec<&'a Value> {
    b["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == t)
        .collect()
}

#[test]
fn iocs_become_indicators_and_the_rest_observables_under_one_report() {
    let b = bundle();
    assert_eq!(b["type"], "bundle");
    let indicators = of_type(&b, "indicator");
    assert_eq!(
        indicators.len(),
        11,
        "every IOC but the one of type `other` (which STIX cannot express) is an indicator"
    );
    let patterns: Vec<&str> = indicators
        .iter()
        .map(|i| i["pattern"].as_str().unwrap())
        .collect();
    for expected in [
        "[ipv4-addr:value = '203.0.113.7']",
        "[ipv6-addr:value = '2001:db8::1']",
        "[domain-name:value = 'evil.example']",
        r"[url:value = 'https://evil.example/login?next=\'home\'']",
        "[email-addr:value = 'billing@evil.example']",
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
        "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
        "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
        r"[file:name = 'C:\\Users\\o\'brien\\invoice.pdf.exe']",
        r"[user-account:account_login = 'CORP\\svc-backup']",
        r"[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Run']",
    ] {
        assert!(
            patterns.contains(&expected),
            "missing pattern {expected} in {patterns:#?}"
        );
    }
    let first = indicators[0];
    assert_eq!(
        first["created"], "2026-11-20T10:00:00.123Z",
        "created comes from the log, to the millisecond"
    );
    assert_eq!(
        first["valid_from"], "2026-11-19T08:00:00.000Z",
        "valid from the first sighting"
    );
    assert_eq!(first["description"], "seen in the ipv4 logs");
    for (t, n) in [
        ("ipv4-addr", 1),
        ("ipv6-addr", 1),
        ("domain-name", 1),
        ("url", 1),
        ("email-addr", 1),
        ("file", 4),
        ("user-account", 1),
        ("windows-registry-key", 1),
    ] {
        assert_eq!(
            of_type(&b, t).len(),
            n,
            "non-IOC observables of STIX type {t} are cyber-observable objects"
        );
    }
    let report = of_type(&b, "report");
    assert_eq!(report.len(), 1);
    let refs = report[0]["object_refs"].as_array().unwrap();
    assert_eq!(
        refs.len(),
        22,
        "the report refers to every indicator and observable"
    );
    let ids: Vec<&Value> = b["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert!(
        refs.iter().all(|r| ids.contains(&r)),
        "every reference resolves inside the bundle"
    );
    assert_eq!(report[0]["name"], "INC-7K3QF2: Phishing wave in finance");
}

#[test]
fn markings_are_the_official_tlp_2_0_objects() {
    let b = bundle();
    let markings = of_type(&b, "marking-definition");
    let ids: Vec<&str> = markings.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
        ],
        "GREEN and AMBER are used, by their OASIS ids"
    );
    let ipv4 = of_type(&b, "ipv4-addr")[0];
    assert_eq!(
        ipv4["object_marking_refs"][0], "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "a non-IOC observable keeps its own marking"
    );
}

#[test]
fn exporting_again_gives_the_same_bytes_so_receivers_update_rather_than_duplicate() {
    let mut a = Vec::new();
    let mut b = Vec::new();
    write(&[sample()], Format::Stix, &mut a).unwrap();
    write(&[sample()], Format::Stix, &mut b).unwrap();
    assert_eq!(a, b, "ids and content are deterministic");
}

#[test]
fn a_bundle_reads_back_as_the_same_observables() {
    let mut out = Vec::new();
    let s = write(&[sample()], Format::Stix, &mut out).unwrap();
    assert_eq!(
        (s.written, s.left_out),
        (22, 2),
        "type `other` is left out, and counted"
    );
    let back = read(&out, Format::Stix).unwrap();
    let mut got: Vec<_> = back
        .observables
        .iter()
        .map(|o| (o.kind.unwrap(), o.value.clone(), o.ioc, o.tlp.unwrap()))
        .collect();
    got.sort();
    let mut want = facts(&sample());
    want.retain(|f| f.0 != ObservableKind::Other);
    assert_eq!(got, want, "type, value, IOC flag and TLP survive the trip");
    assert_eq!(
        back.ignored.get("report"),
        Some(&1),
        "the report is passed over and counted"
    );
    let note = back
        .observables
        .iter()
        .find(|o| o.ioc && o.kind == Some(ObservableKind::Domain))
        .unwrap();
    assert_eq!(
        note.note, "seen in the domain logs",
        "an indicator's description is its note"
    );
}

fn one_object(o: Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"type": "bundle", "id": "bundle--6ba7b810-9dad-11d1-80b4-00c04fd430c8", "objects": [o]})).unwrap()
}

fn indicator(pattern: &str) -> Value {
    serde_json::json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"
    })
}

fn object_error(bytes: &[u8]) -> (String, String) {
    match read(bytes, Format::Stix) {
        Err(ReadError::Object { id, why }) => (id, why),
        other => panic!("expected an object error, got {other:?}"),
    }
}

#[test]
fn bad_indicators_are_refused_by_id_with_the_reason() {
    let (id, why) = object_error(&one_object(indicator("[ipv4-addr:value = '1.2.3.4'")));
    assert_eq!(id, "indicator--6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    assert!(
        why.contains("invalid STIX pattern at character 28"),
        "{why}"
    );
    let (_, why) = object_error(&one_object(indicator("[file:size > 10]")));
    assert!(
        why.contains("only `=` comparisons") && why.contains("file:size > 10"),
        "a comparison Casebook cannot keep is named: {why}"
    );
    let (_, why) = object_error(&one_object(indicator(
        "[mac-addr:value = '00:11:22:33:44:55']",
    )));
    assert!(
        why.contains("no observable type for `mac-addr:value`"),
        "{why}"
    );
    let mut sigma = indicator("title: x");
    sigma["pattern_type"] = "sigma".into();
    let (_, why) = object_error(&one_object(sigma));
    assert!(why.contains("STIX patterns only"), "{why}");
}

#[test]
fn unknown_types_bad_ids_and_oversize_values_are_refused_by_id() {
    let (id, why) = object_error(&one_object(serde_json::json!({
        "type": "banana", "id": "banana--6ba7b810-9dad-11d1-80b4-00c04fd430c8"
    })));
    assert_eq!(id, "banana--6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    assert!(why.contains("unknown type `banana`"), "{why}");
    let (_, why) = object_error(&one_object(
        serde_json::json!({"type": "url", "id": "url--not-a-uuid", "value": "http://x.example"}),
    ));
    assert!(why.contains("followed by a UUID"), "{why}");
    let long = format!("http://x.example/{}", "a".repeat(9000));
    let (_, why) = object_error(&one_object(serde_json::json!({
        "type": "url", "id": "url--6ba7b810-9dad-11d1-80b4-00c04fd430c8", "value": long
    })));
    assert!(why.contains("at most 8192"), "{why}");
}

#[test]
fn junk_and_other_json_are_refused_with_a_position() {
    match read(
        b"{\"type\": \"bundle\", \"objects\": [\n  {\"type\": }\n]}",
        Format::Stix,
    ) {
        Err(ReadError::Json { line, column, .. }) => {
            assert_eq!((line, column), (2, 12), "the position of the broken JSON")
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    let e = read(br#"{"type": "indicator"}"#, Format::Stix).unwrap_err();
    assert!(e.to_string().contains("a bundle's is `bundle`"), "{e}");
    let e = read(br#"{"type": "bundle", "objects": [{"type": "identity", "id": "identity--6ba7b810-9dad-11d1-80b4-00c04fd430c8"}]}"#, Format::Stix).unwrap_err();
    assert!(
        matches!(e, ReadError::Empty),
        "a bundle without observables imports nothing: {e}"
    );
    let e = read(br#"{"Event": {}}"#, Format::detect(br#"{"Event": {}}"#)).unwrap_err();
    assert!(matches!(e, ReadError::MispNotSupported), "{e}");
}

#[test]
fn observables_keep_the_object_and_property_they_came_from() {
    let mut o =
        indicator("[ipv4-addr:value = '203.0.113[.]7'] OR [domain-name:value = 'evil[.]example']");
    o["object_marking_refs"] =
        serde_json::json!(["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]);
    let back = read(&one_object(o), Format::Stix).unwrap();
    assert_eq!(
        back.observables.len(),
        2,
        "each comparison is an observable"
    );
    assert_eq!(
        back.observables[0].value, "203.0.113[.]7",
        "the reader does not normalize: the API does, with the core"
    );
    assert_eq!(back.observables[0].tlp, Some(Tlp::Red));
    assert_eq!(
        back.observables[0].at,
        Location::Object {
            id: "indicator--6ba7b810-9dad-11d1-80b4-00c04fd430c8".into(),
            property: "pattern".into()
        }
    );
}

#[test]
fn bundles_are_read_one_object_at_a_time_in_any_key_order() {
    let objects_first = br#"{"objects": [{"type": "url", "id": "url--6ba7b810-9dad-11d1-80b4-00c04fd430c8", "value": "http://x.example/"}], "id": "bundle--6ba7b810-9dad-11d1-80b4-00c04fd430c8", "type": "bundle"}"#;
    let back = read(objects_first, Format::Stix).unwrap();
    assert_eq!(
        back.observables.len(),
        1,
        "JSON objects have no key order: `objects` before `type` is fine"
    );
    let e = read(b"[1, 2]", Format::Stix).unwrap_err();
    assert!(
        matches!(e, ReadError::Json { line: 1, .. }),
        "a JSON list is not a bundle: {e}"
    );
    let e = read(
        br#"{"type": "bundle", "objects": [{"type": "banana", "id": "banana--6ba7b810-9dad-11d1-80b4-00c04fd430c8"}, {"broken": ]}"#,
        Format::Stix,
    )
    .unwrap_err();
    assert!(
        matches!(e, ReadError::Object { .. }),
        "the first refused object is reported, before later syntax errors: {e}"
    );
}
