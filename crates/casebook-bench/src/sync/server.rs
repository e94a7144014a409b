//! The team servers the sync phases talk to: one started in this process on `127.0.0.1:0` (the library's `router`
//! and `serve`, TLS with a self-signed certificate, SQLite or PostgreSQL), or one in a child process of its own so
//! that its memory is measured alone.
//!
//! Either way the team and its accounts are made through the server library (`directory::create_team`,
//! `directory::add_account`), the way `casebook-server init` and `user add` make them, and laptops reach the server
//! only over HTTPS with the real client.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use casebook_core::model::{Role, Tier};
use casebook_core::signing::DeviceKey;
use casebook_core::{DeviceId, UserId};
use casebook_protocol::{NewAccount, SignIn};
use casebook_server::{directory, tls, ServerState};
use casebook_server_storage::{AccountRow, Storage, TeamRow};
use casebook_sync::Client;
use uuid::Uuid;

/// Every account's password (the benchmark's own throwaway team).
pub const PASSWORD: &str = "casebook bench password";

/// Where a server listens and the certificate a laptop pins for it.
#[derive(Clone)]
pub struct Endpoint {
    pub url: String,
    pub cert: PathBuf,
    pub cert_pem: Vec<u8>,
}

impl Endpoint {
    pub fn client(&self, token: Option<String>) -> Result<Client> {
        Client::new(&self.url, Some(&self.cert_pem), token).context("making a sync client")
    }

    /// Signs a new device in as `email`; returns a client holding its token, the device, its key and the account.
    pub fn device(&self, email: &str) -> Result<(Client, DeviceId, DeviceKey, UserId)> {
        let key = DeviceKey::from_secret(rand::random());
        let device = DeviceId(Uuid::now_v7());
        let session = self
            .client(None)?
            .sign_in(&SignIn {
                email: email.into(),
                password: PASSWORD.into(),
                device,
                public_key: key.public().to_hex(),
                device_name: "bench device".into(),
                offline_user: None,
            })
            .with_context(|| format!("signing {email} in"))?;
        Ok((
            self.client(Some(session.token))?,
            device,
            key,
            session.account.user,
        ))
    }
}

/// A team made on a storage: its row and its first admin (who adds the other accounts).
pub struct Team {
    pub row: TeamRow,
    pub admin: AccountRow,
}

impl Team {
    /// A team of its own (names and e-mails made unique, so a shared PostgreSQL database can hold several runs).
    pub async fn create(storage: &dyn Storage) -> Result<Team> {
        let suffix = Uuid::now_v7().simple().to_string();
        let (row, admin) = directory::create_team(
            storage,
            &format!("Bench SOC {suffix}"),
            &format!("admin-{suffix}@bench.example"),
            "Bench Admin",
            PASSWORD,
            now_us(),
        )
        .await
        .map_err(|e| anyhow!("creating the bench team: {}", e.0.message))?;
        Ok(Team { row, admin })
    }

    /// Adds `n` accounts of one role; returns their e-mail addresses.
    pub async fn accounts(
        &self,
        storage: &dyn Storage,
        name: &str,
        role: Role,
        tier: Option<Tier>,
        n: usize,
    ) -> Result<Vec<String>> {
        let mut emails = Vec::with_capacity(n);
        for i in 0..n {
            let email = format!("{name}-{i}-{}@bench.example", Uuid::now_v7().simple());
            let new = NewAccount {
                email: email.clone(),
                name: format!("{name} {i}"),
                role,
                tier,
                password: PASSWORD.into(),
            };
            directory::add_account(storage, self.row.id, self.admin.user, new, now_us())
                .await
                .map_err(|e| anyhow!("adding account {email}: {}", e.0.message))?;
            emails.push(email);
        }
        Ok(emails)
    }
}

fn now_us() -> i64 {
    use casebook_api::Clock;
    casebook_api::SystemClock.now().timestamp_micros()
}

/// Makes the server's certificate in `dir` (valid for 127.0.0.1 and localhost).
pub fn certificate(dir: &Path) -> Result<PathBuf> {
    let (cert, _) = tls::ensure_certificate(dir, &["127.0.0.1".into(), "localhost".into()])?;
    Ok(cert)
}

