//! The log's write transaction ([`PgLogTx`]): one push, holding the team's write lock from `begin` to `commit`.
//!
//! **Why positions are gapless and in commit order.** `begin` opens a READ COMMITTED transaction and takes the
//! team's transaction-level advisory lock (`pg_advisory_xact_lock`), which PostgreSQL releases only after the
//! transaction has committed or rolled back and its effects are visible to every new snapshot. Only then does the
//! next writer's lock call return, and its *next* statement (a fresh snapshot under READ COMMITTED) reads the head
//! of the log, so it sees every earlier commit and takes `head + 1`. Two transactions of one team therefore never
//! overlap, positions are handed out in the order the transactions commit, and a rolled-back push leaves no gap.
//! A reader paging by `position > cursor` can thus never see position N+1 while N is still uncommitted: N+1 does
//! not exist until N has committed. (A sequence would hand out numbers at insert time; a smaller one can then
//! commit after a larger one was read, and the reader's cursor skips it for good. The `commit_order` tests show
//! both.) The isolation level is set explicitly because a database whose default is REPEATABLE READ would take the
//! snapshot at the lock statement, before the previous writer's commit.
//!
//! **Why a dropped transaction leaves a clean connection.** The transaction is plain `BEGIN`/`COMMIT` on a pooled
//! connection that [`PgLogTx`] owns (a `tokio_postgres::Transaction` borrows its client, which cannot be kept in a
//! `Box<dyn LogTx>` beside the pooled object without a self-referencing struct). If a `PgLogTx` is dropped without
//! `commit` (an error, a cancelled request), `Drop` hands the connection to a spawned task that runs `ROLLBACK`
//! before the connection goes back to the pool; no other request can get the connection meanwhile, because the task
//! owns it. Should the `ROLLBACK` fail, or no runtime be there to run it, the connection is detached from the pool
//! and closed, and PostgreSQL aborts the transaction itself. Either way the advisory lock goes with the transaction.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use casebook_core::{DeviceId, EventId, IncidentId};
use casebook_protocol::TeamId;
use casebook_server_storage::{AsideEvent, LogTx, NewEvent, Result, StorageError};
use deadpool_postgres::Object;
use tokio_postgres::SimpleQueryMessage;
use tracing::warn;
use uuid::Uuid;

use crate::error::{corrupt, database};
use crate::listen::CHANNEL;
use crate::rows::{to_i64, to_u64};

/// The advisory lock key of a team's log: its UUID folded to 64 bits. Two teams whose keys collide would only
/// take turns writing; correctness needs only that one team always maps to the same key.
pub(crate) fn lock_key(team: TeamId) -> i64 {
    let n = team.0.as_u128();
    ((n >> 64) as u64 ^ n as u64) as i64
}

pub(crate) struct PgLogTx {
    /// `None` once committed or rolled back.
    client: Option<Object>,
    team: TeamId,
    /// The last position of the log, including this transaction's appends.
    head: u64,
    appended: bool,
    /// A statement failed: PostgreSQL has aborted the transaction, and `COMMIT` would silently roll it back.
    failed: bool,
}

/// Opens a push for `team` on `client` (see the module doc for why this is safe).
pub(crate) async fn begin(client: Object, team: TeamId) -> Result<Box<dyn LogTx>> {
    let mut tx = PgLogTx {
        client: Some(client),
        team,
        head: 0,
        appended: false,
        failed: false,
    };
    // From here on, an error drops `tx`, which rolls back. The three statements travel in one message, so the head
    // comes back in the same round trip that the lock is granted in: the other pushes of the team queue behind the
    // lock for as long as this push holds it. Under READ COMMITTED each statement of a multi-statement query takes
    // its own snapshot, so the head is read after the lock was granted (the `commit_order` test fails otherwise).
    // Both values written into the text are ours (a number and a formatted UUID), never input.
    let messages = tx
        .client()
        .simple_query(&format!(
            "BEGIN ISOLATION LEVEL READ COMMITTED; \
             SELECT pg_advisory_xact_lock({key}); \
             SELECT (SELECT coalesce(max(position), 0) FROM events WHERE team = '{team}'), \
                    EXISTS (SELECT 1 FROM teams WHERE id = '{team}')",
            key = lock_key(team),
            team = team.0.hyphenated(),
        ))
        .await
        .map_err(database("taking the team's log lock"))?;
    let row = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        })
        .next_back()
        .ok_or_else(|| StorageError::Database("reading the log head returned nothing".into()))?;
    if row.get(1) != Some("t") {
        return Err(StorageError::NotFound("team".into()));
    }
    let head = row
        .get(0)
        .ok_or_else(|| StorageError::Database("reading the log head returned nothing".into()))?;
    let head: i64 = head
        .parse()
        .map_err(|_| corrupt(format!("the log head {head:?} is not a number")))?;
    tx.head = to_u64(head, "position")?;
    Ok(Box::new(tx))
}

