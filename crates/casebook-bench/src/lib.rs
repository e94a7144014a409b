//! Casebook's benchmark: measures the store and sync targets of DESIGN.md ("Targets") on real SQLite files in a
//! temporary directory, through the same application API the CLI and the app call, and against a real team server.
//!
//! The phases run in order and share their data where that saves time without changing what is measured:
//! 1. [`append`]: durable appends of one timeline entry, each its own committed transaction;
//! 2. [`import`]: a bulk Timesketch import against a hand-written import doing the same durable work, and a bare
//!    rusqlite insert of the same rows, in the same run;
//! 3. [`first_screen`]: opening the imported incident (100,000 entries at full size) and reading its first page;
//! 4. [`search`]: the same data directory grown to 1,000,000 entries, then full-text queries of every shape;
//! 5. [`pdf`]: the post-incident PDF report at 1,000, 10,000 and 50,000 timeline entries, time and peak memory;
//! 6. [`sync`]: team sync through a real server over HTTPS on loopback: a fresh laptop's pull of the whole log, 20
//!    laptops pushing at once (SQLite, and PostgreSQL when a database is given), the server's memory under that load;
//! 7. [`blobs`]: the evidence store writing and re-checking a 1 GiB stream, plain and encrypted;
//! 8. [`alert_queue`]: a laptop's import of a SIEM export (100,000 alerts at full size) and the alert queue's first
//!    screen over them;
//! 9. [`alerts`]: a SIEM's integration posting alerts in batches to a server on loopback (alerts/s, each post).
//!
//! With `--encrypted`, phases 1 to 4 run a second time on encrypted databases ([`cipher`]) and [`encrypted`] reports
//! each figure's ratio to the plain one.
//!
//! [`run`] drives them; `main.rs` only parses flags and prints. Nothing here asserts a timing: the binary reports PASS
//! or MISS against the targets and the tests only check that the figures are produced and the counts add up.

pub mod alert_queue;
pub mod alerts;
pub mod append;
pub mod blobs;
pub mod cipher;
pub mod corpus;
pub mod encrypted;
pub mod first_screen;
pub mod import;
pub mod machine;
pub mod pdf;
pub mod report;
pub mod search;
pub mod stats;
pub mod sync;

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// How much work each phase does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sizes {
    /// Timeline entries appended one by one.
    pub appends: usize,
    /// Rows of the bulk import, and so the entries of the incident whose first screen is opened.
    pub import_rows: usize,
    /// Fresh opens of that incident.
    pub first_screen_runs: usize,
    /// Entries in the data directory that is searched (the import's incident plus more of the same size).
    pub search_entries: usize,
    /// How many times every query of the mix runs (after one unmeasured warm-up round).
    pub search_rounds: usize,
    /// Timeline sizes of the PDF reports.
    pub pdf_entries: &'static [usize],
    /// Events in the team's log that a fresh laptop pulls.
    pub sync_pull_events: usize,
    /// Laptops pushing at once.
    pub sync_clients: usize,
    /// Events each of them pushes, and how many per push.
    pub sync_push_events: usize,
    pub sync_push_batch: usize,
    /// Bytes of the evidence stream written to a plain and an encrypted evidence store.
    pub blob_bytes: u64,
    /// Alerts a laptop imports before its alert queue's first screen is opened.
    pub queue_alerts: usize,
    /// Alerts an integration posts to the server, and how many per post.
    pub alerts: usize,
    pub alert_batch: usize,
}

impl Sizes {
    /// The sizes the targets are stated for.
    pub const FULL: Sizes = Sizes {
        appends: 2_000,
        import_rows: 100_000,
        first_screen_runs: 30,
        search_entries: 1_000_000,
        search_rounds: 20,
        pdf_entries: &[1_000, 10_000, 50_000],
        sync_pull_events: 1_000_000,
        sync_clients: 20,
        sync_push_events: 5_000,
        sync_push_batch: 100,
        blob_bytes: 1 << 30,
        queue_alerts: 100_000,
        alerts: 20_000,
        alert_batch: 500,
    };

    /// A smoke run for CI: every phase, small enough for a debug build.
    pub const QUICK: Sizes = Sizes {
        appends: 200,
        import_rows: 5_000,
        first_screen_runs: 5,
        search_entries: 20_000,
        search_rounds: 3,
        pdf_entries: &[100, 400],
        sync_pull_events: 5_000,
        sync_clients: 20,
        sync_push_events: 50,
        sync_push_batch: 10,
        blob_bytes: 32 << 20,
        queue_alerts: 5_000,
        alerts: 1_000,
        alert_batch: 100,
    };
}

