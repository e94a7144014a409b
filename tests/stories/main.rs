//! Stories that cross crates, told through the real `casebook` binary on real SQLite files in temporary directories:
//! the invocations scripts rely on, a team escalating a case, Timesketch files, bad input, and kill -9 at random
//! moments. Each module is one story; `cli` finds and runs the binary.

mod bad_input;
mod cli;
#[cfg(unix)]
mod encryption;
mod escalation_story;
#[cfg(target_os = "linux")]
mod keyring;
#[cfg(unix)]
mod kill_reliability;
mod observable_interchange;
mod scripted_invocations;
#[cfg(unix)]
mod team_cli;
#[cfg(unix)]
mod team_server;
mod timesketch_fixtures;
mod trusted_bundles;
