//! Working with the team: `sync` (push, then pull), `sync_status`, the per-incident convergence digest and the
//! change stream (`watch_team`); the types of joining and leaving too (`membership` holds `login`, `logout` and
//! `forget_team`). Planning is `casebook_sync::plan`'s, the HTTP is `casebook_sync::Client`'s; this module only
//! reads and writes the store between network calls, never holding a transaction across one.

use std::collections::BTreeMap;

use casebook_core::digest::SetDigest;
use casebook_core::event::WireEvent;
use casebook_core::signing::DeviceKey;
use casebook_core::{DeviceId, Event, IncidentId, UserId};
use casebook_protocol::{limits, ErrorCode as WireCode, Verdict};
use casebook_store::arrival::{Arrival, Arrivals};
use casebook_store::team::{self, ServerVerdict, TeamLink};
use casebook_store::trust;
use casebook_sync::{Client, Cursor, Remote, SyncError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::{Casebook, Error, ErrorCode, Hint, Result};

pub use crate::server_trust::{CaFilePath, ServerCertificate, ServerTrust};

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
    /// The fingerprint of the certificate this laptop trusts for its server (pinned, or the first of its CA file);
    /// `None` when it trusts the system's roots or has not joined.
    pub fingerprint: Option<String>,
}

/// What forgetting the team did (`forget_team`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ForgetReport {
    /// This laptop's events the server never got; they stay on this laptop only.
    pub unsynced: u64,
    /// Whether the server was reached to end this device's sign-in (otherwise its token expires on its own).
    pub told_server: bool,
}

/// The device a laptop signs in as (see [`Casebook::device_identity`]).
pub struct DeviceIdentity {
    pub device: DeviceId,
    /// The public half of the device's key, hex: what the server binds to the account.
    pub public_key: String,
    /// The profile's owner when the laptop already had one (its offline work keeps this author).
    pub offline_user: Option<UserId>,
    pub(crate) key: DeviceKey,
}

/// Progress of a sync, for a bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStep {
    Pushing { done: u64, total: u64 },
    Pulling { position: u64, head: u64 },
    Uploading { done: u64, total: u64 },
}

pub(crate) fn sync_error(e: SyncError) -> Error {
    let code = match &e {
        SyncError::Offline { .. } => ErrorCode::Offline,
        SyncError::Tls(_) => ErrorCode::InvalidInput,
        SyncError::CertificateChanged { .. } => ErrorCode::Integrity,
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
            format!("{}; sign in again", b.message)
        }
        other => other.to_string(),
    };
    Error::with_source(code, message, e)
}

impl Casebook {
    pub(crate) fn client(&self) -> Result<(TeamLink, Client)> {
        let link = team::link(self.store.conn())?.ok_or_else(not_joined)?;
        let token = link.token.clone().ok_or_else(|| {
            Error::new(
                ErrorCode::Unauthenticated,
                format!("signed out of team {:?}", link.team_name),
            )
            .hint(Hint::SignIn {
                server: link.server_url.clone(),
                email: link.email.clone(),
            })
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
        // The server's word on how far it holds this device's events. A push whose answer was lost (the laptop or
        // the server killed after the server stored it) is known to have landed only from here: nothing is left to
        // push, and without this the laptop would show those events as waiting until its next push.
        if let Some(held) = remote.devices.iter().find(|f| f.device == profile.device) {
            if held.contiguous != link.server_frontier {
                let tx = self.store.write()?;
                team::set_server_frontier(&tx, held.contiguous)?;
                tx.commit().map_err(casebook_store::StoreError::from)?;
            }
        }
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
        use std::io::Read;
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
                let Some(mut file) = self.blobs.open_blob(&sha)? else {
                    return Err(Error::new(
                        ErrorCode::Integrity,
                        format!("evidence file {sha} is not in this laptop's evidence store"),
                    ));
                };
                file.seek_plain(status.received)
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
                events.push((event, relayed.received_at.timestamp_micros()));
            }
            let last = after + events.len() as u64;
            let now = self.now().timestamp_micros();
            let tx = self.store.write()?;
            let mut arrivals = Arrivals::new(&tx, now, "team server")?;
            // Every event is judged with the server's receipt time, this laptop's own too: its clock counts as far
            // ahead by that time alone, the same on every replica.
            for (e, received_us) in &events {
                match arrivals.append_relayed(e, *received_us)? {
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
            fingerprint: link
                .as_ref()
                .and_then(|l| l.ca_cert_pem.as_deref())
                .and_then(|pem| casebook_sync::certificate::fingerprints(pem.as_bytes()).ok())
                .and_then(|fps| fps.into_iter().next()),
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

    /// Follows the team server's change stream until `on_tick` returns `false` (then `Ok`): `on_tick` is called
    /// whenever the server's log holds what this laptop has not pulled (at once when it is already ahead, then at
    /// every advance), typically to sync. A dropped connection is `Offline`, for the caller to back off and call
    /// again. It holds `&self` while it waits: a caller that keeps working meanwhile takes a [`TeamWatcher`].
    pub fn watch_team(&self, on_tick: &mut dyn FnMut() -> bool) -> Result<()> {
        self.team_watcher()?.watch(on_tick)
    }

    /// The change stream of this laptop's team, to follow on a thread of its own (see [`TeamWatcher::watch`]).
    pub fn team_watcher(&self) -> Result<TeamWatcher> {
        let (link, client) = self.client()?;
        Ok(TeamWatcher {
            client,
            pulled: link.cursor,
        })
    }

    /// The account this laptop is signed in as, when it joined a team.
    pub fn team_account(&self) -> Result<Option<UserId>> {
        Ok(team::link(self.store.conn())?.map(|l| l.account_user))
    }
}

/// The team server's change stream, apart from the [`Casebook`] that opened it (which may go on syncing meanwhile).
pub struct TeamWatcher {
    client: Client,
    /// Where this laptop's pull stood when the watcher was made.
    pulled: u64,
}

impl TeamWatcher {
    /// Blocks on the stream, calling `on_tick` each time the server's log moves past what was last seen (at first,
    /// this laptop's pull position); `Ok` once `on_tick` returns `false`, `Offline` when the connection ends.
    pub fn watch(&self, on_tick: &mut dyn FnMut() -> bool) -> Result<()> {
        let mut seen = self.pulled;
        let mut stopped = false;
        self.client
            .watch(|tick| {
                // The server sends its head on connecting, then at each growth; a restored server's head may be
                // below this laptop's cursor, which is news too.
                if tick.head == seen {
                    return true;
                }
                seen = tick.head;
                stopped = !on_tick();
                !stopped
            })
            .map_err(sync_error)?;
        if stopped {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::Offline,
                format!(
                    "the team server at {} closed its change stream; try again in a moment",
                    self.client.base()
                ),
            ))
        }
    }
}

pub(crate) fn not_joined() -> Error {
    Error::new(ErrorCode::NotFound, "this laptop has not joined a team").hint(Hint::JoinTeam)
}
