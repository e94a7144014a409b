//! The team server's memory and CPU, idle and under the concurrent-push load, measured on a server in a child
//! process so that what `/proc` reports is the server's alone: resident memory (VmRSS) sampled every 20 ms, the
//! peak the kernel kept (VmHWM), and CPU time (user + system) over the pushing window.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;

use super::push::{self, Load, PushFigures};
use super::server::{ChildServer, ServerProgram};
use crate::Progress;

#[derive(Debug, Clone, Serialize)]
pub struct MemoryFigures {
    /// What served: the `casebook-server` binary, or this benchmark serving through the same library calls.
    pub program: String,
    /// Resident memory half a second after the server said it listens.
    pub idle_mb: f64,
    /// The highest sample while the laptops signed in (Argon2 checks) and made their events.
    pub sign_in_peak_mb: f64,
    /// The highest sample while they pushed.
    pub push_peak_mb: f64,
    /// The kernel's record of the process's peak resident memory, at the end.
    pub hwm_mb: f64,
    /// Half a second after the load.
    pub after_mb: f64,
    /// CPU time over wall time while the laptops pushed (1.0 = one core busy).
    pub push_cores: f64,
    /// The load itself, as in the concurrent-push phase (the child serves SQLite).
    pub push: PushFigures,
}

pub fn measure(
    program: &ServerProgram,
    dir: &Path,
    clients: usize,
    load: Load,
    progress: Progress,
) -> Result<MemoryFigures> {
    let (server, emails) = ChildServer::start(program, dir, clients)?;
    let pid = server.pid();
    std::thread::sleep(Duration::from_millis(500));
    let idle_mb = status_mb(pid, "VmRSS:").context("reading the server's resident memory")?;

    // Sampled in the background; `phase` says which window a sample belongs to (0: sign-ins, 1: pushes).
    let phase = Arc::new(AtomicUsize::new(0));
    let peaks: Arc<[AtomicU64; 2]> = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (phase, peaks, stop) = (phase.clone(), peaks.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(kb) = status_kb(pid, "VmRSS:") {
                    peaks[phase.load(Ordering::Relaxed).min(1)].fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let window: Mutex<Option<(Instant, u64)>> = Mutex::new(None);
    let on_ready = || {
        phase.store(1, Ordering::Relaxed);
        if let Ok(mut w) = window.lock() {
            *w = cpu_ticks(pid).map(|t| (Instant::now(), t));
        }
    };
    let result = push::run(
        &server.endpoint,
        &emails,
        load,
        "SQLite",
        &on_ready,
        progress,
    );
    let end = (Instant::now(), cpu_ticks(pid));
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let push = result?;
    let push_cores = match (window.lock().ok().and_then(|w| *w), end) {
        // Linux reports CPU time in USER_HZ ticks, 100 per second on every architecture it runs on.
        (Some((t0, c0)), (t1, Some(c1))) => {
            (c1.saturating_sub(c0)) as f64 / 100.0 / (t1 - t0).as_secs_f64().max(1e-9)
        }
        _ => 0.0,
    };
    std::thread::sleep(Duration::from_millis(500));
    let after_mb = status_mb(pid, "VmRSS:").unwrap_or(0.0);
    let hwm_mb = status_mb(pid, "VmHWM:").unwrap_or(0.0);
    drop(server);
    let mb = |kb: u64| kb as f64 / 1024.0;
    Ok(MemoryFigures {
        program: program.describe(),
        idle_mb,
        sign_in_peak_mb: mb(peaks[0].load(Ordering::Relaxed)),
        push_peak_mb: mb(peaks[1].load(Ordering::Relaxed)),
        hwm_mb,
        after_mb,
        push_cores,
        push,
    })
}

/// A `/proc/PID/status` field in kB.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn status_mb(pid: u32, field: &str) -> Option<f64> {
    status_kb(pid, field).map(|kb| kb as f64 / 1024.0)
}

/// User plus system CPU time of every thread of the process, in ticks (`/proc/PID/stat` fields 14 and 15).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state), so fields 14 and 15 are at 11 and 12.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}
