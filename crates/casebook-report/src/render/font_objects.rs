//! The embedded fonts: which glyphs the report uses, each font program subset once to them, and the two-byte codes
//! the content streams write for each character.
//!
//! printpdf still builds the font objects (subset program, widths, ToUnicode map, descriptor): it is given a
//! one-page document that shows every used character once per font, so it subsets to exactly the glyphs of the whole
//! report. The real pages are drawn by [`super::content`], which encodes text with the same numbering printpdf's
//! subsetter gives the glyphs (see [`FontCodes`]).

use std::collections::{BTreeMap, HashMap};

use printpdf::{
    DateTime as PdfDateTime, FontId, Mm, Op, PdfDocument, PdfFont, PdfFontHandle, PdfPage, Pt,
    TextItem,
};

use super::DocumentInfo;
use crate::fonts::{FontProgram, FontSet};
use crate::layout::{PageItem, ReportLayout, PAGE_HEIGHT, PAGE_WIDTH};

/// The glyphs used per font program: original glyph id to the character drawn with it (what ToUnicode maps back
/// to), and every character drawn with the glyph id the font's cmap gives it (0 for none).
pub(crate) struct GlyphUsage {
    used: [BTreeMap<u16, char>; 4],
    chars: [HashMap<char, u16>; 4],
}

impl GlyphUsage {
    /// Scans every text item of the layout, split into font runs exactly as the content streams will draw them.
    pub(crate) fn collect(fonts: &FontSet, layout: &ReportLayout) -> Self {
        let mut usage = Self {
            used: Default::default(),
            chars: Default::default(),
        };
        for item in layout.pages.iter().flat_map(|page| &page.items) {
            let PageItem::Text {
                face, size, text, ..
            } = item
            else {
                continue;
            };
            for (program, run, _) in fonts.runs(*face, *size, text) {
                let font = &fonts.font(program).parsed;
                let index = program.index();
                for c in run.chars() {
                    if usage.chars[index].contains_key(&c) {
                        continue;
                    }
                    let gid = font.lookup_glyph_index(c as u32);
                    usage.chars[index].insert(c, gid.unwrap_or(0));
                    // As printpdf records glyph usage: the font's own cmap; a glyph shared by several characters
                    // maps back to one of them.
                    if let Some(gid) = gid {
                        usage.used[index].entry(gid).or_insert(c);
                    }
                }
            }
        }
        usage
    }

    fn of(&self, program: FontProgram) -> &BTreeMap<u16, char> {
        &self.used[program.index()]
    }
}

/// Character to two-byte Identity-H code, per font program, matching the subset font printpdf embeds.
pub(crate) struct FontCodes {
    codes: [HashMap<char, u16>; 4],
}

impl FontCodes {
    /// printpdf's subsetter numbers the kept glyphs by their position in `[0, used glyph ids ascending…]` (glyph 0,
    /// .notdef, first); a glyph it did not keep is written as 0.
    fn new(usage: &GlyphUsage) -> Self {
        let mut codes: [HashMap<char, u16>; 4] = Default::default();
        for program in FontProgram::ALL {
            let index = program.index();
            let renumbered: BTreeMap<u16, u16> = usage.used[index]
                .keys()
                .filter(|gid| **gid != 0)
                .enumerate()
                .map(|(position, gid)| (*gid, position as u16 + 1))
                .collect();
            codes[index] = usage.chars[index]
                .iter()
                .map(|(c, gid)| (*c, renumbered.get(gid).copied().unwrap_or(0)))
                .collect();
        }
        Self { codes }
    }

    /// The code of `c` in `program`. Every character drawn was collected from the same layout, so a miss cannot
    /// happen; it would draw .notdef.
    pub(crate) fn code(&self, program: FontProgram, c: char) -> u16 {
        self.codes[program.index()].get(&c).copied().unwrap_or(0)
    }
}

/// printpdf's document for the fonts and metadata, and the codes to draw text with.
pub(crate) struct FontDocument {
    pub(crate) doc: lopdf::Document,
    pub(crate) codes: FontCodes,
}

/// Builds the document skeleton: info dictionary, catalog, the four fonts subset to `usage`, and one placeholder
/// page whose objects the caller reuses for the real first page.
pub(crate) fn font_document(
    fonts: &FontSet,
    usage: &GlyphUsage,
    info: &DocumentInfo,
) -> FontDocument {
    let mut doc = PdfDocument::new(&info.title);
    // 0 is always a valid timestamp; the fallback only guards against an export time outside printpdf's range.
    let created = PdfDateTime::from_unix_timestamp(info.created_unix)
        .or_else(|_| PdfDateTime::from_unix_timestamp(0));
    if let Ok(created) = created {
        doc.metadata.info.creation_date = created;
        doc.metadata.info.modification_date = created;
        doc.metadata.info.metadata_date = created;
    }
    doc.metadata.info.author = info.author.clone();
    doc.metadata.info.subject = info.subject.clone();
    doc.metadata.info.keywords = info.keywords.clone();
    doc.metadata.info.creator = "Casebook".to_string();
    doc.metadata.info.producer = info.producer.clone();
    doc.metadata.info.identifier = info.identifier.clone();

    let mut ops = vec![Op::StartTextSection];
    for program in FontProgram::ALL {
        doc.resources.fonts.map.insert(
            FontId(program.resource_id().to_string()),
            PdfFont::new(fonts.font(program).parsed.clone()),
        );
        let used = usage.of(program);
        if used.is_empty() {
            continue;
        }
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(FontId(program.resource_id().to_string())),
            size: Pt(10.0),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(used.values().collect())],
        });
    }
    ops.push(Op::EndTextSection);
    doc.with_pages(vec![PdfPage::new(
        Mm::from(Pt(PAGE_WIDTH)),
        Mm::from(Pt(PAGE_HEIGHT)),
        ops,
    )]);
    let save_options = printpdf::PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    FontDocument {
        doc: doc.to_lopdf_document(&save_options, &mut warnings),
        codes: FontCodes::new(usage),
    }
}
