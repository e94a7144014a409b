//! Integration tests of casebook-import: the Timesketch samples, error reporting, and export round trips.

mod errors;
mod fixtures;
mod round_trip;

use casebook_import::{read_timeline, Format, ImportError, ImportedEntry};

/// The bytes of a sample copied from Timesketch (see `tests/fixtures/timesketch/SOURCE.md`).
fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/timesketch/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => panic!("the fixture {name} must be readable: {error}"),
    }
}

/// Reads a whole timeline the way the store does: stop at the first error.
fn import(bytes: &[u8], format: Format) -> Result<Vec<ImportedEntry>, ImportError> {
    read_timeline(bytes, format)?.collect()
}

/// Like [`import`], for inputs that must succeed.
fn import_ok(bytes: &[u8], format: Format) -> Vec<ImportedEntry> {
    match import(bytes, format) {
        Ok(entries) => entries,
        Err(error) => panic!("the timeline must import, but: {error}"),
    }
}

/// Every item of a timeline, errors included, to see what happens after a bad row.
fn every_item(bytes: &[u8], format: Format) -> Vec<Result<ImportedEntry, ImportError>> {
    match read_timeline(bytes, format) {
        Ok(entries) => entries.collect(),
        Err(error) => panic!("the header must be accepted, but: {error}"),
    }
}

/// The error a timeline must stop at.
fn import_err(bytes: &[u8], format: Format) -> ImportError {
    match import(bytes, format) {
        Ok(entries) => panic!(
            "the timeline must be refused, but {} entries were read",
            entries.len()
        ),
        Err(error) => error,
    }
}
