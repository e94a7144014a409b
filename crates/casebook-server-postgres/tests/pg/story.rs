//! The shared storage story and the concurrent stress, on PostgreSQL.

use std::sync::Arc;
use std::time::Instant;

use casebook_server_storage::story;

use casebook_server_postgres::PgStorage;

use crate::ScratchDatabase;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_the_storage_contract() {
    let db = ScratchDatabase::create("story").await;
    story::story(Arc::new(PgStorage::connect(&db.url).await.unwrap())).await;
    db.remove().await;
}

/// The figure: 16 writers of 500 pushes each, three readers paging 7 events at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_writers_and_readers_lose_nothing_and_skip_nothing() {
    let db = ScratchDatabase::create("stress").await;
    let started = Instant::now();
    story::stress(
        Arc::new(PgStorage::connect(&db.url).await.unwrap()),
        16,
        500,
    )
    .await;
    eprintln!(
        "stress: 16 writers x 500 pushes on PostgreSQL in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    db.remove().await;
}
