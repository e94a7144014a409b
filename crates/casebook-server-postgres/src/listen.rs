//! Waking the server's long polls when a team's log grows, across every server process on the database.
//!
//! Each commit that appends runs `NOTIFY casebook_log, '<team id>'` inside its transaction; PostgreSQL delivers it
//! only once the transaction has committed, and to every session that listens, so all server processes wake (an
//! in-process channel would wake only the process that took the push). One dedicated connection per process
//! listens and feeds a `tokio::sync::broadcast` that [`Storage::watch`] subscribes to.
//!
//! A notification sent while the listening connection is down is lost, so after reconnecting the listener wakes
//! every team: a woken long poll only re-reads the log, so a spurious wake costs one query while a lost one would
//! leave a client waiting for its whole poll timeout.
//!
//! [`Storage::watch`]: casebook_server_storage::Storage::watch

use std::time::Duration;

use casebook_protocol::TeamId;
use casebook_server_storage::Result;
use futures_util::StreamExt;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, Client, NoTls};
use tracing::{debug, warn};

use crate::error::database;

/// The channel every server process listens on.
pub(crate) const CHANNEL: &str = "casebook_log";

/// Wakes buffered per receiver; a receiver that falls further behind gets `Lagged` and should re-read its teams.
const CAPACITY: usize = 1024;

/// The listening task; it stops when the storage is dropped.
pub(crate) struct Listener {
    pub(crate) wakes: broadcast::Sender<TeamId>,
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Listener {
    /// Connects and runs `LISTEN` before returning, so that no commit made after `connect` returns can be missed.
    pub(crate) async fn start(
        config: tokio_postgres::Config,
        pool: deadpool_postgres::Pool,
    ) -> Result<Listener> {
        let (wakes, _) = broadcast::channel(CAPACITY);
        let first = listen(&config, wakes.clone()).await?;
        let task = tokio::spawn(supervise(config, pool, wakes.clone(), first));
        Ok(Listener { wakes, task })
    }
}

/// A listening connection: the client must live as long as the connection is wanted, the driver ends when the
/// connection is lost.
struct Listening {
    _client: Client,
    driver: JoinHandle<()>,
}

async fn listen(
    config: &tokio_postgres::Config,
    wakes: broadcast::Sender<TeamId>,
) -> Result<Listening> {
    let (client, mut connection) = config
        .connect(NoTls)
        .await
        .map_err(database("connecting the log listener"))?;
    // Notifications arrive as asynchronous messages of the connection, so we drive it ourselves instead of
    // spawning it the usual way (which would drop them).
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) if n.channel() == CHANNEL => {
                    match n.payload().parse() {
                        // No receiver is not an error: nobody is waiting right now.
                        Ok(team) => drop(wakes.send(TeamId(team))),
                        Err(_) => warn!(
                            payload = n.payload(),
                            "ignoring a malformed log notification"
                        ),
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    warn!(error = %e, "the log listener's connection failed");
                    break;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(database("listening for log notifications"))?;
    Ok(Listening {
        _client: client,
        driver,
    })
}

/// Keeps a listening connection up for the life of the storage, reconnecting with a growing pause.
async fn supervise(
    config: tokio_postgres::Config,
    pool: deadpool_postgres::Pool,
    wakes: broadcast::Sender<TeamId>,
    mut current: Listening,
) {
    loop {
        // Runs until the connection is lost; `_client` stays alive meanwhile.
        let _ = (&mut current.driver).await;
        let mut pause = Duration::from_millis(100);
        current = loop {
            // The pause paces reconnection attempts to a database that is down; it orders nothing.
            tokio::time::sleep(pause).await;
            match listen(&config, wakes.clone()).await {
                Ok(listening) => break listening,
                Err(e) => {
                    debug!(error = %e, "the log listener cannot reconnect yet");
                    pause = (pause * 2).min(Duration::from_secs(10));
                }
            }
        };
        wake_every_team(&pool, &wakes).await;
    }
}

async fn wake_every_team(pool: &deadpool_postgres::Pool, wakes: &broadcast::Sender<TeamId>) {
    let teams = match pool.get().await {
        Ok(client) => client.query("SELECT id FROM teams", &[]).await,
        Err(e) => {
            warn!(error = %e, "cannot wake the teams after the listener reconnected");
            return;
        }
    };
    match teams {
        Ok(rows) => {
            for row in rows {
                let _ = wakes.send(TeamId(row.get(0)));
            }
        }
        Err(e) => warn!(error = %e, "cannot wake the teams after the listener reconnected"),
    }
}
