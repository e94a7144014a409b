//! What the PostgreSQL storage adds around the contract: clean pooled connections after a dropped push, a push
//! that goes on after a conflict, wake-ups across server processes, chunked evidence, and migrations.

use std::time::Duration;

use casebook_core::DeviceId;
use casebook_server_postgres::{PgStorage, CHUNK, SCHEMA_VERSION};
use casebook_server_storage::story::{event, team};
use casebook_server_storage::{Storage, StorageError};
use uuid::Uuid;

use crate::{database_url, raw, storage, ScratchDatabase};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_push_leaves_its_pooled_connection_outside_any_transaction() {
    // One connection, so the next push must reuse the one the dropped push had.
    let s = PgStorage::connect_with(&database_url(), 1).await.unwrap();
    let acme = team("Dropped push");
    s.create_team(&acme).await.unwrap();
    let dev = DeviceId(Uuid::now_v7());

    let mut dropped = s.begin(acme.id).await.unwrap();
    dropped.append(&event(dev, 1, None)).await.unwrap();
    drop(dropped);

    let kept = event(dev, 1, None);
    let mut tx = s.begin(acme.id).await.unwrap();
    assert_eq!(
        tx.append(&kept).await.unwrap(),
        1,
        "the dropped push's row is gone, so its position is free again"
    );
    tx.commit().await.unwrap();
    // Had the connection stayed inside the dropped transaction, this commit would have carried its row too.
    let other = storage().await;
    let log = other.pull(acme.id, 0, 10).await.unwrap();
    assert_eq!(
        log.iter().map(|e| (e.position, e.id)).collect::<Vec<_>>(),
        vec![(1, kept.id)],
        "only the committed push reached the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_event_id_is_a_conflict_and_the_push_goes_on() {
    let s = storage().await;
    let acme = team("Conflict");
    s.create_team(&acme).await.unwrap();
    let dev = DeviceId(Uuid::now_v7());
    let first = event(dev, 1, None);
    let mut tx = s.begin(acme.id).await.unwrap();
    tx.append(&first).await.unwrap();
    let again = tx.append(&first).await;
    assert!(
        matches!(again, Err(StorageError::Conflict(_))),
        "appending a logged id again is a conflict: {again:?}"
    );
    assert_eq!(
        tx.append(&event(dev, 2, None)).await.unwrap(),
        2,
        "a conflict takes no position and leaves the push usable"
    );
    tx.commit().await.unwrap();
    assert_eq!(s.head(acme.id).await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_on_one_server_process_wakes_the_others() {
    let pushing = storage().await;
    let waiting = storage().await;
    let acme = team("Wake");
    pushing.create_team(&acme).await.unwrap();
    let mut wake = waiting.watch();

    let mut tx = pushing.begin(acme.id).await.unwrap();
    tx.append(&event(DeviceId(Uuid::now_v7()), 1, None))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Other tests commit on the same database too: wait for this team's wake among theirs. The timeout only
    // bounds a broken run.
    let woke = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match wake.recv().await {
                Ok(team) if team == acme.id => return true,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return false,
            }
        }
    })
    .await;
    assert_eq!(
        woke,
        Ok(true),
        "another server process's watchers wake on the commit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evidence_file_larger_than_a_chunk_is_stored_in_chunks_and_read_across_them() {
    let s = storage().await;
    let acme = team("Chunks");
    s.create_team(&acme).await.unwrap();
    let bytes: Vec<u8> = (0..CHUNK + 10).map(|i| (i % 251) as u8).collect();
    let sha = format!("{:064x}", Uuid::now_v7().as_u128());
    let mut naming = event(DeviceId(Uuid::now_v7()), 1, None);
    naming.blob = Some((sha.clone(), bytes.len() as u64));
    let mut tx = s.begin(acme.id).await.unwrap();
    tx.append(&naming).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        s.blob_append(acme.id, &sha, 0, &bytes).await.unwrap(),
        bytes.len() as u64
    );
    let chunks: Vec<i64> = raw(&database_url())
        .await
        .query(
            "SELECT octet_length(data)::bigint FROM blob_chunks WHERE team = $1 AND sha256 = $2 ORDER BY start",
            &[&acme.id.0, &sha],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        chunks,
        vec![CHUNK as i64, 10],
        "no stored chunk is larger than {CHUNK} bytes"
    );
    let across = s
        .blob_read(acme.id, &sha, CHUNK as u64 - 3, 6)
        .await
        .unwrap();
    assert_eq!(
        across,
        &bytes[CHUNK - 3..CHUNK + 3],
        "a read spans two chunks"
    );
    let tail = s
        .blob_read(acme.id, &sha, CHUNK as u64 + 5, 100)
        .await
        .unwrap();
    assert_eq!(
        tail,
        &bytes[CHUNK + 5..],
        "a read past the end stops at the end"
    );
    assert!(
        matches!(
            s.blob_append(acme.id, &sha, bytes.len() as u64, b"x").await,
            Err(StorageError::Conflict(_))
        ),
        "a file does not grow past the size its event named"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_once_and_a_newer_database_is_refused_untouched() {
    let scratch = ScratchDatabase::create("migrate").await;
    let url = scratch.url.clone();

    // Two server processes starting together on an empty database: one migrates, the other finds it done.
    let (a, b) = tokio::join!(PgStorage::connect(&url), PgStorage::connect(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    drop((a, b));
    let db = raw(&url).await;
    assert_eq!(version(&db).await, vec![SCHEMA_VERSION]);

    db.batch_execute("UPDATE schema_version SET version = version + 1")
        .await
        .unwrap();
    let refused = PgStorage::connect(&url).await;
    match refused {
        Err(StorageError::Database(message)) => assert!(
            message.contains("newer Casebook server"),
            "the refusal says why: {message}"
        ),
        Err(other) => panic!("a newer database must be refused as such, not with {other}"),
        Ok(_) => panic!("a database from a newer version must be refused"),
    }
    assert_eq!(
        version(&db).await,
        vec![SCHEMA_VERSION + 1],
        "the refused database is left as it was"
    );
    drop(db);
    scratch.remove().await;
}

async fn version(db: &tokio_postgres::Client) -> Vec<i32> {
    db.query("SELECT version FROM schema_version", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}
