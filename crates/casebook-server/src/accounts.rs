//! The HTTP face of sign-in and of the directory: sessions, the caller's own account, and the admins' account,
//! device and integration routes. Each handler checks the caller's role and calls one function of `directory`.

use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::Json;
use casebook_core::{DeviceId, UserId};
use casebook_protocol::routes::Access;
use casebook_protocol::{
    Account, AccountChange, Device, ErrorCode, Integration, IntegrationToken, NewAccount,
    NewIntegration, Session, SignIn, Team,
};
use casebook_server_storage::TokenRow;

use crate::auth::{new_token, token_hash, verify_password, Caller};
use crate::directory::{self, account_view, device_view};
use crate::integrations;
use crate::{ApiError, ApiResult, ServerState, TOKEN_LIFETIME_US};

pub async fn sign_in(
    State(s): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Json(req): Json<SignIn>,
) -> ApiResult<Json<Session>> {
    let now = s.now_us();
    let email = req.email.trim().to_lowercase();
    // Two keys: the address (someone guessing one person's password from many places) and the client.
    let keys = [
        (format!("email:{email}"), crate::auth::SIGN_IN_FAILURES),
        (
            format!("peer:{}", peer.ip()),
            crate::auth::SIGN_IN_FAILURES_PER_CLIENT,
        ),
    ];
    for (k, max) in &keys {
        if let Err(wait) = s.sign_ins.check(k, *max, now) {
            s.metrics.rate_limited();
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                format!("too many wrong passwords; try again in {wait} seconds"),
            ));
        }
    }
    let account = s.storage.account_by_email(&email).await?;
    let password = req.password.clone();
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    // Argon2 takes tens of milliseconds of CPU and 19 MiB: off the async workers, one per core at a time.
    let ok = s
        .password_checks
        .run(move || match hash {
            Some(h) => verify_password(&password, &h),
            None => {
                // Spend the same time for an unknown address, so timing does not tell which addresses exist.
                let _ = crate::auth::hash_password(&password);
                false
            }
        })
        .await
        .unwrap_or(false);
    let Some(account) = account.filter(|_| ok) else {
        for (k, _) in &keys {
            s.sign_ins.failed(k, now);
        }
        s.metrics.sign_in_failed();
        tracing::info!("sign-in refused: wrong e-mail or password");
        return Err(ApiError::unauthenticated(
            "wrong e-mail address or password",
        ));
    };
    if account.disabled {
        return Err(ApiError::forbidden(
            "this account is disabled; ask your team's admin",
        ));
    }
    for (k, _) in &keys {
        s.sign_ins.succeeded(k);
    }
    let device = directory::bind_device(
        &*s.storage,
        &account,
        req.device,
        &req.public_key,
        &req.device_name,
        req.offline_user,
        now,
    )
    .await?;
    let team = s
        .storage
        .team(account.team)
        .await?
        .ok_or_else(|| ApiError::not_found("the team"))?;
    let token = new_token();
    let expires_us = now + TOKEN_LIFETIME_US;
    s.storage
        .put_token(&TokenRow {
            token_hash: token_hash(&token),
            team: team.id,
            device: device.device,
            user: account.user,
            created_us: now,
            expires_us,
        })
        .await?;
    tracing::info!(team = %team.id, device = %device.device, user = %account.user, "signed in");
    Ok(Json(Session {
        token,
        expires_at: chrono::DateTime::from_timestamp_micros(expires_us).unwrap_or_default(),
        account: account_view(&account),
        team: team_view(&team)?,
    }))
}

pub fn team_view(t: &casebook_server_storage::TeamRow) -> ApiResult<Team> {
    let key =
        casebook_core::signing::DeviceKey::from_secret_hex(&t.directory_secret).map_err(|e| {
            casebook_server_storage::StorageError::Corrupt(format!("the team's directory key: {e}"))
        })?;
    Ok(Team {
        id: t.id,
        name: t.name.clone(),
        directory_device: t.directory_device,
        directory_key: key.public().to_hex(),
        epoch: t.epoch,
    })
}

pub async fn sign_out(State(s): State<ServerState>, caller: Caller) -> ApiResult<StatusCode> {
    s.storage.delete_token(&caller.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Serialize)]
pub struct Me {
    account: Account,
    team: Team,
    device: Device,
}

pub async fn me(State(s): State<ServerState>, caller: Caller) -> ApiResult<Json<Me>> {
    let team = s
        .storage
        .team(caller.team)
        .await?
        .ok_or_else(|| ApiError::not_found("the team"))?;
    Ok(Json(Me {
        account: account_view(&caller.account),
        team: team_view(&team)?,
        device: device_view(&caller.device),
    }))
}

pub async fn list_accounts(
    State(s): State<ServerState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Account>>> {
    caller.require(Access::Admin)?;
    Ok(Json(
        s.storage
            .accounts(caller.team)
            .await?
            .iter()
            .map(account_view)
            .collect(),
    ))
}

pub async fn add_account(
    State(s): State<ServerState>,
    caller: Caller,
    Json(new): Json<NewAccount>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    caller.require(Access::Admin)?;
    let a =
        directory::add_account(&*s.storage, caller.team, caller.user(), new, s.now_us()).await?;
    Ok((StatusCode::CREATED, Json(account_view(&a))))
}

pub async fn change_account(
    State(s): State<ServerState>,
    caller: Caller,
    Path(user): Path<String>,
    Json(change): Json<AccountChange>,
) -> ApiResult<Json<Account>> {
    caller.require(Access::Admin)?;
    let user: UserId = user
        .parse()
        .map_err(|_| ApiError::not_found("the account"))?;
    let a = directory::change_account(
        &*s.storage,
        caller.team,
        caller.user(),
        user,
        change,
        s.now_us(),
    )
    .await?;
    Ok(Json(account_view(&a)))
}

pub async fn list_devices(
    State(s): State<ServerState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Device>>> {
    caller.require(Access::Admin)?;
    Ok(Json(
        s.storage
            .devices(caller.team)
            .await?
            .iter()
            .map(device_view)
            .collect(),
    ))
}

pub async fn revoke_device(
    State(s): State<ServerState>,
    caller: Caller,
    Path(device): Path<String>,
) -> ApiResult<Json<Device>> {
    caller.require(Access::Admin)?;
    let device: DeviceId = device
        .parse()
        .map_err(|_| ApiError::not_found("the device"))?;
    let d = directory::revoke_device(&*s.storage, caller.team, device).await?;
    Ok(Json(device_view(&d)))
}

pub async fn list_integrations(
    State(s): State<ServerState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Integration>>> {
    caller.require(Access::Admin)?;
    Ok(Json(
        integrations::integrations(&*s.storage, caller.team).await?,
    ))
}

pub async fn add_integration(
    State(s): State<ServerState>,
    caller: Caller,
    Json(new): Json<NewIntegration>,
) -> ApiResult<(StatusCode, Json<IntegrationToken>)> {
    caller.require(Access::Admin)?;
    let made = integrations::add_integration(
        &*s.storage,
        caller.team,
        caller.user(),
        &new.name,
        s.now_us(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub async fn revoke_integration(
    State(s): State<ServerState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<Integration>> {
    caller.require(Access::Admin)?;
    Ok(Json(
        integrations::revoke_integration(&*s.storage, caller.team, &name).await?,
    ))
}
