//! A team server for one test: its own team, accounts made on demand, laptops that sign in to it.

use std::path::PathBuf;
use std::sync::Arc;

use casebook_api::sync::ServerTrust;
use casebook_api::{Casebook, Clock, SystemClock};
use casebook_core::model::{Role, Tier};
use casebook_core::signing::DeviceKey;
use casebook_core::DeviceId;
use casebook_protocol::{NewAccount, Session, SignIn};
use casebook_server::{directory, tls, ServerState};
use casebook_server_storage::{Storage, TeamRow};
use tempfile::TempDir;
use uuid::Uuid;

pub const PASSWORD: &str = "a long enough password";

/// The databases a story runs on: SQLite always, PostgreSQL when the test script started one.
pub fn databases() -> Vec<Option<String>> {
    let mut dbs = vec![None];
    if let Ok(url) = std::env::var("CASEBOOK_TEST_DATABASE_URL") {
        dbs.push(Some(url));
    }
    dbs
}

pub struct Server {
    pub runtime: tokio::runtime::Runtime,
    pub storage: Arc<dyn Storage>,
    /// Holds the certificate and the SQLite file for the server's lifetime.
    _dir: TempDir,
    pub url: String,
    pub cert: PathBuf,
    pub team: TeamRow,
    pub admin: casebook_server_storage::AccountRow,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Starts a server on 127.0.0.1:0 with a self-signed certificate and a team of its own.
    pub fn start(database: Option<&str>) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = runtime.block_on(async {
            match database {
                Some(url) => Arc::new(
                    casebook_server_postgres::PgStorage::connect(url)
                        .await
                        .unwrap(),
                ) as Arc<dyn Storage>,
                None => Arc::new(
                    casebook_server_sqlite::SqliteStorage::open(&dir.path().join("server.db"))
                        .unwrap(),
                ),
            }
        });
        let suffix = Uuid::now_v7().simple().to_string();
        let (team, admin) = runtime
            .block_on(directory::create_team(
                &*storage,
                &format!("Acme SOC {suffix}"),
                &format!("admin-{suffix}@acme.example"),
                "Ada Admin",
                PASSWORD,
                now(),
            ))
            .unwrap();
        let (cert, _) =
            tls::ensure_certificate(dir.path(), &["127.0.0.1".into(), "localhost".into()]).unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let mut server = Server {
            runtime,
            storage,
            _dir: dir,
            url,
            cert,
            team,
            admin,
            stop: None,
            served: None,
        };
        server.serve(listener);
        server
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let config = tls::server_config(&self.cert, &tls::key_path(self._dir.path())).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = casebook_server::router(ServerState::new(self.storage.clone()));
        self.served = Some(self.runtime.spawn(async move {
            casebook_server::serve(listener, router, Some(config), async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        }));
        self.stop = Some(stop);
    }

    /// Stops serving (the storage stays): laptops find the server offline.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = self.runtime.block_on(served);
        }
    }

    /// The operator replaces the server's certificate (a new key too) and restarts it on the same address.
    pub fn replace_certificate(&mut self) {
        self.stop();
        std::fs::remove_file(&self.cert).unwrap();
        std::fs::remove_file(tls::key_path(self._dir.path())).unwrap();
        tls::ensure_certificate(self._dir.path(), &["127.0.0.1".into(), "localhost".into()])
            .unwrap();
        let addr = self.url.trim_start_matches("https://").to_string();
        let listener = self
            .runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .unwrap();
        self.serve(listener);
    }

    /// The fingerprint `casebook-server init` prints for this server's certificate.
    pub fn fingerprint(&self) -> String {
        tls::fingerprint(&self.cert).unwrap()
    }

    /// The server's SQLite file (for the stories that alter what it stores, as an attacker on the server would).
    pub fn sqlite_file(&self) -> PathBuf {
        self._dir.path().join("server.db")
    }

    /// Adds an account and returns its e-mail address (unique across the tests sharing a database).
    pub fn account(&self, name: &str, role: Role, tier: Option<u8>) -> String {
        let email = format!(
            "{}-{}@acme.example",
            name.to_lowercase().replace(' ', "."),
            Uuid::now_v7().simple()
        );
        let new = NewAccount {
            email: email.clone(),
            name: name.into(),
            role,
            tier: tier.map(|t| Tier::new(t).unwrap()),
            password: PASSWORD.into(),
        };
        self.runtime
            .block_on(directory::add_account(
                &*self.storage,
                self.team.id,
                self.admin.user,
                new,
                now(),
            ))
            .unwrap();
        email
    }

    /// A client trusting this server's certificate.
    pub fn client(&self, token: Option<String>) -> casebook_sync::Client {
        let pem = std::fs::read(&self.cert).unwrap();
        casebook_sync::Client::new(&self.url, Some(&pem), token).unwrap()
    }

    /// Signs a made-up device in: a raw session for route tests.
    pub fn session(&self, email: &str) -> (Session, DeviceKey, DeviceId) {
        let key = DeviceKey::from_secret(rand::random());
        let device = DeviceId(Uuid::now_v7());
        let session = self
            .client(None)
            .sign_in(&SignIn {
                email: email.into(),
                password: PASSWORD.into(),
                device,
                public_key: key.public().to_hex(),
                device_name: "test device".into(),
                offline_user: None,
            })
            .unwrap();
        (session, key, device)
    }

    /// A laptop (a data directory of its own) signed in with this account.
    pub fn laptop(&self, email: &str) -> Laptop {
        self.laptop_with_clock(email, Arc::new(SystemClock))
    }

    /// The same, with a clock of its own (one set wrong, say).
    pub fn laptop_with_clock(&self, email: &str, clock: Arc<dyn Clock>) -> Laptop {
        let dir = tempfile::tempdir().unwrap();
        let mut cb = Casebook::open_with_clock(dir.path(), clock).unwrap();
        cb.login(
            &self.url,
            email,
            PASSWORD,
            &ServerTrust::CaFile(self.cert.clone()),
            &|_| {},
        )
        .unwrap();
        Laptop { cb, _dir: dir }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub struct Laptop {
    pub cb: Casebook,
    _dir: TempDir,
}

impl Laptop {
    /// The laptop's data directory (another connection may open it, as the desktop's sync agent does).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn sync(&mut self) -> casebook_api::sync::SyncReport {
        self.cb.sync(&|_| {}).unwrap()
    }
}

#[allow(clippy::disallowed_methods)]
pub fn now() -> i64 {
    chrono::Utc::now().timestamp_micros()
}
