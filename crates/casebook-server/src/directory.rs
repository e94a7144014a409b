//! The team directory: accounts, devices, and the events that tell every laptop who is who.
//!
//! The server holds one signing key per team (its *directory device*). Every directory change (an account added,
//! a role changed, a device bound at sign-in) becomes a `UserRegistered` or `DeviceBound` event signed with that
//! key and appended to the team's log, so laptops learn roles and device keys by the same sync and judge them by
//! the same admission rule: a laptop that joins trusts the directory device as its anchor, and no laptop can grant
//! itself a role.

use casebook_core::model::{Role, Tier};
use casebook_core::signing::{DeviceKey, PublicKey};
use casebook_core::{DeviceId, Payload, UserId};
use casebook_protocol::{Account, AccountChange, Device, NewAccount, TeamId};
use casebook_server_storage::{AccountRow, DeviceRow, LogTx, Storage, StorageError, TeamRow};
use uuid::Uuid;

use crate::auth::{check_password_strength, hash_password};
use crate::chain::{global_row, Chain};
use crate::{ApiError, ApiResult};

/// Whether a role and a tier fit together: responders have a tier, nobody else does.
pub fn check_role(role: Role, tier: Option<Tier>) -> ApiResult<()> {
    match (role, tier) {
        (Role::Responder, Some(_)) | (Role::Lead | Role::Auditor | Role::Admin, None) => Ok(()),
        (Role::Responder, None) => Err(ApiError::invalid("a responder needs a tier (1, 2 or 3)")),
        // An integration is a SIEM's account, made with its own device key by the integration intake, not a person.
        (Role::Integration, None) => Err(ApiError::invalid(
            "an integration is not a person's account; register it as an integration",
        )),
        (_, Some(_)) => Err(ApiError::invalid("only responders have a tier")),
    }
}

fn normalize_email(email: &str) -> ApiResult<String> {
    let e = email.trim().to_lowercase();
    if e.len() > 254
        || !e.contains('@')
        || e.starts_with('@')
        || e.ends_with('@')
        || e.chars().any(char::is_whitespace)
    {
        return Err(ApiError::invalid(format!(
            "{email:?} is not an e-mail address"
        )));
    }
    Ok(e)
}

pub(crate) fn check_name(name: &str) -> ApiResult<String> {
    let n = name.trim();
    if n.is_empty() || n.len() > 200 || n.chars().any(char::is_control) {
        return Err(ApiError::invalid("a name is one line of up to 200 bytes"));
    }
    Ok(n.to_string())
}

pub fn account_view(a: &AccountRow) -> Account {
    Account {
        user: a.user,
        email: a.email.clone(),
        name: a.name.clone(),
        role: a.role,
        tier: a.tier,
        disabled: a.disabled,
    }
}

pub fn device_view(d: &DeviceRow) -> Device {
    Device {
        device: d.device,
        user: d.user,
        name: d.name.clone(),
        fingerprint: PublicKey::from_hex(&d.public_key)
            .map(|k| k.fingerprint())
            .unwrap_or_else(|_| "unreadable key".into()),
        revoked: d.revoked,
        last_seen: d
            .last_seen_us
            .and_then(chrono::DateTime::from_timestamp_micros),
    }
}

/// Appends a directory event signed by the team's directory key, chained to its previous one.
pub(crate) async fn mint(
    tx: &mut dyn LogTx,
    team: &TeamRow,
    author: UserId,
    payload: Payload,
    now_us: i64,
) -> ApiResult<u64> {
    let key = DeviceKey::from_secret_hex(&team.directory_secret)
        .map_err(|e| StorageError::Corrupt(format!("the team's directory key: {e}")))?;
    let mut chain = Chain::load(tx, team.directory_device, key).await?;
    let (event, raw) = chain.seal(author, payload, now_us)?;
    let position = tx.append(&global_row(&event, raw, now_us)).await?;
    tx.set_frontier(chain.device(), chain.seq()).await?;
    Ok(position)
}

fn registration(a: &AccountRow, user: UserId) -> Payload {
    Payload::UserRegistered {
        user,
        name: a.name.clone(),
        role: a.role,
        tier: a.tier,
    }
}

