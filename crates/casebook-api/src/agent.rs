//! Background sync for a front end that stays open (the desktop app): syncs at start, after local changes
//! (debounced), on a timer, when the server's change stream says the team log moved, and on request; backs off
//! quietly while the server cannot be reached; and says what needs the person's attention.
//!
//! The agent works on its own `Casebook` (its own SQLite connection to the same data directory), on its own thread,
//! so a sync never waits for the interface and the interface never waits for the network: the two meet only in
//! SQLite's short write transactions. A second thread listens to the change stream on a third connection.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::escalations::EscalationStatus;
use crate::sync::{SyncReport, SyncStatus};
use crate::{Casebook, DataKey, Error, ErrorCode, Result, Unlock};

/// How often and how patiently the agent syncs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// A local change goes up this long after the last one (typing a sentence is one sync, not twenty).
    pub debounce: Duration,
    /// A sync at least this often, change stream or not.
    pub every: Duration,
    /// The first wait after a failed attempt; it doubles up to `backoff_max`.
    pub backoff_first: Duration,
    pub backoff_max: Duration,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            debounce: Duration::from_secs(2),
            every: Duration::from_secs(60),
            backoff_first: Duration::from_secs(5),
            backoff_max: Duration::from_secs(300),
        }
    }
}

/// Where the agent stands, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// This laptop has not joined a team: it works alone.
    NotJoined,
    /// Joined, but signed out (or the server no longer accepts the sign-in): work waits here until a sign-in.
    SignedOut,
    Syncing,
    /// The last sync went through.
    Online,
    /// The server cannot be reached; work waits here and the agent tries again later.
    Offline,
    /// The server answered with an error (or the data could not be read); tried again later.
    Failing,
}

/// What a front end shows of the agent: the phase, where the laptop stands, and the last attempt.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgentState {
    pub phase: SyncPhase,
    pub status: Option<SyncStatus>,
    pub last_report: Option<SyncReport>,
    /// Why the last attempt did not go through, in plain words.
    pub error: Option<String>,
    pub error_code: Option<ErrorCode>,
    /// When the agent tries again after a failure.
    pub retry_at: Option<DateTime<Utc>>,
    /// Goes up whenever a sync brought events from the team: open views reload when it changes.
    pub generation: u64,
}

/// A desktop notification the agent asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgentNotice {
    pub title: String,
    pub body: String,
    /// The incident it is about.
    pub key: String,
}

/// What the agent tells its front end.
#[derive(Debug, Clone)]
pub enum AgentEvent {
    State(Box<AgentState>),
    Notify(AgentNotice),
}

enum Poke {
    LocalChange,
    RemoteChange,
    Now,
    Stop,
}

/// The running agent. Dropping it stops it.
pub struct SyncAgent {
    tx: Sender<Poke>,
    state: Arc<Mutex<AgentState>>,
    stop: Arc<AtomicBool>,
}

/// Set when a sync went through while the change stream was down: the watcher reconnects at once instead of
/// finishing its backoff (the server is back).
type Reconnect = Arc<AtomicBool>;

impl SyncAgent {
    /// Starts the agent on `data_dir`; `on_event` is called from the agent's threads. Fails only when the system
    /// gives it no thread.
    pub fn start(
        data_dir: &Path,
        config: AgentConfig,
        on_event: impl Fn(AgentEvent) + Send + Sync + 'static,
    ) -> Result<SyncAgent> {
        SyncAgent::start_unlocked(data_dir, None, config, on_event)
    }

