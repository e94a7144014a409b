//! Working with the team: sign in (`login`), `sync` (push, then pull), `sync_status`, `logout`, and the per-incident
//! convergence digest. Planning is `casebook_sync::plan`'s, the HTTP is `casebook_sync::Client`'s; this module
//! only reads and writes the store between network calls, never holding a transaction across one.

use std::collections::BTreeMap;
use std::path::Path;

use casebook_core::digest::SetDigest;
use casebook_core::event::WireEvent;
use casebook_core::signing::{DeviceKey, PublicKey};
use casebook_core::{DeviceId, Event, IncidentId, UserId};
use casebook_protocol::{limits, ErrorCode as WireCode, Session, SignIn, Verdict};
use casebook_store::arrival::{Arrival, Arrivals};
use casebook_store::team::{self, ServerVerdict, TeamLink};
use casebook_store::trust;
use casebook_sync::{Client, Cursor, Remote, SyncError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::{Casebook, Error, ErrorCode, Result};

/// What a sign-in did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LoginReport {
    pub server: String,
    pub team: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub tier: Option<u8>,
    /// A profile made here was bound to the account: its offline work keeps its author and counts as the account's.
    pub kept_offline_profile: bool,
    /// The first sync, or why it did not finish (the sign-in stands either way).
    pub first_sync: Option<SyncReport>,
    pub first_sync_error: Option<String>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    pub server: String,
    pub pushed: u64,
    /// Pushed events the server already held (a retry after a lost answer).
    pub already_on_server: u64,
    pub pulled: u64,
    /// Of this laptop's events, how many the server refused this time (reasons in `sync status`).
    pub refused: u64,
    pub forks: u64,
    /// Pulled events this laptop's own rule refused.
    pub refused_here: u64,
    pub conflicts: u64,
    pub blobs_uploaded: u64,
    /// The server is not the one last synced with (restored from a backup): everything was pulled again.
    pub restarted: bool,
    /// This account reads only (auditor, admin): nothing is pushed.
    pub read_only: bool,
}

/// Where this laptop stands with its team.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    pub server: Option<String>,
    pub team: Option<String>,
    pub account: Option<String>,
    pub signed_in: bool,
    /// Whether the server answered just now (`None` when not asked: not joined or signed out).
    pub reachable: Option<bool>,
    /// This laptop's events not yet on the server.
    pub waiting: u64,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub conflicts: u64,
    /// This laptop's events the server did not take.
    pub refused: u64,
    pub verdicts: Vec<ServerVerdict>,
}

/// The device a laptop signs in as (see [`Casebook::device_identity`]).
pub struct DeviceIdentity {
    pub device: DeviceId,
    /// The public half of the device's key, hex: what the server binds to the account.
    pub public_key: String,
    /// The profile's owner when the laptop already had one (its offline work keeps this author).
    pub offline_user: Option<UserId>,
    key: DeviceKey,
}

/// Progress of a sync, for a bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStep {
    Pushing { done: u64, total: u64 },
    Pulling { position: u64, head: u64 },
    Uploading { done: u64, total: u64 },
}

fn sync_error(e: SyncError) -> Error {
    let code = match &e {
        SyncError::Offline { .. } => ErrorCode::Offline,
        SyncError::Tls(_) => ErrorCode::InvalidInput,
        SyncError::Protocol(_) => ErrorCode::Integrity,
        SyncError::Server(b) => match b.code {
            WireCode::Unauthenticated => ErrorCode::Unauthenticated,
            WireCode::Forbidden => ErrorCode::Forbidden,
            WireCode::NotFound => ErrorCode::NotFound,
            WireCode::Conflict => ErrorCode::Conflict,
            WireCode::RateLimited | WireCode::Unavailable => ErrorCode::Busy,
            WireCode::InvalidRequest | WireCode::TooLarge => ErrorCode::InvalidInput,
            WireCode::Internal => ErrorCode::Internal,
        },
    };
    let message = match &e {
        SyncError::Offline { url, .. } => format!(
            "the team server at {url} cannot be reached; you are offline (your work is kept here and goes up at the next sync)"
        ),
        SyncError::Server(b) if b.code == WireCode::Unauthenticated => {
            format!("{} (casebook login)", b.message)
        }
        other => other.to_string(),
    };
    Error::with_source(code, message, e)
}

fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && h.len() < 100 && !h.chars().any(char::is_control))
        .unwrap_or_else(|| "laptop".into())
}

