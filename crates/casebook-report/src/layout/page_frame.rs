//! The frame around every page: TLP marking and case in the header, digest and "Page X of Y" in the footer.
//!
//! Added after all content is placed, because the page count is only known then.

use super::typesetter::{Colour, CONTENT_WIDTH, MARGIN_X};
use super::wrap::truncate;
use super::{PageItem, ReportLayout, PAGE_HEIGHT};
use crate::fonts::{FontFace, FontSet};
use crate::model::ReportCase;

const TLP_SIZE: f32 = 9.0;

pub(crate) fn add_headers_and_footers(
    fonts: &FontSet,
    layout: &mut ReportLayout,
    case: &ReportCase,
    content_digest: &str,
) {
    let total = layout.pages.len();
    let tlp = case.tlp;
    let tlp_label = tlp.label();
    let tlp_width = fonts.width(FontFace::Bold, TLP_SIZE, tlp_label) + 12.0;
    let [r, g, b] = tlp.colour();
    let right = MARGIN_X + CONTENT_WIDTH;
    let case_line = truncate(
        fonts,
        FontFace::Regular,
        8.0,
        &format!("{} · {}", case.key, case.title),
        CONTENT_WIDTH - tlp_width - 16.0,
    );
    let digest_line = format!("Content digest SHA-256 {content_digest}");

    for (index, page) in layout.pages.iter_mut().enumerate() {
        let mut frame = Vec::with_capacity(8);
        // Header: TLP label as white-on-black style box, per TLP 2.0 (coloured text on black).
        frame.push(PageItem::Rect {
            x: right - tlp_width,
            y: 30.0,
            width: tlp_width,
            height: 15.0,
            fill: Colour::BLACK,
        });
        frame.push(PageItem::Text {
            x: right - tlp_width + 6.0,
            y: 41.0,
            face: FontFace::Bold,
            size: TLP_SIZE,
            colour: Colour(r, g, b),
            text: tlp_label.to_string(),
        });
        frame.push(PageItem::Text {
            x: MARGIN_X,
            y: 41.0,
            face: FontFace::Regular,
            size: 8.0,
            colour: Colour::MUTED,
            text: case_line.clone(),
        });
        frame.push(PageItem::Rule {
            x1: MARGIN_X,
            y1: 52.0,
            x2: right,
            y2: 52.0,
            thickness: 0.5,
            colour: Colour::RULE,
        });

        // Footer.
        let footer_y = PAGE_HEIGHT - 34.0;
        frame.push(PageItem::Rule {
            x1: MARGIN_X,
            y1: footer_y - 11.0,
            x2: right,
            y2: footer_y - 11.0,
            thickness: 0.5,
            colour: Colour::RULE,
        });
        frame.push(PageItem::Text {
            x: MARGIN_X,
            y: footer_y,
            face: FontFace::Mono,
            size: 6.0,
            colour: Colour::MUTED,
            text: digest_line.clone(),
        });
        let page_label = format!("Page {} of {}", index + 1, total);
        let width = fonts.width(FontFace::Regular, 8.0, &page_label);
        frame.push(PageItem::Text {
            x: right - width,
            y: footer_y,
            face: FontFace::Regular,
            size: 8.0,
            colour: Colour::INK,
            text: page_label,
        });
        // The frame goes first so content never hides under it and the dump reads top-down.
        frame.append(&mut page.items);
        page.items = frame;
    }
}
