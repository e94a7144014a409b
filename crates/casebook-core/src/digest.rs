//! The convergence digest: one hash of the set of events an incident holds, computed alike by the team server and
//! every laptop, so a client proves it has converged by comparing two short strings instead of two logs.

use sha2::{Digest, Sha256};

use crate::EventId;

/// A set of events summarised: how many, and the SHA-256 of their sorted `id hash` lines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SetDigest {
    pub events: u64,
    pub digest: String,
}

/// Digests a set of `(id, hash)` pairs in any order: the set decides the result, never the order it was read in.
pub fn set_digest<'a>(events: impl IntoIterator<Item = (EventId, &'a str)>) -> SetDigest {
    let mut lines: Vec<(EventId, &str)> = events.into_iter().collect();
    lines.sort_unstable();
    lines.dedup();
    let mut h = Sha256::new();
    for (id, hash) in &lines {
        h.update(id.to_string().as_bytes());
        h.update(b" ");
        h.update(hash.as_bytes());
        h.update(b"\n");
    }
    SetDigest {
        events: lines.len() as u64,
        digest: hex::encode(h.finalize()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_repeats_do_not_change_the_digest() {
        let a = EventId(uuid::Uuid::from_u128(1));
        let b = EventId(uuid::Uuid::from_u128(2));
        let one = set_digest([(a, "h1"), (b, "h2")]);
        let other = set_digest([(b, "h2"), (a, "h1"), (a, "h1")]);
        assert_eq!(
            one, other,
            "the digest is of a set: order and repeats must not matter"
        );
        assert_eq!(one.events, 2);
        assert_ne!(
            one,
            set_digest([(a, "h1"), (b, "h3")]),
            "another hash for the same id is another set"
        );
    }
}
