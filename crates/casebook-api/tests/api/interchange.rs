//! Observables interchange through the API: a STIX round trip into a fresh incident, imports that are all or
//! nothing with located errors, the size cap checked before reading, de-duplication and who may import.

use std::path::Path;

use casebook_api::incidents::NewIncident;
use casebook_api::interchange::{ExportScope, ObservableFormat, MAX_IMPORT_BYTES};
use casebook_api::records::ObservableInput;
use casebook_api::{Casebook, ErrorCode};
use casebook_core::model::{ObservableKind, Role, Severity, Tier, Tlp};

use crate::{at, open};

/// One value of every type; the IOC flag alternates so both shapes of each format are exercised.
const VALUES: [(ObservableKind, &str); 12] = [
    (ObservableKind::Ipv4, "203.0.113.7"),
    (ObservableKind::Ipv6, "2001:db8::1"),
    (ObservableKind::Domain, "evil.example"),
    (ObservableKind::Url, "https://evil.example/login"),
    (ObservableKind::Email, "billing@evil.example"),
    (ObservableKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
    (
        ObservableKind::Sha1,
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    ),
    (
        ObservableKind::Sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    (ObservableKind::FileName, "invoice.pdf.exe"),
    (ObservableKind::Account, "svc-backup"),
    (
        ObservableKind::RegistryKey,
        r"HKEY_LOCAL_MACHINE\Software\Run",
    ),
    (ObservableKind::Other, "Global\\mutex-xyz"),
];

fn casebook(dir: &Path) -> (Casebook, String) {
    let (mut cb, _clock) = open(dir, "2026-11-20T10:00:00Z");
    cb.init("Ana Silva", Role::Responder, Some(Tier::TWO))
        .unwrap();
    let key = new_incident(&mut cb, "Phishing wave");
    (cb, key)
}

fn new_incident(cb: &mut Casebook, title: &str) -> String {
    cb.new_incident(NewIncident::titled(title, Severity::Sev2, Tlp::Amber))
        .unwrap()
        .row
        .key
}

fn add_all(cb: &mut Casebook, key: &str) {
    for (i, (kind, value)) in VALUES.iter().enumerate() {
        cb.add_observable(
            key,
            ObservableInput {
                value: value.to_string(),
                kind: Some(*kind),
                tlp: Some(if i % 3 == 0 { Tlp::Red } else { Tlp::Green }),
                ioc: i % 2 == 0,
                note: String::new(),
                first_seen: None,
                last_seen: None,
            },
        )
        .unwrap();
    }
}

fn facts(cb: &Casebook, key: &str) -> Vec<(ObservableKind, String, bool, Tlp)> {
    let mut v: Vec<_> = cb
        .observables(key)
        .unwrap()
        .into_iter()
        .map(|o| (o.kind, o.value, o.ioc, o.tlp))
        .collect();
    v.sort();
    v
}

fn dump(cb: &Casebook) -> String {
    format!(
        "{:?}",
        casebook_store::dump::dump(cb.store().conn()).unwrap()
    )
}

#[test]
fn a_stix_export_imported_into_a_fresh_incident_gives_the_same_observables() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, key) = casebook(dir.path());
    add_all(&mut cb, &key);
    let file = dir.path().join("out.stix.json");
    let scope = ExportScope {
        incident: Some(key.clone()),
        since: None,
    };
    let s = cb
        .export_observables(&scope, ObservableFormat::Stix, &file)
        .unwrap();
    assert_eq!(
        (s.observables, s.left_out),
        (11, 1),
        "all but `other` is written"
    );
    let fresh = new_incident(&mut cb, "Fresh");
    let imported = cb
        .import_observables(&fresh, &file, None, &mut |_| {})
        .unwrap();
    assert_eq!(imported.format, ObservableFormat::Stix, "told from content");
    assert_eq!(imported.added, 11);
    let mut want = facts(&cb, &key);
    want.retain(|f| f.0 != ObservableKind::Other);
    assert_eq!(
        facts(&cb, &fresh),
        want,
        "type, normalized value, IOC flag and TLP are the same after the trip"
    );
    let again = cb
        .import_observables(&fresh, &file, None, &mut |_| {})
        .unwrap();
    assert_eq!(
        (again.added, again.duplicates),
        (0, 11),
        "importing the same file twice adds nothing"
    );
}

#[test]
fn csv_keeps_every_type_and_export_all_since_filters_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, key) = casebook(dir.path());
    add_all(&mut cb, &key);
    let file = dir.path().join("all.csv");
    let s = cb
        .export_observables(&ExportScope::default(), ObservableFormat::Csv, &file)
        .unwrap();
    assert_eq!((s.incidents, s.observables), (1, 12));
    let fresh = new_incident(&mut cb, "Fresh");
    cb.import_observables(&fresh, &file, Some(ObservableFormat::Csv), &mut |_| {})
        .unwrap();
    assert_eq!(
        facts(&cb, &fresh),
        facts(&cb, &key),
        "CSV keeps all 12 types"
    );
    let later = ExportScope {
        incident: None,
        since: Some(at("2030-01-01T00:00:00Z")),
    };
    let err = cb
        .export_observables(&later, ObservableFormat::Csv, &file)
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::NotFound,
        "nothing added since then: {err}"
    );
}

