//! A blob's bytes as a stream: written plain or sealed, read back plain or decrypted.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use super::sealed::{SealReader, SealWriter};

/// Where a copy's bytes go: straight to the file, or sealed chunk by chunk.
pub(super) enum Sink {
    Plain(File),
    Sealed(Box<SealWriter<File>>),
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sink::Plain(_) => "Sink::Plain",
            Sink::Sealed(_) => "Sink::Sealed",
        })
    }
}

impl Sink {
    pub(super) fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(f) => f.write(buf),
            Sink::Sealed(w) => w.write_all(buf).map(|()| buf.len()),
        }
    }

    pub(super) fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(f) => f.write_all(buf),
            Sink::Sealed(w) => w.write_all(buf),
        }
    }

    /// Ends the stream (a sealed one records `sha256` in its header) and gives the file back, not yet synced.
    pub(super) fn finish(self, sha256: &str) -> io::Result<File> {
        match self {
            Sink::Plain(f) => Ok(f),
            Sink::Sealed(w) => w.finish(sha256),
        }
    }
}

/// A stored blob's plaintext, read as a stream (decrypted and authenticated chunk by chunk in an encrypted store).
pub enum BlobReader {
    Plain(File),
    Sealed(Box<SealReader<File>>),
}

impl BlobReader {
    /// Moves to plaintext byte `offset` (to resume an upload).
    pub fn seek_plain(&mut self, offset: u64) -> io::Result<()> {
        match self {
            BlobReader::Plain(f) => f.seek(SeekFrom::Start(offset)).map(|_| ()),
            BlobReader::Sealed(r) => r.seek_plain(offset),
        }
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            BlobReader::Plain(f) => f.read(buf),
            BlobReader::Sealed(r) => r.read(buf),
        }
    }
}
