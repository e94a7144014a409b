//! Watches the raw CSV bytes for a quoted cell that is still open at the end of the input.
//!
//! The `csv` crate is lenient there: an unbalanced `"` silently turns the rest of the file into one cell, and when the
//! quote opens in the last column the row even has the right number of cells. An import must not succeed with every
//! later event folded into one message, so this adapter mirrors the parser's quoting states (default dialect: `,`,
//! `"`, doubled quotes as escapes, no comments) and remembers whether the input ended inside quotes.
//!
//! The same states bound memory: the `csv` crate grows its record buffer for as long as a cell goes on, so an
//! unterminated quote would buffer the whole rest of the file. The tracker counts the bytes of the current cell and
//! record as they pass and fails the read with [`TooLong`] as soon as one passes its cap, remembering the line
//! where that record began.

use std::io::{self, Read};

/// Largest CSV cell: the admission rule's cap on a long text (a timeline message).
pub const MAX_CELL_BYTES: u64 = 1024 * 1024;
/// Largest CSV record (a row, or the header): room for 100,000 short column names, and for a row of long cells.
pub const MAX_RECORD_BYTES: u64 = 4 * 1024 * 1024;

/// A cell or record passed its cap; carried inside the `io::Error` the read fails with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {} is longer than {limit} bytes", if *.cell { "cell" } else { "record" })]
pub(crate) struct TooLong {
    /// A cell (else a whole record) passed its cap.
    pub cell: bool,
    /// The cell was quoted and still open: most likely a quote that is never closed.
    pub in_quotes: bool,
    /// The line of the file where the record began.
    pub line: u64,
    /// The cap it passed.
    pub limit: u64,
}

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
    /// The line being read (from 1).
    line: u64,
    /// The line where the current record began.
    record_line: u64,
    /// Whether the next byte that is not a line break starts a record.
    between_records: bool,
    cell_bytes: u64,
    record_bytes: u64,
    caps: (u64, u64),
}

const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

impl<R: Read> QuoteTracker<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self::with_caps(inner, MAX_CELL_BYTES, MAX_RECORD_BYTES)
    }

    /// A tracker with other caps (tests use small ones).
    pub(crate) fn with_caps(inner: R, cell: u64, record: u64) -> Self {
        QuoteTracker {
            inner,
            state: State::CellStart,
            consumed: 0,
            at_end: false,
            bom_so_far: 0,
            line: 1,
            record_line: 1,
            between_records: true,
            cell_bytes: 0,
            record_bytes: 0,
            caps: (cell, record),
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

    /// Follows one byte and counts it against the caps.
    fn count(&mut self, byte: u8) -> Result<(), TooLong> {
        let before = self.state;
        self.follow(byte);
        let ends_record = byte == b'\n' || byte == b'\r';
        if self.state == State::CellStart && before != State::Quoted {
            // A separator or line break outside quotes: the cell (and, for a line break, the record) ended.
            self.cell_bytes = 0;
            if ends_record {
                self.record_bytes = 0;
                self.between_records = true;
            } else {
                self.record_bytes += 1;
            }
        } else {
            if self.between_records {
                self.between_records = false;
                self.record_line = self.line;
            }
            self.cell_bytes += 1;
            self.record_bytes += 1;
        }
        if byte == b'\n' {
            self.line += 1;
        }
        let (cell_cap, record_cap) = self.caps;
        if self.cell_bytes > cell_cap || self.record_bytes > record_cap {
            return Err(TooLong {
                cell: self.cell_bytes > cell_cap,
                in_quotes: matches!(self.state, State::Quoted | State::QuoteInQuoted),
                line: self.record_line,
                limit: if self.cell_bytes > cell_cap {
                    cell_cap
                } else {
                    record_cap
                },
            });
        }
        Ok(())
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
            } else if let Err(too_long) = self.count(byte) {
                return Err(io::Error::other(too_long));
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

    fn first_too_long(text: &str, cell: u64, record: u64) -> Option<TooLong> {
        let mut tracker = QuoteTracker::with_caps(text.as_bytes(), cell, record);
        let mut sink = Vec::new();
        tracker.read_to_end(&mut sink).err().map(|e| {
            *e.into_inner()
                .expect("ours")
                .downcast::<TooLong>()
                .expect("a TooLong")
        })
    }

    #[test]
    fn cells_and_records_are_capped_where_they_begin() {
        assert_eq!(
            first_too_long("a,b\n1234,5\n", 4, 100),
            None,
            "a cell at its cap is fine"
        );
        let open = first_too_long("a,b\n1,2\n\"never closed,\n3,4\n5,6\n", 8, 100)
            .expect("an open quote runs past the cell cap");
        assert_eq!(
            (open.cell, open.in_quotes, open.line),
            (true, true, 3),
            "reported as a quoted cell of the record that began on line 3"
        );
        let wide = first_too_long("a,b\n1,2,3,4,5,6,7,8,9\n", 4, 10).expect("a wide record");
        assert_eq!(
            (wide.cell, wide.line),
            (false, 2),
            "a record past its cap, on line 2"
        );
        assert_eq!(
            first_too_long("a\n\"x\ny\"\n", 8, 100),
            None,
            "a line break inside quotes belongs to the cell"
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
