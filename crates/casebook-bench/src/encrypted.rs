//! The store phases on encrypted databases beside the plain ones of the same run (`--encrypted`): each figure, its
//! ratio to the plain figure (encrypted / plain: above 1 is slower for times, below 1 is slower for rates), and the
//! encrypted figures against DESIGN.md's targets.

use std::fmt::Write;

use crate::report::Check;
use crate::{Figures, StoreFigures};

/// One compared figure.
struct Line {
    what: &'static str,
    unit: &'static str,
    plain: f64,
    encrypted: f64,
}

fn lines(plain: &Figures, e: &StoreFigures) -> Vec<Line> {
    let mut out = Vec::new();
    if let (Some(p), Some(e)) = (&plain.append, &e.append) {
        out.push(Line {
            what: "append one entry (API), p99",
            unit: "ms",
            plain: p.api.p99_ms,
            encrypted: e.api.p99_ms,
        });
        out.push(Line {
            what: "append + commit (store), p99",
            unit: "ms",
            plain: p.store.p99_ms,
            encrypted: e.store.p99_ms,
        });
    }
    if let (Some(p), Some(e)) = (&plain.import, &e.import) {
        out.push(Line {
            what: "bulk import",
            unit: "rows/s",
            plain: p.import_rows_per_sec,
            encrypted: e.import_rows_per_sec,
        });
        out.push(Line {
            what: "import / like-for-like baseline",
            unit: "×",
            plain: p.ratio,
            encrypted: e.ratio,
        });
    }
    if let (Some(p), Some(e)) = (&plain.first_screen, &e.first_screen) {
        out.push(Line {
            what: "open the data directory (data key given), p95",
            unit: "ms",
            plain: p.open.p95_ms,
            encrypted: e.open.p95_ms,
        });
        out.push(Line {
            what: "first screen, p95",
            unit: "ms",
            plain: p.first_screen.p95_ms,
            encrypted: e.first_screen.p95_ms,
        });
    }
    if let (Some(p), Some(e)) = (&plain.search, &e.search) {
        out.push(Line {
            what: "full-text search, p95",
            unit: "ms",
            plain: p.overall.p95_ms,
            encrypted: e.overall.p95_ms,
        });
        out.push(Line {
            what: "search inside one incident, p95",
            unit: "ms",
            plain: p.scoped_overall.p95_ms,
            encrypted: e.scoped_overall.p95_ms,
        });
        out.push(Line {
            what: "timeline text filter, first page + count, p95",
            unit: "ms",
            plain: p.filter_overall.p95_ms,
            encrypted: e.filter_overall.p95_ms,
        });
    }
    out
}

/// The section of the text report.
pub fn text(o: &mut String, plain: &Figures, e: &StoreFigures) {
    let _ = writeln!(
        o,
        "10. the store phases on encrypted databases (SQLCipher, raw 256-bit key), same run; the appends took turns\n    with the plain ones, entry by entry"
    );
    let _ = writeln!(
        o,
        "   {:<46} {:>11} {:>11}  encrypted/plain",
        "", "plain", "encrypted"
    );
    for l in lines(plain, e) {
        let _ = writeln!(
            o,
            "   {:<46} {:>11.2} {:>11.2}  {:.2}   ({})",
            l.what,
            l.plain,
            l.encrypted,
            l.encrypted / l.plain.max(f64::MIN_POSITIVE),
            l.unit
        );
    }
}

/// DESIGN.md's store targets, for the encrypted figures.
pub fn checks(e: &StoreFigures) -> Vec<Check> {
    let mut out = Vec::new();
    if let Some(a) = &e.append {
        out.push(Check {
            what: "encrypted: append one timeline entry, p99",
            value: a.api.p99_ms,
            unit: "ms",
            target: "< 2 ms",
            pass: a.api.p99_ms < 2.0,
        });
    }
    if let Some(i) = &e.import {
        out.push(Check {
            what: "encrypted: bulk import / encrypted baseline",
            value: i.ratio,
            unit: "×",
            target: ">= 0.8",
            pass: i.ratio >= 0.8,
        });
    }
    if let Some(s) = &e.first_screen {
        out.push(Check {
            what: "encrypted: open an incident's first screen, p95",
            value: s.first_screen.p95_ms,
            unit: "ms",
            target: "< 50 ms",
            pass: s.first_screen.p95_ms < 50.0,
        });
    }
    if let Some(q) = &e.search {
        out.push(Check {
            what: "encrypted: full-text search, p95",
            value: q.overall.p95_ms,
            unit: "ms",
            target: "< 30 ms",
            pass: q.overall.p95_ms < 30.0,
        });
        // Issue 13's targets inside one incident hold on an encrypted directory too.
        out.push(Check {
            what: "encrypted: search inside one incident, p95",
            value: q.scoped_overall.p95_ms,
            unit: "ms",
            target: "< 30 ms",
            pass: q.scoped_overall.p95_ms < 30.0,
        });
        out.push(Check {
            what: "encrypted: timeline text filter, first page + count, p95",
            value: q.filter_overall.p95_ms,
            unit: "ms",
            target: "< 30 ms",
            pass: q.filter_overall.p95_ms < 30.0,
        });
    }
    out
}