/// A server on a runtime of its own in this process; stopped when dropped.
pub struct LoopbackServer {
    pub runtime: tokio::runtime::Runtime,
    pub storage: Arc<dyn Storage>,
    pub endpoint: Endpoint,
    pub team: Team,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl LoopbackServer {
    /// Starts a server with its data (SQLite file, certificate) in `dir`, on PostgreSQL when `database` is given.
    pub fn start(dir: &Path, database: Option<&str>) -> Result<LoopbackServer> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        // Two workers, as the binary gets on this two-core machine by default.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("starting the server's runtime")?;
        let storage: Arc<dyn Storage> = runtime.block_on(async {
            Ok::<_, anyhow::Error>(match database {
                Some(url) => Arc::new(
                    casebook_server_postgres::PgStorage::connect(url)
                        .await
                        .context("connecting to the PostgreSQL database")?,
                ) as Arc<dyn Storage>,
                None => Arc::new(
                    casebook_server_sqlite::SqliteStorage::open(&dir.join("server.db"))
                        .context("opening the server's SQLite database")?,
                ),
            })
        })?;
        let team = runtime.block_on(Team::create(&*storage))?;
        let cert = certificate(dir)?;
        let config = tls::server_config(&cert, &tls::key_path(dir))?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .context("listening on a loopback port")?;
        let url = format!("https://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = casebook_server::router(ServerState::new(storage.clone()));
        let served = runtime.spawn(casebook_server::serve(
            listener,
            router,
            Some(config),
            async {
                let _ = stopped.await;
            },
        ));
        let cert_pem =
            std::fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?;
        Ok(LoopbackServer {
            runtime,
            storage,
            endpoint: Endpoint {
                url,
                cert,
                cert_pem,
            },
            team,
            stop: Some(stop),
            served: Some(served),
        })
    }

    pub fn accounts(
        &self,
        name: &str,
        role: Role,
        tier: Option<Tier>,
        n: usize,
    ) -> Result<Vec<String>> {
        self.runtime
            .block_on(self.team.accounts(&*self.storage, name, role, tier, n))
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = self.runtime.block_on(served);
        }
    }
}

/// Which program serves in a child process.
#[derive(Debug, Clone)]
pub enum ServerProgram {
    /// The `casebook-server` binary: `--data-dir DIR serve --listen 127.0.0.1:0`.
    Binary(PathBuf),
    /// This benchmark's own binary with `--server-child DIR`, which serves exactly as `casebook-server serve` does
    /// (same library calls); used when no `casebook-server` binary was built beside it.
    Bench(PathBuf),
}

impl ServerProgram {
    pub fn describe(&self) -> String {
        match self {
            ServerProgram::Binary(_) => "casebook-server serve".into(),
            ServerProgram::Bench(_) => "casebook-bench --server-child (the server library, as casebook-server serve runs it)".into(),
        }
    }
}

/// A server in a child process, on the SQLite database and certificate of `dir`; killed when dropped.
pub struct ChildServer {
    child: Child,
    /// Held so that a `--server-child` sees its standard input close (and stops) if this process dies first.
    _stdin: Option<ChildStdin>,
    pub endpoint: Endpoint,
}

impl ChildServer {
    /// Prepares `dir` (team, `accounts` writer accounts, certificate), starts the server, waits for its address.
    pub fn start(
        program: &ServerProgram,
        dir: &Path,
        accounts: usize,
    ) -> Result<(ChildServer, Vec<String>)> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let emails = runtime.block_on(async {
            let storage = casebook_server_sqlite::SqliteStorage::open(&dir.join("server.db"))
                .context("opening the server's SQLite database")?;
            let team = Team::create(&storage).await?;
            team.accounts(
                &storage,
                "pusher",
                Role::Responder,
                Some(Tier::TWO),
                accounts,
            )
            .await
        })?;
        drop(runtime);
        let cert = certificate(dir)?;
        let mut command = match program {
            ServerProgram::Binary(exe) => {
                let mut c = Command::new(exe);
                c.arg("--data-dir")
                    .arg(dir)
                    .args(["serve", "--listen", "127.0.0.1:0"]);
                c
            }
            ServerProgram::Bench(exe) => {
                let mut c = Command::new(exe);
                c.arg("--server-child").arg(dir);
                c
            }
        };
        // The address is read from the "listening on" line, which the binary logs at info.
        command
            .env("CASEBOOK_SERVER_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .context("starting the server child process")?;
        let stdin = child.stdin.take();
        let stderr = child
            .stderr
            .take()
            .context("the server child's standard error")?;
        let (tx, rx) = std::sync::mpsc::channel();
        // Read its log to the end: a full pipe would stall the server (it logs every push).
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on https://") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(line[at + "listening on ".len()..].trim().to_string());
                    }
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().ok();
                bail!("the server child did not say where it listens (exit: {status:?})");
            }
        };
        let cert_pem =
            std::fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?;
        Ok((
            ChildServer {
                child,
                _stdin: stdin,
                endpoint: Endpoint {
                    url,
                    cert,
                    cert_pem,
                },
            },
            emails,
        ))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `--server-child DIR`: serves the SQLite database and certificate of `DIR` on 127.0.0.1:0 until standard input
/// closes, logging the address as `casebook-server serve` does.
pub fn serve_child(dir: &Path) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let storage = casebook_server_sqlite::SqliteStorage::open(&dir.join("server.db"))
            .context("opening the server's SQLite database")?;
        let config = tls::server_config(&tls::cert_path(dir), &tls::key_path(dir))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        eprintln!("listening on https://{}", listener.local_addr()?);
        let shutdown = async {
            // The parent holds our standard input; it closes when the parent is done (or gone).
            let _ = tokio::task::spawn_blocking(|| {
                std::io::copy(&mut std::io::stdin(), &mut std::io::sink())
            })
            .await;
        };
        let router = casebook_server::router(ServerState::new(Arc::new(storage)));
        casebook_server::serve(listener, router, Some(config), shutdown).await?;
        Ok(())
    })
}
