//! The storage contract on a real SQLite file.

use std::sync::Arc;

use casebook_server_sqlite::SqliteStorage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storage_story_holds_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStorage::open(&dir.path().join("server.db")).unwrap();
    casebook_server_storage::story::story(Arc::new(s)).await;
}

#[test]
fn a_database_from_a_newer_server_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    drop(SqliteStorage::open(&path).unwrap());
    let c = rusqlite::Connection::open(&path).unwrap();
    c.pragma_update(None, "user_version", 99).unwrap();
    drop(c);
    let err = SqliteStorage::open(&path)
        .err()
        .expect("a newer schema must be refused");
    assert!(err.to_string().contains("newer casebook-server"), "{err}");
    let c = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 99, "the refused file must not be touched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_writers_and_three_paging_readers_lose_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStorage::open(&dir.path().join("server.db")).unwrap();
    casebook_server_storage::story::stress(Arc::new(s), 16, 500).await;
}
