//! Evidence files, stored in `blob_chunks` rows of at most [`CHUNK`] bytes so that any server process can serve
//! them and no single `bytea` value grows past what PostgreSQL moves comfortably.

use casebook_protocol::TeamId;
use casebook_server_storage::{BlobState, Result, StorageError};
use deadpool_postgres::Object;

use crate::error::database;
use crate::rows::{to_i64, to_u64};

/// The largest chunk stored in one row: 8 MiB, the protocol's upload chunk.
pub const CHUNK: usize = 8 * 1024 * 1024;

pub(crate) async fn state(
    client: &Object,
    team: TeamId,
    sha256: &str,
) -> Result<Option<BlobState>> {
    let statement = client
        .prepare_cached(
            "SELECT size, received, complete FROM blobs WHERE team = $1 AND sha256 = $2",
        )
        .await
        .map_err(database("preparing to read a blob's state"))?;
    let row = client
        .query_opt(&statement, &[&team.0, &sha256])
        .await
        .map_err(database("reading a blob's state"))?;
    row.map(|r| {
        Ok(BlobState {
            size: to_u64(r.get(0), "blob size")?,
            received: to_u64(r.get(1), "received bytes")?,
            complete: r.get(2),
        })
    })
    .transpose()
}

pub(crate) async fn append(
    client: &mut Object,
    team: TeamId,
    sha256: &str,
    offset: u64,
    bytes: &[u8],
) -> Result<u64> {
    let tx = client
        .transaction()
        .await
        .map_err(database("starting a blob upload"))?;
    // The row lock makes two uploads of the same file (two server processes) take turns, so the offset check and
    // the update see the same `received`.
    let row = tx
        .query_opt(
            "SELECT size, received FROM blobs WHERE team = $1 AND sha256 = $2 FOR UPDATE",
            &[&team.0, &sha256],
        )
        .await
        .map_err(database("reading a blob's state"))?
        .ok_or_else(|| StorageError::NotFound(format!("evidence file {sha256}")))?;
    let size = to_u64(row.get(0), "blob size")?;
    let received = to_u64(row.get(1), "received bytes")?;
    if offset != received {
        return Err(StorageError::Conflict(format!(
            "an upload of {sha256} at byte {offset} (the server holds {received} bytes, so the upload resumes there)"
        )));
    }
    let end = received + bytes.len() as u64;
    if end > size {
        return Err(StorageError::Conflict(format!(
            "{end} bytes of {sha256}, which was named with {size} bytes"
        )));
    }
    let mut start = received;
    for chunk in bytes.chunks(CHUNK) {
        tx.execute(
            "INSERT INTO blob_chunks (team, sha256, start, data) VALUES ($1, $2, $3, $4)",
            &[&team.0, &sha256, &to_i64(start, "offset")?, &chunk],
        )
        .await
        .map_err(database("storing a chunk of a blob"))?;
        start += chunk.len() as u64;
    }
    tx.execute(
        "UPDATE blobs SET received = $3 WHERE team = $1 AND sha256 = $2",
        &[&team.0, &sha256, &to_i64(end, "received bytes")?],
    )
    .await
    .map_err(database("recording a blob's progress"))?;
    tx.commit()
        .await
        .map_err(database("committing a chunk of a blob"))?;
    Ok(end)
}

pub(crate) async fn read(
    client: &Object,
    team: TeamId,
    sha256: &str,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>> {
    if state(client, team, sha256).await?.is_none() {
        return Err(StorageError::NotFound(format!("evidence file {sha256}")));
    }
    let start = to_i64(offset, "offset")?;
    let end = to_i64(offset.saturating_add(len as u64), "offset")?;
    // Only the chunks that overlap [start, end), each cut to the overlap in the database so that a small read of a
    // large chunk moves only the bytes asked for.
    let statement = client
        .prepare_cached(
            "SELECT substring(data FROM (greatest($3, start) - start + 1)::int FOR ($4 - greatest($3, start))::int) \
             FROM blob_chunks \
             WHERE team = $1 AND sha256 = $2 AND start < $4 AND start + octet_length(data) > $3 \
             ORDER BY start",
        )
        .await
        .map_err(database("preparing to read a blob"))?;
    let rows = client
        .query(&statement, &[&team.0, &sha256, &start, &end])
        .await
        .map_err(database("reading a blob"))?;
    let mut out = Vec::with_capacity(len.min(CHUNK));
    for row in rows {
        out.extend_from_slice(row.get::<_, &[u8]>(0));
    }
    Ok(out)
}

pub(crate) async fn finish(
    client: &mut Object,
    team: TeamId,
    sha256: &str,
    verified: bool,
) -> Result<()> {
    let tx = client
        .transaction()
        .await
        .map_err(database("starting to finish a blob"))?;
    let updated = if verified {
        tx.execute(
            "UPDATE blobs SET complete = true WHERE team = $1 AND sha256 = $2",
            &[&team.0, &sha256],
        )
        .await
        .map_err(database("marking a blob complete"))?
    } else {
        tx.execute(
            "DELETE FROM blob_chunks WHERE team = $1 AND sha256 = $2",
            &[&team.0, &sha256],
        )
        .await
        .map_err(database("dropping a bad upload"))?;
        tx.execute(
            "UPDATE blobs SET received = 0, complete = false WHERE team = $1 AND sha256 = $2",
            &[&team.0, &sha256],
        )
        .await
        .map_err(database("dropping a bad upload"))?
    };
    if updated == 0 {
        return Err(StorageError::NotFound(format!("evidence file {sha256}")));
    }
    tx.commit().await.map_err(database("finishing a blob"))
}
