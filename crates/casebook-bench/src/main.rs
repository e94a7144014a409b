//! `casebook-bench`: measures the store and sync targets of DESIGN.md and prints each figure next to its target.
//!
//! `cargo run --release -p casebook-bench` runs the full sizes (several minutes); `--quick` runs every phase at smoke
//! sizes for CI; `--json` prints the whole report as JSON on standard output. Progress goes to standard error while
//! it is a terminal. Data lives in a temporary directory that is removed at the end.
//!
//! The sync phase's server-memory figure runs a server in a child process: the `casebook-server` binary built beside
//! this one when it is at least as new (`cargo build --release -p casebook-server`), otherwise this binary itself
//! with the hidden `--server-child`, which serves through the same library calls.

use std::path::PathBuf;

use anyhow::{Context, Result};
use casebook_api::{Clock, SystemClock};
use casebook_bench::machine::Machine;
use casebook_bench::report::{self, Report};
use casebook_bench::sync::server::ServerProgram;
use casebook_bench::{Phase, Progress, Sizes};
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
    /// Run only these phases (comma-separated; first-screen and search run the import too, whose data they read).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PHASE")]
    only: Vec<Phase>,
    /// Also run the store phases asked for (append, import, first-screen, search) on encrypted databases in the same
    /// run, and report each figure's ratio to the plain one.
    #[arg(long)]
    encrypted: bool,
    /// Internal: render one report (DATA_DIR KEY OUT.pdf) and print its figures as JSON; the benchmark runs itself
    /// this way so each report's peak memory is measured alone.
    #[arg(long, num_args = 3, value_names = ["DATA_DIR", "KEY", "OUT"], hide = true)]
    report_child: Option<Vec<String>>,
    /// Where to create the temporary data directories (default: the system's temporary directory). Use a directory
    /// on the disk you want measured: a RAM-backed one makes durable writes look free.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// A PostgreSQL database (postgres://USER@HOST:PORT/DB) for the concurrent-push figures on PostgreSQL; the run
    /// leaves a team of its own in it. Without one, that half is skipped with a note.
    #[arg(long, env = "CASEBOOK_TEST_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The `casebook-server` binary whose memory is measured (default: the one beside this benchmark when it is at
    /// least as new, else this benchmark serving through the same library).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Events in the log a fresh laptop pulls, instead of the size's own (1,000,000 full, 5,000 quick): the full
    /// pull takes a quarter of an hour on a 2-core machine today.
    #[arg(long, value_name = "N")]
    sync_pull_events: Option<usize>,
    /// Internal: serve the team server data directory DATA_DIR on 127.0.0.1:0 until standard input closes.
    #[arg(long, value_name = "DATA_DIR", hide = true)]
    server_child: Option<PathBuf>,
}

/// The program the server-memory figure runs (see the module docs).
fn server_program(explicit: Option<PathBuf>) -> Option<ServerProgram> {
    if let Some(bin) = explicit {
        return Some(ServerProgram::Binary(bin));
    }
    let me = std::env::current_exe().ok()?;
    let beside = me.with_file_name(format!("casebook-server{}", std::env::consts::EXE_SUFFIX));
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&beside), modified(&me)) {
        // An older server binary would measure yesterday's code.
        (Some(server), Some(bench)) if server >= bench => Some(ServerProgram::Binary(beside)),
        _ => Some(ServerProgram::Bench(me)),
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(child) = &args.report_child {
        let run = casebook_bench::pdf::render(child[0].as_ref(), &child[1], child[2].as_ref())?;
        println!("{}", serde_json::to_string(&run)?);
        return Ok(());
    }
    if let Some(dir) = &args.server_child {
        return casebook_bench::sync::server::serve_child(dir);
    }
    let mut sizes = if args.quick {
        Sizes::QUICK
    } else {
        Sizes::FULL
    };
    if let Some(n) = args.sync_pull_events {
        sizes.sync_pull_events = n.max(1);
    }
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
    let sync = casebook_bench::sync::Options {
        database_url: args.database_url.clone(),
        server: server_program(args.server_bin.clone()),
    };
    let phases = if args.only.is_empty() {
        Phase::ALL
    } else {
        &args.only[..]
    };
    let figures = casebook_bench::run_with_encryption(
        &sizes,
        phases,
        root.path(),
        exe.as_deref(),
        &sync,
        Progress::on_terminal(),
        args.encrypted,
    )?;
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