impl PgLogTx {
    fn client(&self) -> &Object {
        self.client
            .as_ref()
            .expect("a PgLogTx keeps its connection until commit or drop")
    }

    /// Runs a statement of this transaction, remembering a failure so that `commit` cannot pass it off as success.
    async fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        doing: &str,
    ) -> Result<Vec<tokio_postgres::Row>> {
        let client = self.client();
        let result = match client.prepare_cached(sql).await {
            Ok(statement) => client.query(&statement, params).await,
            Err(e) => Err(e),
        };
        result.map_err(|e| {
            self.failed = true;
            database(doing)(e)
        })
    }
}

#[async_trait]
impl LogTx for PgLogTx {
    async fn event_hash(&mut self, id: EventId) -> Result<Option<String>> {
        let team = self.team.0;
        let rows = self
            .query(
                "SELECT hash FROM events WHERE team = $1 AND id = $2",
                &[&team, &id.0],
                "reading an event's hash",
            )
            .await?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    async fn seq_hash(&mut self, device: DeviceId, seq: u64) -> Result<Option<String>> {
        let (team, seq) = (self.team.0, to_i64(seq, "device sequence")?);
        let rows = self
            .query(
                "SELECT hash FROM events WHERE team = $1 AND device = $2 AND device_seq = $3",
                &[&team, &device.0, &seq],
                "reading a device sequence's hash",
            )
            .await?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    async fn seq_raw(&mut self, device: DeviceId, seq: u64) -> Result<Option<String>> {
        let (team, seq) = (self.team.0, to_i64(seq, "device sequence")?);
        let rows = self
            .query(
                "SELECT raw FROM events WHERE team = $1 AND device = $2 AND device_seq = $3",
                &[&team, &device.0, &seq],
                "reading a device sequence's event",
            )
            .await?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    async fn seq_settled(&mut self, device: DeviceId, seq: u64) -> Result<bool> {
        let (team, seq) = (self.team.0, to_i64(seq, "device sequence")?);
        let rows = self
            .query(
                "SELECT EXISTS (SELECT 1 FROM events WHERE team = $1 AND device = $2 AND device_seq = $3) \
                     OR EXISTS (SELECT 1 FROM aside WHERE team = $1 AND device = $2 AND device_seq = $3)",
                &[&team, &device.0, &seq],
                "checking whether a device sequence is settled",
            )
            .await?;
        Ok(rows[0].get(0))
    }

    async fn frontier(&mut self, device: DeviceId) -> Result<u64> {
        let team = self.team.0;
        let rows = self
            .query(
                "SELECT contiguous FROM frontiers WHERE team = $1 AND device = $2",
                &[&team, &device.0],
                "reading a device's frontier",
            )
            .await?;
        match rows.first() {
            Some(r) => to_u64(r.get(0), "frontier"),
            None => Ok(0),
        }
    }

    async fn set_frontier(&mut self, device: DeviceId, contiguous: u64) -> Result<()> {
        let (team, contiguous) = (self.team.0, to_i64(contiguous, "frontier")?);
        self.query(
            "INSERT INTO frontiers (team, device, contiguous) VALUES ($1, $2, $3) \
             ON CONFLICT (team, device) DO UPDATE SET contiguous = excluded.contiguous",
            &[&team, &device.0, &contiguous],
            "recording a device's frontier",
        )
        .await?;
        Ok(())
    }

    async fn incident_opened(&mut self, incident: IncidentId) -> Result<bool> {
        let team = self.team.0;
        let rows = self
            .query(
                "SELECT EXISTS (SELECT 1 FROM incidents WHERE team = $1 AND id = $2)",
                &[&team, &incident.0],
                "checking whether an incident is opened",
            )
            .await?;
        Ok(rows[0].get(0))
    }

    async fn objects(&mut self, ids: &[Uuid]) -> Result<HashMap<Uuid, Option<IncidentId>>> {
        let team = self.team.0;
        let rows = self
            .query(
                "SELECT id, incident FROM objects WHERE team = $1 AND id = ANY($2)",
                &[&team, &ids],
                "reading objects",
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get::<_, Option<Uuid>>(1).map(IncidentId)))
            .collect())
    }

    async fn append(&mut self, event: &NewEvent) -> Result<u64> {
        let position = self.head + 1;
        let (team, pos) = (self.team.0, to_i64(position, "position")?);
        let seq = to_i64(event.device_seq, "device sequence")?;
        let incident = event.incident.map(|i| i.0);
        let (blob, blob_size) = match &event.blob {
            Some((sha, size)) => (Some(sha.as_str()), Some(to_i64(*size, "blob size")?)),
            None => (None, None),
        };
        // One round trip while the team's lock is held: the event, then (only if it went in) its objects, its
        // incident and the blob it names. `ON CONFLICT DO NOTHING` on the event keeps the transaction usable when
        // the id or device sequence is taken, so the caller gets `Conflict` and may go on with the push.
        let rows = self
            .query(
                "WITH e AS ( \
                     INSERT INTO events (team, position, id, incident, author, device, device_seq, hash, raw, \
                                         received_us) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT DO NOTHING RETURNING position), \
                 o AS ( \
                     INSERT INTO objects (team, id, incident) \
                     SELECT $1, object, $4 FROM e, unnest($11::uuid[]) AS object \
                     ON CONFLICT DO NOTHING), \
                 i AS ( \
                     INSERT INTO incidents (team, id) \
                     SELECT $1, $4 FROM e WHERE $12 AND $4::uuid IS NOT NULL \
                     ON CONFLICT DO NOTHING), \
                 b AS ( \
                     INSERT INTO blobs (team, sha256, size) \
                     SELECT $1, $13, $14 FROM e WHERE $13::text IS NOT NULL \
                     ON CONFLICT DO NOTHING), \
                 a AS ( \
                     INSERT INTO alerts (team, alert, event) \
                     SELECT $1, $15, $3 FROM e WHERE $15::uuid IS NOT NULL \
                     ON CONFLICT DO NOTHING) \
                 SELECT position FROM e",
                &[
                    &team,
                    &pos,
                    &event.id.0,
                    &incident,
                    &event.author.0,
                    &event.device.0,
                    &seq,
                    &event.hash,
                    &event.raw,
                    &event.received_us,
                    &event.objects,
                    &event.opens_incident,
                    &blob,
                    &blob_size,
                    &event.alert,
                ],
                "appending an event",
            )
            .await?;
        if rows.is_empty() {
            return Err(StorageError::Conflict(format!(
                "event {} or sequence {} of device {}",
                event.id, event.device_seq, event.device
            )));
        }
        self.head = position;
        self.appended = true;
        Ok(position)
    }

    async fn set_aside(&mut self, event: &AsideEvent) -> Result<()> {
        let (team, seq) = (self.team.0, to_i64(event.device_seq, "device sequence")?);
        self.query(
            "INSERT INTO aside (team, id, device, device_seq, hash, raw, reason, code, detail, pushed_by, \
                                received_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &team,
                &event.id.0,
                &event.device.0,
                &seq,
                &event.hash,
                &event.raw,
                &event.reason,
                &event.code,
                &event.detail,
                &event.pushed_by.0,
                &event.received_us,
            ],
            "keeping an event aside",
        )
        .await?;
        Ok(())
    }

