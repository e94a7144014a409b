//! Short human keys for incidents (`INC-7K3QF2`), unique across devices without coordination.
//!
//! The key is derived from the random bits of the incident's UUIDv7, so two laptops never need to agree on a
//! counter. Six Crockford base-32 characters carry 30 random bits: among 1,000 incidents the chance that any two
//! share a key is about 0.05 %. Should it happen, the store still tells them apart and asks for the longer form or
//! the id.

use crate::IncidentId;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The human key of an incident.
pub fn incident_key(id: IncidentId) -> String {
    // The last 62 bits of a UUIDv7 are random; the first 48 are a timestamp and would repeat within a millisecond.
    let random = id.0.as_u128() as u64;
    let mut out = String::from("INC-");
    for i in 0..6 {
        let idx = (random >> (i * 5)) & 31;
        out.push(ALPHABET[idx as usize] as char);
    }
    out
}

/// Whether `s` looks like an incident key (case-insensitive).
pub fn looks_like_key(s: &str) -> bool {
    let s = s.trim().to_ascii_uppercase();
    s.strip_prefix("INC-")
        .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| ALPHABET.contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn keys_are_short_and_read_well() {
        let k = incident_key(IncidentId(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_1234_5678,
        )));
        assert_eq!(k.len(), 10);
        assert!(looks_like_key(&k), "{k}");
        assert!(
            !k[4..].contains(['I', 'L', 'O', 'U']),
            "ambiguous letters are left out: {k}"
        );
    }

    #[test]
    fn ids_from_one_millisecond_get_different_keys() {
        let a = IncidentId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001));
        let b = IncidentId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002));
        assert_ne!(incident_key(a), incident_key(b));
    }
}
