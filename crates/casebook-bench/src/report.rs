//! What the benchmark prints: each figure next to its DESIGN.md target with PASS or MISS, as text or as JSON.

use std::fmt::Write;

use serde::Serialize;

use crate::machine::Machine;
use crate::{Figures, Sizes};

/// One target of DESIGN.md and how this run did against it.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub what: &'static str,
    pub value: f64,
    pub unit: &'static str,
    pub target: &'static str,
    pub pass: bool,
}

/// Everything one run produced.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// When the run finished (UTC, RFC 3339).
    pub finished: String,
    pub machine: Machine,
    /// `--quick`: sizes below the targets' own, so PASS/MISS is indicative only.
    pub quick: bool,
    pub sizes: Sizes,
    pub figures: Figures,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn new(
        machine: Machine,
        quick: bool,
        sizes: Sizes,
        figures: Figures,
        finished: String,
    ) -> Report {
        let checks = checks(&figures);
        Report {
            finished,
            machine,
            quick,
            sizes,
            figures,
            checks,
        }
    }

    pub fn all_pass(&self) -> bool {
        self.checks.iter().all(|c| c.pass)
    }
}

/// The targets of DESIGN.md that this benchmark measures.
pub fn checks(f: &Figures) -> Vec<Check> {
    vec![
        Check {
            what: "append one timeline entry (durable), p99",
            value: f.append.api.p99_ms,
            unit: "ms",
            target: "< 2 ms",
            pass: f.append.api.p99_ms < 2.0,
        },
        Check {
            what: "bulk import rate / bare insert rate",
            value: f.import.ratio,
            unit: "×",
            target: ">= 0.5",
            pass: f.import.ratio >= 0.5,
        },
        Check {
            what: "open an incident's first screen, p95",
            value: f.first_screen.first_screen.p95_ms,
            unit: "ms",
            target: "< 50 ms",
            pass: f.first_screen.first_screen.p95_ms < 50.0,
        },
        Check {
            what: "full-text search, p95",
            value: f.search.overall.p95_ms,
            unit: "ms",
            target: "< 30 ms",
            pass: f.search.overall.p95_ms < 30.0,
        },
    ]
    .into_iter()
    .chain(pdf_checks(f))
    .collect()
}

fn pdf_checks(f: &Figures) -> Vec<Check> {
    let mut out = Vec::new();
    if let Some(ten) = f.pdf.runs.iter().find(|r| r.entries == 10_000) {
        out.push(Check {
            what: "PDF report, 10,000 entries, time",
            value: ten.seconds * 1000.0,
            unit: "ms",
            target: "< 2 s",
            pass: ten.seconds < 2.0,
        });
        if let Some(mb) = ten.peak_mb {
            out.push(Check {
                what: "PDF report, 10,000 entries, peak memory",
                value: mb,
                unit: "MB",
                target: "< 200 MB",
                pass: mb < 200.0,
            });
        }
    }
    out.push(Check {
        what: "PDF report cost per added entry, largest / smallest sizes",
        value: f.pdf.linearity,
        unit: "×",
        target: "linear (< 1.5)",
        pass: f.pdf.linearity < 1.5,
    });
    out
}

