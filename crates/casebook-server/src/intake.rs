//! Alert intake: `POST /v1/alerts`, an integration's one route. The body is one alert document, a JSON array or
//! JSON lines, in any format `casebook-alerts` reads (named by `?format=`, detected per document otherwise), read
//! all or nothing: one bad document refuses the post with `{code, message}` naming its line or element and field.
//!
//! Each alert the team does not have yet (by its id, derived from source and source id: the storage's index of
//! raised alerts, checked under the team's write lock) becomes an `AlertRaised` event authored by the integration's
//! user and signed with its server-held device key, admitted by the core's rule like any pushed event, and appended
//! with the rest of the post in one transaction; laptops pull it by ordinary sync, and each replica groups alerts
//! itself (grouping is a function of the set of alerts, `casebook_core::alert`). A re-sent alert is acknowledged as
//! a duplicate and appends nothing.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::Json;
use casebook_alerts::{AlertError, Format, Limits};
use casebook_core::admission::{self, Author, Context, Lookup, Ref};
use casebook_core::alert::NewAlert;
use casebook_core::model::Role;
use casebook_core::signing::DeviceKey;
use casebook_core::{IncidentId, Payload};
use casebook_protocol::{limits, AlertReceipt, AlertsPosted, ErrorCode};
use casebook_server_storage::{IntegrationRow, Storage, StorageError};
use serde::Deserialize;

use crate::auth::IntegrationCaller;
use crate::chain::{global_row, Chain};
use crate::{ApiError, ApiResult, ServerState};

#[derive(Deserialize)]
pub struct IntakeQuery {
    /// generic, wazuh, elastic, splunk or suricata; detected per document when absent.
    #[serde(default)]
    format: Option<String>,
}

pub async fn post_alerts(
    State(s): State<ServerState>,
    IntegrationCaller(integration): IntegrationCaller,
    Query(q): Query<IntakeQuery>,
    body: Bytes,
) -> ApiResult<Json<AlertsPosted>> {
    let format = q
        .format
        .as_deref()
        .map(str::parse::<Format>)
        .transpose()
        .map_err(ApiError::invalid)?;
    let now = s.now_us();
    let received_at = chrono::DateTime::from_timestamp_micros(now).unwrap_or_default();
    // Parsing a 16 MiB post takes a while: off the async workers.
    let alerts = tokio::task::spawn_blocking(move || read(&body, format, received_at))
        .await
        .map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("reading the alerts failed: {e}"),
            )
        })??;
    let posted = raise(&*s.storage, &integration, alerts, now).await?;
    tracing::info!(team = %integration.team, integration = %integration.name, new = posted.new,
        duplicates = posted.duplicates, "alerts posted");
    Ok(Json(posted))
}

/// Reads a post's alerts, all or nothing.
pub fn read(
    body: &[u8],
    format: Option<Format>,
    received_at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Vec<NewAlert>> {
    let limits = Limits {
        max_input_bytes: limits::ALERTS_BODY as u64,
        ..Limits::default()
    };
    let parsed = casebook_alerts::read_alerts_with(body, format, limits).map_err(refusal)?;
    Ok(parsed
        .into_iter()
        .map(|a| a.into_new_alert(received_at))
        .collect())
}

fn refusal(e: AlertError) -> ApiError {
    let code = match e {
        AlertError::DocumentTooLarge { .. } | AlertError::InputTooLarge { .. } => {
            ErrorCode::TooLarge
        }
        _ => ErrorCode::InvalidRequest,
    };
    ApiError::new(code, format!("no alert of this post was taken: {e}"))
}

/// Global events reference nothing in an incident: the rule's reference check has nothing to look up.
struct NoObjects;

impl Lookup for NoObjects {
    fn incident_of(&self, _: Ref) -> Option<IncidentId> {
        None
    }
}

/// The core's rule, as for any pushed event: an integration's verified key, no directory authority.
fn admit(body: &casebook_core::EventBody) -> Result<admission::Standing, admission::Refusal> {
    let cx = Context {
        author: Author::Verified {
            role: Role::Integration,
            tier: None,
        },
        directory_authority: false,
        outside_of: None,
        incident: None,
        minted_here: true,
        lookup: &NoObjects,
    };
    admission::admit(body, &cx)
}

/// Raises the alerts the team does not have yet, in one transaction under the team's write lock.
pub async fn raise(
    storage: &dyn Storage,
    integration: &IntegrationRow,
    alerts: Vec<NewAlert>,
    now_us: i64,
) -> ApiResult<AlertsPosted> {
    let key = DeviceKey::from_secret_hex(&integration.device_secret).map_err(|e| {
        StorageError::Corrupt(format!("integration {:?}'s key: {e}", integration.name))
    })?;
    let mut tx = storage.begin(integration.team).await?;
    let ids: Vec<uuid::Uuid> = alerts.iter().map(|a| a.alert.0).collect();
    let mut known: HashSet<uuid::Uuid> = tx.alerts_known(&ids).await?;
    let mut chain = Chain::load(&mut *tx, integration.device, key).await?;
    let mut receipts = Vec::with_capacity(alerts.len());
    let mut new = 0;
    for (i, alert) in alerts.into_iter().enumerate() {
        let duplicate = !known.insert(alert.alert.0);
        receipts.push(AlertReceipt {
            alert: alert.alert,
            source: alert.source.clone(),
            source_id: alert.source_id.clone(),
            duplicate,
        });
        if duplicate {
            continue;
        }
        let (event, raw) = chain.seal(integration.user, Payload::AlertRaised(alert), now_us)?;
        admit(&event.body).map_err(|r| {
            ApiError::invalid(format!(
                "no alert of this post was taken: alert {} of the post: {}",
                i + 1,
                r.reason
            ))
        })?;
        tx.append(&global_row(&event, raw, now_us)).await?;
        new += 1;
    }
    if new > 0 {
        tx.set_frontier(chain.device(), chain.seq()).await?;
        tx.commit().await?;
    }
    Ok(AlertsPosted {
        new,
        duplicates: receipts.len() - new,
        alerts: receipts,
    })
}
