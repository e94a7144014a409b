//! The PDF report at several timeline sizes (issue targets: 10,000 entries under 2 s and 200 MB, time linear in
//! entries). Each size gets its own incident, filled through `import_timeline`; each report is then rendered in a
//! child process (this binary again, with `--report-child`), so its peak memory is the report's own and not the
//! import's. Without a binary to re-run (the tests), it renders in-process and peak memory is not measured.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use casebook_report::ReportTemplate;
use serde::{Deserialize, Serialize};

use crate::corpus::TimelineWriter;
use crate::Progress;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PdfRun {
    pub entries: usize,
    pub seconds: f64,
    pub pages: usize,
    pub bytes: usize,
    /// Peak resident memory of the process that rendered it, when measured in a child process.
    pub peak_mb: Option<f64>,
    pub micros_per_entry: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PdfFigures {
    pub runs: Vec<PdfRun>,
    /// The cost of each added entry at the largest sizes over its cost at the smallest (the slope of time over
    /// entries between the last two sizes, over the slope between the first two): about 1 when time is linear,
    /// above 1 when it grows faster. A fixed start-up cost does not count against it.
    pub linearity: f64,
}

/// Builds an incident of each size and renders its technical report.
pub fn measure(
    root: &Path,
    sizes: &[usize],
    child: Option<&Path>,
    progress: Progress,
) -> Result<PdfFigures> {
    let bar = progress.bar(sizes.len() as u64, "pdf report");
    let mut runs = Vec::new();
    for (i, &entries) in sizes.iter().enumerate() {
        let dir = root.join(format!("pdf-{entries}"));
        let key = {
            let mut cb = crate::fresh_casebook(&dir, &crate::cipher::Cipher::plain())?;
            let key = crate::new_incident(&mut cb, &format!("Report of {entries} entries"))?;
            let jsonl = TimelineWriter::new(7 + i as u64).jsonl(entries);
            cb.import_timeline(
                &key,
                &jsonl[..],
                casebook_import::Format::Jsonl,
                "bench.jsonl",
                casebook_core::model::EntryKind::Finding,
                &mut |_| {},
            )
            .context("filling the report's incident")?;
            key
        };
        let out = dir.join("report.pdf");
        let run = match child {
            Some(exe) => {
                let output = Command::new(exe)
                    .arg("--report-child")
                    .arg(&dir)
                    .arg(&key)
                    .arg(&out)
                    .output()
                    .context("running the report child process")?;
                if !output.status.success() {
                    bail!(
                        "the report child failed: {}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
                serde_json::from_slice::<PdfRun>(&output.stdout)
                    .context("reading the report child's figures")?
            }
            None => render(&dir, &key, &out)?,
        };
        runs.push(PdfRun { entries, ..run });
        bar.inc(1);
    }
    bar.finish_and_clear();
    // As documented on `linearity`: the slope between the last two sizes over the slope between the first two. (It
    // was the largest over the smallest time per entry, which counts the fixed start-up cost against the smallest.)
    let slope = |a: &PdfRun, b: &PdfRun| {
        (b.seconds - a.seconds) / (b.entries as f64 - a.entries as f64).max(1.0)
    };
    let n = runs.len();
    let early = if n >= 2 {
        slope(&runs[0], &runs[1])
    } else {
        0.0
    };
    let linearity = if early > 0.0 {
        slope(&runs[n - 2], &runs[n - 1]) / early
    } else {
        // Tiny sizes in one process (the tests) can render the larger report faster than the first, which paid for
        // parsing the fonts: the ratio of the times per entry is then the only figure left.
        let per = runs.iter().map(|r| r.micros_per_entry);
        let (lo, hi) = per.fold((f64::MAX, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if lo > 0.0 {
            hi / lo
        } else {
            0.0
        }
    };
    Ok(PdfFigures { runs, linearity })
}

/// Renders one report and measures it (the child's whole job).
pub fn render(dir: &Path, key: &str, out: &Path) -> Result<PdfRun> {
    let cb = casebook_api::Casebook::open(dir).context("opening the report's data directory")?;
    let entries = cb
        .entries(key, &Default::default(), 0, 0)
        .context("counting entries")?
        .0 as usize;
    let started = Instant::now();
    let summary = cb
        .export_report(key, out, ReportTemplate::Technical, false, &mut |_| {})
        .context("rendering the report")?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(PdfRun {
        entries,
        seconds,
        pages: summary.pages,
        bytes: summary.bytes,
        peak_mb: peak_rss_mb(),
        micros_per_entry: seconds * 1e6 / entries.max(1) as f64,
    })
}

/// The process's peak resident set (VmHWM), in MB, where /proc gives it.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
