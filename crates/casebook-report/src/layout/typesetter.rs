//! The flow of content down the page: a cursor, page breaks, headings, paragraphs.
//!
//! Sections call these primitives and never compute page breaks themselves, so "nothing runs off the page" is
//! enforced in one place.

use std::fmt;

use super::wrap::wrap;
use super::{LaidOutPage, PageItem, SectionMark, PAGE_HEIGHT, PAGE_WIDTH};
use crate::fonts::{FontFace, FontSet};

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

impl Colour {
    /// Body text.
    pub const INK: Colour = Colour(0x1C, 0x22, 0x2B);
    /// Secondary text: labels, captions, superseded entries.
    pub const MUTED: Colour = Colour(0x5F, 0x67, 0x73);
    /// Headings and table header background.
    pub const ACCENT: Colour = Colour(0x1F, 0x3A, 0x5F);
    /// Thin rules between rows.
    pub const RULE: Colour = Colour(0xC9, 0xCE, 0xD6);
    /// Alternate row background.
    pub const ZEBRA: Colour = Colour(0xF2, 0xF4, 0xF7);
    /// Background of key-event rows.
    pub const HIGHLIGHT: Colour = Colour(0xFF, 0xF3, 0xD1);
    /// White.
    pub const WHITE: Colour = Colour(0xFF, 0xFF, 0xFF);
    /// Black, the TLP label background.
    pub const BLACK: Colour = Colour(0x00, 0x00, 0x00);
    /// Failures such as breached SLAs.
    pub const ALERT: Colour = Colour(0xB0, 0x1E, 0x1E);
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

/// Left margin.
pub(crate) const MARGIN_X: f32 = 50.0;
/// Top of the content area, below the page header.
pub(crate) const CONTENT_TOP: f32 = 78.0;
/// Bottom of the content area, above the page footer.
pub(crate) const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - 58.0;
/// Width of the content area.
pub(crate) const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;

/// Body text size.
pub(crate) const BODY_SIZE: f32 = 9.5;
/// Body line height.
pub(crate) const BODY_LEADING: f32 = 13.0;

/// Places content on pages from top to bottom.
pub(crate) struct Typesetter<'f> {
    pub(crate) fonts: &'f FontSet,
    pub(crate) pages: Vec<LaidOutPage>,
    pub(crate) sections: Vec<SectionMark>,
    /// Current position: top of the next thing to place.
    pub(crate) y: f32,
}

impl<'f> Typesetter<'f> {
    pub(crate) fn new(fonts: &'f FontSet) -> Self {
        Self {
            fonts,
            pages: vec![LaidOutPage::default()],
            sections: Vec::new(),
            y: CONTENT_TOP,
        }
    }

    pub(crate) fn page_index(&self) -> usize {
        self.pages.len() - 1
    }

    pub(crate) fn push(&mut self, item: PageItem) {
        if let Some(page) = self.pages.last_mut() {
            page.items.push(item);
        }
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(LaidOutPage::default());
        self.y = CONTENT_TOP;
    }

    pub(crate) fn remaining(&self) -> f32 {
        CONTENT_BOTTOM - self.y
    }

    /// Starts a new page unless `height` still fits below the cursor.
    pub(crate) fn ensure(&mut self, height: f32) -> bool {
        if self.y + height > CONTENT_BOTTOM && self.y > CONTENT_TOP {
            self.new_page();
            return true;
        }
        false
    }

    pub(crate) fn space(&mut self, height: f32) {
        self.y = (self.y + height).min(CONTENT_BOTTOM);
    }

    pub(crate) fn text(
        &mut self,
        x: f32,
        baseline: f32,
        face: FontFace,
        size: f32,
        colour: Colour,
        text: &str,
    ) {
        if text.is_empty() {
            return;
        }
        self.push(PageItem::Text {
            x,
            y: baseline,
            face,
            size,
            colour,
            text: text.to_string(),
        });
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, fill: Colour) {
        self.push(PageItem::Rect {
            x,
            y,
            width,
            height,
            fill,
        });
    }

