//! The renderer: translates a [`ReportLayout`] into a PDF document, page by page.
//!
//! Nothing is decided here: positions and line breaks come from the layout stage. What this module owns is the
//! mapping to PDF: font runs with CJK fallback, top-left to bottom-left coordinates, fixed resource ids and object
//! numbers (so the same inputs give the same bytes) and the outline.
//!
//! Memory stays flat in the number of pages: each page's content stream is written straight from its layout items
//! and compressed at once ([`content`]), in batches of [`BATCH_PAGES`] spread over the cores, and a batch's layout items are dropped as soon as it is drawn, so what the
//! document holds per page is its compressed stream and a small page dictionary. The fonts are subset once for the
//! whole report ([`font_objects`]) from a scan of the layout made before any page is drawn.

mod content;
mod font_objects;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};

use crate::fonts::FontSet;
use crate::layout::{LaidOutPage, ReportLayout, SectionMark};
use crate::options::{ReportProgress, ReportStage};
use crate::ReportError;

use font_objects::{font_document, FontCodes, FontDocument, GlyphUsage};

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

/// Pages drawn and compressed together; the plain content streams of one batch are the most drawing operations held
/// at once (about 30 KB a timeline page).
pub(crate) const BATCH_PAGES: usize = 128;
/// Threads a batch is split over; compression is most of the drawing time.
const MAX_WORKERS: usize = 4;

/// Draws `layout` (consumed page by page) into a PDF document with fonts, pages, outline and metadata.
pub(crate) fn draw_document(
    layout: ReportLayout,
    fonts: &FontSet,
    info: &DocumentInfo,
    progress: &mut dyn FnMut(ReportProgress),
) -> Result<Document, ReportError> {
    let usage = GlyphUsage::collect(fonts, &layout);
    let FontDocument { mut doc, codes } = font_document(fonts, &usage, info);
    drop(usage);

    // printpdf's placeholder page gives the page dictionary's boxes, parent and shared resources; its objects
    // become the first real page, so the object numbers have no gaps.
    let placeholder = doc
        .page_iter()
        .next()
        .ok_or(ReportError::Pdf(lopdf::Error::PageNumberNotFound(1)))?;
    let mut template = doc
        .get_dictionary(placeholder)
        .map_err(ReportError::Pdf)?
        .clone();
    let placeholder_content = template
        .get(b"Contents")
        .and_then(Object::as_reference)
        .map_err(ReportError::Pdf)?;
    let pages_id = template
        .get(b"Parent")
        .and_then(Object::as_reference)
        .map_err(ReportError::Pdf)?;
    template.remove(b"Annots");

    let ReportLayout { pages, sections } = layout;
    let total = pages.len();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS));
    let mut kids: Vec<ObjectId> = Vec::with_capacity(total);
    let mut pages = pages.into_iter();
    loop {
        progress(ReportProgress {
            stage: ReportStage::Drawing,
            done: kids.len(),
            total,
        });
        let batch: Vec<LaidOutPage> = pages.by_ref().take(BATCH_PAGES).collect();
        if batch.is_empty() {
            break;
        }
        // The batch's pages (their layout items) are dropped here; what stays is their compressed streams.
        for stream in draw_batch(fonts, &codes, batch, workers) {
            let (page_id, content_id) = if kids.is_empty() {
                (placeholder, placeholder_content)
            } else {
                (doc.new_object_id(), doc.new_object_id())
            };
            doc.set_object(content_id, Object::Stream(stream?));
            let mut dict = template.clone();
            dict.set("Contents", Object::Reference(content_id));
            doc.set_object(page_id, Object::Dictionary(dict));
            kids.push(page_id);
        }
    }
    if kids.is_empty() {
        kids.push(placeholder);
    }

    let mut tree = Dictionary::new();
    tree.set("Type", Object::Name(b"Pages".to_vec()));
    tree.set("Count", Object::Integer(kids.len() as i64));
    tree.set(
        "Kids",
        Object::Array(kids.iter().map(|id| Object::Reference(*id)).collect()),
    );
    doc.set_object(pages_id, Object::Dictionary(tree));
    add_outline(&mut doc, &sections, &kids)?;
    Ok(doc)
}

/// Each page's compressed content stream, in page order; the pages are shared out in contiguous runs, one per worker.
fn draw_batch(
    fonts: &FontSet,
    codes: &FontCodes,
    batch: Vec<LaidOutPage>,
    workers: usize,
) -> Vec<Result<Stream, ReportError>> {
    let draw = |pages: &[LaidOutPage]| -> Vec<Result<Stream, ReportError>> {
        let mut buffer = Vec::new();
        pages
            .iter()
            .map(|page| {
                buffer.clear();
                content::page_stream(fonts, codes, &page.items, &mut buffer);
                let mut stream = Stream::new(Dictionary::new(), buffer.clone());
                stream.compress().map_err(ReportError::Pdf)?;
                Ok(stream)
            })
            .collect()
    };
    if workers < 2 {
        return draw(&batch);
    }
    let run = batch.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = batch
            .chunks(run)
            .map(|pages| scope.spawn(move || draw(pages)))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The outline (bookmarks), one entry per section in reading order, each opening its first page.
fn add_outline(
    doc: &mut Document,
    sections: &[SectionMark],
    pages: &[ObjectId],
) -> Result<(), ReportError> {
    if sections.is_empty() {
        return Ok(());
    }
    let outlines_id = doc.new_object_id();
    let ids: Vec<ObjectId> = sections.iter().map(|_| doc.new_object_id()).collect();
    let last_page = pages.len().saturating_sub(1);
    for (index, mark) in sections.iter().enumerate() {
        let page = pages[mark.page.min(last_page)];
        let mut entry = Dictionary::new();
        entry.set("Parent", Object::Reference(outlines_id));
        entry.set("Title", utf16_text(&mark.title));
        entry.set(
            "Dest",
            Object::Array(vec![
                Object::Reference(page),
                Object::Name(b"XYZ".to_vec()),
                Object::Null,
                Object::Null,
                Object::Null,
            ]),
        );
        if index > 0 {
            entry.set("Prev", Object::Reference(ids[index - 1]));
        }
        if let Some(next) = ids.get(index + 1) {
            entry.set("Next", Object::Reference(*next));
        }
        doc.set_object(ids[index], Object::Dictionary(entry));
    }
    let mut outlines = Dictionary::new();
    outlines.set("Type", Object::Name(b"Outlines".to_vec()));
    outlines.set("Count", Object::Integer(ids.len() as i64));
    outlines.set("First", Object::Reference(ids[0]));
    outlines.set("Last", Object::Reference(ids[ids.len() - 1]));
    doc.set_object(outlines_id, Object::Dictionary(outlines));
    let catalog = doc.catalog_mut().map_err(ReportError::Pdf)?;
    catalog.set("Outlines", Object::Reference(outlines_id));
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    Ok(())
}

/// A text string as UTF-16BE with a byte order mark, so any title survives (PDF text strings are otherwise
/// PDFDocEncoding).
fn utf16_text(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}
