//! Who is calling: a device's bearer token (stored by its SHA-256 only, expiring, dropped when the device is
//! revoked), the account behind it, and what that account's role may call. Passwords are Argon2id; repeated wrong
//! passwords for one address are slowed down with 429 answers.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use casebook_core::model::{Role, Tier};
use casebook_core::UserId;
use casebook_protocol::routes::Access;
use casebook_protocol::TeamId;
use casebook_server_storage::{AccountRow, DeviceRow, IntegrationRow};
use sha2::{Digest, Sha256};

use crate::{ApiError, ApiResult, ServerState};

/// A signed-in device and its account, checked afresh on every request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub team: TeamId,
    pub device: DeviceRow,
    pub account: AccountRow,
    pub token_hash: String,
}

impl Caller {
    pub fn user(&self) -> UserId {
        self.account.user
    }

    pub fn role(&self) -> Role {
        self.account.role
    }

    pub fn tier(&self) -> Option<Tier> {
        self.account.tier
    }

    /// Whether the caller's role may use a route of this access class.
    pub fn may(&self, access: Access) -> bool {
        match access {
            Access::Public | Access::Member => true,
            // Responders and leads change cases; auditors read, admins manage accounts.
            Access::Writer => matches!(self.role(), Role::Responder | Role::Lead),
            Access::Admin => self.role() == Role::Admin,
            // Integrations' routes take an integration's token, never a person's.
            Access::Integration => false,
        }
    }

    pub fn require(&self, access: Access) -> ApiResult<()> {
        if self.may(access) {
            return Ok(());
        }
        Err(ApiError::forbidden(match access {
            Access::Writer => format!(
                "a {} account reads cases but does not change them",
                self.role()
            ),
            Access::Admin => "only the team's admins manage accounts and devices".to_string(),
            Access::Integration => {
                "only an integration's token posts alerts to the server; on a laptop, \
                                    import them"
                    .to_string()
            }
            _ => "this account may not do that".to_string(),
        }))
    }
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh token: 32 random bytes, as hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// The SHA-256 of the request's bearer token.
fn bearer_hash(parts: &Parts) -> ApiResult<String> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| ApiError::unauthenticated("sign in first: this request carries no token"))?;
    let token = header.strip_prefix("Bearer ").ok_or_else(|| {
        ApiError::unauthenticated("the Authorization header must be \"Bearer <token>\"")
    })?;
    Ok(token_hash(token.trim()))
}

/// An integration calling with its token: the only caller of the integrations' route.
#[derive(Debug, Clone)]
pub struct IntegrationCaller(pub IntegrationRow);

impl FromRequestParts<ServerState> for IntegrationCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ServerState,
    ) -> Result<IntegrationCaller, ApiError> {
        let hash = bearer_hash(parts)?;
        match state.storage.integration_by_token(&hash).await? {
            Some(i) if i.revoked => Err(ApiError::unauthenticated(
                "this integration was revoked by an admin; ask them for a new one",
            )),
            Some(i) => Ok(IntegrationCaller(i)),
            // A person's token: signed out, expired or revoked answers as anywhere else; valid, it is refused.
            None => {
                let person = Caller::from_request_parts(parts, state).await?;
                person.require(Access::Integration)?;
                Err(ApiError::forbidden(
                    "this route takes an integration's token",
                ))
            }
        }
    }
}

impl FromRequestParts<ServerState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ServerState,
    ) -> Result<Caller, ApiError> {
        let hash = bearer_hash(parts)?;
        let Some(row) = state.storage.token(&hash).await? else {
            // An integration's token calls one route only; say so rather than "sign in again".
            return Err(match state.storage.integration_by_token(&hash).await? {
                Some(i) if !i.revoked => ApiError::forbidden(
                    "an integration's token only posts alerts (POST /v1/alerts); it reads and changes nothing else",
                ),
                _ => ApiError::unauthenticated(
                    "this device's sign-in is not valid (signed out or revoked); sign in again",
                ),
            });
        };
        if row.expires_us <= state.now_us() {
            return Err(ApiError::unauthenticated(
                "this device's sign-in has expired; sign in again",
            ));
        }
        let device = state
            .storage
            .device(row.team, row.device)
            .await?
            .filter(|d| !d.revoked)
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    "this device was revoked by an admin; ask them before signing in again",
                )
            })?;
        let account = state
            .storage
            .account(row.team, row.user)
            .await?
            .filter(|a| !a.disabled)
            .ok_or_else(|| {
                ApiError::unauthenticated("this account is disabled; ask your team's admin")
            })?;
        Ok(Caller {
            team: row.team,
            device,
            account,
            token_hash: hash,
        })
    }
}

/// Hashes a password with Argon2id and a fresh salt (PHC string, parameters included).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| anyhow::anyhow!("making a salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        .to_string())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A password an admin may set: long enough to resist guessing.
pub fn check_password_strength(password: &str) -> ApiResult<()> {
    if password.chars().count() < 10 {
        return Err(ApiError::invalid("a password needs at least 10 characters"));
    }
    if password.len() > 1024 {
        return Err(ApiError::invalid(
            "a password may not be longer than 1024 bytes",
        ));
    }
    Ok(())
}

/// Failed sign-ins per address (and per client), within a window: past the limit, sign-ins answer 429 until the
/// window ends. Kept in memory per server process.
#[derive(Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

/// Failed sign-ins allowed per window for one address, and for one client address (a team behind one NAT shares
/// it, so it allows more).
pub const SIGN_IN_FAILURES: u32 = 5;
pub const SIGN_IN_FAILURES_PER_CLIENT: u32 = 50;
pub const SIGN_IN_WINDOW_US: i64 = 5 * 60 * 1_000_000;

impl SignInLimiter {
    /// `Err` with the seconds to wait when the key has failed `max` times within the window.
    pub fn check(&self, key: &str, max: u32, now_us: i64) -> Result<(), i64> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some((n, since)) if *n >= max && now_us - since < SIGN_IN_WINDOW_US => {
                Err((SIGN_IN_WINDOW_US - (now_us - since)) / 1_000_000 + 1)
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, key: &str, now_us: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            // Bounded memory under a flood of made-up addresses: forget windows that ended.
            map.retain(|_, (_, since)| now_us - *since < SIGN_IN_WINDOW_US);
        }
        let entry = map.entry(key.to_string()).or_insert((0, now_us));
        if now_us - entry.1 >= SIGN_IN_WINDOW_US {
            *entry = (0, now_us);
        }
        entry.0 += 1;
    }

    pub fn succeeded(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}
