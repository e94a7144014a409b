//! What operators look at: `/health` (the database answers), `/metrics` (Prometheus text: counts only, never a
//! name, a token or case text) and `/v1/openapi.json` (every route, generated from the one list in the protocol
//! crate, which a test holds against the router).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use casebook_protocol::routes::{self, Access};
use casebook_protocol::{Health, PushOutcome, Verdict};
use serde_json::{json, Map, Value};

use crate::ServerState;

#[derive(Default)]
pub struct Metrics {
    admitted: AtomicU64,
    duplicates: AtomicU64,
    forks: AtomicU64,
    refused: AtomicU64,
    pulled: AtomicU64,
    sign_ins_failed: AtomicU64,
    rate_limited: AtomicU64,
}

impl Metrics {
    pub fn pushed(&self, outcomes: &[PushOutcome]) {
        for o in outcomes {
            let counter = match o.verdict {
                Verdict::Admitted { .. } => &self.admitted,
                Verdict::Duplicate => &self.duplicates,
                Verdict::Fork { .. } => &self.forks,
                Verdict::Refused { .. } => &self.refused,
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn pulled(&self, n: usize) {
        self.pulled.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn sign_in_failed(&self) {
        self.sign_ins_failed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, labels: &str, v: &AtomicU64| {
            if !out.contains(&format!("# TYPE {name} ")) {
                out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n"));
            }
            out.push_str(&format!("{name}{labels} {}\n", v.load(Ordering::Relaxed)));
        };
        let pushed = "Pushed events by what the server did with them.";
        counter(
            "casebook_pushed_events_total",
            pushed,
            "{verdict=\"admitted\"}",
            &self.admitted,
        );
        counter(
            "casebook_pushed_events_total",
            pushed,
            "{verdict=\"duplicate\"}",
            &self.duplicates,
        );
        counter(
            "casebook_pushed_events_total",
            pushed,
            "{verdict=\"fork\"}",
            &self.forks,
        );
        counter(
            "casebook_pushed_events_total",
            pushed,
            "{verdict=\"refused\"}",
            &self.refused,
        );
        counter(
            "casebook_pulled_events_total",
            "Events sent to pulling clients.",
            "",
            &self.pulled,
        );
        counter(
            "casebook_sign_ins_failed_total",
            "Sign-ins refused for a wrong e-mail or password.",
            "",
            &self.sign_ins_failed,
        );
        counter(
            "casebook_sign_ins_rate_limited_total",
            "Sign-ins answered 429.",
            "",
            &self.rate_limited,
        );
        out
    }
}

pub async fn health(State(s): State<ServerState>) -> impl IntoResponse {
    let (status, word) = match s.storage.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database not answering");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    };
    (
        status,
        Json(Health {
            status: word.into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }),
    )
}

pub async fn metrics(State(s): State<ServerState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
}

/// The OpenAPI 3.1 description of every route in `casebook_protocol::routes::ALL`.
pub fn openapi() -> Value {
    let mut paths = Map::new();
    for r in routes::ALL {
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({
            "summary": r.summary,
            "parameters": params,
            "x-casebook-access": format!("{:?}", r.access).to_lowercase(),
            "responses": {
                "200": {"description": "Done"},
                "default": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if r.access != Access::Public {
            op["security"] = json!([{"token": []}]);
        }
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Casebook team server", "version": format!("{}", casebook_protocol::VERSION)},
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "enum": casebook_protocol::ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
                "message": {"type": "string"}
            }}}
        }
    })
}

pub async fn openapi_json() -> Json<Value> {
    Json(openapi())
}
