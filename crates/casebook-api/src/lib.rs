//! Casebook's application API: every use case (open a case, add evidence, escalate, search, export…) as one method
//! of [`Casebook`], shared by the CLI, the desktop app and, later, the server.
//!
//! Architecture invariant: front ends only translate. They parse input, call one method here and show the result;
//! authorization (through the core's matrix), id minting, the clock and every multi-step rule live here or deeper.

pub mod activity;
pub mod agent;
pub mod alerts;
pub mod allowed;
pub mod attention;
pub mod bundle;
pub mod clock;
pub mod conflicts;
pub mod demo;
pub mod encryption;
pub mod erase;
mod error;
pub mod escalations;
pub mod evidence;
mod evidence_fetch;
pub mod incidents;
pub mod interchange;
pub mod keys;
pub mod log;
mod membership;
pub mod metrics;
pub mod paging;
pub mod records;
pub mod report;
pub mod server_trust;
pub mod sync;
pub mod system_keyring;
pub mod team_admin;
pub mod timeline;
pub mod timeline_file;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use casebook_core::authz::{self, Action, Actor, IncidentScope};
use casebook_core::model::{Role, Tier};
use casebook_core::{DeviceId, Event, EventId, IncidentId, Payload, UserId};
use casebook_store::append::{append_local, Origin};
use casebook_store::blobs::BlobStore;
use casebook_store::read::{self, UserView};
use casebook_store::{trust, Store};
use serde::Serialize;
use uuid::Uuid;

pub use clock::{Clock, FixedClock, SystemClock};
pub use encryption::{Protection, Unlock};
pub use keys::DataKey;

/// The read models the front ends show, as the store projects them. Front ends name them here: they depend on this
/// API alone, never on the store.
pub mod views {
    pub use casebook_store::read::{
        AlertClaimView, AlertGroupView, AlertObservableView, AlertView,
    };
    pub use casebook_store::read::{
        Bucket, CommentView, Cursor, CustodyView, EntryFilter, EntryView, EscalationView,
        EvidenceView, Histogram, IncidentDetail, IncidentFilter, IncidentRow, KindCount,
        ObservableView, SearchHit, TaskView, UserView,
    };
}
pub use error::{Error, ErrorCode, Field, Hint, Result};

/// The name of the database file inside a data directory.
pub const DATABASE_FILE: &str = "casebook.db";

/// One open data directory: the database, the blob store, who is acting, and the clock.
pub struct Casebook {
    store: Store,
    blobs: BlobStore,
    data_dir: PathBuf,
    clock: Arc<dyn Clock>,
    acting_as: Option<UserId>,
    /// The key the database is encrypted with; `None` for a plain directory.
    data_key: Option<DataKey>,
    /// Timeline maps for far jumps, kept while the store is unchanged (see [`paging`]).
    maps: paging::MapCache,
}

/// Who is acting, as shown to them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Me {
    pub user: UserView,
    pub device: DeviceId,
    /// This device's key fingerprint, which colleagues compare before trusting what it signed.
    pub fingerprint: Option<String>,
    pub data_dir: PathBuf,
}