/// Reads a CA or certificate file the person named; small, or it is not a certificate.
fn read_ca(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path)
        .map_err(crate::error::io(format!("cannot read {}", path.display())))?;
    if meta.len() > 1024 * 1024 {
        return Err(Error::invalid(format!(
            "{} is too large to be a certificate file",
            path.display()
        )));
    }
    std::fs::read_to_string(path)
        .map_err(crate::error::io(format!("cannot read {}", path.display())))
}

impl Casebook {
    /// Signs this laptop in to a team. A data directory without a profile gets one from the account; a profile made
    /// offline keeps all its work, bound to the account by the server. Then syncs once.
    pub fn login(
        &mut self,
        server: &str,
        email: &str,
        password: &str,
        ca_cert: Option<&Path>,
        progress: &dyn Fn(SyncStep),
    ) -> Result<LoginReport> {
        let ca_pem = ca_cert.map(read_ca).transpose()?;
        if let Some(link) = team::link(self.store.conn())? {
            if link.server_url.trim_end_matches('/') != server.trim().trim_end_matches('/') {
                return Err(Error::conflict(format!(
                    "this laptop belongs to team {:?} on {}; use another --data-dir for another team",
                    link.team_name, link.server_url
                )));
            }
        }
        let identity = self.device_identity()?;
        let client =
            Client::new(server, ca_pem.as_deref().map(str::as_bytes), None).map_err(sync_error)?;
        let session = client
            .sign_in(&SignIn {
                email: email.trim().to_string(),
                password: password.to_string(),
                device: identity.device,
                public_key: identity.public_key.clone(),
                device_name: device_name(),
                offline_user: identity.offline_user,
            })
            .map_err(sync_error)?;
        self.join(&identity, &session, ca_pem, client.base())?;
        let (first_sync, first_sync_error) = match self.sync(progress) {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.message)),
        };
        Ok(LoginReport {
            server: client.base().to_string(),
            team: session.team.name,
            email: session.account.email,
            name: session.account.name,
            role: session.account.role.to_string(),
            tier: session.account.tier.map(|t| t.get()),
            kept_offline_profile: identity
                .offline_user
                .is_some_and(|u| u != session.account.user),
            first_sync,
            first_sync_error,
        })
    }

    /// The device this laptop signs in as: its profile's device and key, or fresh ones for a data directory without
    /// a profile (stored by [`Casebook::join`] once the server has bound them).
    pub fn device_identity(&self) -> Result<DeviceIdentity> {
        Ok(match trust::profile(self.store.conn())? {
            Some(p) => {
                let key = p
                    .key
                    .ok_or_else(|| Error::new(ErrorCode::Internal, "this device has no key"))?;
                DeviceIdentity {
                    device: p.device,
                    public_key: key.public().to_hex(),
                    offline_user: Some(p.owner),
                    key,
                }
            }
            None => {
                let key = crate::new_device_key();
                DeviceIdentity {
                    device: DeviceId(Uuid::now_v7()),
                    public_key: key.public().to_hex(),
                    offline_user: None,
                    key,
                }
            }
        })
    }

    /// Joins the team a server signed `identity` in to: the profile (when the data directory had none), the team
    /// link with the session's token, and the team's directory device as the anchor of trust. `login` calls it after
    /// signing in over HTTPS; tests call it with a session made by an in-process server.
    pub fn join(
        &mut self,
        identity: &DeviceIdentity,
        session: &Session,
        ca_pem: Option<String>,
        server_url: &str,
    ) -> Result<()> {
        let anchor = PublicKey::from_hex(&session.team.directory_key).map_err(|e| {
            Error::new(
                ErrorCode::Integrity,
                format!("the server sent an unreadable directory key: {e}"),
            )
        })?;
        let now = self.now().timestamp_micros();
        let tx = self.store.write()?;
        match trust::profile(&tx)? {
            None => {
                casebook_store::append::set_profile(&tx, identity.device, session.account.user)?;
                trust::set_device_key(&tx, &identity.key, 1)?;
            }
            Some(p) if p.device != identity.device => {
                return Err(Error::conflict(
                    "this data directory's profile changed during the sign-in; sign in again",
                ));
            }
            Some(_) => {}
        }
        team::set_link(
            &tx,
            &TeamLink {
                server_url: server_url.to_string(),
                ca_cert_pem: ca_pem,
                team_id: session.team.id.to_string(),
                team_name: session.team.name.clone(),
                account_user: session.account.user,
                email: session.account.email.clone(),
                token: Some(session.token.clone()),
                token_expires_us: Some(session.expires_at.timestamp_micros()),
                epoch: None,
                cursor: 0,
                server_frontier: 0,
                last_sync_us: None,
                last_error: None,
            },
        )?;
        team::trust_anchor(&tx, session.team.directory_device, &anchor, now)?;
        tx.commit().map_err(casebook_store::StoreError::from)?;
        Ok(())
    }

    /// Signs out: the server forgets this device's token (when it can be reached) and so does this laptop. Work
    /// made here stays, and goes up after the next login.
    pub fn logout(&mut self) -> Result<bool> {
        let Some(link) = team::link(self.store.conn())? else {
            return Err(not_joined());
        };
        let told_server = match &link.token {
            Some(token) => Client::new(
                &link.server_url,
                link.ca_cert_pem.as_deref().map(str::as_bytes),
                Some(token.clone()),
            )
            .and_then(|c| c.sign_out())
            .is_ok(),
            None => false,
        };
        let tx = self.store.write()?;
        team::clear_token(&tx)?;
        tx.commit().map_err(casebook_store::StoreError::from)?;
        Ok(told_server)
    }

    fn client(&self) -> Result<(TeamLink, Client)> {
        let link = team::link(self.store.conn())?.ok_or_else(not_joined)?;
        let token = link.token.clone().ok_or_else(|| {
            Error::new(
                ErrorCode::Unauthenticated,
                format!(
                    "signed out of team {:?}; casebook login {} --user {}",
                    link.team_name, link.server_url, link.email
                ),
            )
        })?;
        let client = Client::new(
            &link.server_url,
            link.ca_cert_pem.as_deref().map(str::as_bytes),
            Some(token),
        )
        .map_err(sync_error)?;
        Ok((link, client))
    }

    /// Pushes what the server lacks, then pulls what this laptop lacks. Being offline is an error that changes
    /// nothing: the work waits here.
    pub fn sync(&mut self, progress: &dyn Fn(SyncStep)) -> Result<SyncReport> {
        let (_, client) = self.client()?;
        self.sync_through(&client, progress)
    }

    /// Syncs through any [`Remote`]: the HTTPS client in use, or a test's in-process server with faults between.
    /// The attempt's outcome is recorded either way (`sync status` shows the last error).
    pub fn sync_through(
        &mut self,
        remote: &dyn Remote,
        progress: &dyn Fn(SyncStep),
    ) -> Result<SyncReport> {
        let result = self.sync_with(remote, progress);
        let now = self.now().timestamp_micros();
        let tx = self.store.write()?;
        team::record_attempt(&tx, now, result.as_ref().err().map(|e| e.message.as_str()))?;
        tx.commit().map_err(casebook_store::StoreError::from)?;
        result
    }

    fn sync_with(
        &mut self,
        client: &dyn Remote,
        progress: &dyn Fn(SyncStep),
    ) -> Result<SyncReport> {
        let profile = trust::profile(self.store.conn())?.ok_or_else(crate::not_initialized)?;
        let link = team::link(self.store.conn())?.ok_or_else(not_joined)?;
        let mut report = SyncReport {
            server: link.server_url.clone(),
            ..Default::default()
        };
        let remote = client.frontiers().map_err(sync_error)?;
        let cursor = Cursor {
            epoch: link.epoch.as_deref().and_then(|e| e.parse().ok()),
            position: link.cursor,
        };
        let local = BTreeMap::from([(
            profile.device,
            team::contiguous_head(self.store.conn(), profile.device)?,
        )]);
        let plan = casebook_sync::plan(&local, cursor, &remote);
        report.restarted = plan.restarted;
        for range in &plan.push {
            if !self.push_range(client, range, &mut report, progress)? {
                report.read_only = true;
                break;
            }
        }
        if !report.read_only {
            self.upload_blobs(client, profile.device, &mut report, progress)?;
        }
        self.pull_from(client, plan.pull_after, remote.epoch, &mut report, progress)?;
        report.conflicts = team::open_conflicts(self.store.conn())?;
        Ok(report)
    }

    /// Pushes one device's events in batches; `false` when the account may not push at all.
    fn push_range(
        &mut self,
        client: &dyn Remote,
        range: &casebook_sync::PushRange,
        report: &mut SyncReport,
        progress: &dyn Fn(SyncStep),
    ) -> Result<bool> {
        let total = range.through - range.after;
        let mut after = range.after;
        while after < range.through {
            let batch = team::own_events(
                self.store.conn(),
                range.device,
                after,
                range.through,
                limits::PUSH_EVENTS,
                limits::PUSH_TARGET_BYTES,
            )?;
            let Some(&(last, _)) = batch.last() else {
                break;
            };
            let raw: Vec<Box<RawValue>> = batch
                .into_iter()
                .map(|(_, json)| RawValue::from_string(json))
                .collect::<Result<_, _>>()
                .map_err(|e| Error::new(ErrorCode::Internal, format!("encoding an event: {e}")))?;
            let result = match client.push(raw) {
                Ok(r) => r,
                Err(SyncError::Server(b)) if b.code == WireCode::Forbidden => return Ok(false),
                Err(e) => return Err(sync_error(e)),
            };
            let now = self.now().timestamp_micros();
            let tx = self.store.write()?;
            for o in &result.outcomes {
                match &o.verdict {
                    Verdict::Admitted { .. } => report.pushed += 1,
                    Verdict::Duplicate => report.already_on_server += 1,
                    Verdict::Fork { reason } => {
                        report.forks += 1;
                        team::record_verdict(&tx, &o.id.to_string(), "fork", None, reason, now)?;
                    }
                    Verdict::Refused { code, reason } => {
                        report.refused += 1;
                        team::record_verdict(
                            &tx,
                            &o.id.to_string(),
                            "refused",
                            Some(code.as_str()),
                            reason,
                            now,
                        )?;
                    }
                }
            }
            team::set_server_frontier(&tx, last)?;
            tx.commit().map_err(casebook_store::StoreError::from)?;
            after = last;
            progress(SyncStep::Pushing {
                done: after - range.after,
                total,
            });
        }
        Ok(true)
    }

    fn upload_blobs(
        &mut self,
        client: &dyn Remote,
        device: DeviceId,
        report: &mut SyncReport,
        progress: &dyn Fn(SyncStep),
    ) -> Result<()> {
        use std::io::{Read, Seek};
        let wanted = team::blobs_to_upload(self.store.conn(), device)?;
        let total = wanted.len() as u64;
        for (i, (sha, _size)) in wanted.into_iter().enumerate() {
            let status = match client.blob_status(&sha) {
                Ok(s) => s,
                // Not named by any event the server holds (its event was refused): nothing to send.
                Err(SyncError::Server(b)) if b.code == WireCode::NotFound => continue,
                Err(e) => return Err(sync_error(e)),
            };
            if !status.complete {
                let path = self.blobs.path_of(&sha);
                let mut file = std::fs::File::open(&path).map_err(crate::error::io(format!(
                    "cannot read evidence file {}",
                    path.display()
                )))?;
                file.seek(std::io::SeekFrom::Start(status.received))
                    .map_err(crate::error::io("reading an evidence file"))?;
                let mut offset = status.received;
                let mut chunk = vec![0u8; 4 * 1024 * 1024];
                while offset < status.size {
                    let n = file
                        .read(&mut chunk)
                        .map_err(crate::error::io("reading an evidence file"))?;
                    if n == 0 {
                        return Err(Error::new(
                            ErrorCode::Integrity,
                            format!("evidence file {sha} is shorter here than its record says"),
                        ));
                    }
                    client
                        .blob_upload(&sha, offset, &chunk[..n])
                        .map_err(sync_error)?;
                    offset += n as u64;
                }
                report.blobs_uploaded += 1;
            }
            let now = self.now().timestamp_micros();
            let tx = self.store.write()?;
            team::blob_on_server(&tx, &sha, now)?;
            tx.commit().map_err(casebook_store::StoreError::from)?;
            progress(SyncStep::Uploading {
                done: i as u64 + 1,
                total,
            });
        }
        Ok(())
    }

    /// Pulls pages after `after`, each applied in its own transaction with the cursor, so an interrupted pull
    /// resumes where it stopped.
    fn pull_from(
        &mut self,
        client: &dyn Remote,
        mut after: u64,
        epoch: Uuid,
        report: &mut SyncReport,
        progress: &dyn Fn(SyncStep),
    ) -> Result<()> {
        loop {
            let page = client.pull(after, limits::PULL_PAGE).map_err(sync_error)?;
            if page.epoch != epoch {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    "the team server was restored from a backup during this sync; sync again",
                ));
            }
            if page.events.is_empty() {
                if page.head > after {
                    return Err(sync_error(SyncError::Protocol(format!(
                        "the server's log reaches {} but it sent nothing after {after}",
                        page.head
                    ))));
                }
                break;
            }
            let mut events = Vec::with_capacity(page.events.len());
            for (i, relayed) in page.events.iter().enumerate() {
                // Gapless positions: a missing one means a page was cut short, never that an event may be skipped.
                if relayed.position != after + 1 + i as u64 {
                    return Err(sync_error(SyncError::Protocol(format!(
                        "position {} came where {} was expected",
                        relayed.position,
                        after + 1 + i as u64
                    ))));
                }
                let wire: WireEvent = serde_json::from_str(relayed.event.get()).map_err(|e| {
                    sync_error(SyncError::Protocol(format!(
                        "event at {}: {e}",
                        relayed.position
                    )))
                })?;
                let event = Event::try_from(wire)
                    .map_err(|e| Error::new(ErrorCode::NewerVersion, e.to_string()))?;
                events.push(event);
            }
            let last = after + events.len() as u64;
            let now = self.now().timestamp_micros();
            let tx = self.store.write()?;
            let mut arrivals = Arrivals::new(&tx, now, "team server")?;
            for e in &events {
                match arrivals.append(e)? {
                    Arrival::Applied(_) => report.pulled += 1,
                    Arrival::Duplicate => {}
                    Arrival::Fork { .. } | Arrival::ReusedId => report.forks += 1,
                    Arrival::Refused(_) => report.refused_here += 1,
                }
            }
            arrivals.finish()?;
            team::set_cursor(&tx, &epoch.to_string(), last)?;
            tx.commit().map_err(casebook_store::StoreError::from)?;
            after = last;
            progress(SyncStep::Pulling {
                position: after,
                head: page.head,
            });
            if after >= page.head {
                break;
            }
        }
        Ok(())
    }

    /// Where this laptop stands with its team; `ask_server` also checks that the server answers.
    pub fn sync_status(&self, ask_server: bool) -> Result<SyncStatus> {
        let conn = self.store.conn();
        let link = team::link(conn)?;
        let profile = trust::profile(conn)?;
        let verdicts = team::verdicts(conn)?;
        let waiting = match (&link, &profile) {
            (Some(l), Some(p)) => team::waiting(conn, p.device, l.server_frontier)?,
            _ => 0,
        };
        let reachable = match (&link, ask_server) {
            (Some(l), true) if l.token.is_some() => Some(
                self.client()
                    .and_then(|(_, c)| c.frontiers().map_err(sync_error))
                    .is_ok(),
            ),
            _ => None,
        };
        Ok(SyncStatus {
            server: link.as_ref().map(|l| l.server_url.clone()),
            team: link.as_ref().map(|l| l.team_name.clone()),
            account: link.as_ref().map(|l| l.email.clone()),
            signed_in: link.as_ref().is_some_and(|l| l.token.is_some()),
            reachable,
            waiting,
            last_sync: link
                .as_ref()
                .and_then(|l| l.last_sync_us)
                .and_then(DateTime::from_timestamp_micros),
            last_error: link.as_ref().and_then(|l| l.last_error.clone()),
            conflicts: team::open_conflicts(conn)?,
            refused: verdicts.len() as u64,
            verdicts,
        })
    }

    /// This laptop's convergence digest of an incident, to compare with the server's.
    pub fn incident_digest(&self, key_or_id: &str) -> Result<(IncidentId, SetDigest)> {
        let id = self.resolve(key_or_id)?;
        Ok((id, team::incident_digest(self.store.conn(), id)?))
    }

    /// The server's digest of an incident.
    pub fn server_digest(&self, incident: IncidentId) -> Result<SetDigest> {
        let (_, client) = self.client()?;
        Ok(client.digest(incident).map_err(sync_error)?.digest)
    }

    /// The account this laptop is signed in as, when it joined a team.
    pub fn team_account(&self) -> Result<Option<UserId>> {
        Ok(team::link(self.store.conn())?.map(|l| l.account_user))
    }
}

fn not_joined() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "this laptop has not joined a team: casebook login https://SERVER:8443 --user YOU@EXAMPLE --password-stdin --ca-cert cert.pem",
    )
}
