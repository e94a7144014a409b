//! Many laptops pushing at once to one server: each signs in its own device, makes its events beforehand (so the
//! clock measures the server, not the signing), waits for the others, then pushes them in batches with
//! `Client::push`, timing every call. Afterwards the server's head must have grown by exactly the events pushed,
//! every one admitted, and every device's frontier must stand at its last event: nothing lost, nothing twice.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use casebook_protocol::Verdict;
use casebook_sync::Remote;
use serde::Serialize;

use super::events::DeviceLog;
use super::server::Endpoint;
use crate::stats::{Samples, Summary};
use crate::Progress;

/// How hard the laptops push.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Events each laptop pushes.
    pub events_per_client: usize,
    /// Events per `Client::push` call.
    pub batch: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushFigures {
    /// "SQLite" or "PostgreSQL".
    pub database: &'static str,
    pub clients: usize,
    pub events: u64,
    pub batch: usize,
    /// From the moment every laptop was ready to the last answer.
    pub seconds: f64,
    pub events_per_sec: f64,
    /// Each `Client::push` call, end to end (TLS, JSON, admission, commit, answer).
    pub latency: Summary,
    pub admitted: u64,
    /// The server's head grew by this much while the laptops pushed.
    pub head_growth: u64,
    /// Devices whose frontier on the server stopped short of their last event.
    pub short_frontiers: usize,
    /// Every event admitted, the head grown by exactly that, every frontier at its device's last event.
    pub no_loss: bool,
}

struct Laptop {
    samples: Samples,
    admitted: u64,
    other: Vec<String>,
}

/// Runs the load with one laptop per address in `emails`. `on_ready` runs once every laptop has signed in and made
/// its events, just before they start pushing (the memory phase marks its windows there).
pub fn run(
    endpoint: &Endpoint,
    emails: &[String],
    load: Load,
    database: &'static str,
    on_ready: &dyn Fn(),
    progress: Progress,
) -> Result<PushFigures> {
    let clients = emails.len();
    let total = (clients * load.events_per_client) as u64;
    let ready = Arc::new(Barrier::new(clients + 1));
    let go = Arc::new(Barrier::new(clients + 1));
    let bar = progress.bar(total, "concurrent pushes");
    let mut threads = Vec::with_capacity(clients);
    for (i, email) in emails.iter().enumerate() {
        let (endpoint, email, ready, go, bar) = (
            endpoint.clone(),
            email.clone(),
            ready.clone(),
            go.clone(),
            bar.clone(),
        );
        threads.push(std::thread::spawn(move || -> Result<(Laptop, Instant)> {
            // A laptop that fails before the barrier must still reach it, or the others would wait forever.
            let prepared = prepare(&endpoint, &email, load, i as u64);
            ready.wait();
            go.wait();
            let (client, batches) = prepared?;
            let mut laptop = Laptop {
                samples: Samples::default(),
                admitted: 0,
                other: Vec::new(),
            };
            for batch in batches {
                let n = batch.len() as u64;
                let started = Instant::now();
                let result = client
                    .push(batch)
                    .with_context(|| format!("{email} pushing"))?;
                laptop.samples.push(started.elapsed());
                for o in result.outcomes {
                    match o.verdict {
                        Verdict::Admitted { .. } => laptop.admitted += 1,
                        other => laptop.other.push(format!("{}: {other:?}", o.id)),
                    }
                }
                bar.inc(n);
            }
            Ok((laptop, Instant::now()))
        }));
    }
    ready.wait();
    let observer = endpoint.device(&emails[0]).map(|(c, ..)| c);
    let head_before = observer
        .as_ref()
        .ok()
        .and_then(|c| c.frontiers().ok())
        .map(|f| f.head);
    on_ready();
    let started = Instant::now();
    go.wait();
    let mut samples = Samples::default();
    let mut admitted = 0;
    let mut other = Vec::new();
    let mut finished = started;
    for t in threads {
        let (laptop, done) = t
            .join()
            .map_err(|_| anyhow!("a pushing laptop's thread panicked"))??;
        samples.extend(&laptop.samples);
        admitted += laptop.admitted;
        other.extend(laptop.other);
        finished = finished.max(done);
    }
    bar.finish_and_clear();
    let seconds = finished
        .duration_since(started)
        .max(Duration::from_nanos(1))
        .as_secs_f64();
    let observer = observer?;
    let head_before = head_before.context("reading the server's head before the pushes")?;
    let after = observer
        .frontiers()
        .context("reading the server's frontiers after the pushes")?;
    if !other.is_empty() {
        bail!(
            "{} pushed events were not admitted, e.g. {}",
            other.len(),
            other[0]
        );
    }
    let head_growth = after.head - head_before;
    // Every laptop's device made exactly `events_per_client` events; the observer's device made none.
    let full = after
        .devices
        .iter()
        .filter(|f| f.contiguous == load.events_per_client as u64)
        .count();
    let short_frontiers = clients - full.min(clients);
    Ok(PushFigures {
        database,
        clients,
        events: total,
        batch: load.batch,
        seconds,
        events_per_sec: total as f64 / seconds,
        latency: samples.summary(),
        admitted,
        head_growth,
        short_frontiers,
        no_loss: admitted == total && head_growth == total && short_frontiers == 0,
    })
}

type Batches = Vec<Vec<Box<serde_json::value::RawValue>>>;

/// Signs a laptop in and makes its events, in push-sized batches.
fn prepare(
    endpoint: &Endpoint,
    email: &str,
    load: Load,
    seed: u64,
) -> Result<(casebook_sync::Client, Batches)> {
    let (client, device, key, user) = endpoint.device(email)?;
    // One incident per laptop: a responder documenting their own case.
    let mut log = DeviceLog::new(key, device, user, load.events_per_client + 1, 100 + seed);
    let mut batches = Vec::new();
    let mut left = load.events_per_client;
    while left > 0 {
        let n = left.min(load.batch.max(1));
        batches.push(log.batch(n)?);
        left -= n;
    }
    Ok((client, batches))
}