    /// Starts the agent on `data_dir`, whose connections open with `key` when the directory is encrypted (the key
    /// of the front end's unlocked `Casebook`).
    pub fn start_unlocked(
        data_dir: &Path,
        key: Option<DataKey>,
        config: AgentConfig,
        on_event: impl Fn(AgentEvent) + Send + Sync + 'static,
    ) -> Result<SyncAgent> {
        let (tx, rx) = mpsc::channel();
        let state = Arc::new(Mutex::new(AgentState {
            phase: SyncPhase::NotJoined,
            status: None,
            last_report: None,
            error: None,
            error_code: None,
            retry_at: None,
            generation: 0,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let reconnect: Reconnect = Arc::default();
        let on_event: Arc<dyn Fn(AgentEvent) + Send + Sync> = Arc::new(on_event);
        let mut worker = Worker {
            data_dir: data_dir.to_path_buf(),
            key: key.clone(),
            config: config.clone(),
            casebook: None,
            state: state.clone(),
            on_event,
            notified: None,
            reconnect: reconnect.clone(),
        };
        let no_thread = |e: std::io::Error| {
            Error::with_source(
                ErrorCode::Internal,
                format!(
                    "background sync could not start ({e}); sync from the command line meanwhile"
                ),
                e,
            )
        };
        thread::Builder::new()
            .name("casebook-sync".into())
            .spawn(move || worker.run(&rx))
            .map_err(no_thread)?;
        let watcher = Watcher {
            data_dir: data_dir.to_path_buf(),
            key,
            config,
            tx: tx.clone(),
            stop: stop.clone(),
            reconnect,
        };
        // Without its listener the worker would still sync, but never at once: stop it (its channel closes when
        // `tx` drops here) and say so.
        thread::Builder::new()
            .name("casebook-watch".into())
            .spawn(move || watcher.run())
            .map_err(no_thread)?;
        Ok(SyncAgent { tx, state, stop })
    }

    /// Something changed here: sync after the debounce.
    pub fn local_change(&self) {
        let _ = self.tx.send(Poke::LocalChange);
    }

    /// Sync now, whatever the backoff ("Sync now", a sign-in).
    pub fn sync_now(&self) {
        let _ = self.tx.send(Poke::Now);
    }

    pub fn state(&self) -> AgentState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for SyncAgent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.tx.send(Poke::Stop);
    }
}

struct Worker {
    data_dir: PathBuf,
    key: Option<DataKey>,
    config: AgentConfig,
    casebook: Option<Casebook>,
    state: Arc<Mutex<AgentState>>,
    on_event: Arc<dyn Fn(AgentEvent) + Send + Sync>,
    /// What has been notified already; `None` until the first look, which notifies nothing (what was pending
    /// before the app started is on the board, not news).
    notified: Option<HashSet<String>>,
    reconnect: Reconnect,
}

impl Worker {
    fn run(&mut self, rx: &mpsc::Receiver<Poke>) {
        let mut next = Instant::now();
        let mut backoff: Option<Duration> = None;
        loop {
            let wait = next.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(Poke::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(Poke::LocalChange) => {
                    // Count it at once (the status bar's "waiting"), send it after the debounce; while backing
                    // off, the retry takes it along.
                    self.refresh_status();
                    if backoff.is_none() {
                        next = next.min(Instant::now() + self.config.debounce);
                    }
                    continue;
                }
                Ok(Poke::RemoteChange) => {
                    // The server answered on the stream, so it is reachable again.
                    backoff = None;
                    next = next.min(Instant::now() + Duration::from_millis(100));
                    continue;
                }
                Ok(Poke::Now) => {
                    backoff = None;
                    next = Instant::now();
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() < next {
                continue;
            }
            let wait = match self.attempt() {
                Ok(true) => {
                    backoff = None;
                    self.config.every
                }
                // Not joined or signed out: nothing to try until something changes.
                Ok(false) => self.config.every,
                Err(()) => {
                    let b = backoff.map_or(self.config.backoff_first, |b| {
                        (b * 2).min(self.config.backoff_max)
                    });
                    backoff = Some(b);
                    b
                }
            };
            next = Instant::now() + wait;
            if let (Some(_), Some(cb)) = (backoff, self.casebook.as_ref()) {
                let retry_at = cb.now() + chrono::Duration::from_std(wait).unwrap_or_default();
                self.update(|s| s.retry_at = Some(retry_at));
            }
        }
    }

    /// One sync. `Ok(false)` when there is nothing to sync with.
    fn attempt(&mut self) -> Result<bool, ()> {
        if let Err(e) = self.open() {
            self.update(|s| {
                s.phase = SyncPhase::Failing;
                s.error = Some(e.message);
                s.error_code = Some(e.code);
            });
            return Err(());
        }
        let casebook = self.casebook.as_ref().expect("opened above");
        let status = casebook.sync_status(false);
        let joined = status.as_ref().is_ok_and(|s| s.server.is_some());
        let signed_in = status.as_ref().is_ok_and(|s| s.signed_in);
        if !joined || !signed_in {
            let phase = if joined {
                SyncPhase::SignedOut
            } else {
                SyncPhase::NotJoined
            };
            self.update(|s| {
                s.phase = phase;
                s.status = status.ok();
                s.retry_at = None;
            });
            return Ok(false);
        }
        if self.notified.is_none() {
            self.notified = Some(attention_keys(casebook).unwrap_or_default());
        }
        self.update(|s| s.phase = SyncPhase::Syncing);
        let casebook = self.casebook.as_mut().expect("opened above");
        let result = casebook.sync(&|_| {});
        let status = casebook.sync_status(false).ok();
        match result {
            Ok(report) => {
                let pulled = report.pulled > 0;
                self.update(|s| {
                    s.phase = SyncPhase::Online;
                    s.status = status;
                    s.last_report = Some(report);
                    s.error = None;
                    s.error_code = None;
                    s.retry_at = None;
                    if pulled {
                        s.generation += 1;
                    }
                });
                self.notify_news();
                self.reconnect.store(true, Ordering::Relaxed);
                Ok(true)
            }
            Err(e) => {
                let phase = match e.code {
                    ErrorCode::Offline => SyncPhase::Offline,
                    ErrorCode::Unauthenticated => SyncPhase::SignedOut,
                    _ => SyncPhase::Failing,
                };
                let (code, message) = (e.code, e.message);
                self.update(|s| {
                    s.phase = phase;
                    s.status = status;
                    s.error = Some(message);
                    s.error_code = Some(code);
                });
                if phase == SyncPhase::SignedOut {
                    Ok(false)
                } else {
                    Err(())
                }
            }
        }
    }

    fn open(&mut self) -> crate::Result<&Casebook> {
        if self.casebook.is_none() {
            self.casebook = Some(open(&self.data_dir, self.key.as_ref())?);
        }
        Ok(self.casebook.as_ref().expect("opened just above"))
    }

    fn refresh_status(&mut self) {
        if let Ok(status) = self.open().and_then(|cb| cb.sync_status(false)) {
            self.update(|s| s.status = Some(status));
        }
    }

    /// Notifies escalations and breaches that were not there at the last look.
    fn notify_news(&mut self) {
        let Some(casebook) = self.casebook.as_ref() else {
            return;
        };
        let Ok(attention) = casebook.attention() else {
            return;
        };
        let notified = self.notified.get_or_insert_with(HashSet::new);
        let mut news = Vec::new();
        for e in &attention.escalations {
            if notified.insert(format!("escalation:{}", e.escalation.id)) {
                news.push(escalation_notice(e, false));
            }
        }
        for e in &attention.breaching_soon {
            if notified.insert(breach_key(e)) {
                news.push(escalation_notice(e, true));
            }
        }
        for n in news {
            (self.on_event)(AgentEvent::Notify(n));
        }
    }

    fn update(&self, f: impl FnOnce(&mut AgentState)) {
        let snapshot = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut state);
            state.clone()
        };
        (self.on_event)(AgentEvent::State(Box::new(snapshot)));
    }
}

fn attention_keys(casebook: &Casebook) -> crate::Result<HashSet<String>> {
    let attention = casebook.attention()?;
    Ok(attention
        .escalations
        .iter()
        .map(|e| format!("escalation:{}", e.escalation.id))
        .chain(attention.breaching_soon.iter().map(breach_key))
        .collect())
}

/// A breach is news once per target: a reassignment restarts the clock, and its new target may be missed too.
fn breach_key(e: &EscalationStatus) -> String {
    let due = e.due_at.map(|d| d.timestamp()).unwrap_or_default();
    format!("breach:{}:{due}", e.escalation.id)
}

fn escalation_notice(e: &EscalationStatus, breach: bool) -> AgentNotice {
    let v = &e.escalation;
    let title = if breach {
        format!("{}: response target about to be missed", v.incident_key)
    } else {
        format!("{} escalated to you", v.incident_key)
    };
    let body = format!("{} — {}", v.incident_title, v.reason);
    AgentNotice {
        title,
        body: body.chars().take(200).collect(),
        key: v.incident_key.clone(),
    }
}

/// A connection of the agent's own: with the front end's data key when the directory is encrypted.
fn open(data_dir: &Path, key: Option<&DataKey>) -> Result<Casebook> {
    match key {
        Some(key) => Casebook::open_unlocked(data_dir, &Unlock::Key(key.clone())),
        None => Casebook::open(data_dir),
    }
}

/// Listens to the server's change stream and pokes the worker when the team log moved.
struct Watcher {
    data_dir: PathBuf,
    key: Option<DataKey>,
    config: AgentConfig,
    tx: Sender<Poke>,
    stop: Arc<AtomicBool>,
    reconnect: Reconnect,
}

impl Watcher {
    fn run(self) {
        let mut backoff = self.config.backoff_first;
        let mut casebook: Option<Casebook> = None;
        while !self.stop.load(Ordering::Relaxed) {
            self.reconnect.store(false, Ordering::Relaxed);
            if casebook.is_none() {
                casebook = open(&self.data_dir, self.key.as_ref()).ok();
            }
            let Some(cb) = casebook.as_ref() else {
                self.pause(self.config.backoff_max);
                continue;
            };
            // Only a signed-in laptop has a stream to listen to; check again now and then.
            if !cb.sync_status(false).is_ok_and(|s| s.signed_in) {
                self.pause(self.config.backoff_first);
                continue;
            }
            let tx = self.tx.clone();
            let stop = self.stop.clone();
            let mut on_tick =
                move || !stop.load(Ordering::Relaxed) && tx.send(Poke::RemoteChange).is_ok();
            if cb.watch_team(&mut on_tick).is_ok() {
                backoff = self.config.backoff_first;
            } else {
                self.pause(backoff);
                backoff = (backoff * 2).min(self.config.backoff_max);
            }
        }
    }

    /// Sleeps, waking early when the agent stops or a sync just reached the server.
    fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        while !self.stop.load(Ordering::Relaxed)
            && !self.reconnect.load(Ordering::Relaxed)
            && Instant::now() < until
        {
            thread::sleep(Duration::from_millis(100).min(until - Instant::now()));
        }
    }
}
