//! Joining and leaving a team: `login` (the server's certificate checked as the person decided, the device bound
//! to the account, the team's directory device trusted as the anchor), `logout` and `forget_team`.

use std::path::Path;

use casebook_core::signing::PublicKey;
use casebook_core::DeviceId;
use casebook_protocol::{Session, SignIn};
use casebook_store::team::{self, TeamLink};
use casebook_store::trust;
use casebook_sync::Client;
use uuid::Uuid;

use crate::server_trust::ServerTrust;
use crate::sync::{not_joined, sync_error, DeviceIdentity, ForgetReport, LoginReport, SyncStep};
use crate::{Casebook, Error, ErrorCode, Hint, Result};

fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && h.len() < 100 && !h.chars().any(char::is_control))
        .unwrap_or_else(|| "laptop".into())
}

/// Reads a CA or certificate file the person named; small, or it is not a certificate.
pub(crate) fn read_ca(path: &Path) -> Result<String> {
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
    /// offline keeps all its work, bound to the account by the server. Then syncs once. `trust` says which
    /// certificate the server must present ([`Casebook::server_certificate`] shows it first); with
    /// [`ServerTrust::Pinned`], a server presenting another one is refused before the password is sent.
    pub fn login(
        &mut self,
        server: &str,
        email: &str,
        password: &str,
        trust: &ServerTrust,
        progress: &dyn Fn(SyncStep),
    ) -> Result<LoginReport> {
        if let Some(link) = team::link(self.store.conn())? {
            if link.server_url.trim_end_matches('/') != server.trim().trim_end_matches('/') {
                return Err(Error::conflict(format!(
                    "this laptop belongs to team {:?} on {}; another team needs a data directory of its own",
                    link.team_name, link.server_url
                ))
                .hint(Hint::OtherDataDirectory));
            }
        }
        // Before the password leaves: a pin is checked against what the server presents now, and the sign-in
        // itself then trusts only that certificate.
        let ca_pem = self.trust_pem(server, trust)?;
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
        // A laptop that forgot its team keeps that team's directory: it may join that team again, no other.
        if team::link(&tx)?.is_none()
            && team::anchors(&tx)?
                .iter()
                .any(|a| *a != session.team.directory_device)
        {
            return Err(Error::conflict(
                "this data directory holds another team's cases and directory; this team needs a data directory of its own",
            )
            .hint(Hint::OtherDataDirectory));
        }
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

    /// Forgets the team on this laptop (`casebook logout --forget`): signs out as [`Casebook::logout`] does, then
    /// removes the team link, so the laptop is no longer a member and syncs no more. Every event and evidence file
    /// stays. The team's directory stays this laptop's directory (the events it admitted stay admitted, and the
    /// laptop does not become its own directory again), so the laptop may later sign in to the same team, and to no
    /// other. `unsynced` counts this laptop's events the server never got: they stay here only.
    pub fn forget_team(&mut self) -> Result<ForgetReport> {
        let link = team::link(self.store.conn())?.ok_or_else(not_joined)?;
        let profile = trust::profile(self.store.conn())?.ok_or_else(crate::not_initialized)?;
        let unsynced = team::waiting(self.store.conn(), profile.device, link.server_frontier)?;
        let told_server = self.logout()?;
        let tx = self.store.write()?;
        team::forget(&tx)?;
        tx.commit().map_err(casebook_store::StoreError::from)?;
        Ok(ForgetReport {
            unsynced,
            told_server,
        })
    }
}
