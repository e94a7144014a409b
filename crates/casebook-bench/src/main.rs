//! `casebook-bench`: measures the store targets of DESIGN.md and prints each figure next to its target.
//!
//! `cargo run --release -p casebook-bench` runs the full sizes (several minutes); `--quick` runs every phase at smoke
//! sizes for CI; `--json` prints the whole report as JSON on standard output. Progress goes to standard error while
//! it is a terminal. Data lives in a temporary directory that is removed at the end.

use std::path::PathBuf;

use anyhow::{Context, Result};
use casebook_api::{Clock, SystemClock};
use casebook_bench::machine::Machine;
use casebook_bench::report::{self, Report};
use casebook_bench::{Progress, Sizes};
use clap::Parser;

/// Measures Casebook's store targets on real SQLite files.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Smaller sizes, for a CI smoke run (figures are indicative only).
    #[arg(long)]
    quick: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Internal: render one report (DATA_DIR KEY OUT.pdf) and print its figures as JSON; the benchmark runs itself
    /// this way so each report's peak memory is measured alone.
    #[arg(long, num_args = 3, value_names = ["DATA_DIR", "KEY", "OUT"], hide = true)]
    report_child: Option<Vec<String>>,
    /// Where to create the temporary data directories (default: the system's temporary directory). Use a directory
    /// on the disk you want measured: a RAM-backed one makes durable writes look free.
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(child) = &args.report_child {
        let run = casebook_bench::pdf::render(child[0].as_ref(), &child[1], child[2].as_ref())?;
        println!("{}", serde_json::to_string(&run)?);
        return Ok(());
    }
    let sizes = if args.quick {
        Sizes::QUICK
    } else {
        Sizes::FULL
    };
    let parent = args.dir.unwrap_or_else(std::env::temp_dir);
    let root = tempfile::Builder::new()
        .prefix("casebook-bench-")
        .tempdir_in(&parent)
        .with_context(|| format!("creating a temporary directory in {}", parent.display()))?;
    let machine = Machine::detect();
    if !machine.release_build && !args.quick {
        eprintln!("note: this is a debug build; the figures are not comparable to the targets (use --release)");
    }
    let exe = std::env::current_exe().ok();
    let figures =
        casebook_bench::run(&sizes, root.path(), exe.as_deref(), Progress::on_terminal())?;
    let finished = SystemClock
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let report = Report::new(machine, args.quick, sizes, figures, finished);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::text(&report));
    }
    root.close().context("removing the temporary data")?;
    Ok(())
}
