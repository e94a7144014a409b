//! The team server as an operator runs it: the exact `casebook-server` and `casebook` invocations of the README, then
//! kill -9 at random moments — of a laptop in the middle of `casebook sync`, and of the server in the middle of a
//! push. After every kill the next sync finishes the job: nothing committed is lost, nothing is duplicated, and the
//! laptop's digest of the incident equals the server's. With a PostgreSQL (`scripts/with-postgres`), two `serve`
//! processes share one database: a laptop pushing to one and another pulling from the other converge.
//!
//! Kill moments come from a seeded generator (`CASEBOOK_KILL_SEED=N` replays a run; the seed is printed).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli::{server_binary, DataDir};

pub(crate) const PASSWORD: &str = "a long enough password";
/// Kills of a laptop mid-sync, and of the server mid-push.
const CLIENT_KILLS: usize = 25;
const SERVER_KILLS: usize = 25;
/// Timeline rows imported before each kill: two import events, so a push is under way when the kill lands.
const ROWS_PER_ROUND: usize = 2_000;

/// A `casebook-server` data directory (and, optionally, a PostgreSQL database behind it).
pub(crate) struct ServerDir {
    dir: tempfile::TempDir,
    database_url: Option<String>,
}

impl ServerDir {
    pub(crate) fn new(database_url: Option<String>) -> ServerDir {
        ServerDir {
            dir: tempfile::tempdir().unwrap(),
            database_url,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(server_binary());
        c.arg("--data-dir").arg(self.dir.path());
        if let Some(url) = &self.database_url {
            c.arg("--database-url").arg(url);
        }
        c.args(args)
            .env_remove("CASEBOOK_SERVER_DATA_DIR")
            .env_remove("CASEBOOK_SERVER_DATABASE_URL");
        c
    }

    /// Runs a command with the password on standard input, as scripts do.
    pub(crate) fn with_password(&self, args: &[&str]) -> String {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "casebook-server {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn cert(&self) -> PathBuf {
        self.dir.path().join("tls").join("cert.pem")
    }

    /// Starts `serve` on `port` and waits for its "listening on" line. Its log is appended to `log`.
    pub(crate) fn serve(&self, port: u16) -> Child {
        self.serve_logging(port, std::sync::Arc::default())
    }

    fn serve_logging(&self, port: u16, log: std::sync::Arc<std::sync::Mutex<String>>) -> Child {
        let mut child = self
            .command(&["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let started = Instant::now();
        loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("casebook-server exited before listening"))
                .unwrap();
            if line.contains("listening on") {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start: {line}"
            );
        }
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                log.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        child
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn login(laptop: &DataDir, port: u16, email: &str, cert: &Path) {
    let mut child = laptop
        .command(&[
            "login",
            &format!("https://127.0.0.1:{port}"),
            "--user",
            email,
            "--password-stdin",
            "--ca-cert",
        ])
        .arg(cert)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A timeline file of `rows` rows (numbered from `from`), for work big enough to be killed in the middle of.
fn timeline(dir: &Path, from: usize, rows: usize) -> PathBuf {
    let path = dir.join(format!("timeline-{from}.jsonl"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in from..from + rows {
        writeln!(
            f,
            r#"{{"message": "4624 logon of svc-{i} from 10.20.{}.{}", "datetime": "2026-11-19T10:{:02}:{:02}.{:06}Z", "timestamp_desc": "Event Recorded"}}"#,
            i % 250,
            i % 200,
            (i / 60) % 60,
            i % 60,
            i % 1_000_000
        )
        .unwrap();
    }
    f.flush().unwrap();
    path
}

struct Seeded(u64);

impl Seeded {
    fn new() -> (u64, Seeded) {
        let seed = std::env::var("CASEBOOK_KILL_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(7)
            });
        (seed, Seeded(seed))
    }

    /// A duration in `[0, total)`.
    fn within(&mut self, total: Duration) -> Duration {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let unit = ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64;
        total.mul_f64(unit)
    }
}

fn converged(laptop: &DataDir, key: &str) -> serde_json::Value {
    let digest = laptop.json(&["sync", "digest", key]);
    assert_eq!(
        digest["converged"], true,
        "the laptop holds exactly what the server holds: {digest}"
    );
    digest
}

#[test]
fn kill_9_of_a_laptop_mid_sync_or_of_the_server_mid_push_loses_nothing() {
    let (seed, mut moments) = Seeded::new();
    eprintln!("team server kill story: CASEBOOK_KILL_SEED={seed}");
    let server = ServerDir::new(None);
    server.with_password(&[
        "init",
        "--team",
        "Acme SOC",
        "--admin",
        "admin@acme.example",
        "--password-stdin",
    ]);
    server.with_password(&[
        "user",
        "add",
        "ana@acme.example",
        "--name",
        "Ana Silva",
        "--role",
        "responder",
        "--tier",
        "1",
        "--password-stdin",
    ]);
    let port = free_port();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let mut serving = server.serve_logging(port, log.clone());
    let ana = DataDir::new();
    login(&ana, port, "ana@acme.example", &server.cert());
    let key = ana
        .ok(&["incident", "new", "Password spraying"])
        .trim()
        .to_string();

    // How long a sync of one batch of work takes here, to spread kill moments over it.
    let file = timeline(ana.work(), 0, ROWS_PER_ROUND);
    ana.ok(&["timeline", "import", &key, file.to_str().unwrap()]);
    let started = Instant::now();
    ana.ok(&["sync"]);
    let span = started
        .elapsed()
        .max(Duration::from_millis(50))
        .mul_f64(1.2);
    converged(&ana, &key);

    let mut rows = ROWS_PER_ROUND;
    for round in 0..CLIENT_KILLS + SERVER_KILLS {
        let file = timeline(ana.work(), rows, ROWS_PER_ROUND);
        rows += ROWS_PER_ROUND;
        ana.ok(&["timeline", "import", &key, file.to_str().unwrap()]);
        let mut sync = ana
            .command(&["sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(moments.within(span));
        if round < CLIENT_KILLS {
            kill(&mut sync);
        } else {
            kill(&mut serving);
            let _ = sync.wait();
            serving = server.serve_logging(port, log.clone());
        }
        // The laptop's database is whole, and its next sync finishes the job.
        let integrity: String = ana
            .sql()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "round {round} (seed {seed})");
        ana.ok(&["sync"]);
        let digest = converged(&ana, &key);
        assert_eq!(
            digest["here"]["events"].as_u64().unwrap(),
            1 + (rows as u64 / 1_000),
            "every import's events are on the server exactly once (round {round}, seed {seed})"
        );
    }
    let status = ana.json(&["sync", "status"]);
    assert_eq!(
        (status["waiting"].as_u64(), status["refused"].as_u64()),
        (Some(0), Some(0)),
        "{status}"
    );
    // A second laptop that only pulls sees the same incident, whole.
    let lena = DataDir::new();
    server.with_password(&[
        "user",
        "add",
        "lena@acme.example",
        "--name",
        "Lena Park",
        "--role",
        "lead",
        "--password-stdin",
    ]);
    login(&lena, port, "lena@acme.example", &server.cert());
    converged(&lena, &key);
    kill(&mut serving);
    // The server logged every sign-in and push, and never a secret or case text.
    let token: String = ana
        .sql()
        .query_row("SELECT token FROM team_link", [], |r| r.get(0))
        .unwrap();
    let log = log.lock().unwrap();
    assert!(
        log.contains("signed in") && log.contains("push"),
        "the server logs what it does: {log}"
    );
    for secret in [PASSWORD, token.as_str(), "Password spraying", "svc-"] {
        assert!(
            !log.contains(secret),
            "the server's log must not contain {secret:?}"
        );
    }
}

#[test]
fn two_serve_processes_on_one_postgresql_converge() {
    let Ok(url) = std::env::var("CASEBOOK_TEST_DATABASE_URL") else {
        panic!("this story needs a PostgreSQL: run it through scripts/with-postgres (scripts/test does)");
    };
    // Two data directories (each with its own certificate) on one database: two stateless server processes.
    let first = ServerDir::new(Some(url.clone()));
    let team = format!("Acme SOC {}", std::process::id());
    let admin = format!("admin-{}@acme.example", std::process::id());
    first.with_password(&[
        "init",
        "--team",
        &team,
        "--admin",
        &admin,
        "--password-stdin",
    ]);
    let ana_email = format!("ana-{}@acme.example", std::process::id());
    let lena_email = format!("lena-{}@acme.example", std::process::id());
    first.with_password(&[
        "--team",
        &team,
        "user",
        "add",
        &ana_email,
        "--name",
        "Ana Silva",
        "--role",
        "responder",
        "--tier",
        "1",
        "--password-stdin",
    ]);
    first.with_password(&[
        "--team",
        &team,
        "user",
        "add",
        &lena_email,
        "--name",
        "Lena Park",
        "--role",
        "lead",
        "--password-stdin",
    ]);
    let second = ServerDir::new(Some(url));
    std::fs::create_dir_all(second.dir.path().join("tls")).unwrap();
    for f in ["cert.pem", "key.pem"] {
        std::fs::copy(
            first.dir.path().join("tls").join(f),
            second.dir.path().join("tls").join(f),
        )
        .unwrap();
    }
    let (p1, p2) = (free_port(), free_port());
    let mut s1 = first.serve(p1);
    let mut s2 = second.serve(p2);

    let ana = DataDir::new();
    let lena = DataDir::new();
    login(&ana, p1, &ana_email, &first.cert());
    login(&lena, p2, &lena_email, &second.cert());
    let key = ana
        .ok(&["incident", "new", "Lateral movement"])
        .trim()
        .to_string();
    ana.ok(&["incident", "tag", &key, "lateral"]);
    ana.ok(&["sync"]);
    lena.ok(&["sync"]);
    let seen = lena.json(&["incident", "show", &key]);
    assert_eq!(
        seen["tags"][0], "lateral",
        "what was pushed to one process is pulled from the other"
    );
    lena.ok(&["incident", "assign", &key, "--tier", "2"]);
    lena.ok(&["sync"]);
    ana.ok(&["sync"]);
    converged(&ana, &key);
    converged(&lena, &key);
    kill(&mut s1);
    kill(&mut s2);
}
