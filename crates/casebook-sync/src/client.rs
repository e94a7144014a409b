//! The HTTP half of sync: one method per route, TLS through rustls with the team's certificate, errors sorted into
//! "the server cannot be reached" (a normal state for a laptop) and "the server said no" (with its code).

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use casebook_core::IncidentId;
use casebook_protocol::{
    routes, BlobStatus, ErrorBody, ErrorCode, Frontiers, IncidentDigest, Page, Push, PushResult,
    Session, SignIn, Tick,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::Agent;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No answer: no network, the server down, a timeout. Being offline is normal for a laptop.
    #[error("the team server at {url} cannot be reached ({detail})")]
    Offline { url: String, detail: String },
    /// The server answered with an error.
    #[error("{}", .0.message)]
    Server(ErrorBody),
    /// The server's certificate or the laptop's CA file.
    #[error("{0}")]
    Tls(String),
    /// The server presents another certificate than the one this laptop pinned (or than its CA file's).
    #[error("the server's certificate changed: {url} now presents {presented}, not {trusted} that this laptop trusts; if your admin replaced it, sign in again and check the new fingerprint")]
    CertificateChanged {
        url: String,
        trusted: String,
        presented: String,
    },
    /// An answer that is not what the protocol says.
    #[error("the team server answered something unexpected: {0}")]
    Protocol(String),
}

impl SyncError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            SyncError::Server(b) => Some(b.code),
            _ => None,
        }
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;

/// The most an answer may hold (a page of events is capped by the server well below this).
const ANSWER_LIMIT: u64 = 64 * 1024 * 1024;

/// What a laptop's sync needs from the team server. [`Client`] speaks it over HTTPS; tests may put faults (lost
/// answers, duplicates, restores) between a laptop and an in-process server.
pub trait Remote {
    fn frontiers(&self) -> Result<Frontiers>;
    /// Pushes events given as their exact JSON bytes.
    fn push(&self, events: Vec<Box<RawValue>>) -> Result<PushResult>;
    fn pull(&self, after: u64, limit: u32) -> Result<Page>;
    fn blob_status(&self, sha256: &str) -> Result<BlobStatus>;
    /// Sends one chunk of an evidence file, starting at `offset`.
    fn blob_upload(&self, sha256: &str, offset: u64, chunk: &[u8]) -> Result<BlobStatus>;
}

impl Remote for Client {
    fn frontiers(&self) -> Result<Frontiers> {
        self.get(routes::FRONTIERS)
    }

    fn push(&self, events: Vec<Box<RawValue>>) -> Result<PushResult> {
        self.send("POST", routes::PUSH, &Push { events })
    }

    fn pull(&self, after: u64, limit: u32) -> Result<Page> {
        self.get(&format!("{}?after={after}&limit={limit}", routes::PULL))
    }

    fn blob_status(&self, sha256: &str) -> Result<BlobStatus> {
        self.get(&routes::BLOB_STATUS.replace("{sha256}", sha256))
    }

    fn blob_upload(&self, sha256: &str, offset: u64, chunk: &[u8]) -> Result<BlobStatus> {
        let url = format!(
            "{}?offset={offset}",
            self.url(&routes::BLOB.replace("{sha256}", sha256))
        );
        self.answer(
            self.auth(self.agent.put(&url))
                .header("Content-Type", "application/octet-stream")
                .send(chunk),
        )
    }
}

/// A connection to one team server.
#[derive(Clone)]
pub struct Client {
    pub(crate) agent: Agent,
    base: String,
    token: Option<String>,
    /// The fingerprints of the certificates given as roots (none: the bundled web roots), to tell a replaced
    /// certificate from another TLS failure.
    trusted: Vec<String>,
}

/// A server address as the laptop keeps it: trimmed, without a trailing slash, and only `https://`.
pub fn normalize_base(base: &str) -> Result<String> {
    let base = base.trim().trim_end_matches('/').to_string();
    if !base.starts_with("https://") {
        return Err(SyncError::Tls(format!(
            "{base} is not an https:// address; the team server speaks only HTTPS"
        )));
    }
    Ok(base)
}

/// Whether a failed request failed in TLS (rustls' own errors reach ureq wrapped in an I/O error).
fn is_tls(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => true,
        ureq::Error::Io(io) => io
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()),
        _ => false,
    }
}

/// Reads the certificates of a PEM file (the server's self-signed certificate, or a CA).
pub fn certificates(pem: &[u8]) -> Result<Vec<Certificate<'static>>> {
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
            Ok(_) => None,
            Err(e) => Some(Err(SyncError::Tls(format!(
                "the certificate file is not PEM: {e}"
            )))),
        })
        .collect::<Result<_>>()?;
    if certs.is_empty() {
        return Err(SyncError::Tls(
            "the certificate file holds no certificate".into(),
        ));
    }
    Ok(certs)
}

