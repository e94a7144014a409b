//! Tables whose rows wrap inside their cells, split across pages when they must, and repeat the header row on every
//! page they touch.
//!
//! Rows are laid out one at a time so a 50 000-entry timeline never needs all its rows in memory at once.

use super::typesetter::{Colour, Typesetter, CONTENT_BOTTOM, CONTENT_TOP, CONTENT_WIDTH, MARGIN_X};
use super::wrap::wrap;
use crate::fonts::FontFace;

/// Table text size.
pub(crate) const CELL_SIZE: f32 = 7.5;
const CELL_LEADING: f32 = 9.6;
const PAD_X: f32 = 4.0;
const PAD_Y: f32 = 3.5;
/// Rows shorter than this many lines are never split across pages.
const MIN_SPLIT_LINES: usize = 4;

/// One column: header text and share of the table width.
pub(crate) struct Column {
    pub(crate) title: &'static str,
    /// Relative width; columns share the content width in proportion.
    pub(crate) weight: f32,
}

/// One styled piece of a cell; pieces stack vertically.
pub(crate) struct Piece {
    pub(crate) text: String,
    pub(crate) face: FontFace,
    pub(crate) colour: Colour,
}

impl Piece {
    pub(crate) fn new(text: impl Into<String>, face: FontFace, colour: Colour) -> Self {
        Self {
            text: text.into(),
            face,
            colour,
        }
    }

    pub(crate) fn plain(text: impl Into<String>) -> Self {
        Self::new(text, FontFace::Regular, Colour::INK)
    }
}

/// A row: one list of pieces per column, and an optional background.
pub(crate) struct Row {
    pub(crate) cells: Vec<Vec<Piece>>,
    pub(crate) background: Option<Colour>,
}

impl Row {
    pub(crate) fn new(cells: Vec<Vec<Piece>>) -> Self {
        Self {
            cells,
            background: None,
        }
    }
}

struct Line {
    text: String,
    face: FontFace,
    colour: Colour,
}

/// A table being laid out; create it, then feed rows.
pub(crate) struct Table {
    columns: Vec<Column>,
    x: Vec<f32>,
    widths: Vec<f32>,
    show_header: bool,
    /// Page on which the header was last drawn, so a page break inside the table redraws it.
    header_page: Option<usize>,
    rows_on_page: usize,
}

impl Table {
    pub(crate) fn new(columns: Vec<Column>, show_header: bool) -> Self {
        let total: f32 = columns
            .iter()
            .map(|c| c.weight)
            .sum::<f32>()
            .max(f32::EPSILON);
        let mut x = Vec::with_capacity(columns.len());
        let mut widths = Vec::with_capacity(columns.len());
        let mut left = MARGIN_X;
        for column in &columns {
            let width = CONTENT_WIDTH * column.weight / total;
            x.push(left);
            widths.push(width);
            left += width;
        }
        Self {
            columns,
            x,
            widths,
            show_header,
            header_page: None,
            rows_on_page: 0,
        }
    }

    fn header_height(&self, ts: &Typesetter<'_>) -> f32 {
        if !self.show_header {
            return 0.0;
        }
        let lines = self
            .columns
            .iter()
            .zip(&self.widths)
            .map(|(c, w)| {
                wrap(
                    ts.fonts,
                    FontFace::Bold,
                    CELL_SIZE,
                    c.title,
                    w - 2.0 * PAD_X,
                )
                .len()
            })
            .max()
            .unwrap_or(1);
        lines as f32 * CELL_LEADING + 2.0 * PAD_Y
    }

    fn draw_header(&mut self, ts: &mut Typesetter<'_>) {
        self.header_page = Some(ts.page_index());
        self.rows_on_page = 0;
        if !self.show_header {
            return;
        }
        let height = self.header_height(ts);
        let top = ts.y;
        ts.rect(MARGIN_X, top, CONTENT_WIDTH, height, Colour::ACCENT);
        for (i, column) in self.columns.iter().enumerate() {
            let lines = wrap(
                ts.fonts,
                FontFace::Bold,
                CELL_SIZE,
                column.title,
                self.widths[i] - 2.0 * PAD_X,
            );
            for (n, line) in lines.iter().enumerate() {
                let baseline = top + PAD_Y + CELL_SIZE + n as f32 * CELL_LEADING;
                ts.text(
                    self.x[i] + PAD_X,
                    baseline,
                    FontFace::Bold,
                    CELL_SIZE,
                    Colour::WHITE,
                    line,
                );
            }
        }
        ts.y = top + height;
    }

