//! CSV: every type written and read back, and bad files refused at their row and column.

use casebook_core::model::{ObservableKind, Tlp};
use casebook_interchange::{read, write, Format, Location, ReadError};

use crate::{facts, sample};

#[test]
fn every_observable_is_one_line_under_a_header_and_reads_back_the_same() {
    let mut out = Vec::new();
    let s = write(&[sample()], Format::Csv, &mut out).unwrap();
    assert_eq!(
        (s.written, s.left_out),
        (24, 0),
        "CSV keeps every type, `other` included"
    );
    let text = String::from_utf8(out.clone()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("incident,type,value,ioc,tlp,first_seen,last_seen,added_at,note,seen_in_other_incidents")
    );
    assert_eq!(
        lines.next(),
        Some("INC-7K3QF2,ipv4,203.0.113.7,true,TLP:AMBER,2026-11-19T08:00:00Z,,2026-11-20T10:00:00.123456Z,seen in the ipv4 logs,INC-AAAAAA"),
        "one observable a line, times in RFC 3339 with their microseconds"
    );
    let back = read(&out, Format::Csv).unwrap();
    let mut got: Vec<_> = back
        .observables
        .iter()
        .map(|o| (o.kind.unwrap(), o.value.clone(), o.ioc, o.tlp.unwrap()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        facts(&sample()),
        "type, value, IOC flag and TLP survive"
    );
    assert_eq!(back.observables[0].note, "seen in the ipv4 logs");
    assert_eq!(
        back.observables[0].first_seen,
        Some(crate::at("2026-11-19T08:00:00Z"))
    );
}

#[test]
fn a_minimal_file_needs_only_a_value_column() {
    let back = read(
        b"\xEF\xBB\xBFValue , TLP\nhxxps://evil[.]example/x,tlp:white\n",
        Format::Csv,
    )
    .unwrap();
    let o = &back.observables[0];
    assert_eq!(
        o.kind, None,
        "no type column: the API guesses, as for a typed-in value"
    );
    assert_eq!(o.value, "hxxps://evil[.]example/x");
    assert_eq!(o.tlp, Some(Tlp::Clear), "TLP 1.0 WHITE is TLP 2.0 CLEAR");
    assert!(!o.ioc);
    assert_eq!(
        o.at,
        Location::Row {
            row: 1,
            column: "value".into()
        }
    );
}

fn cell_error(csv: &str) -> (u64, String, String) {
    match read(csv.as_bytes(), Format::Csv) {
        Err(ReadError::Cell { row, column, why }) => (row, column, why),
        other => panic!("expected a cell error for {csv:?}, got {other:?}"),
    }
}

#[test]
fn bad_cells_are_refused_by_row_and_column() {
    let (row, column, why) = cell_error("type,value\nipv4,1.2.3.4\nbanana,x\n");
    assert_eq!((row, column.as_str()), (2, "type"));
    assert!(
        why.contains("ipv4, ipv6"),
        "the accepted types are listed: {why}"
    );
    let (row, column, _) = cell_error("type,value,ioc\nipv4,1.2.3.4,maybe\n");
    assert_eq!((row, column.as_str()), (1, "ioc"));
    let (row, column, _) = cell_error("value,tlp\n1.2.3.4,purple\n");
    assert_eq!((row, column.as_str()), (1, "tlp"));
    let (row, column, why) = cell_error("value,first_seen\n1.2.3.4,2026-11-20 10:00\n");
    assert_eq!((row, column.as_str()), (1, "first_seen"));
    assert!(why.contains("with a zone"), "{why}");
    let (row, column, _) = cell_error("type,value\nipv4,\n");
    assert_eq!((row, column.as_str()), (1, "value"));
    let (row, column, why) = cell_error(&format!("value\n{}\n", "a".repeat(9000)));
    assert_eq!((row, column.as_str()), (1, "value"));
    assert!(why.contains("at most 8192"), "{why}");
}

#[test]
fn junk_broken_quotes_and_ragged_rows_are_refused_with_a_place() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let e = read(&junk, Format::Csv).unwrap_err();
    assert!(
        matches!(e, ReadError::Header { .. } | ReadError::Csv { row: 0, .. }),
        "junk fails at the header: {e}"
    );
    let e = read(b"type,value\nipv4,\"1.2.3.4\n", Format::Csv).unwrap_err();
    assert!(
        e.to_string().contains("never closed") && e.to_string().contains("line 2"),
        "{e}"
    );
    let e = read(b"type,value\nipv4,1.2.3.4,extra\n", Format::Csv).unwrap_err();
    assert!(
        matches!(
            e,
            ReadError::Csv {
                row: 1,
                line: 2,
                ..
            }
        ),
        "a ragged row is located: {e}"
    );
    let e = read(b"type,value\n", Format::Csv).unwrap_err();
    assert!(matches!(e, ReadError::Empty), "{e}");
}

#[test]
fn types_are_read_in_every_spelling_the_cli_accepts() {
    let back = read(
        b"type,value\nFILE_NAME,a.exe\nregistry-key,HKLM\\x\n",
        Format::Csv,
    )
    .unwrap();
    assert_eq!(back.observables[0].kind, Some(ObservableKind::FileName));
    assert_eq!(back.observables[1].kind, Some(ObservableKind::RegistryKey));
}

#[test]
fn more_observables_than_the_cap_are_refused() {
    let mut text = String::from("value\n");
    for _ in 0..=casebook_interchange::MAX_OBSERVABLES {
        text.push_str("1.2.3.4\n");
    }
    let e = read(text.as_bytes(), Format::Csv).unwrap_err();
    assert!(
        matches!(e, ReadError::TooMany { limit: 200_000 }),
        "one past the cap is refused: {e}"
    );
}