/// Creates a team with its first admin. The team's directory key is made here and never leaves the server.
pub async fn create_team(
    storage: &dyn Storage,
    name: &str,
    admin_email: &str,
    admin_name: &str,
    password: &str,
    now_us: i64,
) -> ApiResult<(TeamRow, AccountRow)> {
    let name = check_name(name)?;
    let email = normalize_email(admin_email)?;
    check_password_strength(password)?;
    let key = DeviceKey::from_secret(rand::random());
    let team = TeamRow {
        id: TeamId(Uuid::now_v7()),
        name,
        epoch: Uuid::now_v7(),
        directory_device: DeviceId(Uuid::now_v7()),
        directory_secret: key.secret_hex(),
        created_us: now_us,
    };
    let admin = AccountRow {
        team: team.id,
        user: UserId(Uuid::now_v7()),
        email,
        name: check_name(admin_name)?,
        role: Role::Admin,
        tier: None,
        password_hash: hash_password(password).map_err(internal)?,
        disabled: false,
        created_us: now_us,
    };
    if storage.account_by_email(&admin.email).await?.is_some() {
        return Err(StorageError::Conflict(format!("an account for {}", admin.email)).into());
    }
    storage.create_team(&team).await?;
    storage.create_account(&admin).await?;
    let mut tx = storage.begin(team.id).await?;
    mint(
        &mut *tx,
        &team,
        admin.user,
        registration(&admin, admin.user),
        now_us,
    )
    .await?;
    tx.commit().await?;
    Ok((team, admin))
}

pub(crate) fn internal(e: anyhow::Error) -> ApiError {
    tracing::error!(error = %e, "internal error");
    ApiError::new(
        casebook_protocol::ErrorCode::Internal,
        "the server could not complete this; see its log",
    )
}

pub(crate) async fn team_row(storage: &dyn Storage, team: TeamId) -> ApiResult<TeamRow> {
    storage
        .team(team)
        .await?
        .ok_or_else(|| ApiError::not_found("the team"))
}

