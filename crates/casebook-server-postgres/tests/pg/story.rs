//! The shared storage story and the concurrent stress, on PostgreSQL.

use std::sync::Arc;
use std::time::Instant;

use casebook_server_storage::story;

use crate::storage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_the_storage_contract() {
    story::story(Arc::new(storage().await)).await;
}

/// The figure: 16 writers of 500 pushes each, three readers paging 7 events at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_writers_and_readers_lose_nothing_and_skip_nothing() {
    let started = Instant::now();
    story::stress(Arc::new(storage().await), 16, 500).await;
    eprintln!(
        "stress: 16 writers x 500 pushes on PostgreSQL in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
