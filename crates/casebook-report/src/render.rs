//! The renderer: translates a [`ReportLayout`] into a printpdf document, item by item.
//!
//! Nothing is decided here: positions and line breaks come from the layout stage. What this module owns is the
//! mapping to PDF — font runs with CJK fallback, top-left to bottom-left coordinates, fixed resource ids (printpdf
//! would otherwise pick random ones and break byte-for-byte reproducibility) and the outline.

use printpdf::{
    Color, DateTime as PdfDateTime, FontId, Line, LinePoint, Mm, Op, PageAnnotId, PageAnnotation,
    PaintMode, PdfDocument, PdfFont, PdfFontHandle, PdfPage, Point, Pt, Rect, Rgb, TextItem,
    TextMatrix,
};

use crate::fonts::{FontProgram, FontSet};
use crate::layout::{Colour, PageItem, ReportLayout, PAGE_HEIGHT, PAGE_WIDTH};
use crate::options::{ReportProgress, ReportStage};

/// Document information written to the PDF info dictionary.
pub(crate) struct DocumentInfo {
    pub(crate) title: String,
    pub(crate) author: String,
    pub(crate) subject: String,
    pub(crate) keywords: Vec<String>,
    pub(crate) producer: String,
    pub(crate) identifier: String,
    pub(crate) created_unix: i64,
}

pub(crate) fn draw_document(
    layout: &ReportLayout,
    fonts: &FontSet,
    info: &DocumentInfo,
    progress: &mut dyn FnMut(ReportProgress),
) -> PdfDocument {
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

    for program in FontProgram::ALL {
        doc.resources.fonts.map.insert(
            FontId(program.resource_id().to_string()),
            PdfFont::new(fonts.font(program).parsed.clone()),
        );
    }

    let total = layout.pages.len();
    let mut pages = Vec::with_capacity(total);
    for (index, page) in layout.pages.iter().enumerate() {
        if index % 50 == 0 {
            progress(ReportProgress {
                stage: ReportStage::Drawing,
                done: index,
                total,
            });
        }
        pages.push(PdfPage::new(
            Mm::from(Pt(PAGE_WIDTH)),
            Mm::from(Pt(PAGE_HEIGHT)),
            page_ops(fonts, &page.items),
        ));
    }
    progress(ReportProgress {
        stage: ReportStage::Drawing,
        done: total,
        total,
    });
    doc.with_pages(pages);

    for (index, mark) in layout.sections.iter().enumerate() {
        // Our own ids instead of add_bookmark's random ones; printpdf orders the outline by page then name.
        doc.bookmarks.map.insert(
            PageAnnotId(format!("S{index:04}")),
            PageAnnotation {
                name: mark.title.clone(),
                page: (mark.page + 1).min(total.max(1)),
            },
        );
    }
    doc
}

fn rgb(colour: Colour) -> Color {
    Color::Rgb(Rgb {
        r: f32::from(colour.0) / 255.0,
        g: f32::from(colour.1) / 255.0,
        b: f32::from(colour.2) / 255.0,
        icc_profile: None,
    })
}

fn point(x: f32, y_from_top: f32) -> Point {
    Point {
        x: Pt(x),
        y: Pt(PAGE_HEIGHT - y_from_top),
    }
}

fn page_ops(fonts: &FontSet, items: &[PageItem]) -> Vec<Op> {
    let mut ops = Vec::with_capacity(items.len() * 4);
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
                ops.push(Op::SetFillColor { col: rgb(*fill) });
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(*x),
                        y: Pt(PAGE_HEIGHT - y - height),
                        width: Pt(*width),
                        height: Pt(*height),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                });
            }
            PageItem::Rule {
                x1,
                y1,
                x2,
                y2,
                thickness,
                colour,
            } => {
                ops.push(Op::SetOutlineColor { col: rgb(*colour) });
                ops.push(Op::SetOutlineThickness { pt: Pt(*thickness) });
                ops.push(Op::DrawLine {
                    line: Line {
                        points: vec![
                            LinePoint {
                                p: point(*x1, *y1),
                                bezier: false,
                            },
                            LinePoint {
                                p: point(*x2, *y2),
                                bezier: false,
                            },
                        ],
                        is_closed: false,
                    },
                });
            }
            PageItem::Text { .. } => {}
        }
    }
    ops.push(Op::StartTextSection);
    let mut font: Option<(FontProgram, u32)> = None;
    let mut fill: Option<Colour> = None;
    for item in items {
        let PageItem::Text {
            x,
            y,
            face,
            size,
            colour,
            text,
        } = item
        else {
            continue;
        };
        if fill != Some(*colour) {
            ops.push(Op::SetFillColor { col: rgb(*colour) });
            fill = Some(*colour);
        }
        let mut pen = *x;
        for (program, run, width) in fonts.runs(*face, *size, text) {
            let key = (program, size.to_bits());
            if font != Some(key) {
                ops.push(Op::SetFont {
                    font: PdfFontHandle::External(FontId(program.resource_id().to_string())),
                    size: Pt(*size),
                });
                font = Some(key);
            }
            ops.push(Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(pen), Pt(PAGE_HEIGHT - y)),
            });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(run.to_string())],
            });
            pen += width;
        }
    }
    ops.push(Op::EndTextSection);
    ops
}
