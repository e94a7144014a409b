//! The report's embedded fonts and text measurement by their real advance widths.
//!
//! Layout and rendering must agree on every glyph width, or wrapped text would overflow its cell; both go through
//! [`FontSet`], which reads advances from the same TrueType files that get embedded. Characters DejaVu lacks (CJK)
//! are drawn with Droid Sans Fallback, decided per character and grouped into runs.

use std::sync::OnceLock;

use printpdf::ParsedFont;

use crate::ReportError;

const DEJAVU_SANS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/DejaVuSans.ttf"
));
const DEJAVU_SANS_BOLD: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/DejaVuSans-Bold.ttf"
));
const DEJAVU_SANS_MONO: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/DejaVuSansMono.ttf"
));
const DROID_SANS_FALLBACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/DroidSansFallbackFull.ttf"
));

/// The style a piece of text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontFace {
    /// Body text.
    Regular,
    /// Headings, labels, table headers.
    Bold,
    /// Hashes, ids, paths.
    Mono,
}

impl FontFace {
    /// Short name used in the layout text dump.
    pub fn code(self) -> &'static str {
        match self {
            FontFace::Regular => "R",
            FontFace::Bold => "B",
            FontFace::Mono => "M",
        }
    }
}

/// An actual font program in the PDF: one of the three DejaVu faces or the CJK fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FontProgram {
    Regular,
    Bold,
    Mono,
    Fallback,
}

impl FontProgram {
    pub(crate) const ALL: [FontProgram; 4] = [
        FontProgram::Regular,
        FontProgram::Bold,
        FontProgram::Mono,
        FontProgram::Fallback,
    ];

    /// Resource name in the PDF. printpdf derives the six-letter subset tag from the first six characters, and
    /// PDF readers only recognise a subset tag made of six capital letters, so these are exactly that.
    pub(crate) fn resource_id(self) -> &'static str {
        match self {
            FontProgram::Regular => "CBREGU",
            FontProgram::Bold => "CBBOLD",
            FontProgram::Mono => "CBMONO",
            FontProgram::Fallback => "CBCJKF",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            FontProgram::Regular => 0,
            FontProgram::Bold => 1,
            FontProgram::Mono => 2,
            FontProgram::Fallback => 3,
        }
    }
}

/// A parsed font with its advance widths for ASCII cached, since nearly all report text is ASCII.
pub(crate) struct MeasuredFont {
    pub(crate) parsed: ParsedFont,
    units_per_em: f32,
    ascii_advance: [Option<u16>; 128],
}

impl MeasuredFont {
    fn parse(bytes: &[u8]) -> Option<Self> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings)?;
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        let mut ascii_advance = [None; 128];
        for (code, slot) in ascii_advance.iter_mut().enumerate() {
            *slot = glyph(&parsed, code as u32).map(|gid| parsed.get_horizontal_advance(gid));
        }
        Some(Self {
            parsed,
            units_per_em,
            ascii_advance,
        })
    }

    /// Advance of `c` in em units, or `None` when the font has no glyph for it.
    fn advance_em(&self, c: char) -> Option<f32> {
        let units = match self.ascii_advance.get(c as usize) {
            Some(cached) => (*cached)?,
            None => self
                .parsed
                .get_horizontal_advance(glyph(&self.parsed, c as u32)?),
        };
        Some(f32::from(units) / self.units_per_em)
    }
}

fn glyph(font: &ParsedFont, codepoint: u32) -> Option<u16> {
    // Glyph 0 is .notdef: a font "having" it means it has nothing for the character.
    font.lookup_glyph_index(codepoint).filter(|gid| *gid != 0)
}

/// The four fonts, parsed once per process.
pub(crate) struct FontSet {
    fonts: [MeasuredFont; 4],
}

static FONT_SET: OnceLock<Option<FontSet>> = OnceLock::new();

