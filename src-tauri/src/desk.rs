//! The one open data directory of this app: a `Casebook` behind a mutex, used only from blocking worker threads.
//!
//! `Casebook` owns a SQLite connection (`Send`, not `Sync`), so every command takes the lock on a blocking thread
//! (`spawn_blocking`): the UI thread and the async runtime never wait on the database, hashing or an import.
//! Calls queue on the lock in arrival order, which is the order a person clicked in.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use casebook_api::agent::{AgentConfig, AgentEvent, SyncAgent};
use casebook_api::encryption::{self, Protection};
use casebook_api::system_keyring::{self, Availability};
use casebook_api::{Casebook, DataKey, Error, ErrorCode, Me, SystemClock, Unlock};
use serde::Serialize;
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;

use crate::dialogs;
use crate::dto::{CommandError, ProfileInput, Progress, Startup};
use crate::grants::{Access, Grants};

/// The environment variable that points the app (and the CLI) at another data directory.
pub const DATA_DIR_ENV: &str = "CASEBOOK_DATA_DIR";

/// The shared data directory: `CASEBOOK_DATA_DIR` if set, else the platform's (the CLI's default too).
pub fn data_dir() -> Result<PathBuf, Error> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(d) if !d.is_empty() => Ok(PathBuf::from(d)),
        _ => Casebook::default_data_dir().ok_or_else(|| {
            Error::new(
                ErrorCode::Io,
                "this system has no home directory for Casebook's data; set CASEBOOK_DATA_DIR to a folder",
            )
        }),
    }
}

/// Managed state: the Casebook, opened on first use so that an error opening it reaches the UI as a message; a
/// second one for calls that wait on the team server (so a slow network never holds up a local command); the
/// background sync agent; the data key once an encrypted directory is unlocked; and the files the person chose this
/// session. Nothing opens an encrypted directory before the person unlocks it, nor a new one before the first run
/// chose whether to encrypt it.
#[derive(Clone, Default)]
pub struct Desk {
    inner: Arc<Mutex<Option<Casebook>>>,
    aside: Arc<Mutex<Option<Casebook>>>,
    key: Arc<Mutex<Option<DataKey>>>,
    agent: Arc<OnceLock<SyncAgent>>,
    grants: Grants,
}

/// What a command body gets besides the Casebook: a way to report progress of long work, and the paths the person
/// chose.
pub struct Work {
    app: AppHandle,
    grants: Grants,
}

impl Work {
    /// `path`, if the person chose it for `access` (see `grants`); a typed one is confirmed in a native dialog first.
    pub fn path(&self, path: &str, access: Access) -> Result<PathBuf, Error> {
        dialogs::require(&self.app, &self.grants, path, access)
    }

    /// Emits a `progress` event for the UI's progress bar of the job the UI named `task`.
    pub fn progress(&self, task: &str, done: u64, total: Option<u64>) {
        // A lost progress event only delays a bar; the command's result still arrives.
        let _ = self.app.emit(
            crate::dto::PROGRESS_EVENT,
            Progress {
                task: task.to_string(),
                done,
                total,
            },
        );
    }

    /// A progress callback for the API that emits at most every [`PROGRESS_EVERY`], plus the first call.
    pub fn throttled<'a>(&'a self, task: &'a str, total: Option<u64>) -> impl FnMut(u64) + 'a {
        let mut last: Option<Instant> = None;
        move |done| {
            if last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
                last = Some(Instant::now());
                self.progress(task, done, total);
            }
        }
    }
}

/// How often progress events go to the UI: smooth for a bar, cheap for the IPC.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(50);

impl Desk {
    pub fn new(grants: Grants) -> Desk {
        Desk {
            grants,
            ..Desk::default()
        }
    }

