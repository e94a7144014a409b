//! Watches the raw CSV bytes for a quoted cell that is still open at the end of the input.
//!
//! The `csv` crate is lenient there: an unbalanced `"` silently turns the rest of the file into one cell, and when the
//! quote opens in the last column the row even has the right number of cells. An import must not succeed with every
//! later event folded into one message, so this adapter mirrors the parser's quoting states (default dialect: `,`,
//! `"`, doubled quotes as escapes, no comments) and remembers whether the input ended inside quotes.

use std::io::{self, Read};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a cell (or a record): a `"` here opens a quoted cell.
    CellStart,
    /// Inside an unquoted cell: a `"` here is an ordinary character.
    Unquoted,
    /// Inside a quoted cell.
    Quoted,
    /// Just saw a `"` inside a quoted cell: either the closing quote or the first half of `""`.
    QuoteInQuoted,
}

/// A `Read` adapter that follows the CSV quoting state of every byte passing through it.
#[derive(Debug)]
pub(crate) struct QuoteTracker<R> {
    inner: R,
    state: State,
    consumed: u64,
    at_end: bool,
    /// How many leading bytes matched the byte order mark.
    bom_so_far: u64,
}

const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

impl<R: Read> QuoteTracker<R> {
    pub(crate) fn new(inner: R) -> Self {
        QuoteTracker {
            inner,
            state: State::CellStart,
            consumed: 0,
            at_end: false,
            bom_so_far: 0,
        }
    }

    /// True once the whole input was read and it ended inside a quoted cell.
    pub(crate) fn ended_inside_quotes(&self) -> bool {
        self.at_end && self.state == State::Quoted
    }

    /// How many bytes have passed through, so a caller can tell whether a record reaches the end of the input.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    fn follow(&mut self, byte: u8) {
        self.state = match (self.state, byte) {
            (State::CellStart, b'"') => State::Quoted,
            (State::CellStart | State::Unquoted, b',' | b'\n' | b'\r') => State::CellStart,
            (State::CellStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::QuoteInQuoted, b',' | b'\n' | b'\r') => State::CellStart,
            // The csv crate keeps text after a closing quote as part of the cell (`"a"b` reads as `ab`).
            (State::QuoteInQuoted, _) => State::Unquoted,
        };
    }
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buf)?;
        if count == 0 && !buf.is_empty() {
            self.at_end = true;
        }
        for (index, &byte) in buf[..count].iter().enumerate() {
            // The csv crate skips a UTF-8 byte order mark at the start; so must we, or a quoted first cell would
            // look like an unquoted one.
            let offset = self.consumed + index as u64;
            let in_bom = offset < 3 && self.bom_so_far == offset && byte == BOM[offset as usize];
            if in_bom {
                self.bom_so_far += 1;
            } else {
                self.follow(byte);
            }
        }
        self.consumed += count as u64;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends_open(text: &str) -> bool {
        let mut tracker = QuoteTracker::new(text.as_bytes());
        let mut sink = Vec::new();
        match tracker.read_to_end(&mut sink) {
            Ok(_) => tracker.ended_inside_quotes(),
            Err(error) => panic!("reading from a slice cannot fail: {error}"),
        }
    }

    #[test]
    fn balanced_quotes_are_closed() {
        assert!(
            !ends_open("a,b\n\"x,\"\"y\"\"\nz\",2\n"),
            "doubled quotes and newlines inside quotes are fine"
        );
        assert!(
            !ends_open("a,b\nsay \"hi,2\n"),
            "a quote inside an unquoted cell is an ordinary character"
        );
        assert!(
            !ends_open("a\n\"x\"tail\n"),
            "text after a closing quote does not reopen quoting"
        );
        assert!(
            !ends_open("\u{feff}\"a\nb\"\n"),
            "a byte order mark does not hide the opening quote"
        );
    }

    #[test]
    fn an_unbalanced_quote_is_noticed() {
        assert!(
            ends_open("a,b\n\"x,2\n3,4\n"),
            "a quote opened at a cell start and never closed"
        );
        assert!(
            ends_open("a,b\n1,\"open\n"),
            "an open quote in the last column"
        );
        assert!(
            ends_open("a\n\"x\"\"\n"),
            "an escaped quote does not close the cell"
        );
    }
}
