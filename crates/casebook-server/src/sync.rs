//! What laptops read to converge: per-device frontiers (so a client finds holes and pushes from there), pages of
//! the log after a position (gapless, in commit order, each event in its envelope), per-incident digests, and the
//! change stream that tells connected clients to pull.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::Json;
use casebook_core::digest::set_digest;
use casebook_core::IncidentId;
use casebook_protocol::routes::Access;
use casebook_protocol::{
    limits, Frontier, Frontiers, IncidentDigest, Page, Push, PushResult, Relayed, Tick,
};
use futures_util::stream::Stream;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::auth::Caller;
use crate::{push, ApiError, ApiResult, ServerState};

/// A page stops growing past this many bytes of events (one event always fits), so a pull's memory is bounded.
const PAGE_BYTES: usize = 16 * 1024 * 1024;

pub async fn frontiers(State(s): State<ServerState>, caller: Caller) -> ApiResult<Json<Frontiers>> {
    let team = s
        .storage
        .team(caller.team)
        .await?
        .ok_or_else(|| ApiError::not_found("the team"))?;
    let head = s.storage.head(caller.team).await?;
    let devices = s
        .storage
        .frontiers(caller.team)
        .await?
        .into_iter()
        .map(|(device, contiguous)| Frontier { device, contiguous })
        .collect();
    Ok(Json(Frontiers {
        epoch: team.epoch,
        head,
        devices,
    }))
}

pub async fn push(
    State(s): State<ServerState>,
    caller: Caller,
    Json(body): Json<Push>,
) -> ApiResult<Json<PushResult>> {
    caller.require(Access::Writer)?;
    if body.events.len() > limits::PUSH_EVENTS {
        return Err(ApiError::new(
            casebook_protocol::ErrorCode::TooLarge,
            format!("a push carries at most {} events", limits::PUSH_EVENTS),
        ));
    }
    let events = push::read(body.events)?;
    let n = events.len();
    let now = s.now_us();
    let outcomes = push::admit(&*s.storage, &caller, events, now).await?;
    s.metrics.pushed(&outcomes);
    s.storage
        .touch_device(caller.team, caller.device.device, now)
        .await?;
    let epoch = s
        .storage
        .team(caller.team)
        .await?
        .map(|t| t.epoch)
        .unwrap_or_default();
    tracing::info!(team = %caller.team, device = %caller.device.device, events = n, "push");
    Ok(Json(PushResult { epoch, outcomes }))
}

#[derive(Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    after: u64,
    limit: Option<u32>,
}

pub async fn pull(
    State(s): State<ServerState>,
    caller: Caller,
    Query(q): Query<PullQuery>,
) -> ApiResult<Json<Page>> {
    let team = s
        .storage
        .team(caller.team)
        .await?
        .ok_or_else(|| ApiError::not_found("the team"))?;
    let limit = q
        .limit
        .unwrap_or(limits::PULL_PAGE)
        .clamp(1, limits::PULL_PAGE);
    let rows = s.storage.pull(caller.team, q.after, limit).await?;
    let head = s.storage.head(caller.team).await?;
    let mut bytes = 0;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        if bytes > 0 && bytes + row.raw.len() > PAGE_BYTES {
            break;
        }
        bytes += row.raw.len();
        let event = RawValue::from_string(row.raw).map_err(|e| {
            casebook_server_storage::StorageError::Corrupt(format!(
                "event at {}: {e}",
                row.position
            ))
        })?;
        events.push(Relayed {
            position: row.position,
            received_at: chrono::DateTime::from_timestamp_micros(row.received_us)
                .unwrap_or_default(),
            event,
        });
    }
    s.metrics.pulled(events.len());
    Ok(Json(Page {
        epoch: team.epoch,
        head,
        events,
    }))
}

pub async fn digest(
    State(s): State<ServerState>,
    caller: Caller,
    Path(incident): Path<String>,
) -> ApiResult<Json<IncidentDigest>> {
    let incident: IncidentId = incident
        .parse()
        .map_err(|_| ApiError::not_found("the incident"))?;
    let events = s.storage.incident_events(caller.team, incident).await?;
    if events.is_empty() {
        // Another team's incident answers as if it did not exist.
        return Err(ApiError::not_found("the incident"));
    }
    let digest = set_digest(events.iter().map(|(id, hash)| (*id, hash.as_str())));
    Ok(Json(IncidentDigest { incident, digest }))
}

/// Server-sent events: the team's head at once, then whenever the log grows (on any server process).
pub async fn stream(
    State(s): State<ServerState>,
    caller: Caller,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let team = caller.team;
    let rx = s.storage.watch();
    let head = s.storage.head(team).await?;
    let first = Some(head);
    let stream =
        futures_util::stream::unfold((rx, s, first), move |(mut rx, s, first)| async move {
            if let Some(head) = first {
                return Some((Ok(tick(head)), (rx, s, None)));
            }
            loop {
                match rx.recv().await {
                    Ok(t) if t == team => break,
                    Ok(_) => continue,
                    // Missed some wake-ups: tell the client to pull anyway.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
            let head = s.storage.head(team).await.unwrap_or(0);
            Some((Ok(tick(head)), (rx, s, None)))
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn tick(head: u64) -> SseEvent {
    SseEvent::default()
        .event("head")
        .data(serde_json::to_string(&Tick { head }).unwrap_or_default())
}
