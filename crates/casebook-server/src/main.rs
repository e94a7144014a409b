//! `casebook-server`: sets up a team and serves it. A thin translator: every rule is in the library.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use casebook_core::model::{Role, Tier};
use casebook_protocol::{AccountChange, NewAccount, TeamId};
use casebook_server::{directory, integrations, tls, Clock, ServerState, SystemClock};
use casebook_server_storage::{Storage, TeamRow};
use clap::{Args, Parser, Subcommand};

/// mimalloc instead of glibc's allocator. Each of glibc's per-thread arenas kept what its thread had freed: a 19 MiB
/// Argon2 block per sign-in thread, the buffers of a push per tokio worker. So a server that had once served 20
/// laptops signing in and pushing at once stayed at that peak (167–205 MB), however idle.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "casebook-server",
    version,
    about = "Casebook's team server: laptops sync their cases through it.",
    long_about = "Casebook's team server: laptops sync their cases through it, offline work included.\n\n\
        Start a team in one command (embedded SQLite, a self-signed certificate in DIR/tls/cert.pem):\n  \
        echo 'a long password' | casebook-server --data-dir /srv/cb init --team \"Acme SOC\" --admin admin@acme.example --password-stdin\n  \
        casebook-server --data-dir /srv/cb serve --listen 0.0.0.0:8443\n\n\
        On PostgreSQL (several `serve` processes may share one database):\n  \
        casebook-server --data-dir /srv/cb --database-url postgres://cb@db/cb serve --listen 0.0.0.0:8443"
)]
struct Cli {
    /// Where the server keeps its TLS certificate and, without --database-url, its SQLite database.
    #[arg(long, env = "CASEBOOK_SERVER_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL database instead of the embedded SQLite one (postgres://USER@HOST:PORT/DB).
    #[arg(long, env = "CASEBOOK_SERVER_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// The team to act on, when the server hosts more than one; with `init`, the new team's name ("Acme SOC").
    #[arg(long, global = true)]
    team: Option<String>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a team and its first admin (and, on first use, the server's TLS certificate).
    Init(InitArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage laptops signed in to the team.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Manage integrations: a SIEM's account, which posts alerts (POST /v1/alerts) and does nothing else.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Serve the team over HTTPS.
    Serve(ServeArgs),
    /// After restoring the database from a backup: give every team a new epoch, so laptops pull everything again
    /// and push back what the backup lost.
    Restored,
}

#[derive(Args)]
struct InitArgs {
    /// The first admin's e-mail address.
    #[arg(long)]
    admin: String,
    /// The admin's display name (defaults to the address).
    #[arg(long)]
    name: Option<String>,
    /// Read the admin's password from one line of standard input.
    #[arg(long, required = true)]
    password_stdin: bool,
    /// Host names and addresses the certificate is valid for (besides localhost and 127.0.0.1).
    #[arg(long = "host")]
    hosts: Vec<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account.
    Add {
        email: String,
        #[arg(long)]
        name: String,
        /// responder, lead, auditor or admin.
        #[arg(long)]
        role: Role,
        /// A responder's tier (1, 2 or 3).
        #[arg(long)]
        tier: Option<u8>,
        /// Read the password from one line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the accounts.
    List,
    /// Disable an account: its devices are signed out at once.
    Disable { email: String },
    /// Enable a disabled account.
    Enable { email: String },
    /// Change an account's role (and tier).
    SetRole {
        email: String,
        #[arg(long)]
        role: Role,
        #[arg(long)]
        tier: Option<u8>,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List the team's devices.
    List,
    /// Revoke a device: its sign-in stops working at once.
    Revoke { device: String },
}

#[derive(Subcommand)]
enum IntegrationCommand {
    /// Add an integration and print its token (shown this once).
    Add {
        /// Letters, digits, `-`, `_` or `.` (wazuh-prod).
        name: String,
    },
    /// List the team's integrations.
    List,
    /// Revoke an integration: its token stops working at once.
    Revoke { name: String },
}

#[derive(Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: String,
    /// A certificate (PEM) to serve instead of DATA_DIR/tls/cert.pem.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        bail!("standard input held no password");
    }
    Ok(p)
}

fn data_dir(cli: &Cli) -> anyhow::Result<PathBuf> {
    match &cli.data_dir {
        Some(d) => Ok(d.clone()),
        None => directories::ProjectDirs::from("", "", "casebook-server")
            .map(|p| p.data_dir().to_path_buf())
            .context("no --data-dir given and no home directory to put one in"),
    }
}

async fn open_storage(cli: &Cli) -> anyhow::Result<Arc<dyn Storage>> {
    if let Some(url) = &cli.database_url {
        let pg = casebook_server_postgres::PgStorage::connect(url)
            .await
            .context("connecting to the PostgreSQL database given by --database-url")?;
        return Ok(Arc::new(pg));
    }
    let dir = data_dir(cli)?;
    create_private_dir(&dir)?;
    let path = dir.join("server.db");
    Ok(Arc::new(
        casebook_server_sqlite::SqliteStorage::open(&path)
            .with_context(|| format!("opening {}", path.display()))?,
    ))
}

fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))?;
    }
    Ok(())
}