    /// Starts background sync (once) when the data directory can be opened: plain, or encrypted and unlocked. Its
    /// state goes to the page as the `team` event, its notices to the system's notification centre.
    pub fn start_agent(&self, app: &AppHandle) {
        if self.agent.get().is_some() {
            return;
        }
        let Ok(dir) = data_dir() else { return };
        let key = self.key();
        match encryption::protection(&dir) {
            Ok(Protection::Plain) => {}
            Ok(Protection::Encrypted) if key.is_some() => {}
            // A new directory waits for the first run's choice; a locked one for its passphrase.
            _ => return,
        }
        let handle = app.clone();
        let started = SyncAgent::start_unlocked(&dir, key, AgentConfig::default(), move |event| {
            match event {
                AgentEvent::State(state) => {
                    // A lost event only delays the status bar; the page also asks with `team_state`.
                    let _ = handle.emit(crate::dto::TEAM_EVENT, state);
                }
                AgentEvent::Notify(notice) => {
                    // Without a notification service (a bare X server, a test) the notice is simply not shown.
                    let _ = handle
                        .notification()
                        .builder()
                        .title(&notice.title)
                        .body(&notice.body)
                        .show();
                }
            }
        });
        match started {
            Ok(agent) => {
                let _ = self.agent.set(agent);
            }
            // Everything local still works, and `casebook sync` still syncs.
            Err(e) => eprintln!("Casebook: {e}"),
        }
    }

    fn key(&self) -> Option<DataKey> {
        self.key.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Where the data lives, whether it waits for its passphrase, and whether a profile exists there. A new
    /// directory is not created here: the first run decides whether it is encrypted. A locked directory whose key
    /// this computer's keyring remembers is unlocked with it (and sync started).
    pub fn startup(&self, app: &AppHandle) -> Result<Startup, Error> {
        let dir = data_dir()?;
        let protection = encryption::protection(&dir)?;
        let mut opened_by_keyring = false;
        if protection == Protection::Encrypted && self.key().is_none() {
            if let Some(key) = system_keyring::remembered_key(&dir) {
                *self.key.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
                opened_by_keyring = true;
                self.start_agent(app);
            }
        }
        let locked = protection == Protection::Encrypted && self.key().is_none();
        let initialized = match protection {
            Protection::New => false,
            _ if locked => false,
            _ => self.with(&self.inner, |cb| cb.is_initialized())?,
        };
        // The keyring is asked only where a screen offers it: a plain directory never needs it.
        let keyring = opened_by_keyring
            || (protection != Protection::Plain
                && system_keyring::availability() == Availability::Available);
        let remembered = opened_by_keyring
            || (keyring
                && protection == Protection::Encrypted
                && system_keyring::is_remembered(&dir));
        Ok(Startup {
            data_dir: dir.display().to_string(),
            encrypted: protection == Protection::Encrypted,
            locked,
            initialized,
            keyring,
            remembered,
            notice: None,
        })
    }

    /// Unlocks the encrypted data directory with the person's passphrase (the API checks it; a wrong one changes
    /// nothing), keeps its key in the keyring if asked, then starts what waited for it.
    pub fn unlock(
        &self,
        app: &AppHandle,
        passphrase: String,
        remember: bool,
    ) -> Result<Startup, Error> {
        let dir = data_dir()?;
        let cb = Casebook::open_unlocked(&dir, &Unlock::Passphrase(passphrase))?;
        *self.key.lock().unwrap_or_else(|p| p.into_inner()) = cb.data_key().cloned();
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()) = Some(cb);
        let notice = if remember {
            self.remember(true).err()
        } else {
            None
        };
        self.start_agent(app);
        Ok(Startup {
            notice: notice.map(|e| e.message),
            ..self.startup(app)?
        })
    }

    /// Keeps the unlocked data key in this computer's keyring, or removes it from there.
    pub fn remember(&self, remember: bool) -> Result<(), Error> {
        let dir = data_dir()?;
        if !remember {
            return system_keyring::forget(&dir).map(|_| ());
        }
        let key = self.key().ok_or_else(|| {
            Error::conflict("only an unlocked, encrypted case folder can be remembered")
        })?;
        system_keyring::remember(&dir, &key)
    }

