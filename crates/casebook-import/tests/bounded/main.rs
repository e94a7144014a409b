//! Hostile timelines read in bounded memory and time: every cap fails at the row where the oversized part began.
//! These tests measure the process's peak memory, so they live in their own test binary and run one at a time.

mod memory;

use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

use casebook_import::{read_timeline, Format, ImportError, Oversize, MAX_CELL_BYTES};
use memory::{measure, serial, MAX_GROWTH};

/// `len` bytes of `pattern` repeated, made as they are read, so the test itself holds none of them.
struct Endless {
    pattern: &'static [u8],
    left: u64,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = self.pattern[(self.read.get() as usize + i) % self.pattern.len()];
        }
        self.left -= n as u64;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

fn endless(pattern: &'static [u8], len: u64) -> (Endless, std::rc::Rc<std::cell::Cell<u64>>) {
    let read = std::rc::Rc::new(std::cell::Cell::new(0));
    (
        Endless {
            pattern,
            left: len,
            read: read.clone(),
        },
        read,
    )
}

const HEADER_AND_TWO_ROWS: &str = "message,datetime,timestamp_desc\n\
    first,2026-01-01T00:00:00Z,Write\n\
    second,2026-01-01T00:00:01Z,Write\n";

#[test]
fn an_unterminated_quote_fails_at_its_own_row_without_reading_the_rest() {
    let _one = serial();
    let (rest, read) = endless(b"more,2026-01-01T00:00:02Z,Write\n", 512 * 1024 * 1024);
    let input = Cursor::new(format!(
        "{HEADER_AND_TWO_ROWS}\"never closed,2026-01-01T00:00:02Z,Write\n"
    ))
    .chain(rest);
    let (errors, growth) = measure(|| {
        read_timeline(input, Format::Csv)
            .expect("the header is fine")
            .filter_map(Result::err)
            .collect::<Vec<_>>()
    });
    eprintln!(
        "unterminated quote: {growth} bytes of memory growth, {} bytes read",
        read.get()
    );
    match errors.as_slice() {
        [ImportError::TooLong {
            row: 3,
            line: 4,
            what: Oversize::QuotedCell,
            ..
        }] => {}
        other => panic!("the quote opened in row 3 (line 4) must be the one error: {other:?}"),
    }
    assert!(growth < MAX_GROWTH, "reading took {growth} bytes of memory");
    assert!(
        read.get() < 4 * MAX_CELL_BYTES,
        "reading stops at the cell's cap, not at the end of the file: {} bytes read",
        read.get()
    );
}

#[test]
fn an_endless_jsonl_line_fails_at_its_row_and_the_next_line_still_reads() {
    let _one = serial();
    let (long, _) = endless(b"{\"message\": \"aaaaaaaa", 256 * 1024 * 1024);
    let input = Cursor::new(b"{\"message\":\"ok\",\"datetime\":\"2026-01-01T00:00:00Z\",\"timestamp_desc\":\"W\"}\n".to_vec())
        .chain(long)
        .chain(Cursor::new(
            b"\n{\"message\":\"after\",\"datetime\":\"2026-01-01T00:00:01Z\",\"timestamp_desc\":\"W\"}\n".to_vec(),
        ));
    let (results, growth) = measure(|| {
        read_timeline(input, Format::Jsonl)
            .expect("JSONL starts lazily")
            .collect::<Vec<_>>()
    });
    eprintln!("endless JSONL line: {growth} bytes of memory growth");
    assert!(growth < MAX_GROWTH, "reading took {growth} bytes of memory");
    assert_eq!(
        results.len(),
        3,
        "three lines, one of them too long: {results:?}"
    );
    assert!(
        matches!(
            results[1],
            Err(ImportError::TooLong {
                row: 2,
                what: Oversize::Line,
                ..
            })
        ),
        "line 2 is too long: {:?}",
        results[1]
    );
    assert!(
        matches!(&results[2], Ok(entry) if entry.message == "after" && entry.row == 3),
        "reading goes on after an oversized line: {:?}",
        results[2]
    );
}

#[test]
fn an_oversized_unquoted_cell_is_refused_at_its_row() {
    let _one = serial();
    let (cell, _) = endless(b"x", 64 * 1024 * 1024);
    let input = Cursor::new(HEADER_AND_TWO_ROWS.as_bytes().to_vec()).chain(cell);
    let (errors, growth) = measure(|| {
        read_timeline(input, Format::Csv)
            .expect("the header is fine")
            .filter_map(Result::err)
            .collect::<Vec<_>>()
    });
    assert!(growth < MAX_GROWTH, "reading took {growth} bytes of memory");
    assert!(
        matches!(
            errors.as_slice(),
            [ImportError::TooLong {
                row: 3,
                what: Oversize::Cell,
                ..
            }]
        ),
        "{errors:?}"
    );
}

fn wide_header(columns: usize, mandatory: bool) -> String {
    let mut header: Vec<String> = (0..columns).map(|i| format!("c{i}")).collect();
    if mandatory {
        header.extend(["message", "datetime", "timestamp_desc"].map(String::from));
    }
    header.join(",")
}

#[test]
fn a_header_of_100000_columns_answers_in_under_a_second() {
    let _one = serial();
    let missing = wide_header(100_000, false);
    let started = Instant::now();
    let answer = read_timeline(missing.as_bytes(), Format::Csv);
    let took = started.elapsed();
    eprintln!("100,000-column header without the format's columns: answered in {took:?}");
    match answer {
        Err(e @ ImportError::MissingColumns { .. }) => {
            let message = e.to_string();
            assert!(
                message.len() < 2_000 && message.contains("and 99980 more"),
                "the message names the first columns only: {} bytes",
                message.len()
            );
        }
        other => panic!("the header lacks the format's columns: {other:?}"),
    }
    assert!(took < Duration::from_secs(1), "took {took:?}");

    let usable = format!("{}\n", wide_header(100_000, true));
    let started = Instant::now();
    let answer = read_timeline(usable.as_bytes(), Format::Csv).map(|e| e.count());
    let took = started.elapsed();
    eprintln!("100,000-column header with the format's columns: answered in {took:?}");
    assert!(
        matches!(answer, Ok(1)),
        "a header with every column is read; with no rows, that is the one error: {answer:?}"
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
}
