//! The finished PDF file: what printpdf cannot do, done on its lopdf document before saving, and reading it back.
//!
//! Added here: the bundle as an embedded file (EmbeddedFiles name tree plus `/AF`), the digests in the info
//! dictionary, a document id derived from the bundle instead of printpdf's random one. Removed: printpdf's PDF/X
//! markers (`GTS_PDFXVersion`, `OutputIntents`) and XMP packet, which would make readers treat an ordinary report as
//! print-production PDF/X and, in the XMP case, carry a random instance id.

use lopdf::{Dictionary, Document, Object, Stream, StringFormat};

use crate::bundle::{sha256_hex, BUNDLE_FILE_NAME};
use crate::verify::MAX_STREAM_BYTES;
use crate::ReportError;

/// Info dictionary key holding the content digest.
pub const INFO_CONTENT_DIGEST: &str = "CasebookContentDigest";
/// Info dictionary key holding the SHA-256 of the attached bundle bytes.
pub const INFO_BUNDLE_DIGEST: &str = "CasebookBundleDigest";

/// Adds the bundle and digests to the document, strips PDF/X markers and serialises it.
pub(crate) fn finish(
    mut doc: Document,
    bundle: &[u8],
    content_digest: &str,
    created_pdf_date: &str,
) -> Result<Vec<u8>, ReportError> {
    // /AF and embedded-file relationships are PDF 2.0 / PDF/A-3 vocabulary; 1.7 readers accept them as extensions.
    doc.version = "1.7".to_string();
    let bundle_digest = sha256_hex(bundle);

    let info_id = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .map_err(ReportError::Pdf)?;
    let info = doc.get_dictionary_mut(info_id).map_err(ReportError::Pdf)?;
    info.remove(b"GTS_PDFXVersion");
    info.set(INFO_CONTENT_DIGEST, Object::string_literal(content_digest));
    info.set(
        INFO_BUNDLE_DIGEST,
        Object::string_literal(bundle_digest.as_str()),
    );

    let mut params = Dictionary::new();
    params.set("Size", Object::Integer(bundle.len() as i64));
    params.set("ModDate", Object::string_literal(created_pdf_date));
    let mut file_dict = Dictionary::new();
    file_dict.set("Type", Object::Name(b"EmbeddedFile".to_vec()));
    file_dict.set("Subtype", Object::Name(b"application/json".to_vec()));
    file_dict.set("Params", Object::Dictionary(params));
    let file_id = doc.add_object(Object::Stream(Stream::new(file_dict, bundle.to_vec())));

    let mut ef = Dictionary::new();
    ef.set("F", Object::Reference(file_id));
    ef.set("UF", Object::Reference(file_id));
    let mut filespec = Dictionary::new();
    filespec.set("Type", Object::Name(b"Filespec".to_vec()));
    filespec.set("F", Object::string_literal(BUNDLE_FILE_NAME));
    filespec.set("UF", Object::string_literal(BUNDLE_FILE_NAME));
    filespec.set(
        "Desc",
        Object::string_literal(
            "Canonical JSON of the case data and render settings this report was built from",
        ),
    );
    filespec.set("AFRelationship", Object::Name(b"Source".to_vec()));
    filespec.set("EF", Object::Dictionary(ef));
    let filespec_id = doc.add_object(Object::Dictionary(filespec));

    let mut tree = Dictionary::new();
    tree.set(
        "Names",
        Object::Array(vec![
            Object::string_literal(BUNDLE_FILE_NAME),
            Object::Reference(filespec_id),
        ]),
    );
    let mut names = Dictionary::new();
    names.set("EmbeddedFiles", Object::Dictionary(tree));

    let catalog = doc.catalog_mut().map_err(ReportError::Pdf)?;
    catalog.remove(b"OutputIntents");
    catalog.remove(b"Metadata");
    catalog.set("Names", Object::Dictionary(names));
    catalog.set("AF", Object::Array(vec![Object::Reference(filespec_id)]));

    // The document id must be stable for byte-identical re-renders; deriving it from the bundle also makes it
    // unique per case and settings, which is what the id is for.
    let id = bundle_digest.as_bytes()[..32].to_vec();
    doc.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ]),
    );

    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(ReportError::Write)?;
    Ok(out)
}

/// What verification reads back from a report.
pub(crate) struct ReadBack {
    pub(crate) bundle: Option<Vec<u8>>,
    pub(crate) content_digest: Option<String>,
    pub(crate) bundle_digest: Option<String>,
}

/// Reads the attached bundle and the digests recorded in the info dictionary.
pub(crate) fn read_back(pdf: &[u8]) -> Result<ReadBack, lopdf::Error> {
    // Object and cross-reference streams inflate while the document loads: capped like every other stream.
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..Default::default()
    };
    let doc = Document::load_mem_with_options(pdf, options)?;
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .and_then(|id| doc.get_dictionary(id))
        .ok();
    let info_string = |key: &str| {
        info.and_then(|d| d.get(key.as_bytes()).ok())
            .and_then(|o| o.as_str().ok())
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    Ok(ReadBack {
        bundle: attachment(&doc, BUNDLE_FILE_NAME),
        content_digest: info_string(INFO_CONTENT_DIGEST),
        bundle_digest: info_string(INFO_BUNDLE_DIGEST),
    })
}

fn resolve<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    doc.dereference(object).ok().map(|(_, o)| o)
}

fn attachment(doc: &Document, name: &str) -> Option<Vec<u8>> {
    let catalog = doc.catalog().ok()?;
    let names = resolve(doc, catalog.get(b"Names").ok()?)?.as_dict().ok()?;
    let tree = resolve(doc, names.get(b"EmbeddedFiles").ok()?)?
        .as_dict()
        .ok()?;
    let pairs = resolve(doc, tree.get(b"Names").ok()?)?.as_array().ok()?;
    let filespec_ref = pairs
        .chunks(2)
        .find(|pair| pair.first().and_then(|n| n.as_str().ok()) == Some(name.as_bytes()))?
        .get(1)?;
    let filespec = resolve(doc, filespec_ref)?.as_dict().ok()?;
    let ef = resolve(doc, filespec.get(b"EF").ok()?)?.as_dict().ok()?;
    let stream = resolve(doc, ef.get(b"F").ok()?)?.as_stream().ok()?;
    // Reports come from outside (mail, shares): cap inflation so a crafted attachment cannot exhaust memory.
    stream
        .decompressed_content_with_limit(MAX_STREAM_BYTES)
        .ok()
}
