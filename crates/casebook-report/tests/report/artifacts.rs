//! Renders pages of the report to PNG for a person to look at (cover, a timeline page, the evidence register).

use casebook_report::{layout_report, ReportTemplate};

use crate::fixture;
use crate::tools::{artifacts_dir, poppler, temp_pdf};

#[test]
fn cover_timeline_and_evidence_pages_render_to_png() {
    let report = crate::technical_report();
    let case = fixture::case();
    let layout = layout_report(
        &case,
        &fixture::options(ReportTemplate::Technical),
        &report.content_digest,
        &mut |_| {},
    )
    .expect("layout");
    let page_of = |title: &str| {
        layout
            .sections
            .iter()
            .find(|s| s.title.ends_with(title))
            .map(|s| s.page + 1)
            .unwrap_or_else(|| panic!("section {title} exists"))
    };
    let file = temp_pdf(&report.pdf);
    let dir = artifacts_dir();
    std::fs::write(dir.join("technical.pdf"), &report.pdf)
        .expect("save the PDF next to the images");
    for (name, page) in [
        ("cover", 1),
        ("contents", 2),
        ("summary", page_of("Executive summary")),
        ("metrics", page_of("Key metrics")),
        ("chart", page_of("Timeline overview")),
        ("timeline", page_of("Timeline") + 1),
        ("evidence", page_of("Evidence register")),
        ("signoff", page_of("Sign-off")),
    ] {
        let prefix = dir.join(name);
        let page = page.to_string();
        poppler(
            "pdftoppm",
            &[
                "-r",
                "60",
                "-png",
                "-singlefile",
                "-f",
                &page,
                "-l",
                &page,
                file.path().to_str().expect("utf-8 path"),
                prefix.to_str().expect("utf-8 path"),
            ],
        );
        let png = dir.join(format!("{name}.png"));
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 1000,
            "{} should be a real image, got {size} bytes",
            png.display()
        );
    }
}