async fn pick_team(storage: &dyn Storage, named: Option<&str>) -> anyhow::Result<TeamRow> {
    if let Some(name) = named {
        return storage
            .team_by_name(name)
            .await?
            .with_context(|| format!("no team is named {name:?}"));
    }
    let mut teams = storage.teams().await?;
    match teams.len() {
        0 => bail!("this server has no team yet; run `casebook-server init` first"),
        1 => Ok(teams.remove(0)),
        _ => bail!(
            "this server hosts several teams; say which with --team ({})",
            teams
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The team's first admin: who directory changes made on the server's command line are attributed to.
async fn first_admin(storage: &dyn Storage, team: TeamId) -> anyhow::Result<casebook_core::UserId> {
    let accounts = storage.accounts(team).await?;
    accounts
        .iter()
        .filter(|a| a.role == Role::Admin)
        .min_by_key(|a| a.created_us)
        .map(|a| a.user)
        .context("the team has no admin account")
}

fn api(e: casebook_server::ApiError) -> anyhow::Error {
    anyhow::anyhow!(e.0.message)
}

fn tier(t: Option<u8>) -> anyhow::Result<Option<Tier>> {
    t.map(|t| Tier::new(t).map_err(|e| anyhow::anyhow!(e.to_string())))
        .transpose()
}

async fn account_by_email(
    storage: &dyn Storage,
    team: &TeamRow,
    email: &str,
) -> anyhow::Result<casebook_server_storage::AccountRow> {
    storage
        .account_by_email(&email.trim().to_lowercase())
        .await?
        .filter(|a| a.team == team.id)
        .with_context(|| format!("no account {email} in team {:?}", team.name))
}

async fn change(
    s: &dyn Storage,
    team: &TeamRow,
    by: casebook_core::UserId,
    email: &str,
    change: AccountChange,
    now: i64,
) -> anyhow::Result<casebook_server_storage::AccountRow> {
    let account = account_by_email(s, team, email).await?;
    directory::change_account(s, team.id, by, account.user, change, now)
        .await
        .map_err(api)
}

fn print<T: serde::Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        );
    } else {
        println!("{}", text());
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let now = SystemClock.now_us();
    match &cli.command {
        Command::Init(a) => {
            let name = cli
                .team
                .as_deref()
                .context("init needs the team's name: --team \"Acme SOC\"")?;
            let password = read_password()?;
            let storage = open_storage(&cli).await?;
            let (team, admin) = directory::create_team(
                &*storage,
                name,
                &a.admin,
                a.name.as_deref().unwrap_or(&a.admin),
                &password,
                now,
            )
            .await
            .map_err(api)?;
            let dir = data_dir(&cli)?;
            create_private_dir(&dir)?;
            let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
            names.extend(a.hosts.iter().cloned());
            let (cert, made) = tls::ensure_certificate(&dir, &names)?;
            let fingerprint = tls::fingerprint(&cert)?;
            let out = serde_json::json!({
                "team": team.name, "team_id": team.id, "admin": admin.email,
                "certificate": cert, "certificate_made": made, "fingerprint": fingerprint,
            });
            print(cli.json, &out, || {
                format!(
                    "Team {:?} created with admin {}.\nCertificate: {}{}\nFingerprint (SHA-256): {fingerprint}\n\
                     Next: casebook-server --data-dir {} serve --listen 0.0.0.0:8443",
                    team.name,
                    admin.email,
                    cert.display(),
                    if made { " (made now)" } else { " (kept)" },
                    dir.display()
                )
            });
        }
        Command::User(u) => {
            let storage = open_storage(&cli).await?;
            let team = pick_team(&*storage, cli.team.as_deref()).await?;
            let by = first_admin(&*storage, team.id).await?;
            let s = &*storage;
            let shown = match u {
                UserCommand::Add {
                    email,
                    name,
                    role,
                    tier: t,
                    ..
                } => {
                    let password = read_password()?;
                    let new = NewAccount {
                        email: email.clone(),
                        name: name.clone(),
                        role: *role,
                        tier: tier(*t)?,
                        password,
                    };
                    vec![directory::add_account(s, team.id, by, new, now)
                        .await
                        .map_err(api)?]
                }
                UserCommand::List => storage.accounts(team.id).await?,
                UserCommand::Disable { email } => {
                    let c = AccountChange {
                        disabled: Some(true),
                        ..Default::default()
                    };
                    vec![change(s, &team, by, email, c, now).await?]
                }
                UserCommand::Enable { email } => {
                    let c = AccountChange {
                        disabled: Some(false),
                        ..Default::default()
                    };
                    vec![change(s, &team, by, email, c, now).await?]
                }
                UserCommand::SetRole {
                    email,
                    role,
                    tier: t,
                } => {
                    let c = AccountChange {
                        role: Some(*role),
                        tier: Some(tier(*t)?),
                        ..Default::default()
                    };
                    vec![change(s, &team, by, email, c, now).await?]
                }
            };
            let views: Vec<_> = shown.iter().map(directory::account_view).collect();
            print(cli.json, &views, || {
                if views.is_empty() {
                    return "No accounts.".into();
                }
                views
                    .iter()
                    .map(|a| {
                        let role = match a.tier {
                            Some(t) => format!("{} tier {}", a.role, t.get()),
                            None => a.role.to_string(),
                        };
                        format!(
                            "{:<32} {:<24} {:<18}{}",
                            a.email,
                            a.name,
                            role,
                            if a.disabled { " disabled" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Device(d) => {
            let storage = open_storage(&cli).await?;
            let team = pick_team(&*storage, cli.team.as_deref()).await?;
            let shown = match d {
                DeviceCommand::List => storage.devices(team.id).await?,
                DeviceCommand::Revoke { device } => {
                    let id = device
                        .parse()
                        .map_err(|_| anyhow::anyhow!("{device:?} is not a device id"))?;
                    vec![directory::revoke_device(&*storage, team.id, id)
                        .await
                        .map_err(api)?]
                }
            };
            let views: Vec<_> = shown.iter().map(directory::device_view).collect();
            print(cli.json, &views, || {
                if views.is_empty() {
                    return "No devices have signed in yet.".into();
                }
                views
                    .iter()
                    .map(|d| {
                        format!(
                            "{}  {:<24} {}{}",
                            d.device,
                            d.name,
                            d.fingerprint,
                            if d.revoked { "  revoked" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Integration(i) => {
            let storage = open_storage(&cli).await?;
            let team = pick_team(&*storage, cli.team.as_deref()).await?;
            let s = &*storage;
            match i {
                IntegrationCommand::Add { name } => {
                    let by = first_admin(s, team.id).await?;
                    let made = integrations::add_integration(s, team.id, by, name, now)
                        .await
                        .map_err(api)?;
                    print(cli.json, &made, || {
                        format!(
                            "Integration {:?} added. Its token (shown this once; keep it in the SIEM's secret store):\n{}\n\
                             Post alerts with: curl --cacert cert.pem -H \"Authorization: Bearer $TOKEN\" \
                             --data-binary @alerts.json https://HOST:8443/v1/alerts",
                            made.integration.name, made.token
                        )
                    });
                }
                IntegrationCommand::List | IntegrationCommand::Revoke { .. } => {
                    let shown = match i {
                        IntegrationCommand::Revoke { name } => {
                            vec![integrations::revoke_integration(s, team.id, name)
                                .await
                                .map_err(api)?]
                        }
                        _ => integrations::integrations(s, team.id).await.map_err(api)?,
                    };
                    print(cli.json, &shown, || {
                        if shown.is_empty() {
                            return "No integrations.".into();
                        }
                        shown
                            .iter()
                            .map(|i| {
                                format!(
                                    "{:<24} {}  {}{}",
                                    i.name,
                                    i.created_at.format("%Y-%m-%d %H:%M"),
                                    i.fingerprint,
                                    if i.revoked { "  revoked" } else { "" }
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    });
                }
            }
        }
        Command::Restored => {
            let storage = open_storage(&cli).await?;
            for team in storage.teams().await? {
                storage.set_epoch(team.id, uuid::Uuid::now_v7()).await?;
                println!(
                    "Team {:?}: new epoch; laptops will pull again and push what the backup lost.",
                    team.name
                );
            }
        }
        Command::Serve(a) => {
            let storage = open_storage(&cli).await?;
            if storage.teams().await?.is_empty() {
                bail!("this server has no team yet; run `casebook-server init` first");
            }
            let dir = data_dir(&cli)?;
            let (cert, key) = match (&a.cert, &a.key) {
                (Some(c), Some(k)) => (c.clone(), k.clone()),
                _ => (tls::cert_path(&dir), tls::key_path(&dir)),
            };
            let config = tls::server_config(&cert, &key).with_context(|| {
                format!(
                    "loading the TLS certificate (made by `init` in {})",
                    dir.join("tls").display()
                )
            })?;
            let listener = tokio::net::TcpListener::bind(&a.listen)
                .await
                .with_context(|| format!("listening on {}", a.listen))?;
            let addr = listener.local_addr()?;
            let state = ServerState::new(storage);
            tracing::info!("listening on https://{addr}");
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
                tracing::info!("shutting down");
            };
            casebook_server::serve(
                listener,
                casebook_server::router(state),
                Some(config),
                shutdown,
            )
            .await?;
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CASEBOOK_SERVER_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
