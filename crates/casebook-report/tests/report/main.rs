//! Integration tests of the report: real PDF tools on real output, verification, layout snapshots.

mod artifacts;
mod fixture;
mod large_report;
mod layout_snapshots;
mod pdf_tools;
mod tools;
mod verify_checks;

use std::sync::OnceLock;

use casebook_report::{render_report, RenderedReport, ReportTemplate};

/// The technical report of the standard fixture, rendered once and shared by the tests that only read it.
pub fn technical_report() -> &'static RenderedReport {
    static REPORT: OnceLock<RenderedReport> = OnceLock::new();
    REPORT.get_or_init(|| {
        render_report(
            &fixture::case(),
            &fixture::options(ReportTemplate::Technical),
            None,
        )
        .expect("the fixture case renders")
    })
}
