//! The laptop's alert queue: importing a SIEM export of many alerts (JSON lines in the generic shape, 50 rules over
//! 2,000 addresses across 30 days, in time order as exports are) through `Casebook::import_alerts`, then the queue's
//! first screen on a freshly opened `Casebook`: the 50 newest open groups (`alerts(status new)`), as tier 1 sees it
//! on opening the queue. `Casebook::open` is timed on its own, as for the incident's first screen.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use casebook_api::alerts::AlertListQuery;
use casebook_core::alert::AlertState;
use serde::Serialize;

use crate::corpus::Rng;
use crate::stats::{Samples, Summary};
use crate::Progress;

/// Rows on the queue's first screen.
pub const PAGE: u32 = 50;

#[derive(Debug, Clone, Serialize)]
pub struct AlertQueueFigures {
    pub alerts: u64,
    /// Queue rows the import made.
    pub groups: u64,
    pub import_secs: f64,
    pub alerts_per_sec: f64,
    pub runs: usize,
    /// `alerts(status new, limit 50)` on a fresh `Casebook`.
    pub first_screen: Summary,
    pub open: Summary,
    pub page_len: usize,
}

/// Writes `n` alerts as JSON lines.
fn export(path: &Path, n: usize) -> Result<()> {
    let mut rng = Rng::new(14);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let start = 1_790_000_000i64;
    let span = 30 * 86_400i64;
    for i in 0..n {
        let t = start + span * i as i64 / n.max(1) as i64 + rng.below(60) as i64;
        let time = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
        let rule = rng.below(50);
        let addr = rng.below(2_000);
        writeln!(
            out,
            r#"{{"title":"Rule {rule} fired for 10.{}.{}.{}","time":"{}","severity":"{}","rule":{{"id":"R-{rule}","name":"Detection rule {rule}"}},"source":"bench-siem","source_id":"b-{i}","host":"ws-{:04}","user":"user{}","source_ip":"10.{}.{}.{}","destination_ip":"203.0.113.{}","destination_port":443,"observables":["10.{}.{}.{}","c2-{}.example"],"description":"Synthetic alert {i} of the benchmark's SIEM export."}}"#,
            addr / 256 / 256,
            addr / 256 % 256,
            addr % 256,
            time.to_rfc3339(),
            ["low", "medium", "high", "critical"][rule as usize % 4],
            addr % 500,
            addr % 300,
            addr / 256 / 256,
            addr / 256 % 256,
            addr % 256,
            rule,
            addr / 256 / 256,
            addr / 256 % 256,
            addr % 256,
            rule % 7,
        )?;
    }
    out.flush()?;
    Ok(())
}

pub fn measure(
    dir: &Path,
    alerts: usize,
    runs: usize,
    progress: Progress,
) -> Result<AlertQueueFigures> {
    std::fs::create_dir_all(dir)?;
    let file = dir.join("siem-export.jsonl");
    export(&file, alerts).context("writing the SIEM export")?;
    let data = dir.join("data");
    let mut cb = crate::fresh_casebook(&data, &crate::cipher::Cipher::plain())?;
    let bar = progress.bar(alerts as u64, "alert import");
    let started = Instant::now();
    let summary = cb
        .import_alerts(&file, None, &mut |n| bar.set_position(n))
        .context("importing the alerts")?;
    let import_secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    ensure!(
        summary.new == alerts as u64,
        "{} of {alerts} alerts were imported",
        summary.new
    );
    drop(cb);
    let mut open = Samples::default();
    let mut screen = Samples::default();
    let mut page_len = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let cb = casebook_api::Casebook::open(&data).context("opening the data directory")?;
        open.push(started.elapsed());
        let started = Instant::now();
        let rows = cb.alerts(&AlertListQuery {
            status: Some(AlertState::New),
            limit: Some(PAGE),
            ..AlertListQuery::default()
        })?;
        screen.push(started.elapsed());
        page_len = rows.len();
    }
    Ok(AlertQueueFigures {
        alerts: summary.new,
        groups: summary.groups,
        import_secs,
        alerts_per_sec: summary.new as f64 / import_secs.max(1e-9),
        runs,
        first_screen: screen.summary(),
        open: open.summary(),
        page_len,
    })
}
