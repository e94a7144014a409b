//! Line breaking by measured glyph widths.
//!
//! Words break at spaces; a word wider than the line (a SHA-256, a URL, a run of CJK without spaces) is cut between
//! characters so nothing ever leaves its box. Explicit newlines start a new line.

use crate::fonts::{FontFace, FontSet};

/// Breaks `text` into lines no wider than `max_width` points. Always returns at least one line.
pub(crate) fn wrap(
    fonts: &FontSet,
    face: FontFace,
    size: f32,
    text: &str,
    max_width: f32,
) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        wrap_paragraph(
            fonts,
            face,
            size,
            paragraph.trim_end(),
            max_width,
            &mut lines,
        );
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn wrap_paragraph(
    fonts: &FontSet,
    face: FontFace,
    size: f32,
    paragraph: &str,
    max_width: f32,
    lines: &mut Vec<String>,
) {
    let space = fonts.char_width(face, size, ' ');
    let mut line = String::new();
    let mut line_width = 0.0_f32;
    for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
        let word = sanitize(word);
        let word_width = fonts.width(face, size, &word);
        let needed = if line.is_empty() {
            word_width
        } else {
            line_width + space + word_width
        };
        if needed <= max_width {
            if !line.is_empty() {
                line.push(' ');
                line_width += space;
            }
            line.push_str(&word);
            line_width += word_width;
            continue;
        }
        if !line.is_empty() && word_width <= max_width {
            lines.push(std::mem::take(&mut line));
            line.push_str(&word);
            line_width = word_width;
            continue;
        }
        // The word is wider than what is left: cut it between characters, filling the current line first so a
        // long hash continues right after its label instead of leaving a gap.
        if !line.is_empty() {
            let rest = max_width - line_width - space;
            if rest < max_width * 0.25 {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            } else {
                line.push(' ');
                line_width += space;
            }
        }
        let mut word_start = line.len();
        let mut last_break: Option<usize> = None;
        for c in word.chars() {
            let w = fonts.char_width(face, size, c);
            if line_width + w > max_width && !line.is_empty() {
                // Prefer to cut a URL or host name after its punctuation, as long as that keeps the line mostly full.
                let cut = last_break.filter(|&at| {
                    at > word_start
                        && at < line.len()
                        && fonts.width(face, size, &line[..at]) >= max_width * 0.6
                });
                let rest = match cut {
                    Some(at) => line.split_off(at),
                    None => String::new(),
                };
                lines.push(std::mem::replace(&mut line, rest));
                line_width = fonts.width(face, size, &line);
                word_start = 0;
                last_break = None;
            }
            line.push(c);
            line_width += w;
            if matches!(
                c,
                '/' | '.' | '-' | '_' | '?' | '&' | '=' | ':' | '\\' | ',' | ';'
            ) {
                last_break = Some(line.len());
            }
        }
    }
    lines.push(line);
}

/// Tabs and other control characters have no glyph; drawing them would show .notdef boxes.
fn sanitize(word: &str) -> String {
    word.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Shortens `text` with an ellipsis so it fits `max_width`, for single-line places such as the page header.
pub(crate) fn truncate(
    fonts: &FontSet,
    face: FontFace,
    size: f32,
    text: &str,
    max_width: f32,
) -> String {
    if fonts.width(face, size, text) <= max_width {
        return text.to_string();
    }
    let ellipsis = '…';
    let budget = max_width - fonts.char_width(face, size, ellipsis);
    let mut out = String::new();
    let mut width = 0.0;
    for c in text.chars() {
        let w = fonts.char_width(face, size, c);
        if width + w > budget {
            break;
        }
        out.push(c);
        width += w;
    }
    out.push(ellipsis);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_fits_and_no_character_is_lost() {
        let fonts = FontSet::get().expect("embedded fonts parse");
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let text = format!("Downloaded from https://cdn.example.com/a/very/long/path/payload.bin?x=1 hash {hash} 中文中文中文中文中文中文中文中文");
        let lines = wrap(fonts, FontFace::Regular, 9.0, &text, 120.0);
        for line in &lines {
            let width = fonts.width(FontFace::Regular, 9.0, line);
            assert!(
                width <= 120.0 + 0.01,
                "line {line:?} is {width} pt, wider than its 120 pt box"
            );
        }
        let joined: String = lines
            .concat()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(
            joined, expected,
            "wrapping may only move breaks, never drop characters"
        );
    }

    #[test]
    fn short_text_stays_on_one_line() {
        let fonts = FontSet::get().expect("embedded fonts parse");
        assert_eq!(
            wrap(fonts, FontFace::Bold, 10.0, "Key metrics", 300.0),
            vec!["Key metrics".to_string()],
            "text that fits must not be broken"
        );
    }
}
