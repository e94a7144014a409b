//! Integrations: a SIEM's account on the team server. Adding one makes a directory user with the core's
//! `integration` role and a device whose key the server keeps, both announced to every laptop by directory events
//! (`UserRegistered`, `DeviceBound`) signed with the team's directory key, so laptops verify the alerts the server
//! signs on the integration's behalf by the same rule as any event. The SIEM calls with a bearer token that is
//! shown once and stored by its SHA-256; revoking the integration stops the token at once.

use casebook_core::model::Role;
use casebook_core::signing::DeviceKey;
use casebook_core::{DeviceId, Payload, UserId};
use casebook_protocol::{Integration, IntegrationToken, TeamId};
use casebook_server_storage::{IntegrationRow, Storage};
use uuid::Uuid;

use crate::auth::{new_token, token_hash};
use crate::directory::{mint, team_row};
use crate::{ApiError, ApiResult};

/// The longest integration name.
pub const MAX_NAME: usize = 64;

fn check_name(name: &str) -> ApiResult<String> {
    let n = name.trim();
    let fits = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if n.is_empty() || n.len() > MAX_NAME || !n.chars().all(fits) {
        return Err(ApiError::invalid(format!(
            "an integration's name is 1 to {MAX_NAME} letters, digits, `-`, `_` or `.` (like wazuh-prod)"
        )));
    }
    Ok(n.to_string())
}

pub fn integration_view(i: &IntegrationRow) -> Integration {
    Integration {
        name: i.name.clone(),
        user: i.user,
        device: i.device,
        fingerprint: DeviceKey::from_secret_hex(&i.device_secret)
            .map(|k| k.public().fingerprint())
            .unwrap_or_else(|_| "unreadable key".into()),
        revoked: i.revoked,
        created_at: chrono::DateTime::from_timestamp_micros(i.created_us).unwrap_or_default(),
    }
}

/// Adds an integration on behalf of `by` (an admin) and tells the team who it is and which key signs its alerts.
pub async fn add_integration(
    storage: &dyn Storage,
    team: TeamId,
    by: UserId,
    name: &str,
    now_us: i64,
) -> ApiResult<IntegrationToken> {
    let name = check_name(name)?;
    let team = team_row(storage, team).await?;
    let key = DeviceKey::from_secret(rand::random());
    let token = new_token();
    let row = IntegrationRow {
        team: team.id,
        name: name.clone(),
        user: UserId(Uuid::now_v7()),
        device: DeviceId(Uuid::now_v7()),
        device_secret: key.secret_hex(),
        token_hash: token_hash(&token),
        revoked: false,
        created_us: now_us,
    };
    storage.create_integration(&row).await?;
    let mut tx = storage.begin(team.id).await?;
    let registered = Payload::UserRegistered {
        user: row.user,
        name: format!("{name} (integration)"),
        role: Role::Integration,
        tier: None,
    };
    mint(&mut *tx, &team, by, registered, now_us).await?;
    let bound = Payload::DeviceBound {
        device: row.device,
        user: row.user,
        public_key: key.public().to_hex(),
    };
    mint(&mut *tx, &team, by, bound, now_us).await?;
    tx.commit().await?;
    tracing::info!(team = %team.id, integration = %name, "integration added");
    Ok(IntegrationToken {
        integration: integration_view(&row),
        token,
    })
}

pub async fn integrations(storage: &dyn Storage, team: TeamId) -> ApiResult<Vec<Integration>> {
    Ok(storage
        .integrations(team)
        .await?
        .iter()
        .map(integration_view)
        .collect())
}

/// Revokes the team's integration of that name: its token stops working at once. The alerts it raised stay.
pub async fn revoke_integration(
    storage: &dyn Storage,
    team: TeamId,
    name: &str,
) -> ApiResult<Integration> {
    let row = storage
        .revoke_integration(team, name.trim())
        .await
        .map_err(|e| match e {
            casebook_server_storage::StorageError::NotFound(_) => {
                ApiError::not_found(&format!("an integration named {:?}", name.trim()))
            }
            other => other.into(),
        })?;
    tracing::info!(team = %team, integration = %row.name, "integration revoked");
    Ok(integration_view(&row))
}
