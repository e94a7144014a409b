//! One page's content stream, written as PDF operators straight from the layout's items.
//!
//! The same drawing printpdf used to emit for these items (fill colour and `re f` for boxes, stroke colour, width
//! and `m l S` for rules, then one `BT … ET` with `Tf`, `Tm` and hex `Tj` per font run), without building an
//! operation list first: a page's stream is the only per-page state, and it is compressed as soon as it is done.

use std::io::Write as _;

use crate::fonts::{FontProgram, FontSet};
use crate::layout::{Colour, PageItem, PAGE_HEIGHT};

use super::font_objects::FontCodes;

/// Appends the content stream of a page made of `items` to `out`.
pub(crate) fn page_stream(
    fonts: &FontSet,
    codes: &FontCodes,
    items: &[PageItem],
    out: &mut Vec<u8>,
) {
    // Shapes first, then all text in one text object: text always paints above backgrounds, and one BT/ET per page
    // keeps the content stream small.
    for item in items {
        match item {
            PageItem::Rect {
                x,
                y,
                width,
                height,
                fill,
            } => {
                colour(out, *fill, "rg");
                let _ = writeln!(out, "{x} {} {width} {height} re", PAGE_HEIGHT - y - height);
                out.extend_from_slice(b"f\n");
            }
            PageItem::Rule {
                x1,
                y1,
                x2,
                y2,
                thickness,
                colour: stroke,
            } => {
                colour(out, *stroke, "RG");
                let _ = writeln!(out, "{thickness} w");
                let _ = writeln!(out, "{x1} {} m", PAGE_HEIGHT - y1);
                let _ = writeln!(out, "{x2} {} l", PAGE_HEIGHT - y2);
                out.extend_from_slice(b"S\n");
            }
            PageItem::Text { .. } => {}
        }
    }
    out.extend_from_slice(b"BT\n");
    let mut font: Option<(FontProgram, u32)> = None;
    let mut fill: Option<Colour> = None;
    for item in items {
        let PageItem::Text {
            x,
            y,
            face,
            size,
            colour: ink,
            text,
        } = item
        else {
            continue;
        };
        if fill != Some(*ink) {
            colour(out, *ink, "rg");
            fill = Some(*ink);
        }
        let mut pen = *x;
        for (program, run, width) in fonts.runs(*face, *size, text) {
            let key = (program, size.to_bits());
            if font != Some(key) {
                let _ = writeln!(out, "/{} {size} Tf", program.resource_id());
                font = Some(key);
            }
            let _ = writeln!(out, "1 0 0 1 {pen} {} Tm", PAGE_HEIGHT - y);
            out.push(b'<');
            for c in run.chars() {
                hex_code(out, codes.code(program, c));
            }
            out.extend_from_slice(b"> Tj\n");
            pen += width;
        }
    }
    out.extend_from_slice(b"ET\n");
}

/// A two-byte glyph code as four upper-case hex digits (this runs once per character of the report).
fn hex_code(out: &mut Vec<u8>, code: u16) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for shift in [12, 8, 4, 0] {
        out.push(DIGITS[usize::from((code >> shift) & 0xF)]);
    }
}

fn colour(out: &mut Vec<u8>, colour: Colour, operator: &str) {
    let channel = |v: u8| f32::from(v) / 255.0;
    let _ = writeln!(
        out,
        "{} {} {} {operator}",
        channel(colour.0),
        channel(colour.1),
        channel(colour.2)
    );
}
