//! The team every schedule starts from and its laptops: the team and accounts made once through the directory API,
//! each person's laptop joined as `Casebook::login` joins (the server's half in-process), clocks that lie, and the
//! copies each schedule starts from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use casebook_api::{Casebook, Clock, FixedClock};
use casebook_core::model::Tier;
use casebook_core::signing::DeviceKey;
use casebook_core::{DeviceId, UserId};
use casebook_protocol::{NewAccount, Session, Team};
use casebook_server::directory;
use casebook_server_sqlite::SqliteStorage;
use casebook_server_storage::{AccountRow, TeamRow};
use chrono::{DateTime, Duration, Utc};

use super::net::{Faults, Link, LinkState, Net};
use super::{PASSWORD, PEOPLE, SERVER_URL};

pub(super) fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_740_787_200, 0).unwrap()
}

/// The team every schedule starts from, made once: the team and its accounts through the directory API (Argon2 makes
/// accounts slow to create), and a laptop per person joined to it; each schedule copies the files.
pub(super) struct Template {
    pub(super) _dir: tempfile::TempDir,
    pub(super) db: PathBuf,
    pub(super) team: TeamRow,
    pub(super) laptops: Vec<Joined>,
}

/// A laptop of the template: its data directory and who it is.
pub(super) struct Joined {
    pub(super) dir: PathBuf,
    pub(super) device: DeviceId,
    pub(super) user: UserId,
    pub(super) name: &'static str,
}

pub(super) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Where the simulation writes: a RAM disk when the machine has one (the schedules test sync's logic, not the disk's
/// durability, and every commit fsyncs), the temporary directory otherwise.
pub(super) fn scratch() -> tempfile::TempDir {
    let builder = tempfile::Builder::new().prefix("casebook-sim-").to_owned();
    match Path::new("/dev/shm").is_dir() {
        true => builder
            .tempdir_in("/dev/shm")
            .or_else(|_| builder.tempdir())
            .unwrap(),
        false => builder.tempdir().unwrap(),
    }
}

pub(super) fn template() -> Template {
    let dir = scratch();
    let db = dir.path().join("team.db");
    let rt = runtime();
    let storage = SqliteStorage::open(&db).unwrap();
    let now = start().timestamp_micros();
    let (team, admin) = rt
        .block_on(directory::create_team(
            &storage,
            "Acme SOC",
            "admin@acme.example",
            "Ada Admin",
            PASSWORD,
            now,
        ))
        .unwrap();
    let accounts: Vec<AccountRow> = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, &(name, role, tier))| {
            let new = NewAccount {
                email: format!("person{i}@acme.example"),
                name: name.into(),
                role,
                tier: tier.map(|t| Tier::new(t).unwrap()),
                password: PASSWORD.into(),
            };
            rt.block_on(directory::add_account(
                &storage, team.id, admin.user, new, now,
            ))
            .unwrap()
        })
        .collect();
    drop(storage);
    let net = Net::new(dir.path(), &db, team.clone(), 0, Faults::default());
    let laptops: Vec<Joined> = accounts
        .iter()
        .zip(PEOPLE)
        .enumerate()
        .map(|(i, (account, &(name, _, _)))| {
            join(&net, account, dir.path().join(format!("laptop-{i}")), name)
        })
        .collect();
    // The first sync `login` makes, once everyone has joined: each laptop learns the directory (its own role too).
    *net.links.borrow_mut() = vec![LinkState::default(); laptops.len()];
    for (i, j) in laptops.iter().enumerate() {
        let mut cb = Casebook::open_with_clock(&j.dir, net.clock.clone()).unwrap();
        cb.sync_through(
            &Link {
                net: &net,
                laptop: i,
                device: j.device,
                user: j.user,
            },
            &|_| {},
        )
        .unwrap();
    }
    // Closing the last connection folds each write-ahead log into its file, so the files alone are the team.
    drop(net);
    Template {
        _dir: dir,
        db,
        team,
        laptops,
    }
}

/// A laptop's clock: the world's time plus the laptop's own error (clocks lie; some run minutes ahead).
pub(super) struct LaptopClock {
    pub(super) world: Arc<FixedClock>,
    pub(super) skew: Duration,
}

impl Clock for LaptopClock {
    fn now(&self) -> DateTime<Utc> {
        self.world.now() + self.skew
    }
}

pub(super) struct Laptop {
    /// `None` only while crashed.
    pub(super) cb: Option<Casebook>,
    pub(super) clock: Arc<LaptopClock>,
    pub(super) dir: PathBuf,
    pub(super) device: DeviceId,
    pub(super) user: UserId,
    pub(super) name: &'static str,
}

impl Laptop {
    pub(super) fn cb(&mut self) -> &mut Casebook {
        self.cb.as_mut().unwrap()
    }

    pub(super) fn link<'a>(&self, net: &'a Net, laptop: usize) -> Link<'a> {
        Link {
            net,
            laptop,
            device: self.device,
            user: self.user,
        }
    }

    pub(super) fn sync(
        &mut self,
        net: &Net,
        laptop: usize,
    ) -> casebook_api::Result<casebook_api::sync::SyncReport> {
        let link = self.link(net, laptop);
        self.cb().sync_through(&link, &|_| {})
    }

    /// Killed and started again: the data directory is all that survives.
    pub(super) fn restart(&mut self) {
        drop(self.cb.take());
        self.cb = Some(Casebook::open_with_clock(&self.dir, self.clock.clone()).unwrap());
    }
}

/// A laptop joins as `Casebook::login` does, with the server's half done in-process: the device bound to the
/// account (which mints its directory event) and the session built from the rows.
pub(super) fn join(net: &Net, account: &AccountRow, dir: PathBuf, name: &'static str) -> Joined {
    let mut cb = Casebook::open_with_clock(&dir, net.clock.clone()).unwrap();
    let identity = cb.device_identity().unwrap();
    let s = net.storage();
    let now = net.now_us();
    let team = &net.team;
    net.rt
        .block_on(directory::bind_device(
            &*s,
            account,
            identity.device,
            &identity.public_key,
            name,
            None,
            now,
        ))
        .unwrap();
    let session = Session {
        token: String::new(),
        expires_at: DateTime::from_timestamp_micros(now).unwrap() + Duration::days(30),
        account: directory::account_view(account),
        team: Team {
            id: team.id,
            name: team.name.clone(),
            directory_device: team.directory_device,
            directory_key: DeviceKey::from_secret_hex(&team.directory_secret)
                .unwrap()
                .public()
                .to_hex(),
            epoch: team.epoch,
        },
    };
    cb.join(&identity, &session, None, SERVER_URL).unwrap();
    Joined {
        dir,
        device: identity.device,
        user: account.user,
        name,
    }
}

pub(super) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        match entry.file_type().unwrap().is_dir() {
            true => copy_dir(&entry.path(), &to.join(entry.file_name())),
            false => drop(std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap()),
        }
    }
}
