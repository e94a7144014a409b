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

/// A database of its own on the test server, for a test that must not see the others' commits (the story expects
/// the first wake-up after its commit to be its own team's) or that changes the schema. Left behind if the test
/// fails, which is harmless: the server is thrown away after the run.
struct ScratchDatabase {
    admin: Client,
    name: String,
    url: String,
}

impl ScratchDatabase {
    async fn create(purpose: &str) -> ScratchDatabase {
        let admin = raw(&database_url()).await;
        let name = format!("casebook_{purpose}_{}", uuid::Uuid::now_v7().simple());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("creating a scratch database");
        let url = format!("{}/{name}", database_url().rsplit_once('/').unwrap().0);
        ScratchDatabase { admin, name, url }
    }

    /// Drops the database, closing whatever connections the test left open to it.
    async fn remove(self) {
        self.admin
            .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .await
            .expect("dropping a scratch database");
    }
}

/// A plain connection, for what the tests do behind the storage's back (locks, control tables).
async fn raw(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("connecting to the test database");
    tokio::spawn(connection);
    client
}