    fn start_page(&mut self, ts: &mut Typesetter<'_>) {
        ts.new_page();
        self.draw_header(ts);
    }

    /// Lays out one row, breaking pages (and, for very tall rows, the row itself) as needed.
    pub(crate) fn row(&mut self, ts: &mut Typesetter<'_>, row: &Row) {
        let cells: Vec<Vec<Line>> = row
            .cells
            .iter()
            .zip(&self.widths)
            .map(|(pieces, width)| self.cell_lines(ts, pieces, width - 2.0 * PAD_X))
            .collect();
        let total_lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);

        let full_page_lines =
            ((CONTENT_BOTTOM - CONTENT_TOP - self.header_height(ts) - 2.0 * PAD_Y) / CELL_LEADING)
                .floor()
                .max(1.0) as usize;
        let row_height = |lines: usize| lines as f32 * CELL_LEADING + 2.0 * PAD_Y;
        if self.header_page != Some(ts.page_index()) {
            // Keep the header together with the first row (or a page's worth of a giant row).
            ts.ensure(self.header_height(ts) + row_height(total_lines.min(full_page_lines)));
            self.draw_header(ts);
        }

        let mut first = 0;
        while first < total_lines {
            let left = total_lines - first;
            let fit = ((ts.remaining() - 2.0 * PAD_Y) / CELL_LEADING)
                .floor()
                .max(0.0) as usize;
            if fit >= left {
                self.draw_slice(ts, row.background, &cells, first, left);
                break;
            }
            // A row that fits on a page of its own is moved there whole; only rows taller than a page are split,
            // and then the split continues on the next page under a repeated header.
            if (left <= full_page_lines && self.rows_on_page > 0) || fit < MIN_SPLIT_LINES.min(left)
            {
                self.start_page(ts);
                continue;
            }
            self.draw_slice(ts, row.background, &cells, first, fit);
            first += fit;
            self.start_page(ts);
        }
    }

    fn cell_lines(&self, ts: &Typesetter<'_>, pieces: &[Piece], width: f32) -> Vec<Line> {
        let mut lines = Vec::new();
        for piece in pieces {
            if piece.text.is_empty() {
                continue;
            }
            for text in wrap(ts.fonts, piece.face, CELL_SIZE, &piece.text, width) {
                lines.push(Line {
                    text,
                    face: piece.face,
                    colour: piece.colour,
                });
            }
        }
        lines
    }

    fn draw_slice(
        &mut self,
        ts: &mut Typesetter<'_>,
        background: Option<Colour>,
        cells: &[Vec<Line>],
        first: usize,
        take: usize,
    ) {
        let height = take as f32 * CELL_LEADING + 2.0 * PAD_Y;
        let top = ts.y;
        let fill = background.or_else(|| (self.rows_on_page % 2 == 1).then_some(Colour::ZEBRA));
        if let Some(fill) = fill {
            ts.rect(MARGIN_X, top, CONTENT_WIDTH, height, fill);
        }
        for (i, lines) in cells.iter().enumerate() {
            for (n, line) in lines.iter().skip(first).take(take).enumerate() {
                let baseline = top + PAD_Y + CELL_SIZE + n as f32 * CELL_LEADING;
                ts.text(
                    self.x[i] + PAD_X,
                    baseline,
                    line.face,
                    CELL_SIZE,
                    line.colour,
                    &line.text,
                );
            }
        }
        ts.rule(
            MARGIN_X,
            top + height,
            MARGIN_X + CONTENT_WIDTH,
            top + height,
            0.4,
            Colour::RULE,
        );
        ts.y = top + height;
        self.rows_on_page += 1;
    }

    /// Leaves a gap after the table.
    pub(crate) fn finish(self, ts: &mut Typesetter<'_>) {
        ts.space(10.0);
    }
}
