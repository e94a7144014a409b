//! MISP: the event's shape, each type's MISP type and category, to_ids, tags and sightings.

use casebook_core::model::ObservableKind;
use casebook_interchange::{write, Format};
use serde_json::Value;

use crate::sample;

fn event(cases: &[casebook_interchange::CaseObservables]) -> Value {
    let mut out = Vec::new();
    write(cases, Format::Misp, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn every_type_gets_the_misp_type_and_category_that_misp_accepts() {
    let e = event(&[sample()]);
    let ev = &e["Event"];
    assert_eq!(ev["info"], "INC-7K3QF2: Phishing wave in finance");
    assert_eq!(ev["Tag"][0]["name"], "tlp:amber");
    assert_eq!(
        ev["threat_level_id"], "1",
        "SEV2 is a high threat level in MISP's scale"
    );
    let attrs = ev["Attribute"].as_array().unwrap();
    assert_eq!(attrs.len(), 24, "MISP keeps every type, `other` included");
    let expected = [
        ("ip-dst", "Network activity"),
        ("ip-dst", "Network activity"),
        ("domain", "Network activity"),
        ("url", "Network activity"),
        ("email-src", "Payload delivery"),
        ("md5", "Payload delivery"),
        ("sha1", "Payload delivery"),
        ("sha256", "Payload delivery"),
        ("filename", "Payload delivery"),
        ("target-user", "Targeting data"),
        ("regkey", "Persistence mechanism"),
        ("other", "Other"),
    ];
    for (i, (t, c)) in expected.iter().enumerate() {
        let a = &attrs[2 * i];
        assert_eq!(
            (a["type"].as_str().unwrap(), a["category"].as_str().unwrap()),
            (*t, *c),
            "attribute {i}"
        );
        assert_eq!(a["to_ids"], true, "an IOC is for detection");
        assert_eq!(
            attrs[2 * i + 1]["to_ids"],
            false,
            "a plain observable is not"
        );
        assert_eq!(a["Tag"][0]["name"], "tlp:amber");
        assert_eq!(attrs[2 * i + 1]["Tag"][0]["name"], "tlp:green");
    }
    assert_eq!(
        attrs[0]["Sighting"][0]["source"], "Casebook INC-AAAAAA",
        "a match in another incident is a sighting"
    );
    assert!(
        attrs[1].get("Sighting").is_none(),
        "no other incident, no sighting"
    );
    assert_eq!(
        attrs[0]["first_seen"], "2026-11-19T08:00:00+00:00",
        "first seen is kept"
    );
}

#[test]
fn several_incidents_are_a_list_of_events_with_stable_uuids() {
    let mut other = sample();
    other.case.id = casebook_core::IncidentId(uuid::Uuid::from_u128(7));
    other.case.key = "INC-BBBBBB".into();
    other.observables.retain(|o| o.kind == ObservableKind::Ipv4);
    let e = event(&[sample(), other.clone()]);
    let events = e["response"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["Event"]["Attribute"].as_array().unwrap().len(), 2);
    let again = event(&[sample(), other]);
    assert_eq!(
        e, again,
        "uuids are name-based, so a re-export updates the same event"
    );
}