impl FontSet {
    /// The shared font set; parsing the embedded files only fails if they were replaced by something that is not a
    /// font, which the error reports.
    pub(crate) fn get() -> Result<&'static FontSet, ReportError> {
        FONT_SET
            .get_or_init(|| {
                Some(FontSet {
                    fonts: [
                        MeasuredFont::parse(DEJAVU_SANS)?,
                        MeasuredFont::parse(DEJAVU_SANS_BOLD)?,
                        MeasuredFont::parse(DEJAVU_SANS_MONO)?,
                        MeasuredFont::parse(DROID_SANS_FALLBACK)?,
                    ],
                })
            })
            .as_ref()
            .ok_or(ReportError::FontUnreadable)
    }

    pub(crate) fn font(&self, program: FontProgram) -> &MeasuredFont {
        &self.fonts[program.index()]
    }

    fn primary(face: FontFace) -> FontProgram {
        match face {
            FontFace::Regular => FontProgram::Regular,
            FontFace::Bold => FontProgram::Bold,
            FontFace::Mono => FontProgram::Mono,
        }
    }

    /// Which font draws `c` in `face`, and its advance in em units.
    fn pick(&self, face: FontFace, c: char) -> (FontProgram, f32) {
        let primary = Self::primary(face);
        if let Some(advance) = self.font(primary).advance_em(c) {
            return (primary, advance);
        }
        if let Some(advance) = self.font(FontProgram::Fallback).advance_em(c) {
            return (FontProgram::Fallback, advance);
        }
        // Neither font has it: the primary's .notdef box is drawn, one em wide at most; measuring it keeps the
        // layout honest about the space it takes.
        let notdef = self.font(primary);
        let advance = f32::from(notdef.parsed.get_horizontal_advance(0)) / notdef.units_per_em;
        (primary, advance)
    }

    /// Width of `text` in points at `size`.
    pub(crate) fn width(&self, face: FontFace, size: f32, text: &str) -> f32 {
        text.chars().map(|c| self.pick(face, c).1).sum::<f32>() * size
    }

    /// Width of one character in points at `size`.
    pub(crate) fn char_width(&self, face: FontFace, size: f32, c: char) -> f32 {
        self.pick(face, c).1 * size
    }

    /// Splits `text` into runs drawn with one font program each, with each run's width in points.
    pub(crate) fn runs<'t>(
        &self,
        face: FontFace,
        size: f32,
        text: &'t str,
    ) -> Vec<(FontProgram, &'t str, f32)> {
        let mut runs = Vec::new();
        let mut start = 0;
        let mut current: Option<FontProgram> = None;
        let mut width = 0.0;
        for (at, c) in text.char_indices() {
            let (program, advance) = self.pick(face, c);
            match current {
                Some(active) if active != program => {
                    runs.push((active, &text[start..at], width));
                    start = at;
                    width = 0.0;
                    current = Some(program);
                }
                None => current = Some(program),
                _ => {}
            }
            width += advance * size;
        }
        if let Some(active) = current {
            runs.push((active, &text[start..], width));
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_falls_back_per_run() {
        let fonts = FontSet::get().expect("embedded fonts parse");
        let runs = fonts.runs(FontFace::Regular, 10.0, "Host 中文 é");
        let programs: Vec<FontProgram> = runs.iter().map(|r| r.0).collect();
        assert_eq!(
            programs,
            vec![
                FontProgram::Regular,
                FontProgram::Fallback,
                FontProgram::Regular
            ],
            "Latin text stays in DejaVu, only the CJK run uses the fallback"
        );
        let total: f32 = runs.iter().map(|r| r.2).sum();
        let measured = fonts.width(FontFace::Regular, 10.0, "Host 中文 é");
        assert!(
            (total - measured).abs() < 0.001,
            "run widths must add up to the measured width"
        );
    }

    #[test]
    fn bold_is_wider_than_regular_and_mono_is_fixed_pitch() {
        let fonts = FontSet::get().expect("embedded fonts parse");
        assert!(
            fonts.width(FontFace::Bold, 10.0, "Incident")
                > fonts.width(FontFace::Regular, 10.0, "Incident"),
            "bold advances are wider in DejaVu"
        );
        assert_eq!(
            fonts.width(FontFace::Mono, 10.0, "iiii"),
            fonts.width(FontFace::Mono, 10.0, "WWWW"),
            "a monospaced font gives every character the same advance"
        );
    }
}
