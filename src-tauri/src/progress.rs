//! Progress of long work for the UI: an import file's bytes read, a report's stages.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use casebook_api::report::{ReportProgress, ReportStage};
use casebook_api::timeline_file::{Format, TimelineFile};
use casebook_api::Error;

use crate::desk::{Work, PROGRESS_EVERY};

/// A timeline file's reader that reports bytes read as progress.
pub struct ProgressReader<F: FnMut(u64)> {
    file: TimelineFile,
    read: u64,
    report: F,
}

impl<'a> ProgressReader<Box<dyn FnMut(u64) + 'a>> {
    /// Opens a Timesketch file for import (through the API, as the CLI does): the reader, its label and its format.
    pub fn open_timeline(
        path: &Path,
        work: &'a Work,
        job: &'a str,
    ) -> Result<(Self, String, Format), Error> {
        let file = TimelineFile::open(path, None)?;
        let (label, format, total) = (file.label.clone(), file.format, file.size);
        let reader = ProgressReader {
            file,
            read: 0,
            report: Box::new(work.throttled(job, total)) as Box<dyn FnMut(u64) + 'a>,
        };
        Ok((reader, label, format))
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
