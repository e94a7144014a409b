//! Measuring how much memory one call takes: the growth of the process's peak resident set (Linux's VmHWM, reset
//! first through `/proc/self/clear_refs`) over what was resident before.

use std::sync::{Mutex, MutexGuard};

/// What a refusal may cost, whatever the file claims.
pub const MAX_GROWTH: u64 = 64 * 1024 * 1024;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Held for a whole test, so no other test of this binary allocates while one measures.
pub fn serial() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux's /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("/proc/self/status has no {field}"))
}

/// Runs `f` and returns its result with the peak memory growth it caused, in bytes.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, u64) {
    // "5" resets the peak resident set size to the current one, so the peak measured is this call's.
    std::fs::write("/proc/self/clear_refs", "5").expect("resetting the peak resident set size");
    let before = status_kib("VmRSS");
    let out = f();
    let peak = status_kib("VmHWM");
    (out, peak.saturating_sub(before) * 1024)
}
