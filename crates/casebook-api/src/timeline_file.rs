//! Opening a Timesketch timeline file for import: its format (named, or told by its extension), its label (the
//! file's name) and its size for a progress bar. One definition, so the CLI and the app agree on what a file is and
//! what to say when it cannot be read.

use std::fs::File;
use std::io::Read;
use std::path::Path;

pub use casebook_import::Format;

use crate::error::{io, Field, Hint};
use crate::{Error, Result};

/// A timeline file ready to be read by [`crate::Casebook::import_timeline`].
#[derive(Debug)]
pub struct TimelineFile {
    file: File,
    /// CSV or JSON lines.
    pub format: Format,
    /// The file's name, recorded as the entries' source file.
    pub label: String,
    /// Its size in bytes, when the file system says.
    pub size: Option<u64>,
}

impl TimelineFile {
    /// Opens `path`; `format` wins over the extension, which decides when none is given.
    pub fn open(path: &Path, format: Option<Format>) -> Result<TimelineFile> {
        let label = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let format = match format {
            Some(f) => f,
            None => Format::from_file_name(&label).ok_or_else(|| {
                Error::invalid(format!(
                    "cannot tell whether {label} is CSV or JSON lines from its name (.csv, .jsonl, .ndjson or .json)"
                ))
                .hint(Hint::Input {
                    field: Field::TimelineFormat,
                    example: "jsonl".into(),
                })
            })?,
        };
        let file = File::open(path).map_err(io(format!("cannot open {}", path.display())))?;
        let size = file.metadata().ok().map(|m| m.len());
        Ok(TimelineFile {
            file,
            format,
            label,
            size,
        })
    }
}

impl Read for TimelineFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.file.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn the_extension_decides_unless_a_format_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let plaso = dir.path().join("plaso.JSON");
        std::fs::write(&plaso, "{}\n").unwrap();
        let f = TimelineFile::open(&plaso, None).unwrap();
        assert_eq!(
            (f.format, f.label.as_str(), f.size),
            (Format::Jsonl, "plaso.JSON", Some(3))
        );

        let odd = dir.path().join("export.txt");
        std::fs::write(&odd, "a,b\n").unwrap();
        let e = TimelineFile::open(&odd, None).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains("export.txt"), "{}", e.message);
        assert!(
            matches!(
                e.hint,
                Some(Hint::Input {
                    field: Field::TimelineFormat,
                    ..
                })
            ),
            "the front end is told which input to ask for: {:?}",
            e.hint
        );
        assert_eq!(
            TimelineFile::open(&odd, Some(Format::Csv)).unwrap().format,
            Format::Csv
        );
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = TimelineFile::open(&dir.path().join("gone.csv"), None).unwrap_err();
        assert_eq!(e.code, ErrorCode::Io);
        assert!(e.message.contains("gone.csv"), "{}", e.message);
    }
}