    async fn alerts_known(&mut self, alerts: &[Uuid]) -> Result<HashSet<Uuid>> {
        let team = self.team.0;
        let rows = self
            .query(
                "SELECT alert FROM alerts WHERE team = $1 AND alert = ANY($2)",
                &[&team, &alerts],
                "looking up raised alerts",
            )
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn commit(mut self: Box<Self>) -> Result<()> {
        if self.failed {
            // Dropping `self` rolls back.
            return Err(StorageError::Database(
                "a statement of this push failed, so it was rolled back".into(),
            ));
        }
        // The notification is delivered by PostgreSQL only once the commit is done, to every listening server
        // process. One message for both: the team's lock is held until it is answered.
        let sql = if self.appended {
            format!(
                "SELECT pg_notify('{CHANNEL}', '{}'); COMMIT",
                self.team.0.hyphenated()
            )
        } else {
            "COMMIT".to_string()
        };
        let client = self.client.take().expect("commit runs once");
        match client.batch_execute(&sql).await {
            Ok(()) => Ok(()),
            Err(e) => {
                // Whether the commit happened is unknown; the connection is not trusted again.
                drop(Object::take(client));
                Err(database("committing a push")(e))
            }
        }
    }
}

impl Drop for PgLogTx {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = client.batch_execute("ROLLBACK").await {
                        warn!(error = %e, "rolling back a dropped push failed; closing its connection");
                        drop(Object::take(client));
                    }
                });
            }
            // Closing the connection makes PostgreSQL abort the transaction and release the lock.
            Err(_) => drop(Object::take(client)),
        }
    }
}
