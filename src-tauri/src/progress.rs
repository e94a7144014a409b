//! Progress of long work for the UI: an import file's bytes read, a report's stages.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use casebook_api::Error;
use casebook_import::Format;
use casebook_report::{ReportProgress, ReportStage};
use std::time::Instant;

use crate::desk::{Work, PROGRESS_EVERY};

/// A file reader that reports bytes read as progress.
pub struct ProgressReader<F: FnMut(u64)> {
    file: File,
    read: u64,
    report: F,
}

impl<'a> ProgressReader<Box<dyn FnMut(u64) + 'a>> {
    /// Opens a Timesketch file for import: the reader, its label (the file's name) and its format (by extension),
    /// as the CLI does.
    pub fn open_timeline(
        path: &Path,
        work: &'a Work,
        job: &'a str,
    ) -> Result<(Self, String, Format), Error> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let format = Format::from_file_name(&name).ok_or_else(|| {
            Error::invalid(format!(
                "cannot tell the format of {name} from its name: choose a .csv or .jsonl file"
            ))
        })?;
        let file = File::open(path).map_err(|e| {
            Error::with_source(
                casebook_api::ErrorCode::Io,
                format!("cannot open {}: {e}", path.display()),
                e,
            )
        })?;
        let total = file.metadata().ok().map(|m| m.len());
        let reader = ProgressReader {
            file,
            read: 0,
            report: Box::new(work.throttled(job, total)) as Box<dyn FnMut(u64) + 'a>,
        };
        Ok((reader, name, format))
    }
}

impl<F: FnMut(u64)> Read for ProgressReader<F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        (self.report)(self.read);
        Ok(n)
    }
}

/// A report's progress as `progress` events: each stage counts its own units, throttled like the others.
pub fn report_progress<'a>(work: &'a Work, job: &'a str) -> impl FnMut(ReportProgress) + 'a {
    let mut last: Option<(ReportStage, Instant)> = None;
    move |p| {
        let due = last.is_none_or(|(stage, t)| stage != p.stage || t.elapsed() >= PROGRESS_EVERY);
        if due || p.done == p.total {
            last = Some((p.stage, Instant::now()));
            work.progress(job, p.done as u64, Some(p.total as u64));
        }
    }
}
