//! Positions in commit order: a push that takes a position and stays open while another push tries to commit and a
//! reader pulls. With the team's advisory lock the second push waits, so the reader never sees position N+1 before
//! N. The control shows the hazard is real: positions from a plain PostgreSQL sequence let a reader paging by
//! `position > cursor` skip the row that commits late, for good.

use std::sync::Arc;
use std::time::{Duration, Instant};

use casebook_core::DeviceId;
use casebook_server_postgres::log_lock_key;
use casebook_server_storage::story::{event, team};
use casebook_server_storage::Storage;
use tokio::sync::oneshot;
use tokio_postgres::Client;
use uuid::Uuid;

use crate::{database_url, raw, storage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_that_commits_late_still_reaches_the_reader() {
    // Two server processes on one database, as behind a load balancer.
    let first = storage().await;
    let second = Arc::new(storage().await);
    let admin = raw(&database_url()).await;
    let acme = team("Commit order");
    first.create_team(&acme).await.unwrap();

    // The early push takes position 1 and stays open.
    let mut early = first.begin(acme.id).await.unwrap();
    let early_event = event(DeviceId(Uuid::now_v7()), 1, None);
    assert_eq!(early.append(&early_event).await.unwrap(), 1);

    // Meanwhile a push on the other process tries to take a position and commit.
    let (began, mut has_begun) = oneshot::channel();
    let late_event = event(DeviceId(Uuid::now_v7()), 1, None);
    let late = tokio::spawn({
        let (second, late_event) = (second.clone(), late_event.clone());
        async move {
            let mut tx = second.begin(acme.id).await.unwrap();
            let _ = began.send(());
            let position = tx.append(&late_event).await.unwrap();
            tx.commit().await.unwrap();
            position
        }
    });
    until_a_push_waits_for_the_lock(&admin, log_lock_key(acme.id)).await;
    assert!(
        has_begun.try_recv().is_err(),
        "the late push cannot begin while the early one holds the team's lock"
    );

    // A reader pulls now: nothing is committed, and nothing past position 1 exists to be seen.
    let cursor = 0;
    let page = first.pull(acme.id, cursor, 100).await.unwrap();
    assert_eq!(
        page,
        vec![],
        "no position is visible while the push that holds position 1 is open"
    );

    early.commit().await.unwrap();
    assert_eq!(
        late.await.unwrap(),
        2,
        "the late push takes the next position once the early one has committed"
    );
    let page = first.pull(acme.id, cursor, 100).await.unwrap();
    assert_eq!(
        page.iter().map(|e| (e.position, e.id)).collect::<Vec<_>>(),
        vec![(1, early_event.id), (2, late_event.id)],
        "the reader's cursor never passed an uncommitted position, so both pushes reach it in order"
    );
}

/// CONTROL: the same schedule with positions from a sequence (`nextval`), on a scratch table. The early row takes
/// number 1 and stays open, the late row takes 2 and commits, a reader pulls and moves its cursor to 2, the early
/// row commits: the reader's next pull (`position > 2`) never returns row 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_a_sequence_lets_a_reader_skip_the_row_that_commits_late() {
    let url = database_url();
    let (admin, early, late, reader) = (
        raw(&url).await,
        raw(&url).await,
        raw(&url).await,
        raw(&url).await,
    );
    let table = format!("control_{}", Uuid::now_v7().simple());
    admin
        .batch_execute(&format!(
            "CREATE SEQUENCE {table}_seq; \
             CREATE TABLE {table} (position bigint PRIMARY KEY DEFAULT nextval('{table}_seq'), body text NOT NULL)"
        ))
        .await
        .unwrap();
    let insert = format!("INSERT INTO {table} (body) VALUES ($1) RETURNING position");
    let pull = format!("SELECT position FROM {table} WHERE position > $1 ORDER BY position");

    early.batch_execute("BEGIN").await.unwrap();
    let early_position: i64 = early.query_one(&insert, &[&"early"]).await.unwrap().get(0);
    late.batch_execute("BEGIN").await.unwrap();
    let late_position: i64 = late.query_one(&insert, &[&"late"]).await.unwrap().get(0);
    late.batch_execute("COMMIT").await.unwrap();
    assert_eq!((early_position, late_position), (1, 2));

    let positions =
        |rows: Vec<tokio_postgres::Row>| rows.iter().map(|r| r.get(0)).collect::<Vec<i64>>();
    // The reader pulls while row 1 is still open, and moves its cursor past what it saw.
    let mut seen = positions(reader.query(&pull, &[&0_i64]).await.unwrap());
    let cursor = seen.last().copied().unwrap_or(0);
    early.batch_execute("COMMIT").await.unwrap();
    seen.extend(positions(reader.query(&pull, &[&cursor]).await.unwrap()));
    let all = positions(
        reader
            .query(
                &format!("SELECT position FROM {table} ORDER BY position"),
                &[],
            )
            .await
            .unwrap(),
    );
    admin
        .batch_execute(&format!("DROP TABLE {table}; DROP SEQUENCE {table}_seq"))
        .await
        .unwrap();

    assert_eq!(all, vec![1, 2], "both rows are committed");
    assert_eq!(
        seen,
        vec![2],
        "with a sequence the reader skips row 1 for good: it read 2 while 1 was uncommitted, and its cursor passed it"
    );
}

/// Waits until PostgreSQL shows a session waiting for the advisory lock `key` (a state that can only be observed by
/// asking, so we ask every few milliseconds; the deadline only bounds a broken run).
async fn until_a_push_waits_for_the_lock(admin: &Client, key: i64) {
    let (high, low) = ((key >> 32) as u32, key as u32);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ask = tokio::time::interval(Duration::from_millis(5));
    loop {
        ask.tick().await;
        let waiting: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_locks \
                 WHERE locktype = 'advisory' AND NOT granted AND classid = $1 AND objid = $2 AND objsubid = 1",
                &[&high, &low],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the late push never waited for the team's lock"
        );
    }
}
