//! Team sync against a real server: the DESIGN.md sync targets, measured over HTTPS on loopback with the real client.
//!
//! Three measurements, each on a server of its own:
//! 1. [`pull`]: a fresh laptop (`Casebook::login` on an empty data directory) pulls the whole seeded log;
//! 2. [`push`]: many laptops push at once, on SQLite and, when a database URL is given, on PostgreSQL; events/s,
//!    latency of each push, and a check that nothing was lost;
//! 3. [`memory`]: the same load against a server in a child process, for its own resident memory and CPU.
//!
//! The servers run the library's `router` and `serve` with TLS (a self-signed certificate made by
//! `casebook_server::tls::ensure_certificate`), as the `casebook-server` binary does. Events are made and signed
//! the way a laptop makes them ([`events`]), so the server admits each by the core's rule.

pub mod events;
pub mod memory;
pub mod pull;
pub mod push;
pub mod server;

use std::path::Path;

use anyhow::{Context, Result};
use casebook_core::model::{Role, Tier};
use serde::Serialize;

use crate::{Progress, Sizes};
use server::{LoopbackServer, ServerProgram};

/// What the sync phases need besides the sizes.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A PostgreSQL database for the second concurrent-push run (`--database-url`, or
    /// `CASEBOOK_TEST_DATABASE_URL`); without it that run is skipped with a note.
    pub database_url: Option<String>,
    /// The program to run as the server child for the memory figures; without it they are not measured.
    pub server: Option<ServerProgram>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncFigures {
    pub pull: pull::PullFigures,
    pub push_sqlite: push::PushFigures,
    pub push_postgres: Option<push::PushFigures>,
    /// Why a figure was not measured.
    pub notes: Vec<String>,
    pub memory: Option<memory::MemoryFigures>,
}

pub fn measure(
    sizes: &Sizes,
    root: &Path,
    options: &Options,
    progress: Progress,
) -> Result<SyncFigures> {
    let mut notes = Vec::new();
    let pull = pull::measure(&root.join("sync-pull"), sizes.sync_pull_events, progress)
        .context("measuring a fresh laptop's pull")?;
    let load = push::Load {
        events_per_client: sizes.sync_push_events,
        batch: sizes.sync_push_batch,
    };
    let push_sqlite = concurrent(
        &root.join("sync-push-sqlite"),
        None,
        sizes.sync_clients,
        load,
        progress,
    )
    .context("measuring concurrent pushes on SQLite")?;
    let push_postgres = match &options.database_url {
        Some(url) => Some(
            concurrent(
                &root.join("sync-push-postgres"),
                Some(url),
                sizes.sync_clients,
                load,
                progress,
            )
            .context("measuring concurrent pushes on PostgreSQL")?,
        ),
        None => {
            notes.push(
                "PostgreSQL: not measured (give --database-url or set CASEBOOK_TEST_DATABASE_URL, e.g. through \
                 scripts/with-postgres)"
                    .into(),
            );
            None
        }
    };
    let memory = match &options.server {
        Some(program) => Some(
            memory::measure(
                program,
                &root.join("sync-memory"),
                sizes.sync_clients,
                load,
                progress,
            )
            .context("measuring the server's memory")?,
        ),
        None => {
            notes.push(
                "server memory: not measured (no server program to run as a child process)".into(),
            );
            None
        }
    };
    Ok(SyncFigures {
        pull,
        push_sqlite,
        push_postgres,
        notes,
        memory,
    })
}

/// The concurrent-push load against an in-process server.
fn concurrent(
    dir: &Path,
    database: Option<&str>,
    clients: usize,
    load: push::Load,
    progress: Progress,
) -> Result<push::PushFigures> {
    let server = LoopbackServer::start(dir, database)?;
    let emails = server.accounts("pusher", Role::Responder, Some(Tier::TWO), clients)?;
    let name = if database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    push::run(&server.endpoint, &emails, load, name, &|| {}, progress)
}
