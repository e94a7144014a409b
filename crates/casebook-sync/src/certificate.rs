//! The team server's certificate as the server presents it, read before anything is trusted: a TLS handshake that
//! accepts any certificate only to look at it (the handshake's own signature is still checked, so the server holds
//! the certificate's key), then reports its fingerprint, subject and expiry, and whether the roots the client trusts
//! without a CA file would accept it for this host. Nothing is sent over that connection.
//!
//! A person who accepts the fingerprint pins the certificate: the laptop then keeps it as the only root for the
//! team (`Client::new` with its PEM). rustls' webpki verifier accepts a self-signed leaf as its own trust anchor,
//! so every later connection trusts exactly that certificate, its host name included; [`Presented::pin_check`]
//! says beforehand when a certificate cannot be pinned that way (issued by a CA, or not naming the host).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
};

use crate::client::{normalize_base, Result, SyncError};

/// How long reading a certificate may take, connection and handshake each.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The leaf certificate a server presented, with what a person needs to decide whether to trust it.
#[derive(Debug, Clone)]
pub struct Presented {
    /// The server's normalized base URL (`https://host:port`).
    pub base: String,
    /// The host name or address the certificate must name.
    pub host: String,
    pub der: Vec<u8>,
    /// The certificates the server sent after its own (its chain), DER.
    pub chain: Vec<Vec<u8>>,
    pub fingerprint: String,
    pub subject: String,
    pub issuer: String,
    pub not_after: Option<DateTime<Utc>>,
    /// Whether the roots the client trusts without a CA file (Mozilla's, bundled) accept it for `host`.
    pub trusted_by_system: bool,
}

impl Presented {
    /// The certificate as PEM, the form a laptop stores.
    pub fn pem(&self) -> String {
        pem_of(&self.der)
    }

    /// Whether this certificate, kept as the only root, lets the client connect to `host`: it must be self-signed
    /// and name the host. Says plainly why not.
    pub fn pin_check(&self) -> Result<()> {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from(self.der.clone()))
            .map_err(|e| SyncError::Tls(format!("the server's certificate cannot be read: {e}")))?;
        let name = server_name(&self.host)?;
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| SyncError::Tls(format!("cannot check the certificate: {e}")))?;
        let chain: Vec<CertificateDer<'_>> = self
            .chain
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        match verifier.verify_server_cert(
            &CertificateDer::from(self.der.as_slice()),
            &chain,
            &name,
            &[],
            UnixTime::now(),
        ) {
            Ok(_) => Ok(()),
            Err(rustls::Error::InvalidCertificate(e)) => Err(SyncError::Tls(match e {
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    format!(
                        "the server's certificate ({}) does not name {}; connect with a name it was made for, or ask your admin",
                        self.subject, self.host
                    )
                }
                CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
                    "the server's certificate was issued by {}, so it cannot be pinned alone; ask your admin for that CA's certificate and use it as the CA file",
                    self.issuer
                ),
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    "the server's certificate has expired; ask your admin to renew it".to_string()
                }
                other => format!("the server's certificate cannot be pinned: {other:?}"),
            })),
            Err(e) => Err(SyncError::Tls(format!(
                "the server's certificate cannot be pinned: {e}"
            ))),
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(host.to_string())
        .map_err(|_| SyncError::Tls(format!("{host} is not a host name or an address")))
}

