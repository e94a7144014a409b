//! PostgreSQL storage tests against a real server. They need `CASEBOOK_TEST_DATABASE_URL`, which
//! `scripts/with-postgres` sets after starting a throwaway server:
//! `scripts/with-postgres cargo test -p casebook-server-postgres`. Without it they fail (they never skip), so a
//! run that forgot the database cannot pass for one that tested it.

mod commit_order;
mod connection;
mod story;

use casebook_server_postgres::PgStorage;
use tokio_postgres::{Client, NoTls};

/// The test database's address, or a failure that says how to get one.
fn database_url() -> String {
    std::env::var("CASEBOOK_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "CASEBOOK_TEST_DATABASE_URL is not set: run these tests through scripts/with-postgres, which starts a \
             throwaway PostgreSQL, e.g. `scripts/with-postgres cargo test -p casebook-server-postgres`"
        )
    })
}

/// A storage on the test database, as one server process would have it. Tests share the database, so each works
/// in teams of its own.
async fn storage() -> PgStorage {
    PgStorage::connect(&database_url())
        .await
        .expect("connecting to the test database")
}

/// A plain connection, for what the tests do behind the storage's back (locks, control tables).
async fn raw(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("connecting to the test database");
    tokio::spawn(connection);
    client
}
