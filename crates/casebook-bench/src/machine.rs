//! The machine the figures were measured on: they mean little without it.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// Hardware threads available to this process.
    pub cores: usize,
    /// The CPU model from `/proc/cpuinfo`, when it can be read.
    pub cpu: Option<String>,
    pub os: &'static str,
    pub arch: &'static str,
    /// Whether this binary was built with optimizations (figures from a debug build are not comparable).
    pub release_build: bool,
}

impl Machine {
    pub fn detect() -> Machine {
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu: cpu_model(),
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            release_build: !cfg!(debug_assertions),
        }
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim() == "model name")
        .map(|(_, v)| v.trim().to_string())
}