/// The human-readable report.
pub fn text(r: &Report) -> String {
    let f = &r.figures;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Casebook benchmark ({} sizes), finished {}",
        if r.quick { "quick" } else { "full" },
        r.finished
    );
    let _ = writeln!(
        o,
        "machine: {} cores, {}, {} {}, {} build",
        r.machine.cores,
        r.machine.cpu.as_deref().unwrap_or("CPU model unknown"),
        r.machine.os,
        r.machine.arch,
        if r.machine.release_build {
            "release"
        } else {
            "debug"
        }
    );
    let _ = writeln!(
        o,
        "sizes: {} appends; import of {} rows; first screen of a {}-entry incident x{}; search over {} entries, {} rounds of {} queries\n",
        n(r.sizes.appends as f64),
        n(r.sizes.import_rows as f64),
        n(r.sizes.import_rows as f64),
        r.sizes.first_screen_runs,
        n(r.sizes.search_entries as f64),
        r.sizes.search_rounds,
        crate::search::QUERIES.len()
    );

    let a = &f.append;
    let _ = writeln!(
        o,
        "1. durable append of one entry, {} each way",
        n(a.appends as f64)
    );
    let _ = writeln!(
        o,
        "   Casebook::add_entry       p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
        a.api.p50_ms, a.api.p99_ms, a.api.max_ms
    );
    let _ = writeln!(
        o,
        "   store append + commit     p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms   (the durable write alone)",
        a.store.p50_ms, a.store.p99_ms, a.store.max_ms
    );

    let i = &f.import;
    let _ = writeln!(
        o,
        "2. bulk import of {} Timesketch JSONL rows ({} MB)",
        n(i.rows as f64),
        mb(i.jsonl_bytes as u64)
    );
    let _ = writeln!(
        o,
        "   Casebook::import_timeline {} rows/s ({:.2} s, parsing included)",
        n(i.import_rows_per_sec),
        i.import_secs
    );
    let _ = writeln!(
        o,
        "   bare rusqlite insert      {} rows/s ({:.2} s, rows parsed beforehand)",
        n(i.baseline_rows_per_sec),
        i.baseline_secs
    );
    let _ = writeln!(o, "   ratio import/baseline     {:.2}", i.ratio);
    let _ = writeln!(
        o,
        "   JSONL parsing alone       {} rows/s",
        n(i.parse_rows_per_sec)
    );

    let s = &f.first_screen;
    let _ = writeln!(
        o,
        "3. first screen of a {}-entry incident, {} fresh opens",
        n(s.entries as f64),
        s.runs
    );
    let _ = writeln!(
        o,
        "   incident + count + {} entries  p50 {:.2} ms   p95 {:.2} ms   max {:.2} ms",
        s.page_len, s.first_screen.p50_ms, s.first_screen.p95_ms, s.first_screen.max_ms
    );
    let _ = writeln!(
        o,
        "   Casebook::open before it       p50 {:.2} ms   p95 {:.2} ms",
        s.open.p50_ms, s.open.p95_ms
    );

    let q = &f.search;
    let _ = writeln!(
        o,
        "4. full-text search over {} entries in {} incidents ({} MB database)",
        n(q.entries as f64),
        q.incidents,
        mb(q.database_bytes)
    );
    let _ = writeln!(
        o,
        "   build: {} entries imported in {:.1} s ({} rows/s), the rest reused from phase 2",
        n(q.built_entries as f64),
        q.build_secs,
        n(q.build_rows_per_sec)
    );
    let _ = writeln!(
        o,
        "   all queries               p50 {:.2} ms   p95 {:.2} ms   max {:.2} ms",
        q.overall.p50_ms, q.overall.p95_ms, q.overall.max_ms
    );
    for x in &q.queries {
        let _ = writeln!(
            o,
            "   {:<9} {:<28} {:>3} hits  p50 {:>8.2} ms  p95 {:>8.2} ms",
            x.shape,
            format!("\"{}\"", x.query),
            x.hits,
            x.latency.p50_ms,
            x.latency.p95_ms
        );
    }

    let _ = writeln!(
        o,
        "5. post-incident PDF report (technical template), rendered in its own process"
    );
    for run in &f.pdf.runs {
        let _ = writeln!(
            o,
            "   {:>7} entries  {:>7.2} s  {:>5} pages  {:>6.1} MB file  peak {}  ({:.0} µs per entry)",
            n(run.entries as f64),
            run.seconds,
            run.pages,
            run.bytes as f64 / 1e6,
            run.peak_mb.map(|m| format!("{m:.0} MB")).unwrap_or_else(|| "not measured".into()),
            run.micros_per_entry
        );
    }

    let _ = writeln!(
        o,
        "\ntargets (DESIGN.md){}",
        if r.quick {
            ", indicative only at quick sizes"
        } else {
            ""
        }
    );
    for c in &r.checks {
        let _ = writeln!(
            o,
            "   {:<44} {:>9.2} {:<3} target {:<8} {}",
            c.what,
            c.value,
            c.unit,
            c.target,
            if c.pass { "PASS" } else { "MISS" }
        );
    }
    o
}

/// A number with thousands separators, rounded to a whole.
fn n(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_048_576.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separators() {
        assert_eq!(super::n(1_000_000.0), "1,000,000");
        assert_eq!(super::n(999.4), "999");
        assert_eq!(super::n(12_345.6), "12,346");
    }
}
