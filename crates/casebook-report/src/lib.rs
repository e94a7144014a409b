//! Post-incident reports for Casebook cases, as verifiable PDF.
//!
//! Three stages, each usable and testable on its own:
//!
//! 1. **Model** ([`model`]): [`ReportCase`], plain serde data the application maps a case into. Its canonical JSON
//!    ([`bundle`]) has a SHA-256, the *content digest*, printed on the cover and every footer.
//! 2. **Layout** ([`layout`]): pages of positioned text, boxes and rules, with text wrapped by the real glyph widths of
//!    the embedded fonts. No PDF involved, so it is snapshot-tested as text.
//! 3. **Rendering** (`render`, `pdf_file`): each page's content stream is written from the layout and compressed at
//!    once, fonts are subset once by printpdf; lopdf then attaches the bundle, records the digests and strips
//!    printpdf's PDF/X marker.
//!
//! Rendering is deterministic: the same case, options and crate version give the same bytes. [`verify`] relies on
//! that: it re-renders the report from the attached bundle and compares byte for byte, so any edit of a page shows.
//! This proves integrity against the recorded data, not authorship: the report is not signed.

#![warn(missing_docs)]

pub mod bundle;
mod fonts;
pub mod layout;
pub mod model;
pub mod options;
mod pdf_file;
mod render;
pub mod verify;

pub use bundle::{
    canonical_json, content_digest, ReportBundle, BUNDLE_FILE_NAME, RENDERER_VERSION,
};
pub use fonts::FontFace;
pub use layout::{layout_report, ReportLayout};
pub use model::*;
pub use options::{ReportOptions, ReportProgress, ReportStage, ReportTemplate};
pub use pdf_file::{INFO_BUNDLE_DIGEST, INFO_CONTENT_DIGEST};
pub use verify::{
    attached_bundle, verify, EvidenceCheck, Finding, FindingSeverity, Unchecked, Verdict,
    VerifyInputs, VerifyOutcome, MAX_REPORT_BYTES, MAX_STREAM_BYTES,
};

use crate::fonts::FontSet;
use crate::render::DocumentInfo;

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The case could not be turned into JSON (only possible with non-finite numbers or custom serialisers).
    #[error("could not serialise the case data for the report bundle")]
    Serialize(#[source] serde_json::Error),
    /// The fonts compiled into the program could not be read; the build is broken.
    #[error("the report fonts embedded in this program could not be read; rebuild from a clean checkout")]
    FontUnreadable,
    /// Assembling the PDF structure failed.
    #[error("could not assemble the PDF structure")]
    Pdf(#[source] lopdf::Error),
    /// The report would have more pages than a bounded render draws.
    #[error("the report has {pages} pages, more than the {limit} a check re-renders")]
    TooManyPages {
        /// Pages the layout has.
        pages: usize,
        /// The bound.
        limit: usize,
    },
    /// Writing the PDF bytes failed.
    #[error("could not write the PDF file")]
    Write(#[source] std::io::Error),
}

/// A finished report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedReport {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// SHA-256 of the case's canonical JSON, as printed in the report.
    pub content_digest: String,
    /// Number of pages.
    pub page_count: usize,
}

/// Renders the post-incident report for `case` as PDF.
///
/// `progress`, if given, receives events while laying out the timeline, drawing pages and writing the file.
pub fn render_report(
    case: &ReportCase,
    options: &ReportOptions,
    progress: Option<&mut dyn FnMut(ReportProgress)>,
) -> Result<RenderedReport, ReportError> {
    let mut ignore = |_: ReportProgress| {};
    let progress: &mut dyn FnMut(ReportProgress) = match progress {
        Some(callback) => callback,
        None => &mut ignore,
    };
    render_with_version(case, options, RENDERER_VERSION, progress)
}

/// Renders with an explicit renderer version recorded in the bundle; verification uses the real one, tests use
/// another to simulate a report from a different release.
pub(crate) fn render_with_version(
    case: &ReportCase,
    options: &ReportOptions,
    renderer_version: &str,
    progress: &mut dyn FnMut(ReportProgress),
) -> Result<RenderedReport, ReportError> {
    let content_digest = bundle::content_digest(case)?;
    let envelope = bundle::Envelope {
        format: bundle::BUNDLE_FORMAT,
        renderer_version,
        template: options.template,
        key_events_only: options.key_events_only,
        exported_at: options.exported_at,
        content_digest: &content_digest,
        case,
    };
    let bytes = bundle::envelope_bytes(&envelope)?;
    render_envelope(&envelope, &bytes, None, progress)
}

/// Renders from an already-built bundle and its exact canonical bytes. With `max_pages`, a layout longer than that
/// is not drawn (verification bounds the re-render of a report from outside this way).
pub(crate) fn render_bundle(
    bundle: &ReportBundle,
    bundle_bytes: &[u8],
    max_pages: Option<usize>,
    progress: &mut dyn FnMut(ReportProgress),
) -> Result<RenderedReport, ReportError> {
    let envelope = bundle::Envelope {
        format: &bundle.format,
        renderer_version: &bundle.renderer_version,
        template: bundle.template,
        key_events_only: bundle.key_events_only,
        exported_at: bundle.exported_at,
        content_digest: &bundle.content_digest,
        case: &bundle.case,
    };
    render_envelope(&envelope, bundle_bytes, max_pages, progress)
}

fn render_envelope(
    bundle: &bundle::Envelope<'_>,
    bundle_bytes: &[u8],
    max_pages: Option<usize>,
    progress: &mut dyn FnMut(ReportProgress),
) -> Result<RenderedReport, ReportError> {
    let fonts = FontSet::get()?;
    let case = bundle.case;
    let options = bundle.options();
    let layout = layout::layout_report(case, &options, bundle.content_digest, progress)?;
    if let Some(limit) = max_pages.filter(|limit| layout.pages.len() > *limit) {
        return Err(ReportError::TooManyPages {
            pages: layout.pages.len(),
            limit,
        });
    }
    let template = match options.template {
        ReportTemplate::Technical => "technical",
        ReportTemplate::Executive => "executive",
    };
    let info = DocumentInfo {
        title: format!("{} — {}", case.key, case.title),
        author: case.authors.join(", "),
        subject: format!(
            "Post-incident report ({template}) for case {}, {}",
            case.key,
            case.tlp.label()
        ),
        keywords: vec![
            "post-incident report".to_string(),
            case.key.clone(),
            case.tlp.label().to_string(),
            format!("content-digest:sha256:{}", bundle.content_digest),
        ],
        producer: format!("casebook-report {}", bundle.renderer_version),
        identifier: bundle.content_digest.to_string(),
        created_unix: options.exported_at.timestamp(),
    };
    let page_count = layout.pages.len();
    let lopdf_doc = render::draw_document(layout, fonts, &info, progress)?;
    progress(ReportProgress {
        stage: ReportStage::Writing,
        done: 0,
        total: 1,
    });
    let pdf_date = options.exported_at.format("D:%Y%m%d%H%M%SZ").to_string();
    let pdf = pdf_file::finish(lopdf_doc, bundle_bytes, bundle.content_digest, &pdf_date)?;
    progress(ReportProgress {
        stage: ReportStage::Writing,
        done: 1,
        total: 1,
    });
    Ok(RenderedReport {
        pdf,
        content_digest: bundle.content_digest.to_string(),
        page_count,
    })
}
