//! A fresh laptop pulls the team's whole log: `Casebook::login` on an empty data directory (sign-in, then the first
//! sync, which pulls every page and applies each in its own transaction), timed end to end.
//!
//! The log is seeded first (not timed as the figure): two seeding devices push signed events in batches of the
//! protocol's largest push, one incident opened per 1,000 events, the rest timeline entries as `add_entry` makes
//! them. Before the laptop, a bare client pulls the same pages and decodes and verifies every event, so the report
//! can say how much of the laptop's time is the network and JSON, how much the signature checks, and how much the
//! laptop's store (admission, projections, full-text index, commits).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use casebook_core::event::WireEvent;
use casebook_core::model::Role;
use casebook_core::signing::PublicKey;
use casebook_core::{DeviceId, Event};
use casebook_protocol::{limits, Verdict};
use casebook_sync::Remote;
use serde::Serialize;

use super::events::DeviceLog;
use super::server::{LoopbackServer, PASSWORD};
use crate::Progress;

/// Events per seeded incident (its opening included).
pub const PER_INCIDENT: usize = 1_000;
/// Seeding devices pushing at once: one per core.
const SEEDERS: usize = 2;

#[derive(Debug, Clone, Serialize)]
pub struct PullFigures {
    /// Events seeded (incident openings and timeline entries).
    pub events: u64,
    /// Average size of one event as relayed (its signed JSON, without the envelope).
    pub event_bytes: f64,
    /// Seeding: two devices pushing batches of 1,000 (context, not the figure).
    pub seed_secs: f64,
    pub seed_events_per_sec: f64,
    /// The server's head before the laptop signed in (every event of the log, directory events included).
    pub head: u64,
    /// `Casebook::login` on an empty data directory, its first sync included: the figure.
    pub login_secs: f64,
    pub events_per_sec: f64,
    /// Events the laptop applied, and refused or found forked (must be 0).
    pub pulled: u64,
    pub refused_or_forked: u64,
    /// The same pages through a bare `Client::pull` (TLS, HTTP, JSON into pages).
    pub transport_secs: f64,
    /// Decoding each event, recomputing its hash and verifying its signature, as the laptop's admission does.
    pub verify_secs: f64,
    /// A second `Casebook::sync` right after, with nothing new.
    pub catch_up_ms: f64,
    /// The laptop's database afterwards.
    pub laptop_db_bytes: u64,
}

pub fn measure(root: &std::path::Path, events: usize, progress: Progress) -> Result<PullFigures> {
    let server = LoopbackServer::start(&root.join("server"), None)?;
    let seeder = server.accounts("seeder", Role::Lead, None, 1)?;
    let reader = server.accounts("reader", Role::Lead, None, 1)?;
    let (seed, keys, event_bytes) = seed(&server, &seeder[0], events, progress)?;

    // The bare pull: what the network and JSON cost, and what decoding and verifying cost.
    let (client, ..) = server.endpoint.device(&reader[0])?;
    let bar = progress.bar(events as u64, "bare pull");
    let (mut transport, mut verify) = (Duration::ZERO, Duration::ZERO);
    let mut after = 0;
    let mut head;
    loop {
        let started = Instant::now();
        let page = client
            .pull(after, limits::PULL_PAGE)
            .context("pulling a page")?;
        transport += started.elapsed();
        let started = Instant::now();
        for relayed in &page.events {
            let wire: WireEvent =
                serde_json::from_str(relayed.event.get()).context("decoding a pulled event")?;
            let event = Event::try_from(wire)?;
            if let (Some(key), Some(sig)) = (keys.get(&event.body.device), &event.signature) {
                if event.recompute_hash() != event.hash || key.verify(&event.hash, sig).is_err() {
                    bail!("a seeded event does not verify");
                }
            }
        }
        verify += started.elapsed();
        after += page.events.len() as u64;
        head = page.head;
        bar.set_position(after);
        if page.events.is_empty() || after >= page.head {
            break;
        }
    }
    bar.finish_and_clear();

    let dir = root.join("laptop");
    let mut cb =
        casebook_api::Casebook::open(&dir).context("opening the fresh laptop's data directory")?;
    let bar = progress.bar(events as u64, "fresh laptop pull");
    let step = |s: casebook_api::sync::SyncStep| {
        if let casebook_api::sync::SyncStep::Pulling { position, head } = s {
            bar.set_length(head);
            bar.set_position(position);
        }
    };
    let started = Instant::now();
    let login = cb
        .login(
            &server.endpoint.url,
            &reader[0],
            PASSWORD,
            &casebook_api::sync::ServerTrust::CaFile(server.endpoint.cert.clone()),
            &step,
        )
        .context("signing the fresh laptop in")?;
    let login_secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let first = match (login.first_sync, login.first_sync_error) {
        (Some(r), _) => r,
        (None, e) => bail!(
            "the fresh laptop's first sync failed: {}",
            e.unwrap_or_default()
        ),
    };
    let started = Instant::now();
    cb.sync(&|_| {}).context("syncing the laptop again")?;
    let catch_up_ms = started.elapsed().as_secs_f64() * 1e3;
    let laptop_db_bytes = std::fs::metadata(cb.store().path())
        .map(|m| m.len())
        .unwrap_or(0);
    drop(cb);
    Ok(PullFigures {
        events: events as u64,
        event_bytes,
        seed_secs: seed.as_secs_f64(),
        seed_events_per_sec: events as f64 / seed.as_secs_f64().max(1e-9),
        head,
        login_secs,
        events_per_sec: first.pulled as f64 / login_secs.max(1e-9),
        pulled: first.pulled,
        refused_or_forked: first.refused_here + first.forks,
        transport_secs: transport.as_secs_f64(),
        verify_secs: verify.as_secs_f64(),
        catch_up_ms,
        laptop_db_bytes,
    })
}

type Keys = HashMap<DeviceId, PublicKey>;

/// Pushes `events` events from two devices at once; returns the time, their public keys and the mean event size.
fn seed(
    server: &LoopbackServer,
    email: &str,
    events: usize,
    progress: Progress,
) -> Result<(Duration, Keys, f64)> {
    let bar = progress.bar(events as u64, "seeding the server");
    let started = Instant::now();
    let mut threads = Vec::new();
    let mut keys = Keys::new();
    for s in 0..SEEDERS {
        let (client, device, key, user) = server.endpoint.device(email)?;
        keys.insert(device, key.public());
        let share = events / SEEDERS + usize::from(s < events % SEEDERS);
        let bar = bar.clone();
        threads.push(std::thread::spawn(move || -> Result<u64> {
            let mut log = DeviceLog::new(key, device, user, PER_INCIDENT, 200 + s as u64);
            let mut bytes = 0u64;
            while (log.made() as usize) < share {
                let n = (share - log.made() as usize).min(limits::PUSH_EVENTS);
                let batch = log.batch(n)?;
                bytes += batch.iter().map(|e| e.get().len() as u64).sum::<u64>();
                let result = client.push(batch).context("seeding the server")?;
                if let Some(o) = result
                    .outcomes
                    .iter()
                    .find(|o| !matches!(o.verdict, Verdict::Admitted { .. }))
                {
                    bail!("the server did not admit a seeded event: {:?}", o.verdict);
                }
                bar.inc(n as u64);
            }
            Ok(bytes)
        }));
    }
    let mut bytes = 0;
    for t in threads {
        bytes += t
            .join()
            .map_err(|_| anyhow!("a seeding thread panicked"))??;
    }
    bar.finish_and_clear();
    Ok((started.elapsed(), keys, bytes as f64 / events.max(1) as f64))
}
