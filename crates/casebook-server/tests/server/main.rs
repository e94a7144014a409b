//! The router against the one list of routes: every listed route is served (none answers "no such route"), the
//! OpenAPI description lists exactly those routes, and the framework's own errors come back as `{code, message}`.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use casebook_protocol::routes::{self, Access};
use casebook_server::ServerState;
use tower::ServiceExt;

fn router() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let storage =
        casebook_server_sqlite::SqliteStorage::open(&dir.path().join("server.db")).unwrap();
    (
        casebook_server::router(ServerState::new(Arc::new(storage))),
        dir,
    )
}

async fn call(router: &axum::Router, method: &str, path: &str) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            9,
        ))));
    let response = router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

fn concrete(path: &str) -> String {
    path.replace("{incident}", "0190c0d0-0000-7000-8000-000000000001")
        .replace("{sha256}", &"a".repeat(64))
        .replace("{user}", "0190c0d0-0000-7000-8000-000000000002")
        .replace("{device}", "0190c0d0-0000-7000-8000-000000000003")
}

#[tokio::test]
async fn every_listed_route_is_served_and_guarded() {
    let (router, _dir) = router();
    for r in routes::ALL {
        let (status, body) = call(&router, r.method, &concrete(r.path)).await;
        assert_ne!(
            body["message"], "no such route",
            "{} {} is listed but not served",
            r.method, r.path
        );
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{} {} is listed but not served",
            r.method,
            r.path
        );
        if r.access != Access::Public {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{} {} must need a token",
                r.method,
                r.path
            );
            assert_eq!(body["code"], "unauthenticated");
        }
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let (router, _dir) = router();
    let (status, body) = call(&router, "GET", "/v1/nothing-here").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, body) = call(&router, "PATCH", routes::HEALTH).await;
    assert_eq!(
        body["code"], "not_found",
        "a method a route does not take: {status} {body}"
    );
}

#[test]
fn the_openapi_description_lists_exactly_the_routes() {
    let doc = casebook_server::observe::openapi();
    let mut described: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    described.sort();
    let mut listed: Vec<(String, String)> = routes::ALL
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    listed.sort();
    assert_eq!(
        described, listed,
        "the OpenAPI description and the route list must agree"
    );
    for r in routes::ALL.iter().filter(|r| r.access != Access::Public) {
        let op = &doc["paths"][r.path][r.method.to_lowercase()];
        assert_eq!(
            op["security"][0]["token"],
            serde_json::json!([]),
            "{} {} must say it needs a token",
            r.method,
            r.path
        );
    }
}
