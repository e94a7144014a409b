//! Device keys: each installation signs every event it writes with its own Ed25519 key, so authorship is proven,
//! not claimed, and nobody without the key (the server included) can rewrite a device's history.
//!
//! The signature covers the event's hash, which already covers the header, the payload's exact bytes and the link to
//! the device's previous event. Keys are made from 32 random bytes that the caller supplies: the core reads no
//! randomness.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// What is signed: a fixed prefix (so a signature cannot be replayed in another protocol) and the event's hash.
fn signed_message(hash: &str) -> Vec<u8> {
    let mut m = b"casebook-event-signature-v1\n".to_vec();
    m.extend_from_slice(hash.as_bytes());
    m
}

/// A device's secret signing key.
#[derive(Clone)]
pub struct DeviceKey(SigningKey);

impl std::fmt::Debug for DeviceKey {
    // Never print the secret, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKey({})", self.public().fingerprint())
    }
}

impl DeviceKey {
    pub fn from_secret(secret: [u8; 32]) -> DeviceKey {
        DeviceKey(SigningKey::from_bytes(&secret))
    }

    /// The secret as stored in the local profile (hex).
    pub fn secret_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    pub fn from_secret_hex(s: &str) -> Result<DeviceKey, KeyError> {
        let bytes: [u8; 32] = hex::decode(s.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(KeyError::Malformed("device secret key"))?;
        Ok(DeviceKey::from_secret(bytes))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs an event hash; the signature travels with the event as 128 hex digits.
    pub fn sign(&self, hash: &str) -> String {
        hex::encode(self.0.sign(&signed_message(hash)).to_bytes())
    }
}

/// A device's public key, as bound to its user in the directory.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// A key or signature that is not what it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the {0} is malformed")]
    Malformed(&'static str),
    #[error("the signature does not match the event and the device's key")]
    BadSignature,
}

impl PublicKey {
    pub fn from_hex(s: &str) -> Result<PublicKey, KeyError> {
        let bytes: [u8; 32] = hex::decode(s.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(KeyError::Malformed("device public key"))?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| KeyError::Malformed("device public key"))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// What a person compares out of band before trusting a device: the first 128 bits of the key's SHA-256, in
    /// eight groups of four hex digits.
    pub fn fingerprint(&self) -> String {
        let digest = hex::encode(Sha256::digest(self.0.to_bytes()));
        digest.as_bytes()[..32]
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(":")
    }

    /// Checks a signature made by [`DeviceKey::sign`] over `hash`.
    pub fn verify(&self, hash: &str, signature: &str) -> Result<(), KeyError> {
        let bytes: [u8; 64] = hex::decode(signature.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(KeyError::Malformed("signature"))?;
        self.0
            .verify_strict(&signed_message(hash), &Signature::from_bytes(&bytes))
            .map_err(|_| KeyError::BadSignature)
    }
}

/// A fingerprint as typed by a person, reduced to its 32 hex digits (separators and case do not matter).
pub fn normalize_fingerprint(typed: &str) -> Option<String> {
    let hex: String = typed
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> DeviceKey {
        DeviceKey::from_secret([n; 32])
    }

    #[test]
    fn a_signature_verifies_only_for_its_hash_and_key() {
        let k = key(1);
        let sig = k.sign("abc");
        assert_eq!(k.public().verify("abc", &sig), Ok(()));
        assert_eq!(
            k.public().verify("abd", &sig),
            Err(KeyError::BadSignature),
            "a signature must not carry over to another event hash"
        );
        assert_eq!(
            key(2).public().verify("abc", &sig),
            Err(KeyError::BadSignature),
            "another device's key must not verify this device's signature"
        );
        assert_eq!(
            k.public().verify("abc", "zz"),
            Err(KeyError::Malformed("signature"))
        );
    }

    #[test]
    fn keys_round_trip_through_hex_and_fingerprints_normalize() {
        let k = key(3);
        let again = DeviceKey::from_secret_hex(&k.secret_hex()).unwrap();
        assert_eq!(again.public(), k.public());
        assert_eq!(
            PublicKey::from_hex(&k.public().to_hex()).unwrap(),
            k.public()
        );
        let fp = k.public().fingerprint();
        assert_eq!(fp.len(), 39, "eight groups of four digits: {fp}");
        assert_eq!(
            normalize_fingerprint(&fp.to_uppercase()),
            Some(fp.replace(':', ""))
        );
        assert_eq!(normalize_fingerprint("abc"), None);
        assert!(
            !format!("{k:?}").contains(&k.secret_hex()),
            "the secret must never appear in debug output"
        );
    }
}
