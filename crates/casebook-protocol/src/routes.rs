//! Every route of the team server, in one list: the server's router and its OpenAPI description are both held
//! against it by tests, so a route cannot be added to one and forgotten in the other.

/// A route: its method, its path (axum's `{param}` syntax) and who may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in device of the team (auditors included: reads and their own session).
    Member,
    /// Team members whose role may change cases (responders and leads); auditors and admins may not push events.
    Writer,
    /// The team's admins.
    Admin,
    /// The team's integrations (a SIEM's account, by its token): they post alerts and call nothing else, and no
    /// person's token calls their route.
    Integration,
}

pub const HEALTH: &str = "/health";
pub const METRICS: &str = "/metrics";
pub const OPENAPI: &str = "/v1/openapi.json";
pub const SESSION: &str = "/v1/session";
pub const ME: &str = "/v1/me";
pub const FRONTIERS: &str = "/v1/sync/frontiers";
pub const PUSH: &str = "/v1/sync/push";
pub const PULL: &str = "/v1/sync/pull";
pub const STREAM: &str = "/v1/sync/stream";
pub const DIGEST: &str = "/v1/incidents/{incident}/digest";
pub const BLOB: &str = "/v1/blobs/{sha256}";
pub const BLOB_STATUS: &str = "/v1/blobs/{sha256}/status";
pub const ACCOUNTS: &str = "/v1/accounts";
pub const ACCOUNT: &str = "/v1/accounts/{user}";
pub const DEVICES: &str = "/v1/devices";
pub const DEVICE: &str = "/v1/devices/{device}";
pub const ALERTS: &str = "/v1/alerts";
pub const INTEGRATIONS: &str = "/v1/integrations";
pub const INTEGRATION: &str = "/v1/integrations/{name}";

pub const ALL: &[Route] = &[
    Route {
        method: "GET",
        path: HEALTH,
        access: Access::Public,
        summary: "Liveness and version",
    },
    Route {
        method: "GET",
        path: METRICS,
        access: Access::Public,
        summary: "Prometheus metrics (counts only, no case data)",
    },
    Route {
        method: "GET",
        path: OPENAPI,
        access: Access::Public,
        summary: "This description",
    },
    Route {
        method: "POST",
        path: SESSION,
        access: Access::Public,
        summary: "Sign a device in with an account's e-mail and password",
    },
    Route {
        method: "DELETE",
        path: SESSION,
        access: Access::Member,
        summary: "Sign this device out (its token stops working)",
    },
    Route {
        method: "GET",
        path: ME,
        access: Access::Member,
        summary: "The signed-in account and team",
    },
    Route {
        method: "GET",
        path: FRONTIERS,
        access: Access::Member,
        summary: "Per device, how far the server holds every event",
    },
    Route {
        method: "POST",
        path: PUSH,
        access: Access::Writer,
        summary: "Push events; each is admitted, a duplicate, a fork, or refused with a reason",
    },
    Route {
        method: "GET",
        path: PULL,
        access: Access::Member,
        summary: "Events after a position, gapless, in commit order",
    },
    Route {
        method: "GET",
        path: STREAM,
        access: Access::Member,
        summary: "Server-sent events: the log's head whenever it grows",
    },
    Route {
        method: "GET",
        path: DIGEST,
        access: Access::Member,
        summary: "Digest of the events the server holds for an incident",
    },
    Route {
        method: "GET",
        path: BLOB_STATUS,
        access: Access::Member,
        summary: "How much of an evidence file the server holds",
    },
    Route {
        method: "PUT",
        path: BLOB,
        access: Access::Writer,
        summary: "Upload (part of) an evidence file named by an admitted event; ?offset= resumes",
    },
    Route {
        method: "GET",
        path: BLOB,
        access: Access::Member,
        summary: "Download an evidence file (Range supported)",
    },
    Route {
        method: "GET",
        path: ACCOUNTS,
        access: Access::Admin,
        summary: "List the team's accounts",
    },
    Route {
        method: "POST",
        path: ACCOUNTS,
        access: Access::Admin,
        summary: "Add an account",
    },
    Route {
        method: "PATCH",
        path: ACCOUNT,
        access: Access::Admin,
        summary: "Change an account's role or tier, disable or enable it",
    },
    Route {
        method: "GET",
        path: DEVICES,
        access: Access::Admin,
        summary: "List the team's devices",
    },
    Route {
        method: "DELETE",
        path: DEVICE,
        access: Access::Admin,
        summary: "Revoke a device: its tokens stop working at once",
    },
    Route {
        method: "GET",
        path: INTEGRATIONS,
        access: Access::Admin,
        summary: "List the team's integrations (SIEM accounts)",
    },
    Route {
        method: "POST",
        path: INTEGRATIONS,
        access: Access::Admin,
        summary: "Add an integration; its token is in the answer, once",
    },
    Route {
        method: "DELETE",
        path: INTEGRATION,
        access: Access::Admin,
        summary: "Revoke an integration: its token stops working at once",
    },
    Route {
        method: "POST",
        path: ALERTS,
        access: Access::Integration,
        summary: "Post alerts (one JSON document, an array, or JSON lines; ?format= optional), all or nothing, \
                  idempotent by source and source id",
    },
];