/// Progress bars on standard error while it is a terminal; hidden otherwise, so piped output stays clean.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    visible: bool,
}

impl Progress {
    pub fn on_terminal() -> Progress {
        Progress {
            visible: std::io::stderr().is_terminal(),
        }
    }

    pub fn hidden() -> Progress {
        Progress { visible: false }
    }

    pub fn bar(&self, len: u64, message: &'static str) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len).with_message(message);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>24} [{bar:30}] {human_pos}/{human_len} {elapsed_precise} (eta {eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    }
}

/// One phase of the benchmark, as `--only` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Append,
    Import,
    FirstScreen,
    Search,
    Pdf,
    Sync,
    Blobs,
    AlertQueue,
    Alerts,
}

impl Phase {
    pub const ALL: &'static [Phase] = &[
        Phase::Append,
        Phase::Import,
        Phase::FirstScreen,
        Phase::Search,
        Phase::Pdf,
        Phase::Sync,
        Phase::Blobs,
        Phase::AlertQueue,
        Phase::Alerts,
    ];
}

/// Every phase's figures, in order; a phase that was not asked for has none.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub append: Option<append::AppendFigures>,
    pub import: Option<import::ImportFigures>,
    pub first_screen: Option<first_screen::FirstScreenFigures>,
    pub search: Option<search::SearchFigures>,
    /// The same store phases on encrypted databases (`--encrypted`).
    pub encrypted: Option<StoreFigures>,
    pub pdf: Option<pdf::PdfFigures>,
    pub sync: Option<sync::SyncFigures>,
    pub blobs: Option<blobs::BlobFigures>,
    pub alert_queue: Option<alert_queue::AlertQueueFigures>,
    pub alerts: Option<alerts::AlertFigures>,
}

/// Runs the `phases` asked for with data under `root` (which must exist and should be empty). The first screen and
/// search phases read the import's data directory, so asking for either runs the import too. `report_child` is a
/// binary that renders one report when run with `--report-child` (this benchmark's own), for per-report peak memory;
/// `sync` says which database and server program the sync phase may use besides its own.
pub fn run(
    sizes: &Sizes,
    phases: &[Phase],
    root: &Path,
    report_child: Option<&Path>,
    sync: &sync::Options,
    progress: Progress,
) -> Result<Figures> {
    run_with_encryption(sizes, phases, root, report_child, sync, progress, false)
}

/// [`run`], and with `encrypted` the store phases asked for (append, import, first screen, search) a second time on
/// encrypted databases, in the same run, for [`encrypted`]'s ratios.
pub fn run_with_encryption(
    sizes: &Sizes,
    phases: &[Phase],
    root: &Path,
    report_child: Option<&Path>,
    sync: &sync::Options,
    progress: Progress,
    encrypted: bool,
) -> Result<Figures> {
    let wants = |p: Phase| phases.contains(&p);
    let (plain, sealed) = (cipher::Cipher::plain(), cipher::Cipher::encrypted());
    let sealed_dir = root.join("encrypted");
    if encrypted {
        std::fs::create_dir_all(&sealed_dir)?;
    }
    // The appends first, plain and encrypted taking turns: the later phases write gigabytes that the disk goes on
    // flushing for a while, and whichever append ran after them waited behind that in its own flushes.
    let (append, sealed_append) = if !wants(Phase::Append) {
        (None, None)
    } else if encrypted {
        let plain_dir = root.join("append");
        let mut both = append::measure_side_by_side(
            &[(&plain_dir, &plain), (&sealed_dir.join("append"), &sealed)],
            sizes.appends,
            progress,
        )
        .context("measuring durable appends, plain and encrypted by turns")?;
        let sealed_figures = both.pop();
        (both.pop(), sealed_figures)
    } else {
        (append_phase(sizes, phases, root, &plain, progress)?, None)
    };
    let store = store_phases(sizes, phases, root, &plain, append, progress)?;
    let encrypted = if encrypted {
        Some(
            store_phases(sizes, phases, &sealed_dir, &sealed, sealed_append, progress)
                .context("measuring the store phases on encrypted databases")?,
        )
    } else {
        None
    };
    let pdf = if wants(Phase::Pdf) {
        Some(
            pdf::measure(root, sizes.pdf_entries, report_child, progress)
                .context("measuring PDF reports")?,
        )
    } else {
        None
    };
    let sync = if wants(Phase::Sync) {
        Some(sync::measure(sizes, root, sync, progress).context("measuring team sync")?)
    } else {
        None
    };
    let blobs = if wants(Phase::Blobs) {
        Some(
            blobs::measure(&root.join("blobs"), sizes.blob_bytes, progress)
                .context("measuring the evidence store")?,
        )
    } else {
        None
    };
    let alert_queue = if wants(Phase::AlertQueue) {
        Some(
            alert_queue::measure(
                &root.join("alert-queue"),
                sizes.queue_alerts,
                sizes.first_screen_runs,
                progress,
            )
            .context("measuring the alert queue")?,
        )
    } else {
        None
    };
    let alerts = if wants(Phase::Alerts) {
        Some(
            alerts::measure(
                &root.join("alerts"),
                sizes.alerts,
                sizes.alert_batch,
                progress,
            )
            .context("measuring alert intake")?,
        )
    } else {
        None
    };
    Ok(Figures {
        append: store.append,
        import: store.import,
        first_screen: store.first_screen,
        search: store.search,
        encrypted,
        pdf,
        sync,
        blobs,
        alert_queue,
        alerts,
    })
}

