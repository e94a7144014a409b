//! Casebook's team server: relays and stores every laptop's signed events, admits each by the core's rule against
//! the team directory, and serves evidence files, as a library (`router`, `serve`) with a small binary.
//!
//! The server's rules live here and reach the database only through `casebook_server_storage::Storage`, so the
//! embedded SQLite and the PostgreSQL implementations behave alike. It depends on no laptop store, no PDF and no
//! Tauri: the admission rule it applies is the core's, the one every laptop applies.
//!
//! Map: `auth` (tokens, roles per route, passwords, sign-in rate limits), `directory` (accounts, devices and the
//! signed directory events laptops trust), `integrations` (SIEM accounts whose device keys the server holds),
//! `intake` (alerts posted by integrations, signed and admitted here), `chain` (events the server signs itself),
//! `push` (admission of pushed events), `sync` (frontiers, pull, digests, the change stream), `blobs` (evidence files), `observe` (health, metrics, OpenAPI), `tls` (certificates),
//! `http` (the router and the listener).

use std::sync::Arc;

use casebook_server_storage::Storage;

mod accounts;
pub mod auth;
pub mod blobs;
mod chain;
pub mod directory;
mod error;
mod http;
pub mod intake;
pub mod integrations;
pub mod observe;
mod password_pool;
pub mod push;
pub mod sync;
pub mod tls;

pub use error::{ApiError, ApiResult};
pub use http::{router, serve};

/// The server's clock, passed in so token expiry and rate limits can be tested with chosen times.
pub trait Clock: Send + Sync {
    /// Microseconds since the Unix epoch, UTC.
    fn now_us(&self) -> i64;
}

/// The computer's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    // The one place the server reads the system time.
    #[allow(clippy::disallowed_methods)]
    fn now_us(&self) -> i64 {
        chrono::Utc::now().timestamp_micros()
    }
}

/// How long a device's token lasts before its person signs in again.
pub const TOKEN_LIFETIME_US: i64 = 30 * 24 * 3600 * 1_000_000;

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct ServerState {
    pub storage: Arc<dyn Storage>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<observe::Metrics>,
    pub sign_ins: Arc<auth::SignInLimiter>,
    /// Where password checks run: one thread per core keeps the CPU busy and memory flat (see `password_pool`).
    pub password_checks: Arc<password_pool::PasswordPool>,
}

impl ServerState {
    pub fn new(storage: Arc<dyn Storage>) -> ServerState {
        ServerState::with_clock(storage, Arc::new(SystemClock))
    }

    pub fn with_clock(storage: Arc<dyn Storage>, clock: Arc<dyn Clock>) -> ServerState {
        ServerState {
            storage,
            clock,
            metrics: Arc::new(observe::Metrics::default()),
            sign_ins: Arc::new(auth::SignInLimiter::default()),
            password_checks: Arc::new(password_pool::PasswordPool::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        }
    }

    pub fn now_us(&self) -> i64 {
        self.clock.now_us()
    }
}
