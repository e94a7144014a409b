//! The layout stage on its own: snapshots of the laid-out pages as text, and geometric invariants.

use casebook_report::layout::text_width;
use casebook_report::layout::{PageItem, PAGE_HEIGHT, PAGE_WIDTH};
use casebook_report::{content_digest, layout_report, ReportOptions, ReportTemplate};

use crate::fixture;

fn layout_text(entries: usize, options: &ReportOptions) -> String {
    let case = fixture::case_with_entries(entries);
    let digest = content_digest(&case).expect("digest");
    layout_report(&case, options, &digest, &mut |_| {})
        .expect("layout")
        .to_text()
}

#[test]
fn technical_layout_snapshot() {
    insta::assert_snapshot!(
        "technical_12_entries",
        layout_text(12, &fixture::options(ReportTemplate::Technical))
    );
}

#[test]
fn executive_layout_snapshot() {
    insta::assert_snapshot!(
        "executive_12_entries",
        layout_text(12, &fixture::options(ReportTemplate::Executive))
    );
}

#[test]
fn no_text_leaves_the_page_and_headers_repeat_on_every_timeline_page() {
    let case = fixture::case();
    let options = fixture::options(ReportTemplate::Technical);
    let digest = content_digest(&case).expect("digest");
    let layout = layout_report(&case, &options, &digest, &mut |_| {}).expect("layout");
    for (index, page) in layout.pages.iter().enumerate() {
        for item in &page.items {
            if let PageItem::Text {
                x,
                y,
                face,
                size,
                text,
                ..
            } = item
            {
                let width = text_width(*face, *size, text).expect("fonts load");
                assert!(
                    *x >= 49.9 && x + width <= PAGE_WIDTH - 49.9,
                    "page {}: {text:?} at x={x} is {width} pt wide and leaves the content area",
                    index + 1
                );
                assert!(
                    *y > 30.0 && *y < PAGE_HEIGHT - 30.0,
                    "page {}: {text:?} at y={y} is off the page",
                    index + 1
                );
            }
        }
    }
    let timeline_start = layout
        .sections
        .iter()
        .find(|s| s.title == "4. Timeline")
        .expect("timeline section")
        .page;
    let timeline_end = layout
        .sections
        .iter()
        .find(|s| s.title == "5. Evidence register")
        .expect("evidence section")
        .page;
    assert!(
        timeline_end - timeline_start > 5,
        "320 entries span many pages"
    );
    for page in &layout.pages[timeline_start..timeline_end] {
        let has_header = page
            .items
            .iter()
            .any(|i| matches!(i, PageItem::Text { text, .. } if text == "Time (UTC)"));
        assert!(has_header, "every timeline page repeats the table header");
    }
}

#[test]
fn cells_never_overlap_their_neighbours() {
    // Text of one row, grouped by baseline: consecutive items on a baseline must not overlap horizontally.
    let case = fixture::case();
    let digest = content_digest(&case).expect("digest");
    let layout = layout_report(
        &case,
        &fixture::options(ReportTemplate::Technical),
        &digest,
        &mut |_| {},
    )
    .expect("layout");
    for (index, page) in layout.pages.iter().enumerate() {
        let mut texts: Vec<(f32, f32, f32, &str)> = page
            .items
            .iter()
            .filter_map(|i| match i {
                PageItem::Text {
                    x,
                    y,
                    face,
                    size,
                    text,
                    ..
                } => Some((
                    *y,
                    *x,
                    x + text_width(*face, *size, text).expect("fonts load"),
                    text.as_str(),
                )),
                _ => None,
            })
            .collect();
        texts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for pair in texts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if (a.0 - b.0).abs() < 0.01 {
                assert!(
                    a.2 <= b.1 + 0.01,
                    "page {}: {:?} runs into {:?}",
                    index + 1,
                    a.3,
                    b.3
                );
            }
        }
    }
}