/// Connects to `base` (bounded by `timeout` for the connection and for the handshake), completes a TLS handshake
/// whatever the certificate, and reports the certificate.
pub fn presented(base: &str, timeout: Duration) -> Result<Presented> {
    let base = normalize_base(base)?;
    let uri: ureq::http::Uri = base
        .parse()
        .map_err(|e| SyncError::Tls(format!("{base} is not a server address: {e}")))?;
    let host = uri
        .host()
        .ok_or_else(|| SyncError::Tls(format!("{base} names no host")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(443);
    let offline = |detail: String| SyncError::Offline {
        url: base.clone(),
        detail,
    };
    let addrs: Vec<_> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| offline(e.to_string()))?
        .collect();
    let mut last = format!("{host} has no address");
    let mut socket = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                socket = Some(s);
                break;
            }
            Err(e) => last = e.to_string(),
        }
    }
    let mut socket = socket.ok_or_else(|| offline(last))?;
    socket
        .set_read_timeout(Some(timeout))
        .and_then(|()| socket.set_write_timeout(Some(timeout)))
        .map_err(|e| offline(e.to_string()))?;

    let seen = Arc::new(Recorder {
        provider: provider(),
        chain: Mutex::default(),
    });
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| SyncError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(seen.clone())
        .with_no_client_auth();
    let name = server_name(&host)?;
    let mut conn = ClientConnection::new(Arc::new(config), name.clone())
        .map_err(|e| SyncError::Tls(e.to_string()))?;
    while conn.is_handshaking() {
        conn.complete_io(&mut socket).map_err(|e| {
            match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                Some(tls) => SyncError::Tls(format!("the TLS handshake with {base} failed: {tls}")),
                None => offline(e.to_string()),
            }
        })?;
    }
    // A polite close (the server learns nothing but that a client looked), waiting briefly for the server's own so
    // the connection ends cleanly rather than reset.
    conn.send_close_notify();
    let _ = conn.complete_io(&mut socket);
    let _ = socket.flush();
    let _ = socket.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = socket.read(&mut [0u8; 1]);

    let Some((leaf, chain)) = seen.chain.lock().ok().and_then(|mut c| c.take()) else {
        return Err(SyncError::Protocol(
            "the server completed a handshake without a certificate".into(),
        ));
    };
    let parsed = Parsed::of(&leaf)?;
    let trusted_by_system = {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let chain_der: Vec<CertificateDer<'_>> = chain
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map(|v| {
                v.verify_server_cert(
                    &CertificateDer::from(leaf.as_slice()),
                    &chain_der,
                    &name,
                    &[],
                    UnixTime::now(),
                )
                .is_ok()
            })
            .unwrap_or(false)
    };
    Ok(Presented {
        base,
        host,
        fingerprint: casebook_protocol::certificate_fingerprint(&leaf),
        der: leaf,
        chain,
        subject: parsed.subject,
        issuer: parsed.issuer,
        not_after: parsed.not_after,
        trusted_by_system,
    })
}

/// The fingerprints of the certificates in a PEM file (a pinned certificate, or a CA file), in file order.
pub fn fingerprints(pem: &[u8]) -> Result<Vec<String>> {
    Ok(crate::client::certificates(pem)?
        .iter()
        .map(|c| casebook_protocol::certificate_fingerprint(c.der()))
        .collect())
}

/// What a person reads of a certificate.
struct Parsed {
    subject: String,
    issuer: String,
    not_after: Option<DateTime<Utc>>,
}

impl Parsed {
    fn of(der: &[u8]) -> Result<Parsed> {
        use x509_cert::der::Decode;
        let cert = x509_cert::Certificate::from_der(der).map_err(|e| {
            SyncError::Protocol(format!("the server's certificate is not X.509: {e}"))
        })?;
        let tbs = &cert.tbs_certificate;
        let not_after = tbs.validity.not_after.to_unix_duration();
        Ok(Parsed {
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            not_after: i64::try_from(not_after.as_secs())
                .ok()
                .and_then(|s| DateTime::from_timestamp(s, 0)),
        })
    }
}

fn pem_of(der: &[u8]) -> String {
    use base64ct::Encoding;
    let b64 = base64ct::Base64::encode_string(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// Accepts any certificate and keeps it, while still checking that the handshake was signed by its key.
#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    #[allow(clippy::type_complexity)]
    chain: Mutex<Option<(Vec<u8>, Vec<Vec<u8>>)>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut chain) = self.chain.lock() {
            *chain = Some((
                end_entity.to_vec(),
                intermediates.iter().map(|c| c.to_vec()).collect(),
            ));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trips_through_the_clients_reader() {
        for der in [
            vec![0x30u8, 0x03, 0x02, 0x01, 0x05],
            (0..=255u8).collect::<Vec<_>>(),
        ] {
            let pem = pem_of(&der);
            let read = crate::client::certificates(pem.as_bytes()).unwrap();
            assert_eq!(
                read[0].der(),
                der.as_slice(),
                "what is stored as PEM must read back as the same DER bytes"
            );
        }
    }
}
