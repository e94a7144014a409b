//! How a person names the team server's TLS certificate: the SHA-256 of its DER bytes as upper-case hex pairs joined
//! by `:` (what browsers show). `casebook-server init` prints it, and a laptop compares it before it pins the
//! certificate, so both sides use this one definition.

use sha2::{Digest, Sha256};

/// The fingerprint of a certificate given as DER bytes.
pub fn certificate_fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A fingerprint as a person typed or pasted it (any case, with or without colons or spaces) in the canonical form,
/// or `None` when it is not 32 bytes of hex.
pub fn normalize_fingerprint(typed: &str) -> Option<String> {
    let hex: String = typed
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '\t' | '-'))
        .collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let upper = hex.to_ascii_uppercase();
    Some(
        upper
            .as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).into_owned())
            .collect::<Vec<_>>()
            .join(":"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_colon_separated_upper_case_sha256() {
        let fp = certificate_fingerprint(b"abc");
        assert_eq!(
            fp,
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD",
            "the SHA-256 of the bytes, as browsers show it"
        );
    }

    #[test]
    fn a_typed_fingerprint_is_read_in_any_common_spelling() {
        let canonical = certificate_fingerprint(b"abc");
        for typed in [
            canonical.clone(),
            canonical.to_lowercase(),
            canonical.replace(':', ""),
            format!("  {}  ", canonical.replace(':', " ")),
        ] {
            assert_eq!(
                normalize_fingerprint(&typed).as_deref(),
                Some(canonical.as_str()),
                "{typed:?} names the same certificate"
            );
        }
        assert_eq!(
            normalize_fingerprint("AB:CD"),
            None,
            "a short fingerprint is refused, never padded"
        );
        assert_eq!(normalize_fingerprint(&"ZZ".repeat(32)), None);
    }
}
