//! Evidence files across laptops, addressed by SHA-256: uploaded in chunks that resume where the last ended,
//! verified against their hash when the last byte arrives (a mismatch drops the upload), and served only to
//! members of the team whose events name them.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use casebook_core::admission::is_sha256;
use casebook_protocol::routes::Access;
use casebook_protocol::{limits, BlobStatus, ErrorCode};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::{ApiError, ApiResult, ServerState};

/// Bytes read from storage at a time while verifying or serving.
const READ_CHUNK: usize = 4 * 1024 * 1024;

fn check(sha256: &str) -> ApiResult<()> {
    if is_sha256(sha256) {
        Ok(())
    } else {
        Err(ApiError::not_found("the evidence file"))
    }
}

pub async fn status(
    State(s): State<ServerState>,
    caller: Caller,
    Path(sha256): Path<String>,
) -> ApiResult<Json<BlobStatus>> {
    check(&sha256)?;
    let b = s
        .storage
        .blob(caller.team, &sha256)
        .await?
        .ok_or_else(|| ApiError::not_found("the evidence file"))?;
    Ok(Json(BlobStatus {
        sha256,
        size: b.size,
        received: b.received,
        complete: b.complete,
    }))
}

#[derive(Deserialize)]
pub struct Offset {
    #[serde(default)]
    offset: u64,
}

pub async fn upload(
    State(s): State<ServerState>,
    caller: Caller,
    Path(sha256): Path<String>,
    Query(q): Query<Offset>,
    body: Bytes,
) -> ApiResult<Json<BlobStatus>> {
    caller.require(Access::Writer)?;
    check(&sha256)?;
    let state = s.storage.blob(caller.team, &sha256).await?.ok_or_else(|| {
        ApiError::not_found(
            "an evidence file named by an event on the server (push its event first)",
        )
    })?;
    if state.complete {
        return Ok(Json(BlobStatus {
            sha256,
            size: state.size,
            received: state.size,
            complete: true,
        }));
    }
    let received = s
        .storage
        .blob_append(caller.team, &sha256, q.offset, &body)
        .await?;
    let mut complete = false;
    if received == state.size {
        complete = verify(&s, &caller, &sha256, state.size).await?;
        s.storage
            .blob_finish(caller.team, &sha256, complete)
            .await?;
        if !complete {
            return Err(ApiError::invalid(
                "the uploaded file does not match its SHA-256; the upload was dropped, send it again",
            ));
        }
    }
    Ok(Json(BlobStatus {
        sha256,
        size: state.size,
        received,
        complete,
    }))
}

async fn verify(s: &ServerState, caller: &Caller, sha256: &str, size: u64) -> ApiResult<bool> {
    let mut h = Sha256::new();
    let mut at = 0;
    while at < size {
        let part = s
            .storage
            .blob_read(caller.team, sha256, at, READ_CHUNK)
            .await?;
        if part.is_empty() {
            return Ok(false);
        }
        at += part.len() as u64;
        h.update(&part);
    }
    Ok(hex::encode(h.finalize()) == sha256)
}

/// The first byte asked for by a `Range: bytes=N-` header (the only form a resuming client sends).
fn range_start(headers: &HeaderMap) -> ApiResult<Option<u64>> {
    let Some(v) = headers.get(header::RANGE) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| ApiError::invalid("unreadable Range header"))?;
    let start = v
        .strip_prefix("bytes=")
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| ApiError::invalid("only \"Range: bytes=N-\" is supported"))?;
    Ok(Some(start))
}

pub async fn download(
    State(s): State<ServerState>,
    caller: Caller,
    Path(sha256): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check(&sha256)?;
    let b = s
        .storage
        .blob(caller.team, &sha256)
        .await?
        .ok_or_else(|| ApiError::not_found("the evidence file"))?;
    if !b.complete {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "the evidence file has not reached the server yet",
        ));
    }
    let start = range_start(&headers)?;
    let from = start.unwrap_or(0).min(b.size);
    let storage = s.storage.clone();
    let team = caller.team;
    let size = b.size;
    // Streamed chunk by chunk: a multi-GiB file never sits in memory.
    let stream = futures_util::stream::unfold(from, move |at| {
        let storage = storage.clone();
        let sha = sha256.clone();
        async move {
            if at >= size {
                return None;
            }
            match storage.blob_read(team, &sha, at, READ_CHUNK).await {
                Ok(part) if !part.is_empty() => {
                    let next = at + part.len() as u64;
                    Some((Ok::<_, std::io::Error>(Bytes::from(part)), next))
                }
                Ok(_) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), size)),
            }
        }
    });
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, size - from)
        .header(header::ACCEPT_RANGES, "bytes");
    if start.is_some() {
        response = response.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!("bytes {from}-{}/{size}", size.saturating_sub(1)),
        );
    }
    response
        .body(Body::from_stream(stream))
        .map_err(|e| ApiError::invalid(e.to_string()))
        .map(IntoResponse::into_response)
}

/// The most an upload request may carry (one chunk).
pub const UPLOAD_BODY: usize = limits::BLOB_CHUNK;
