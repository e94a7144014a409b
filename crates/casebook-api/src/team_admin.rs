//! The team's accounts and devices as an admin manages them from a laptop, through the server's admin routes. The
//! server is the authority: it checks the caller's role (anyone but an admin gets `Forbidden` with its plain
//! message) and records every change as a signed directory event, which reaches the laptops at their next sync.
//! Nothing here is checked against the laptop's own copy of the directory, which may be behind.

use casebook_core::model::{Role, Tier};
use casebook_core::{DeviceId, UserId};
use casebook_protocol::{Account, Device, NewAccount};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::sync::sync_error;
use crate::{Casebook, Error, Result};

/// An account of the team, as the server holds it (never its password).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamAccount {
    pub user: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub tier: Option<Tier>,
    pub disabled: bool,
}

impl From<Account> for TeamAccount {
    fn from(a: Account) -> Self {
        TeamAccount {
            user: a.user,
            email: a.email,
            name: a.name,
            role: a.role,
            tier: a.tier,
            disabled: a.disabled,
        }
    }
}

/// A device bound to an account of the team.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamDevice {
    pub device: DeviceId,
    pub user: UserId,
    /// The account's e-mail address (when the account is listed).
    pub email: Option<String>,
    /// The name its owner gave it at sign-in (the laptop's host name).
    pub name: String,
    /// The device key's fingerprint, as `casebook whoami` shows it on that laptop.
    pub fingerprint: String,
    pub revoked: bool,
    pub last_seen: Option<DateTime<Utc>>,
    /// This is the laptop asking.
    pub this_device: bool,
}

/// An account to add.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewTeamAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Responders only: 1, 2 or 3.
    pub tier: Option<Tier>,
    /// The account's first password (the server holds it to its own length rule).
    pub password: String,
}

/// What to change of an account; an absent field stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountChange {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub role: Option<Role>,
    /// `Some(None)` (a `null` from the page) clears the tier, as when a responder becomes a lead.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub tier: Option<Option<Tier>>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub disabled: Option<bool>,
}

/// A field that is present, even as `null`, is `Some` (absent fields take the default, `None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl Casebook {
    /// Every account of the team (admins only).
    pub fn team_accounts(&self) -> Result<Vec<TeamAccount>> {
        let (_, client) = self.client()?;
        let accounts = client.accounts().map_err(sync_error)?;
        Ok(accounts.into_iter().map(TeamAccount::from).collect())
    }

    /// Adds an account to the team (admins only); its person signs in with it from their laptop.
    pub fn add_team_account(&self, input: NewTeamAccount) -> Result<TeamAccount> {
        let (_, client) = self.client()?;
        let added = client
            .add_account(&NewAccount {
                email: input.email.trim().to_string(),
                name: input.name.trim().to_string(),
                role: input.role,
                tier: input.tier,
                password: input.password,
            })
            .map_err(sync_error)?;
        Ok(added.into())
    }

    /// Changes the role or tier of the account with this e-mail address, or disables or enables it (admins only).
    pub fn change_team_account(&self, email: &str, change: AccountChange) -> Result<TeamAccount> {
        let (_, client) = self.client()?;
        let wanted = email.trim().to_lowercase();
        let account = client
            .accounts()
            .map_err(sync_error)?
            .into_iter()
            .find(|a| a.email.to_lowercase() == wanted)
            .ok_or_else(|| Error::not_found(format!("the team has no account {}", email.trim())))?;
        let changed = client
            .change_account(
                account.user,
                &casebook_protocol::AccountChange {
                    role: change.role,
                    tier: change.tier,
                    disabled: change.disabled,
                },
            )
            .map_err(sync_error)?;
        Ok(changed.into())
    }

    /// Every device bound to an account of the team, revoked ones included (admins only).
    pub fn team_devices(&self) -> Result<Vec<TeamDevice>> {
        let (_, client) = self.client()?;
        let devices = client.devices().map_err(sync_error)?;
        let accounts = client.accounts().map_err(sync_error)?;
        let here = casebook_store::trust::profile(self.store.conn())?.map(|p| p.device);
        Ok(devices
            .into_iter()
            .map(|d| device_view(d, &accounts, here))
            .collect())
    }

    /// Revokes a device (admins only): its sign-in stops working at once and it can no longer push.
    pub fn revoke_team_device(&self, device: DeviceId) -> Result<TeamDevice> {
        let (_, client) = self.client()?;
        let revoked = client.revoke_device(device).map_err(sync_error)?;
        let accounts = client.accounts().unwrap_or_default();
        let here = casebook_store::trust::profile(self.store.conn())?.map(|p| p.device);
        Ok(device_view(revoked, &accounts, here))
    }
}

fn device_view(d: Device, accounts: &[Account], here: Option<DeviceId>) -> TeamDevice {
    TeamDevice {
        email: accounts
            .iter()
            .find(|a| a.user == d.user)
            .map(|a| a.email.clone()),
        this_device: here == Some(d.device),
        device: d.device,
        user: d.user,
        name: d.name,
        fingerprint: d.fingerprint,
        revoked: d.revoked,
        last_seen: d.last_seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_change_tells_a_cleared_tier_from_an_untouched_one() {
        let untouched: AccountChange = serde_json::from_str(r#"{"role":"lead"}"#).unwrap();
        assert_eq!(untouched.tier, None, "an absent tier stays as it is");
        let cleared: AccountChange =
            serde_json::from_str(r#"{"role":"lead","tier":null}"#).unwrap();
        assert_eq!(cleared.tier, Some(None), "a null tier clears it");
        let set: AccountChange = serde_json::from_str(r#"{"tier":2}"#).unwrap();
        assert_eq!(set.tier, Some(Some(Tier::TWO)));
        assert_eq!(set.role, None);
    }
}