impl Casebook {
    /// The platform's data directory for Casebook (e.g. `~/.local/share/casebook` on Linux).
    pub fn default_data_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "Casebook", "casebook")
            .map(|d| d.data_dir().to_path_buf())
    }

    /// Opens (creating) a data directory with the system clock.
    pub fn open(data_dir: &Path) -> Result<Casebook> {
        Casebook::open_with_clock(data_dir, Arc::new(SystemClock))
    }

    /// Opens a data directory with a given clock (tests pass a fixed one). Sweeps what interrupted writers left.
    /// An encrypted directory is refused as [`ErrorCode::Locked`]: [`Casebook::open_unlocked`] opens it.
    pub fn open_with_clock(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Casebook> {
        Casebook::open_inner(data_dir, clock, None)
    }

    fn open_inner(
        data_dir: &Path,
        clock: Arc<dyn Clock>,
        unlock: Option<&Unlock>,
    ) -> Result<Casebook> {
        if erase::erase_requested(data_dir) {
            return Err(erase::refuse_marked(data_dir));
        }
        casebook_store::private_dir::create_private_dir(data_dir, DATABASE_FILE).map_err(
            error::io(format!(
                "cannot create the data directory {}",
                data_dir.display()
            )),
        )?;
        let data_key = encryption::data_key(data_dir, unlock)?;
        let store = Store::open_keyed(&data_dir.join(DATABASE_FILE), data_key.as_ref()).map_err(
            |e| match e {
                casebook_store::StoreError::WrongKey => encryption::foreign_key_file(data_dir),
                other => other.into(),
            },
        )?;
        let blobs = encryption::open_blobs(data_dir, data_key.as_ref())?;
        // Asked per blob while the sweep holds its lock; when in doubt (a read error), keep the file.
        blobs.sweep(&|sha| read::blob_referenced(store.conn(), sha).unwrap_or(true))?;
        let mut casebook = Casebook {
            store,
            blobs,
            data_dir: data_dir.to_path_buf(),
            clock,
            acting_as: None,
            data_key,
            maps: Default::default(),
        };
        casebook.ensure_device_key()?;
        Ok(casebook)
    }

    /// A profile made before devices had keys gets one now: its next event introduces the key, and every event from
    /// then on is signed. Earlier events keep their bytes (verifiable by their hash chain alone).
    fn ensure_device_key(&mut self) -> Result<()> {
        let Some(profile) = trust::profile(self.store.conn())? else {
            return Ok(());
        };
        if profile.key.is_some() {
            return Ok(());
        }
        let now = self.now().timestamp_micros();
        let tx = self.store.write()?;
        let head = trust::own_head(&tx, profile.device)?;
        trust::set_device_key(&tx, &new_device_key(), head + 1)?;
        let key = trust::profile(&tx)?
            .and_then(|p| p.key)
            .ok_or_else(|| Error::new(ErrorCode::Internal, "the new device key was not stored"))?;
        append_local(
            &tx,
            Origin {
                user: profile.owner,
                device: profile.device,
            },
            EventId(Uuid::now_v7()),
            None,
            Payload::DeviceBound {
                device: profile.device,
                user: profile.owner,
                public_key: key.public().to_hex(),
            },
            now,
        )?;
        tx.commit().map_err(casebook_store::StoreError::from)?;
        Ok(())
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The underlying store, for tools that inspect it (integrity checks, benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Whether `init` has run here.
    pub fn is_initialized(&self) -> Result<bool> {
        Ok(read::profile(self.store.conn())?.is_some())
    }

    /// Creates the local profile: this device's identity and its owner's account.
    pub fn init(&mut self, name: &str, role: Role, tier: Option<Tier>) -> Result<Me> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("a name is needed").hint(Hint::Input {
                field: Field::Name,
                example: "Ana Silva".into(),
            }));
        }
        let tier = check_tier(role, tier)?;
        if let Some((_, user)) = read::profile(self.store.conn())? {
            let existing = read::user(self.store.conn(), user)?
                .map(|u| u.name)
                .unwrap_or_default();
            return Err(Error::conflict(format!(
                "this data directory already belongs to {existing}; another profile needs a data directory of its own"
            ))
            .hint(Hint::OtherDataDirectory));
        }
        let device = DeviceId(Uuid::now_v7());
        let user = UserId(Uuid::now_v7());
        let now = self.now().timestamp_micros();
        let tx = self.store.write()?;
        casebook_store::append::set_profile(&tx, device, user)?;
        trust::set_device_key(&tx, &new_device_key(), 1)?;
        // The owner registers themselves: on a team, the server's directory confirms or corrects this.
        append_local(
            &tx,
            Origin { user, device },
            EventId(Uuid::now_v7()),
            None,
            Payload::UserRegistered {
                user,
                name: name.to_string(),
                role,
                tier,
            },
            now,
        )?;
        tx.commit().map_err(casebook_store::StoreError::from)?;
        self.me()
    }

    /// Acts as another registered person on this device (by name or id), e.g. a colleague at the same laptop.
    /// Local identity is not authentication: the team server checks every event's author itself.
    pub fn act_as(&mut self, who: &str) -> Result<()> {
        let user = self.find_user(who)?;
        self.acting_as = Some(user.id);
        Ok(())
    }

    /// Who is acting now.
    pub fn me(&self) -> Result<Me> {
        let (user, device) = self.acting()?;
        Ok(Me {
            user,
            device,
            fingerprint: self.device_fingerprint().ok(),
            data_dir: self.data_dir.clone(),
        })
    }

    /// This device's key fingerprint, which colleagues compare before trusting bundles from it.
    pub fn device_fingerprint(&self) -> Result<String> {
        trust::profile(self.store.conn())?
            .and_then(|p| p.key)
            .map(|k| k.public().fingerprint())
            .ok_or_else(not_initialized)
    }

    /// Who acts, on which device. Every change asks, so it reads two rows and derives no key.
    fn acting(&self) -> Result<(UserView, DeviceId)> {
        let (device, owner) = read::profile(self.store.conn())?.ok_or_else(not_initialized)?;
        let id = self.acting_as.unwrap_or(owner);
        let user = read::user(self.store.conn(), id)?.ok_or_else(|| {
            Error::not_found(format!("the acting user {id} is not in this directory"))
        })?;
        Ok((user, device))
    }

    pub(crate) fn actor(&self) -> Result<(Actor, DeviceId)> {
        let (user, device) = self.acting()?;
        Ok((
            Actor {
                user: user.id,
                role: user.role,
                tier: user.tier,
            },
            device,
        ))
    }

    /// Checks that the acting person may do `action`.
    pub(crate) fn authorize(&self, action: Action) -> Result<(Actor, DeviceId)> {
        let (actor, device) = self.actor()?;
        authz::authorize(&actor, action)?;
        Ok((actor, device))
    }

    /// Finds a registered person by name or id.
    pub fn find_user(&self, who: &str) -> Result<UserView> {
        if let Ok(id) = who.trim().parse::<UserId>() {
            return read::user(self.store.conn(), id)?
                .ok_or_else(|| Error::not_found(format!("no user with id {id}")));
        }
        let mut found = read::users_named(self.store.conn(), who)?;
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => {
                Err(Error::not_found(format!("no user named `{}`", who.trim()))
                    .hint(Hint::ListUsers))
            }
            n => Err(Error::invalid(format!(
                "{n} users are named `{}`; name one by its id",
                who.trim()
            ))
            .hint(Hint::ListUsers)),
        }
    }

    /// Resolves an optional name or id (an assignee, a task owner) to a registered person.
    pub(crate) fn optional_user(&self, who: Option<&str>) -> Result<Option<UserId>> {
        who.map(|w| self.find_user(w).map(|u| u.id)).transpose()
    }

    pub fn users(&self) -> Result<Vec<UserView>> {
        Ok(read::users(self.store.conn())?)
    }

    /// Registers a colleague (admins only).
    pub fn add_user(&mut self, name: &str, role: Role, tier: Option<Tier>) -> Result<UserView> {
        self.authorize(Action::ManageAccounts)?;
        self.register_user(name, role, tier)
    }

    /// Registers a person without the admin check: for the demo's colleagues only.
    pub(crate) fn register_user(
        &mut self,
        name: &str,
        role: Role,
        tier: Option<Tier>,
    ) -> Result<UserView> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("a user needs a name"));
        }
        let tier = check_tier(role, tier)?;
        if !read::users_named(self.store.conn(), name)?.is_empty() {
            return Err(Error::conflict(format!(
                "a user named `{name}` is already registered"
            )));
        }
        let user = UserId(Uuid::now_v7());
        self.commit(
            None,
            vec![Payload::UserRegistered {
                user,
                name: name.to_string(),
                role,
                tier,
            }],
        )?;
        read::user(self.store.conn(), user)?.ok_or_else(|| Error::not_found("the new user"))
    }

    /// Appends events as the acting person, in one transaction.
    pub(crate) fn commit(
        &mut self,
        incident: Option<IncidentId>,
        payloads: Vec<Payload>,
    ) -> Result<Vec<Event>> {
        let (actor, device) = self.actor()?;
        let origin = Origin {
            user: actor.user,
            device,
        };
        let now = self.now().timestamp_micros();
        let tx = self.store.write()?;
        let mut events = Vec::with_capacity(payloads.len());
        for p in payloads {
            events.push(append_local(
                &tx,
                origin,
                EventId(Uuid::now_v7()),
                incident,
                p,
                now,
            )?);
        }
        tx.commit().map_err(casebook_store::StoreError::from)?;
        Ok(events)
    }

    /// Resolves a key or id typed by a person.
    pub fn resolve(&self, key_or_id: &str) -> Result<IncidentId> {
        read::resolve_incident(self.store.conn(), key_or_id).map_err(|e| match e {
            casebook_store::StoreError::NotFound(_) => Error::not_found(format!(
                "no incident `{}` in this data directory",
                key_or_id.trim()
            ))
            .hint(Hint::ListIncidents),
            other => other.into(),
        })
    }

    /// An incident's key for a hint, or its id when it has no key to show.
    pub(crate) fn incident_key(&self, id: IncidentId) -> String {
        read::incident(self.store.conn(), id)
            .map(|d| d.row.key)
            .unwrap_or_else(|_| id.to_string())
    }

    /// The part of an incident that decides who may change it.
    pub(crate) fn scope(&self, id: IncidentId) -> Result<IncidentScope> {
        let (tier, assignee) = read::incident_scope(self.store.conn(), id)?;
        Ok(IncidentScope { tier, assignee })
    }

    /// Resolves and checks edit rights in one step, the common start of every change to an incident.
    pub(crate) fn editable(&self, key_or_id: &str) -> Result<IncidentId> {
        let id = self.resolve(key_or_id)?;
        self.authorize(Action::Edit(self.scope(id)?))?;
        Ok(id)
    }
}

/// A fresh Ed25519 key for this device, from the operating system's randomness (through a CSPRNG it seeds).
pub(crate) fn new_device_key() -> casebook_core::signing::DeviceKey {
    use rand::RngCore;
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    casebook_core::signing::DeviceKey::from_secret(secret)
}

pub(crate) fn not_initialized() -> Error {
    Error::new(
        ErrorCode::NotInitialized,
        "this data directory has no profile yet",
    )
    .hint(Hint::CreateProfile)
}

fn check_tier(role: Role, tier: Option<Tier>) -> Result<Option<Tier>> {
    match (role, tier) {
        (Role::Responder, None) => Err(Error::invalid("a responder needs a tier: 1, 2 or 3").hint(
            Hint::Input {
                field: Field::Tier,
                example: "1".into(),
            },
        )),
        (Role::Responder, t) => Ok(t),
        (_, Some(_)) => Err(Error::invalid(format!(
            "only responders have a tier; a {role} has none"
        ))),
        (_, None) => Ok(None),
    }
}