    pub(crate) fn rule(
        &mut self,
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        thickness: f32,
        colour: Colour,
    ) {
        self.push(PageItem::Rule {
            x1,
            y1,
            x2,
            y2,
            thickness,
            colour,
        });
    }

    /// A numbered section heading that starts on a fresh page, recorded for the outline and contents.
    pub(crate) fn section(&mut self, title: &str) {
        if self.y > CONTENT_TOP {
            self.new_page();
        }
        self.sections.push(SectionMark {
            title: title.to_string(),
            page: self.page_index(),
        });
        let baseline = self.y + 16.0;
        self.text(
            MARGIN_X,
            baseline,
            FontFace::Bold,
            16.0,
            Colour::ACCENT,
            title,
        );
        self.rule(
            MARGIN_X,
            baseline + 7.0,
            MARGIN_X + CONTENT_WIDTH,
            baseline + 7.0,
            1.2,
            Colour::ACCENT,
        );
        self.y = baseline + 20.0;
    }

    /// A sub-heading inside a section, kept together with at least `keep_with` points of what follows.
    pub(crate) fn subheading(&mut self, title: &str, keep_with: f32) {
        self.ensure(22.0 + keep_with);
        let lines = wrap(self.fonts, FontFace::Bold, 11.0, title, CONTENT_WIDTH);
        for line in lines {
            let baseline = self.y + 12.0;
            self.text(
                MARGIN_X,
                baseline,
                FontFace::Bold,
                11.0,
                Colour::ACCENT,
                &line,
            );
            self.y += 14.0;
        }
        self.y += 5.0;
    }

    /// A wrapped paragraph at full content width.
    pub(crate) fn paragraph(&mut self, text: &str, face: FontFace, colour: Colour) {
        self.paragraph_at(MARGIN_X, CONTENT_WIDTH, text, face, BODY_SIZE, colour);
    }

    /// A wrapped paragraph in a column starting at `x`.
    pub(crate) fn paragraph_at(
        &mut self,
        x: f32,
        width: f32,
        text: &str,
        face: FontFace,
        size: f32,
        colour: Colour,
    ) {
        let leading = size * 1.37;
        for line in wrap(self.fonts, face, size, text, width) {
            self.ensure(leading);
            let baseline = self.y + size;
            self.text(x, baseline, face, size, colour, &line);
            self.y += leading;
        }
        self.y += size * 0.5;
    }

    /// Simple Markdown: blank-line paragraphs, `- `/`* ` bullets, `#` headings, `**` emphasis markers removed.
    pub(crate) fn markdown(&mut self, source: &str) {
        if source.trim().is_empty() {
            self.paragraph("Not recorded.", FontFace::Regular, Colour::MUTED);
            return;
        }
        let mut paragraph = String::new();
        let flush = |ts: &mut Typesetter<'_>, paragraph: &mut String| {
            if !paragraph.is_empty() {
                ts.paragraph(paragraph, FontFace::Regular, Colour::INK);
                paragraph.clear();
            }
        };
        for raw in source.lines() {
            let line = raw.trim().replace("**", "").replace('`', "");
            if line.is_empty() {
                flush(self, &mut paragraph);
            } else if let Some(heading) = line.strip_prefix('#') {
                flush(self, &mut paragraph);
                self.subheading(heading.trim_start_matches('#').trim(), BODY_LEADING * 2.0);
            } else if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
                flush(self, &mut paragraph);
                self.ensure(BODY_LEADING);
                self.text(
                    MARGIN_X + 4.0,
                    self.y + BODY_SIZE,
                    FontFace::Regular,
                    BODY_SIZE,
                    Colour::ACCENT,
                    "•",
                );
                self.paragraph_at(
                    MARGIN_X + 14.0,
                    CONTENT_WIDTH - 14.0,
                    item,
                    FontFace::Regular,
                    BODY_SIZE,
                    Colour::INK,
                );
                self.y -= BODY_SIZE * 0.3;
            } else {
                if !paragraph.is_empty() {
                    paragraph.push(' ');
                }
                paragraph.push_str(&line);
            }
        }
        flush(self, &mut paragraph);
    }
}