/// Adds an account on behalf of `by` (an admin) and tells the team.
pub async fn add_account(
    storage: &dyn Storage,
    team: TeamId,
    by: UserId,
    new: NewAccount,
    now_us: i64,
) -> ApiResult<AccountRow> {
    check_role(new.role, new.tier)?;
    check_password_strength(&new.password)?;
    let team = team_row(storage, team).await?;
    let account = AccountRow {
        team: team.id,
        user: UserId(Uuid::now_v7()),
        email: normalize_email(&new.email)?,
        name: check_name(&new.name)?,
        role: new.role,
        tier: new.tier,
        password_hash: hash_password(&new.password).map_err(internal)?,
        disabled: false,
        created_us: now_us,
    };
    storage.create_account(&account).await?;
    let mut tx = storage.begin(team.id).await?;
    mint(
        &mut *tx,
        &team,
        by,
        registration(&account, account.user),
        now_us,
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

/// Changes an account's role, tier or state; a new role reaches every laptop as a directory event (for the account
/// and for the offline profiles bound to it).
pub async fn change_account(
    storage: &dyn Storage,
    team: TeamId,
    by: UserId,
    user: UserId,
    change: AccountChange,
    now_us: i64,
) -> ApiResult<AccountRow> {
    let team = team_row(storage, team).await?;
    let mut account = storage
        .account(team.id, user)
        .await?
        .ok_or_else(|| ApiError::not_found("the account"))?;
    let before = account.clone();
    if let Some(role) = change.role {
        account.role = role;
        if role != Role::Responder && change.tier.is_none() {
            account.tier = None;
        }
    }
    if let Some(tier) = change.tier {
        account.tier = tier;
    }
    check_role(account.role, account.tier)?;
    if let Some(disabled) = change.disabled {
        if disabled && user == by {
            return Err(ApiError::invalid(
                "an admin cannot disable their own account",
            ));
        }
        account.disabled = disabled;
    }
    storage.update_account(&account).await?;
    if (account.role, account.tier) != (before.role, before.tier) {
        let aliases: Vec<UserId> = storage
            .devices(team.id)
            .await?
            .into_iter()
            .filter(|d| d.user == user)
            .filter_map(|d| d.alias)
            .collect();
        let mut tx = storage.begin(team.id).await?;
        mint(
            &mut *tx,
            &team,
            by,
            registration(&account, account.user),
            now_us,
        )
        .await?;
        for alias in aliases {
            mint(&mut *tx, &team, by, registration(&account, alias), now_us).await?;
        }
        tx.commit().await?;
    }
    if account.disabled && !before.disabled {
        for d in storage
            .devices(team.id)
            .await?
            .into_iter()
            .filter(|d| d.user == user)
        {
            storage.delete_device_tokens(team.id, d.device).await?;
        }
    }
    Ok(account)
}

/// Revokes a device: its tokens stop working at once and it cannot sign in again.
pub async fn revoke_device(
    storage: &dyn Storage,
    team: TeamId,
    device: DeviceId,
) -> ApiResult<DeviceRow> {
    let mut row = storage
        .device(team, device)
        .await?
        .ok_or_else(|| ApiError::not_found("the device"))?;
    row.revoked = true;
    storage.put_device(&row).await?;
    storage.delete_device_tokens(team, device).await?;
    Ok(row)
}

/// Binds a signing-in device to its account (and the laptop's offline profile to the account, when it has one),
/// telling the team with directory events. Refuses a device already bound elsewhere or with another key.
pub async fn bind_device(
    storage: &dyn Storage,
    account: &AccountRow,
    device: DeviceId,
    public_key: &str,
    device_name: &str,
    offline_user: Option<UserId>,
    now_us: i64,
) -> ApiResult<DeviceRow> {
    let key = PublicKey::from_hex(public_key)
        .map_err(|e| ApiError::invalid(format!("the device key: {e}")))?;
    let team = team_row(storage, account.team).await?;
    let alias = offline_user.filter(|u| *u != account.user);
    if let Some(alias) = alias {
        // An offline profile binds to one account only, and never to an id the directory gives someone else.
        if storage.account(team.id, alias).await?.is_some()
            || storage
                .devices(team.id)
                .await?
                .iter()
                .any(|d| d.alias == Some(alias) && d.user != account.user)
        {
            return Err(ApiError::new(
                casebook_protocol::ErrorCode::Conflict,
                "this laptop's offline profile belongs to another account of the team",
            ));
        }
    }
    let existing = storage.device(team.id, device).await?;
    if let Some(d) = &existing {
        if d.revoked {
            return Err(ApiError::forbidden(
                "this device was revoked by an admin and may not sign in again",
            ));
        }
        if d.user != account.user {
            return Err(ApiError::new(
                casebook_protocol::ErrorCode::Conflict,
                "this device is bound to another account",
            ));
        }
        if d.public_key != key.to_hex() {
            return Err(ApiError::new(
                casebook_protocol::ErrorCode::Conflict,
                "this device signed in before with another key; an admin must revoke it first",
            ));
        }
    }
    let row = DeviceRow {
        team: team.id,
        device,
        user: account.user,
        alias: alias.or(existing.as_ref().and_then(|d| d.alias)),
        name: check_name(device_name)?,
        public_key: key.to_hex(),
        revoked: false,
        created_us: existing.as_ref().map_or(now_us, |d| d.created_us),
        last_seen_us: Some(now_us),
    };
    let new_device = existing.is_none();
    let new_alias = alias.is_some() && existing.as_ref().and_then(|d| d.alias) != alias;
    if new_device || new_alias {
        let mut tx = storage.begin(team.id).await?;
        if new_device {
            let bound = Payload::DeviceBound {
                device,
                user: account.user,
                public_key: key.to_hex(),
            };
            mint(&mut *tx, &team, account.user, bound, now_us).await?;
        }
        if let (true, Some(alias)) = (new_alias, alias) {
            mint(
                &mut *tx,
                &team,
                account.user,
                registration(account, alias),
                now_us,
            )
            .await?;
            let bound = Payload::DeviceBound {
                device,
                user: alias,
                public_key: key.to_hex(),
            };
            mint(&mut *tx, &team, account.user, bound, now_us).await?;
        }
        tx.commit().await?;
    }
    storage.put_device(&row).await?;
    Ok(row)
}
