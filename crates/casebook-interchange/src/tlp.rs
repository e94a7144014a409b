//! TLP 2.0 in STIX and MISP: the official marking-definition objects that OASIS publishes for STIX 2.1 (fixed ids,
//! created 2022-10-01, a property extension that names the level), and MISP's `tlp:…` tags.

use casebook_core::model::Tlp;
use serde_json::{json, Value};

/// The extension definition that OASIS publishes for TLP 2.0 markings.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The official STIX id of a TLP 2.0 marking.
pub fn marking_id(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
}

/// The official marking-definition object, exactly as published.
pub fn marking_definition(tlp: Tlp) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking_id(tlp),
        "created": "2022-10-01T00:00:00.000Z",
        "name": tlp.label(),
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.as_str(),
            }
        }
    })
}

/// The marking a STIX marking-definition id stands for: the TLP 2.0 ids, and the STIX 2.1 specification's own TLP
/// 1.0 ids (TLP:WHITE is read as TLP:CLEAR, its TLP 2.0 name).
pub fn from_marking_id(id: &str) -> Option<Tlp> {
    const TLP1: [(&str, Tlp); 4] = [
        (
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            Tlp::Clear,
        ),
        (
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            Tlp::Green,
        ),
        (
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            Tlp::Amber,
        ),
        (
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
            Tlp::Red,
        ),
    ];
    Tlp::ALL
        .iter()
        .copied()
        .find(|t| marking_id(*t) == id)
        .or_else(|| TLP1.iter().find(|(i, _)| *i == id).map(|(_, t)| *t))
}

/// How far a marking restricts sharing, CLEAR least; used to keep the strictest of several.
pub fn strictness(tlp: Tlp) -> u8 {
    match tlp {
        Tlp::Clear => 0,
        Tlp::Green => 1,
        Tlp::Amber => 2,
        Tlp::AmberStrict => 3,
        Tlp::Red => 4,
    }
}

/// The MISP taxonomy tag, e.g. `tlp:amber+strict`.
pub fn misp_tag(tlp: Tlp) -> String {
    format!("tlp:{}", tlp.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marking_reads_back_and_names_itself_as_tlp_2_0_does() {
        for t in Tlp::ALL {
            assert_eq!(
                from_marking_id(marking_id(*t)),
                Some(*t),
                "{t} must read back"
            );
            let def = marking_definition(*t);
            assert_eq!(def["name"], t.label());
            assert_eq!(def["extensions"][TLP2_EXTENSION]["tlp_2_0"], t.as_str());
        }
        assert_eq!(
            from_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear),
            "TLP 1.0 WHITE is TLP 2.0 CLEAR"
        );
        assert_eq!(misp_tag(Tlp::AmberStrict), "tlp:amber+strict");
    }
}