    /// Creates the local profile; with a passphrase, in a directory the API creates encrypted first.
    pub fn create_profile(&self, app: &AppHandle, input: ProfileInput) -> Result<Me, Error> {
        let me = match input.passphrase {
            Some(passphrase) => {
                let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
                // The API converts a directory only when nothing holds it open.
                *inner = None;
                *self.aside.lock().unwrap_or_else(|p| p.into_inner()) = None;
                let mut cb =
                    Casebook::create_encrypted(&data_dir()?, &passphrase, Arc::new(SystemClock))?;
                let me = cb.init(&input.name, input.role, input.tier)?;
                *self.key.lock().unwrap_or_else(|p| p.into_inner()) = cb.data_key().cloned();
                *inner = Some(cb);
                if input.remember {
                    // The profile is made either way; without a keyring the passphrase is asked at each start.
                    if let Err(e) = self.remember(true) {
                        eprintln!("Casebook: {e}");
                    }
                }
                me
            }
            None => self.with(&self.inner, |cb| {
                cb.init(&input.name, input.role, input.tier)
            })?,
        };
        self.start_agent(app);
        Ok(me)
    }

    /// Runs `f` on this thread with the Casebook behind `inner`, opening it (with the data key, once unlocked)
    /// if needed.
    fn with<T>(
        &self,
        inner: &Mutex<Option<Casebook>>,
        f: impl FnOnce(&mut Casebook) -> Result<T, Error>,
    ) -> Result<T, Error> {
        // A panic in an earlier command poisons the lock; the Casebook itself is still consistent (every change is
        // one SQLite transaction), so carry on with it.
        let mut guard = inner.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let dir = data_dir()?;
            *guard = Some(match self.key() {
                Some(key) => Casebook::open_unlocked(&dir, &Unlock::Key(key))?,
                None => Casebook::open(&dir)?,
            });
        }
        f(guard.as_mut().expect("opened just above"))
    }

    pub fn agent(&self) -> Option<&SyncAgent> {
        self.agent.get()
    }

    /// The files the person chose this session (the window's drop handler adds to them).
    pub fn grants(&self) -> &Grants {
        &self.grants
    }

    /// Runs `f` on a blocking thread without the Casebook: the shell's own work (dialogs), which must not hold up
    /// commands that need the data.
    pub async fn shell<T, F>(&self, app: AppHandle, f: F) -> Result<T, CommandError>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&AppHandle, &Grants) -> Result<T, Error> + Send + 'static,
    {
        let grants = self.grants.clone();
        tauri::async_runtime::spawn_blocking(move || f(&app, &grants))
            .await
            .map_err(stopped)?
            .map_err(CommandError::from)
    }

    /// Runs `f` on a blocking thread with the open Casebook, and maps its error to `{code, message}`. The sync agent
    /// hears of it afterwards (a change goes up after its debounce).
    pub async fn run<T, F>(&self, app: AppHandle, f: F) -> Result<T, CommandError>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&mut Casebook, &Work) -> Result<T, Error> + Send + 'static,
    {
        let result = self.run_on(self.inner.clone(), app.clone(), f).await;
        match self.agent.get() {
            Some(agent) => agent.local_change(),
            // The first run's demo case or team join made the directory: sync can start.
            None => self.start_agent(&app),
        }
        result
    }

    /// Runs `f` like [`Desk::run`] but on the second Casebook: for calls that wait on the team server.
    pub async fn run_aside<T, F>(&self, app: AppHandle, f: F) -> Result<T, CommandError>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&mut Casebook, &Work) -> Result<T, Error> + Send + 'static,
    {
        let result = self.run_on(self.aside.clone(), app.clone(), f).await;
        // A sign-in, sign-out or account change: the agent looks again at once.
        match self.agent.get() {
            Some(agent) => agent.sync_now(),
            None => self.start_agent(&app),
        }
        result
    }

    async fn run_on<T, F>(
        &self,
        inner: Arc<Mutex<Option<Casebook>>>,
        app: AppHandle,
        f: F,
    ) -> Result<T, CommandError>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&mut Casebook, &Work) -> Result<T, Error> + Send + 'static,
    {
        let work = Work {
            app,
            grants: self.grants.clone(),
        };
        let desk = self.clone();
        tauri::async_runtime::spawn_blocking(move || desk.with(&inner, |cb| f(cb, &work)))
            .await
            .map_err(stopped)?
            .map_err(CommandError::from)
    }
}

fn stopped(e: tauri::Error) -> CommandError {
    CommandError {
        code: ErrorCode::Internal,
        message: format!("the work stopped unexpectedly ({e}); please try again"),
        hint: None,
    }
}