/// The figures of the store phases, on plain or on encrypted databases.
#[derive(Debug, Clone, Serialize)]
pub struct StoreFigures {
    pub append: Option<append::AppendFigures>,
    pub import: Option<import::ImportFigures>,
    pub first_screen: Option<first_screen::FirstScreenFigures>,
    pub search: Option<search::SearchFigures>,
}

fn append_phase(
    sizes: &Sizes,
    phases: &[Phase],
    root: &Path,
    cipher: &cipher::Cipher,
    progress: Progress,
) -> Result<Option<append::AppendFigures>> {
    if !phases.contains(&Phase::Append) {
        return Ok(None);
    }
    Ok(Some(
        append::measure(&root.join("append"), sizes.appends, cipher, progress)
            .context("measuring durable appends")?,
    ))
}

/// The store phases after the appends (measured first, by [`append_phase`]).
fn store_phases(
    sizes: &Sizes,
    phases: &[Phase],
    root: &Path,
    cipher: &cipher::Cipher,
    append: Option<append::AppendFigures>,
    progress: Progress,
) -> Result<StoreFigures> {
    let wants = |p: Phase| phases.contains(&p);
    let cases = root.join("cases");
    let (import, key) = if wants(Phase::Import) || wants(Phase::FirstScreen) || wants(Phase::Search)
    {
        let (figures, key) = import::measure(
            &cases,
            &root.join("baselines"),
            sizes.import_rows,
            cipher,
            progress,
        )
        .context("measuring the bulk import")?;
        (Some(figures), Some(key))
    } else {
        (None, None)
    };
    let first_screen = match &key {
        Some(key) if wants(Phase::FirstScreen) => Some(
            first_screen::measure(
                &cases,
                key,
                sizes.import_rows as i64,
                sizes.first_screen_runs,
                cipher,
                progress,
            )
            .context("measuring an incident's first screen")?,
        ),
        _ => None,
    };
    let search = if key.is_some() && wants(Phase::Search) {
        Some(
            search::measure(
                &cases,
                key.as_deref().unwrap_or_default(),
                sizes.import_rows,
                sizes.search_entries,
                sizes.search_rounds,
                cipher,
                progress,
            )
            .context("measuring full-text search")?,
        )
    } else {
        None
    };
    Ok(StoreFigures {
        append,
        import,
        first_screen,
        search,
    })
}

/// Opens a data directory and makes a lead its owner (a lead may edit every incident).
pub(crate) fn fresh_casebook(
    dir: &Path,
    cipher: &cipher::Cipher,
) -> Result<casebook_api::Casebook> {
    let mut cb = cipher
        .create(dir)
        .with_context(|| format!("opening a data directory in {}", dir.display()))?;
    cb.init("Bench Lead", casebook_core::model::Role::Lead, None)
        .context("creating the bench profile")?;
    Ok(cb)
}

/// Opens a new incident and returns its key.
pub(crate) fn new_incident(cb: &mut casebook_api::Casebook, title: &str) -> Result<String> {
    use casebook_core::model::{Severity, Tlp};
    let detail = cb
        .new_incident(casebook_api::incidents::NewIncident::titled(
            title,
            Severity::Sev2,
            Tlp::Amber,
        ))
        .context("opening an incident")?;
    Ok(detail.row.key)
}
