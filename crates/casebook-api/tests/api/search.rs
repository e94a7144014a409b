//! Search as the front ends call it: across incidents or inside one (`casebook search --incident`, the app's
//! "only this incident"), and the timeline's text filter, which answers from the same index.

use casebook_api::incidents::NewIncident;
use casebook_api::timeline::EntryInput;
use casebook_api::ErrorCode;
use casebook_core::event::EntrySource;
use casebook_core::model::{Role, Severity, Tlp};
use casebook_store::read::EntryFilter;

use crate::open;

fn two_incidents() -> (tempfile::TempDir, casebook_api::Casebook, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, _) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Grace Lee", Role::Lead, None).unwrap();
    let mut keys = Vec::new();
    for title in ["Finance workstation", "Mail gateway"] {
        let key = cb
            .new_incident(NewIncident::titled(title, Severity::Sev2, Tlp::Amber))
            .unwrap()
            .row
            .key;
        for (summary, host) in [
            ("Failed logon of asilva", "WKS-FIN-010"),
            ("Successful logon of asilva", "WKS-FIN-0100"),
            ("Failed to start the updater", "WKS-FIN-011"),
        ] {
            cb.add_entry(
                &key,
                EntryInput {
                    summary: summary.into(),
                    source: EntrySource {
                        host: Some(host.into()),
                        ..EntrySource::default()
                    },
                    ..EntryInput::default()
                },
            )
            .unwrap();
        }
        keys.push(key);
    }
    let second = keys.pop().unwrap();
    (dir, cb, keys.pop().unwrap(), second)
}

#[test]
fn a_search_inside_one_incident_keeps_to_it_and_names_an_unknown_one() {
    let (_d, cb, first, second) = two_incidents();
    let everywhere = cb.search("failed logon", None, 20).unwrap();
    assert_eq!(everywhere.len(), 2, "both words, in both incidents");
    let inside = cb.search("failed logon", Some(&second), 20).unwrap();
    assert_eq!(inside.len(), 1, "{inside:?}");
    assert_eq!(inside[0].incident_key, second);
    assert!(
        inside[0].snippet.contains("[Failed]") && inside[0].snippet.contains("[logon]"),
        "{:?}",
        inside[0].snippet
    );
    let host = cb.search("WKS-FIN-010 ", Some(&first), 20).unwrap();
    assert_eq!(host.len(), 1, "exactly that host: {host:?}");
    assert!(
        host[0].snippet.contains("[WKS-FIN-010]"),
        "the host is marked in the snippet: {:?}",
        host[0].snippet
    );
    let err = cb.search("logon", Some("INC-NOPE"), 20).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{err}");
}

#[test]
fn the_timeline_text_filter_finds_words_and_host_prefixes_in_its_incident() {
    let (_d, cb, first, second) = two_incidents();
    let filter = |text: &str| EntryFilter {
        text: Some(text.into()),
        ..EntryFilter::default()
    };
    let (count, page) = cb.entries(&first, &filter("WKS-FIN-01"), 0, 100).unwrap();
    assert_eq!(count, 3, "every host that starts so");
    assert_eq!(page.len(), 3, "the page agrees with the count");
    let (count, page) = cb.entries(&second, &filter("logon asil"), 0, 1).unwrap();
    assert_eq!(
        count, 2,
        "both words, the last a prefix, in this incident only"
    );
    assert_eq!(page.len(), 1, "a page of one of them");
    let (count, _) = cb
        .entries(&second, &filter("logon NEAR(\""), 0, 10)
        .unwrap();
    assert_eq!(
        count, 0,
        "operators are plain words, and none of these entries has them"
    );
}
