//! Name-based (UUIDv5) ids for what Casebook exports, so exporting the same case again gives the same ids and a
//! receiver updates its copy instead of adding a second one.
//!
//! - Objects that stand for something of ours (a STIX `indicator` or `report`, a MISP event or attribute) are named
//!   by our own UUIDv7 under [`CASEBOOK_NAMESPACE`], a fixed UUID chosen once for Casebook and never to change.
//! - STIX cyber-observable objects follow the STIX 2.1 rule instead (section 2.9): UUIDv5 under the STIX namespace
//!   of the canonical JSON of the type's id-contributing properties. An IP address is then the same object whoever
//!   exports it, from whichever incident.

use uuid::Uuid;

/// Casebook's namespace for name-based ids. Fixed forever: changing it would make every re-export a duplicate.
pub const CASEBOOK_NAMESPACE: Uuid = Uuid::from_u128(0x6c1b_0f0e_4a5e_4d0a_9b7e_2c3f_a1d4_0b12);

/// The namespace STIX 2.1 gives for deterministic cyber-observable ids.
pub const STIX_SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// The id of something of ours under a role (`indicator`, `report`, `misp-attribute`, …).
pub fn ours(role: &str, id: &Uuid) -> Uuid {
    let mut name = Vec::with_capacity(role.len() + 37);
    name.extend_from_slice(role.as_bytes());
    name.push(b':');
    name.extend_from_slice(id.hyphenated().to_string().as_bytes());
    Uuid::new_v5(&CASEBOOK_NAMESPACE, &name)
}

/// The STIX id of a cyber-observable object from its id-contributing properties, given as canonical JSON (RFC 8785:
/// keys sorted, no spaces), which the caller builds from `serde_json` values whose maps it filled in key order.
pub fn sco(stix_type: &str, contributing: &serde_json::Value) -> String {
    let canonical = contributing.to_string();
    format!(
        "{stix_type}--{}",
        Uuid::new_v5(&STIX_SCO_NAMESPACE, canonical.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_follow_the_stix_rule_for_observables() {
        let ours_id = Uuid::parse_str("0190b6a4-0000-7000-8000-000000000001").unwrap();
        assert_eq!(
            ours("indicator", &ours_id),
            ours("indicator", &ours_id),
            "the same observable must keep its id across exports"
        );
        assert_ne!(
            ours("indicator", &ours_id),
            ours("report", &ours_id),
            "roles keep ids apart"
        );
        assert_eq!(ours("indicator", &ours_id).get_version_num(), 5);
        // Ids computed by the `stix2` Python library for the same objects: ours must agree.
        assert_eq!(
            sco("ipv4-addr", &serde_json::json!({"value": "198.51.100.3"})),
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
        );
        assert_eq!(
            sco(
                "file",
                &serde_json::json!({"hashes": {"SHA-256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}})
            ),
            "file--22f8ff52-8f62-5f03-a53a-6f50f54fd74c"
        );
        assert_eq!(
            sco(
                "user-account",
                &serde_json::json!({"account_login": "jdoe"})
            ),
            "user-account--bc11eaab-cfd6-5ad8-bf02-2386bf690e12"
        );
    }
}
