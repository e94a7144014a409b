//! Which team server this laptop trusts, and how a person decides it: the server's certificate shown by its
//! fingerprint before signing in, then trusted through the system's roots, a CA file, or pinned by the fingerprint
//! the person accepted (trust on first use, as SSH does). A pinned certificate is stored as the team link's only
//! root, so every later connection trusts exactly it; when it changes, every call to the server says so.

use std::path::PathBuf;

use casebook_store::team;
use casebook_sync::certificate::{self, Presented};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::sync::sync_error;
use crate::{Casebook, Error, ErrorCode, Result};

/// The certificate a team server presents, for a person to accept or refuse.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerCertificate {
    /// The server's normalized base URL (`https://host:port`).
    pub server: String,
    /// SHA-256 of the certificate's DER bytes, upper-case hex pairs joined by `:`; what `casebook-server init`
    /// prints.
    pub fingerprint: String,
    pub subject: String,
    pub issuer: String,
    pub not_after: Option<DateTime<Utc>>,
    pub pem: String,
    /// The roots Casebook trusts without a CA file would accept it for this host (no question to ask).
    pub trusted_by_system: bool,
    /// This laptop already trusts exactly this certificate for this server (it pinned it, or its CA file holds it).
    pub trusted_here: bool,
}

impl ServerCertificate {
    /// The trust to sign in with when nobody needs to be asked: the system's roots, or the certificate this laptop
    /// already pinned. `None`: show the fingerprint and ask.
    pub fn known_trust(&self) -> Option<ServerTrust> {
        if self.trusted_here {
            Some(ServerTrust::Pinned {
                fingerprint: self.fingerprint.clone(),
            })
        } else if self.trusted_by_system {
            Some(ServerTrust::System)
        } else {
            None
        }
    }
}

/// How a laptop trusts its team server's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServerTrust {
    /// The roots Casebook trusts without a CA file (a certificate from a public CA).
    System,
    /// A CA file (or the server's own certificate as PEM, e.g. the `cert.pem` that `casebook-server init` made).
    /// On the wire `{"kind": "ca_file", "path": "…"}`: a tagged enum carries its fields beside the tag.
    #[serde(with = "ca_file")]
    CaFile(#[cfg_attr(feature = "ts", ts(as = "CaFilePath"))] PathBuf),
    /// The certificate whose fingerprint the person accepted, pinned as the only one trusted.
    Pinned { fingerprint: String },
}

/// The fields of [`ServerTrust::CaFile`] as they travel.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaFilePath {
    pub path: PathBuf,
}

mod ca_file {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::CaFilePath;

    pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        CaFilePath {
            path: path.to_path_buf(),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        CaFilePath::deserialize(d).map(|c| c.path)
    }
}

impl Casebook {
    /// Connects to `server` (at most ten seconds each for the connection and the handshake), reads the certificate
    /// it presents without trusting it, and reports it. Nothing is sent to the server.
    pub fn server_certificate(&self, server: &str) -> Result<ServerCertificate> {
        let presented =
            certificate::presented(server, certificate::PROBE_TIMEOUT).map_err(sync_error)?;
        let trusted_here = match team::link(self.store.conn())? {
            Some(link) if link.server_url.trim_end_matches('/') == presented.base.as_str() => link
                .ca_cert_pem
                .as_deref()
                .and_then(|pem| certificate::fingerprints(pem.as_bytes()).ok())
                .is_some_and(|fps| fps.contains(&presented.fingerprint)),
            _ => false,
        };
        Ok(view(&presented, trusted_here))
    }

    /// The CA PEM a sign-in stores for `trust` (none for the system's roots). For a pin, the server's certificate is
    /// read again and must be the one the person accepted; it must also be usable as the only root for this host.
    pub(crate) fn trust_pem(&self, server: &str, trust: &ServerTrust) -> Result<Option<String>> {
        match trust {
            ServerTrust::System => Ok(None),
            ServerTrust::CaFile(path) => crate::membership::read_ca(path).map(Some),
            ServerTrust::Pinned { fingerprint } => {
                let accepted =
                    casebook_protocol::normalize_fingerprint(fingerprint).ok_or_else(|| {
                        Error::invalid(format!(
                            "{fingerprint:?} is not a certificate fingerprint: 32 hex pairs such as AB:CD:…, as the team server shows it at setup"
                        ))
                    })?;
                let presented = certificate::presented(server, certificate::PROBE_TIMEOUT)
                    .map_err(sync_error)?;
                if presented.fingerprint != accepted {
                    return Err(Error::new(
                        ErrorCode::Integrity,
                        format!(
                            "the server at {} presents the certificate {}, not {} that you accepted; nothing was sent to it. Check the fingerprint with your admin before signing in",
                            presented.base, presented.fingerprint, accepted
                        ),
                    ));
                }
                presented.pin_check().map_err(sync_error)?;
                Ok(Some(presented.pem()))
            }
        }
    }
}

fn view(p: &Presented, trusted_here: bool) -> ServerCertificate {
    ServerCertificate {
        server: p.base.clone(),
        fingerprint: p.fingerprint.clone(),
        subject: p.subject.clone(),
        issuer: p.issuer.clone(),
        not_after: p.not_after,
        pem: p.pem(),
        trusted_by_system: p.trusted_by_system,
        trusted_here,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trust_travels_as_a_tagged_object_the_desktop_can_build() {
        for (trust, json) in [
            (ServerTrust::System, r#"{"kind":"system"}"#),
            (
                ServerTrust::CaFile("cert.pem".into()),
                r#"{"kind":"ca_file","path":"cert.pem"}"#,
            ),
            (
                ServerTrust::Pinned {
                    fingerprint: "AB".into(),
                },
                r#"{"kind":"pinned","fingerprint":"AB"}"#,
            ),
        ] {
            assert_eq!(serde_json::to_string(&trust).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<ServerTrust>(json).unwrap(),
                trust,
                "what the page sends must read back as the same trust"
            );
        }
    }
}
