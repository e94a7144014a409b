//! The router (every route of `casebook_protocol::routes::ALL`, with its body limit) and the listener loop (TLS
//! with rustls, graceful shutdown). Every error the framework answers itself (an unknown route, a body too large,
//! malformed JSON) is rewritten into `{code, message}` so clients branch on one shape.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use casebook_protocol::routes as r;
use casebook_protocol::{limits, ErrorBody, ErrorCode};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::{accounts, blobs, intake, observe, sync, ServerState};

/// Every route, each with the body limit of its kind of request.
pub fn router(state: ServerState) -> Router {
    let small = DefaultBodyLimit::max(limits::SMALL_BODY);
    Router::new()
        .route(r::HEALTH, get(observe::health))
        .route(r::METRICS, get(observe::metrics))
        .route(r::OPENAPI, get(observe::openapi_json))
        .route(
            r::SESSION,
            post(accounts::sign_in)
                .delete(accounts::sign_out)
                .layer(small),
        )
        .route(r::ME, get(accounts::me))
        .route(r::FRONTIERS, get(sync::frontiers))
        .route(
            r::PUSH,
            post(sync::push).layer(DefaultBodyLimit::max(limits::PUSH_BODY)),
        )
        .route(r::PULL, get(sync::pull))
        .route(r::STREAM, get(sync::stream))
        .route(r::DIGEST, get(sync::digest))
        .route(r::BLOB_STATUS, get(blobs::status))
        .route(
            r::BLOB,
            put(blobs::upload)
                .get(blobs::download)
                .layer(DefaultBodyLimit::max(blobs::UPLOAD_BODY)),
        )
        .route(
            r::ACCOUNTS,
            get(accounts::list_accounts)
                .post(accounts::add_account)
                .layer(small),
        )
        .route(r::ACCOUNT, patch(accounts::change_account).layer(small))
        .route(r::DEVICES, get(accounts::list_devices))
        .route(r::DEVICE, delete(accounts::revoke_device))
        .route(
            r::INTEGRATIONS,
            get(accounts::list_integrations)
                .post(accounts::add_integration)
                .layer(small),
        )
        .route(r::INTEGRATION, delete(accounts::revoke_integration))
        .route(
            r::ALERTS,
            post(intake::post_alerts).layer(DefaultBodyLimit::max(limits::ALERTS_BODY)),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such route") })
        .layer(middleware::from_fn(uniform_errors))
        .with_state(state)
}

/// Rewrites the framework's own plain-text errors into `{code, message}`.
async fn uniform_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !status.is_client_error() && !status.is_server_error() || is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::TooLarge,
            "the request is larger than this route accepts",
        ),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => {
            (ErrorCode::NotFound, "this route does not take that method")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::InvalidRequest,
            "send JSON with Content-Type: application/json",
        ),
        s if s.is_client_error() => (
            ErrorCode::InvalidRequest,
            "the request's body is not what this route takes",
        ),
        _ => (ErrorCode::Internal, "the server failed; see its log"),
    };
    // The framework's text says which field was wrong; it names no secret, so pass it on for 4xx.
    let detail = if status.is_client_error() && status != StatusCode::NOT_FOUND {
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).trim().to_string()
    } else {
        String::new()
    };
    let message = if detail.is_empty() || detail == message {
        message.to_string()
    } else {
        format!("{message}: {detail}")
    };
    (status, axum::Json(ErrorBody::new(code, message))).into_response()
}

/// Serves `router` on `listener` (with TLS when a configuration is given) until `shutdown` resolves, then lets
/// requests in flight finish for a few seconds.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let acceptor = tls.map(TlsAcceptor::from);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = router
            .clone()
            .map_request(move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.map(Body::new)
            });
        let acceptor = acceptor.clone();
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let service = TowerToHyperService::new(service);
            let http = hyper::server::conn::http1::Builder::new();
            match acceptor {
                Some(acceptor) => {
                    let Ok(Ok(tls)) =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                            .await
                    else {
                        return;
                    };
                    let conn = http.serve_connection(TokioIo::new(tls), service);
                    drive(conn, &mut stop, peer).await;
                }
                None => {
                    let conn = http.serve_connection(TokioIo::new(stream), service);
                    drive(conn, &mut stop, peer).await;
                }
            }
        });
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
    }
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
    Ok(())
}

async fn drive<I, S>(
    conn: hyper::server::conn::http1::Connection<I, S>,
    stop: &mut tokio::sync::watch::Receiver<bool>,
    peer: SocketAddr,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::HttpService<hyper::body::Incoming> + Send,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::ResBody: Send + 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        }
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