#[test]
fn values_are_normalized_and_deduplicated_as_typed_in_ones_are() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, key) = casebook(dir.path());
    cb.add_observable(
        &key,
        ObservableInput {
            value: "evil.example".into(),
            kind: None,
            tlp: None,
            ioc: false,
            note: String::new(),
            first_seen: None,
            last_seen: None,
        },
    )
    .unwrap();
    let file = dir.path().join("in.csv");
    std::fs::write(
        &file,
        "type,value,ioc\n\
         domain,EVIL[.]Example.,true\n\
         ,hxxps://Evil[.]Example/Login,yes\n\
         url,https://evil.example/Login,no\n\
         ,203.0.113[.]7,\n",
    )
    .unwrap();
    let s = cb
        .import_observables(&key, &file, None, &mut |_| {})
        .unwrap();
    assert_eq!(
        (s.added, s.duplicates),
        (2, 2),
        "the defanged domain is the one already there, the URL is stated twice"
    );
    let all = cb.observables(&key).unwrap();
    let url = all.iter().find(|o| o.kind == ObservableKind::Url).unwrap();
    assert_eq!(
        url.value, "https://evil.example/Login",
        "normalized by the core"
    );
    assert!(url.ioc, "stated once as an IOC: it is one");
    assert_eq!(url.defanged, "hxxps://evil[.]example/Login");
    assert_eq!(
        url.tlp,
        Tlp::Amber,
        "no marking in the file: the incident's"
    );
    assert!(all
        .iter()
        .any(|o| o.kind == ObservableKind::Ipv4 && o.value == "203.0.113.7"));
}

#[test]
fn a_bad_row_at_the_end_imports_nothing_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, key) = casebook(dir.path());
    let before = dump(&cb);
    let file = dir.path().join("bad.csv");
    let mut text = String::from("type,value\n");
    for i in 0..500 {
        text.push_str(&format!("ipv4,10.0.{}.{}\n", i / 256, i % 256));
    }
    text.push_str("ipv4,300.1.1.1\n");
    std::fs::write(&file, text).unwrap();
    let err = cb
        .import_observables(&key, &file, None, &mut |_| {})
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message
            .contains("nothing was imported: row 501, column `value`")
            && err.message.contains("expected four numbers"),
        "{}",
        err.message
    );
    assert_eq!(
        before,
        dump(&cb),
        "all or nothing: the 500 good rows are not kept"
    );
}

#[test]
fn oversize_files_are_refused_before_reading_and_junk_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, key) = casebook(dir.path());
    let before = dump(&cb);
    let big = dir.path().join("big.json");
    // A sparse file: its size says 64 MiB + 1 without writing them, so only a check before reading passes quickly.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_IMPORT_BYTES + 1)
        .unwrap();
    let err = cb
        .import_observables(&key, &big, None, &mut |_| {})
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("at most 64 MiB") && err.message.contains("nothing was read"),
        "{}",
        err.message
    );
    let junk = dir.path().join("junk.bin");
    let mut bytes = vec![0u8; 50_000_000];
    let mut x: u32 = 0x9e37_79b9;
    for b in bytes.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    std::fs::write(&junk, &bytes).unwrap();
    let err = cb
        .import_observables(&key, &junk, None, &mut |_| {})
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.starts_with("nothing was imported:")
            && (err.message.contains("line") || err.message.contains("header")),
        "junk gets a located error: {}",
        err.message
    );
    assert_eq!(before, dump(&cb), "nothing was written");
}

#[test]
fn only_those_who_may_edit_the_incident_import() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, _clock) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Root Admin", Role::Admin, None).unwrap();
    cb.add_user("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    cb.add_user("Ines Duarte", Role::Auditor, None).unwrap();
    cb.act_as("Ana Silva").unwrap();
    let key = new_incident(&mut cb, "Phishing");
    let file = dir.path().join("in.csv");
    std::fs::write(&file, "value\n203.0.113.7\n").unwrap();
    cb.act_as("Ines Duarte").unwrap();
    let err = cb
        .import_observables(&key, &file, None, &mut |_| {})
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::Forbidden,
        "auditors change nothing: {err}"
    );
    cb.act_as("Ana Silva").unwrap();
    cb.import_observables(&key, &file, None, &mut |_| {})
        .unwrap();
    cb.act_as("Ines Duarte").unwrap();
    let out = dir.path().join("out.csv");
    cb.export_observables(
        &ExportScope {
            incident: Some(key),
            since: None,
        },
        ObservableFormat::Misp,
        &out,
    )
    .expect("every role may export");
}