impl Client {
    /// A client for `base` (`https://host:port`), trusting the certificates of `ca_pem` when given (the team's
    /// self-signed certificate) or the system's web roots otherwise.
    pub fn new(base: &str, ca_pem: Option<&[u8]>, token: Option<String>) -> Result<Client> {
        let base = normalize_base(base)?;
        let (roots, trusted) = match ca_pem {
            Some(pem) => {
                let certs = certificates(pem)?;
                let trusted = certs
                    .iter()
                    .map(|c| casebook_protocol::certificate_fingerprint(c.der()))
                    .collect();
                (RootCerts::Specific(Arc::new(certs)), trusted)
            }
            None => (RootCerts::WebPki, Vec::new()),
        };
        let agent: Agent = Agent::config_builder()
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(300)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Client {
            agent,
            base,
            token,
            trusted,
        })
    }

    pub fn with_token(mut self, token: String) -> Client {
        self.token = Some(token);
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn offline(&self, e: ureq::Error) -> SyncError {
        if !is_tls(&e) {
            return SyncError::Offline {
                url: self.base.clone(),
                detail: e.to_string(),
            };
        }
        // Which certificate does the server show now? A pinned one that changed is said so, with both names.
        if let Some(trusted) = self.trusted.first() {
            if let Ok(now) =
                crate::certificate::presented(&self.base, crate::certificate::PROBE_TIMEOUT)
            {
                if !self.trusted.contains(&now.fingerprint) {
                    return SyncError::CertificateChanged {
                        url: self.base.clone(),
                        trusted: trusted.clone(),
                        presented: now.fingerprint,
                    };
                }
            }
        }
        SyncError::Tls(format!(
            "the team server's certificate is not one this laptop trusts ({e}); check its fingerprint with your admin and sign in again"
        ))
    }

    pub(crate) fn auth<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        }
    }

    pub(crate) fn answer<T: DeserializeOwned>(
        &self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T> {
        let mut response = result.map_err(|e| self.offline(e))?;
        let status = response.status();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(ANSWER_LIMIT)
            .read_to_vec()
            .map_err(|e| self.offline(e))?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(body) => SyncError::Server(body),
                Err(_) => SyncError::Protocol(format!("status {status} without an error body")),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(e.to_string()))
    }

    pub(crate) fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.answer(self.auth(self.agent.get(&self.url(path))).call())
    }

    pub(crate) fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let url = self.url(path);
        let req = match method {
            "POST" => self.agent.post(&url),
            "PATCH" => self.agent.patch(&url),
            _ => self.agent.put(&url),
        };
        self.answer(self.auth(req).send_json(body))
    }

    pub fn sign_in(&self, req: &SignIn) -> Result<Session> {
        self.send("POST", routes::SESSION, req)
    }

    pub fn sign_out(&self) -> Result<()> {
        let response = self
            .auth(self.agent.delete(&self.url(routes::SESSION)))
            .call()
            .map_err(|e| self.offline(e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            self.answer::<serde_json::Value>(Ok(response)).map(|_| ())
        }
    }

    pub fn digest(&self, incident: IncidentId) -> Result<IncidentDigest> {
        self.get(&routes::DIGEST.replace("{incident}", &incident.to_string()))
    }

    /// Streams an evidence file from `offset` into `sink`; returns the bytes written.
    pub fn blob_download(
        &self,
        sha256: &str,
        offset: u64,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let url = self.url(&routes::BLOB.replace("{sha256}", sha256));
        let mut req = self.auth(self.agent.get(&url));
        if offset > 0 {
            req = req.header("Range", format!("bytes={offset}-"));
        }
        let mut response = req.call().map_err(|e| self.offline(e))?;
        if !response.status().is_success() {
            return self.answer::<serde_json::Value>(Ok(response)).map(|_| 0);
        }
        let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
        std::io::copy(&mut reader, sink).map_err(|e| SyncError::Offline {
            url: self.base.clone(),
            detail: e.to_string(),
        })
    }

    /// Opens the change stream and calls `on_tick` with the server's head each time the team's log grows, until
    /// it returns `false` or the connection ends.
    pub fn watch(&self, mut on_tick: impl FnMut(Tick) -> bool) -> Result<()> {
        let mut response = self
            .auth(self.agent.get(&self.url(routes::STREAM)))
            .config()
            .timeout_global(None)
            .build()
            .call()
            .map_err(|e| self.offline(e))?;
        if !response.status().is_success() {
            return self.answer::<serde_json::Value>(Ok(response)).map(|_| ());
        }
        let reader = response.body_mut().with_config().limit(u64::MAX).reader();
        let mut lines = std::io::BufReader::new(reader.take(u64::MAX));
        let mut line = String::new();
        loop {
            line.clear();
            let n = std::io::BufRead::read_line(&mut lines, &mut line).map_err(|e| {
                SyncError::Offline {
                    url: self.base.clone(),
                    detail: e.to_string(),
                }
            })?;
            if n == 0 {
                return Ok(());
            }
            if line.len() > 4096 {
                return Err(SyncError::Protocol(
                    "a change-stream line is too long".into(),
                ));
            }
            if let Some(data) = line.trim_end().strip_prefix("data:") {
                let tick: Tick = serde_json::from_str(data.trim())
                    .map_err(|e| SyncError::Protocol(e.to_string()))?;
                if !on_tick(tick) {
                    return Ok(());
                }
            }
        }
    }
}
