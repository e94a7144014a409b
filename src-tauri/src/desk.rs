//! The one open data directory of this app: a `Casebook` behind a mutex, used only from blocking worker threads.
//!
//! `Casebook` owns a SQLite connection (`Send`, not `Sync`), so every command takes the lock on a blocking thread
//! (`spawn_blocking`): the UI thread and the async runtime never wait on the database, hashing or an import.
//! Calls queue on the lock in arrival order, which is the order a person clicked in.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use casebook_api::agent::SyncAgent;
use casebook_api::{Casebook, Error, ErrorCode};
use serde::Serialize;
use tauri::{AppHandle, Emitter};

use crate::dialogs;
use crate::dto::{CommandError, Progress};
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
/// background sync agent; and the files the person chose this session.
#[derive(Clone, Default)]
pub struct Desk {
    inner: Arc<Mutex<Option<Casebook>>>,
    aside: Arc<Mutex<Option<Casebook>>>,
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

    /// Starts background sync (once) on the data directory.
    pub fn start_agent(
        &self,
        agent: impl FnOnce() -> Result<SyncAgent, Error>,
    ) -> Result<(), Error> {
        if self.agent.get().is_none() {
            let _ = self.agent.set(agent()?);
        }
        Ok(())
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
        let result = self.run_on(self.inner.clone(), app, f).await;
        if let Some(agent) = self.agent.get() {
            agent.local_change();
        }
        result
    }

    /// Runs `f` like [`Desk::run`] but on the second Casebook: for calls that wait on the team server.
    pub async fn run_aside<T, F>(&self, app: AppHandle, f: F) -> Result<T, CommandError>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&mut Casebook, &Work) -> Result<T, Error> + Send + 'static,
    {
        let result = self.run_on(self.aside.clone(), app, f).await;
        // A sign-in, sign-out or account change: the agent looks again at once.
        if let Some(agent) = self.agent.get() {
            agent.sync_now();
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
        tauri::async_runtime::spawn_blocking(move || {
            // A panic in an earlier command poisons the lock; the Casebook itself is still consistent (every change
            // is one SQLite transaction), so carry on with it.
            let mut guard = inner.lock().unwrap_or_else(|p| p.into_inner());
            if guard.is_none() {
                *guard = Some(Casebook::open(&data_dir()?)?);
            }
            let cb = guard.as_mut().expect("opened just above");
            f(cb, &work)
        })
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
