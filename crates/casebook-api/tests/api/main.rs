//! Use-case tests of the application API on real data directories: merges between devices through case bundles,
//! authorization through the API, escalation flows and the error messages people see.

mod alerts;
mod attacks;
mod encryption;
mod erase;
mod import;
mod interchange;
mod merge;
mod paging;
mod report;
mod rules;
mod search;
mod team_views;
mod upgrade;

use std::path::Path;
use std::sync::Arc;

use casebook_api::{Casebook, FixedClock};
use chrono::{DateTime, Utc};

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A data directory with a fixed clock the test moves by hand.
pub fn open(dir: &Path, now: &str) -> (Casebook, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(at(now)));
    let cb = Casebook::open_with_clock(dir, clock.clone()).expect("open data dir");
    (cb, clock)
}
