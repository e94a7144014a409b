//! The layout stage: turns a [`ReportCase`] into positioned text, boxes and rules on A4 pages, without any PDF.
//!
//! Keeping layout pure means page breaks, wrapping and table headers can be snapshot-tested as text, and the renderer
//! stays a mechanical translation. Coordinates are in points from the top-left corner of the page; `y` of a text item
//! is its baseline.

mod chart;
mod format;
mod page_frame;
mod sections;
mod sections_records;
mod table;
mod typesetter;
pub(crate) mod wrap;

use std::fmt::Write as _;

use crate::fonts::{FontFace, FontSet};
use crate::model::ReportCase;
use crate::options::{ReportOptions, ReportProgress};
use crate::ReportError;

pub use typesetter::Colour;

/// A4 width in points.
pub const PAGE_WIDTH: f32 = 595.28;
/// A4 height in points.
pub const PAGE_HEIGHT: f32 = 841.89;

/// One thing drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageItem {
    /// A single line of text; it never wraps at this stage.
    Text {
        /// Left edge.
        x: f32,
        /// Baseline, from the top of the page.
        y: f32,
        /// Requested style; characters the face lacks fall back to the CJK font when rendered.
        face: FontFace,
        /// Font size in points.
        size: f32,
        /// Fill colour.
        colour: Colour,
        /// The text.
        text: String,
    },
    /// A filled rectangle; `y` is its top edge.
    Rect {
        /// Left edge.
        x: f32,
        /// Top edge.
        y: f32,
        /// Width.
        width: f32,
        /// Height.
        height: f32,
        /// Fill colour.
        fill: Colour,
    },
    /// A straight line.
    Rule {
        /// Start x.
        x1: f32,
        /// Start y.
        y1: f32,
        /// End x.
        x2: f32,
        /// End y.
        y2: f32,
        /// Stroke width in points.
        thickness: f32,
        /// Stroke colour.
        colour: Colour,
    },
}

/// The items of one page, in drawing order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LaidOutPage {
    /// Items in drawing order (later items paint over earlier ones).
    pub items: Vec<PageItem>,
}

/// An entry of the PDF outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionMark {
    /// Section title as shown.
    pub title: String,
    /// Zero-based page index where the section starts.
    pub page: usize,
}

/// The whole report laid out on pages.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportLayout {
    /// Pages in order.
    pub pages: Vec<LaidOutPage>,
    /// Sections, in reading order, for the outline and the table of contents.
    pub sections: Vec<SectionMark>,
}

impl ReportLayout {
    /// A readable dump of every item, one per line, for snapshot tests and debugging.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for mark in &self.sections {
            let _ = writeln!(out, "section p{} {}", mark.page + 1, mark.title);
        }
        for (index, page) in self.pages.iter().enumerate() {
            let _ = writeln!(out, "--- page {} of {} ---", index + 1, self.pages.len());
            for item in &page.items {
                match item {
                    PageItem::Text {
                        x,
                        y,
                        face,
                        size,
                        colour,
                        text,
                    } => {
                        let _ = writeln!(
                            out,
                            "T {x:6.1} {y:6.1} {}{size:<4} {colour} | {text}",
                            face.code()
                        );
                    }
                    PageItem::Rect {
                        x,
                        y,
                        width,
                        height,
                        fill,
                    } => {
                        let _ = writeln!(out, "R {x:6.1} {y:6.1} {width:6.1}x{height:<6.1} {fill}");
                    }
                    PageItem::Rule {
                        x1,
                        y1,
                        x2,
                        y2,
                        thickness,
                        colour,
                    } => {
                        let _ = writeln!(
                            out,
                            "L {x1:6.1} {y1:6.1} -> {x2:6.1} {y2:6.1} w{thickness} {colour}"
                        );
                    }
                }
            }
        }
        out
    }
}

/// Lays out the report for `case`; `content_digest` is printed on the cover and in every footer.
pub fn layout_report(
    case: &ReportCase,
    options: &ReportOptions,
    content_digest: &str,
    progress: &mut dyn FnMut(ReportProgress),
) -> Result<ReportLayout, ReportError> {
    let fonts = FontSet::get()?;
    let mut layout = sections::compose(fonts, case, options, content_digest, progress);
    page_frame::add_headers_and_footers(fonts, &mut layout, case, content_digest);
    Ok(layout)
}

/// Width of `text` in points, as the layout measures it; exposed for tests that check nothing overflows.
pub fn text_width(face: FontFace, size: f32, text: &str) -> Result<f32, ReportError> {
    Ok(FontSet::get()?.width(face, size, text))
}
