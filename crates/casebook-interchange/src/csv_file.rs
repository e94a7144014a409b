//! Observables as CSV: a header row, then one observable a line, values written live (not defanged) so that a
//! spreadsheet or a script gets them as they are.
//!
//! Reading finds columns by name (case and surrounding spaces ignored) and needs only `value`; `type`, `ioc`, `tlp`,
//! `first_seen`, `last_seen` and `note` are read when present, every other column (those the writer adds for people:
//! `incident`, `added_at`, `seen_in_other_incidents`) is passed over. An empty `type` is guessed by the API as for a
//! typed-in value.

use std::io::Write;

use casebook_core::model::{ObservableKind, Tlp};
use chrono::{DateTime, Utc};

use crate::{
    CaseObservables, ExportError, Location, ReadError, ReadObservable, ReadOutcome, WriteSummary,
    MAX_NOTE_BYTES, MAX_OBSERVABLES, MAX_VALUE_BYTES,
};

/// The columns written, in order.
pub const COLUMNS: [&str; 10] = [
    "incident",
    "type",
    "value",
    "ioc",
    "tlp",
    "first_seen",
    "last_seen",
    "added_at",
    "note",
    "seen_in_other_incidents",
];

fn time(t: &Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_default()
}

pub(crate) fn write(
    cases: &[CaseObservables],
    out: impl Write,
) -> Result<WriteSummary, ExportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    let mut summary = WriteSummary::default();
    for c in cases {
        for o in &c.observables {
            w.write_record([
                c.case.key.as_str(),
                o.kind.as_str(),
                o.value.as_str(),
                if o.ioc { "true" } else { "false" },
                &o.tlp.label(),
                &time(&o.first_seen),
                &time(&o.last_seen),
                &time(&Some(o.added_at)),
                o.note.as_str(),
                &o.seen_in.join(" "),
            ])?;
            summary.written += 1;
        }
    }
    w.flush()?;
    Ok(summary)
}

pub(crate) fn read(bytes: &[u8]) -> Result<ReadOutcome, ReadError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // The csv crate folds everything after an unclosed quote into one cell; a balanced file has an even count.
    if body.iter().filter(|b| **b == b'"').count() % 2 == 1 {
        let line = body
            .iter()
            .position(|b| *b == b'"')
            .map(|p| body[..p].iter().filter(|b| **b == b'\n').count() + 1)
            .unwrap_or(1);
        return Err(ReadError::Header {
            why: format!(
                "the file has an odd number of `\"` characters, so a quoted cell is never closed \
                 (the first quote is on line {line})"
            ),
        });
    }
    let mut reader = csv::ReaderBuilder::new().from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| ReadError::Header {
            why: format!("this is not CSV text with a header row ({e})"),
        })?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let value_at = column("value").ok_or_else(|| ReadError::Header {
        why: format!(
            "no `value` column; the first line must name the columns, e.g. `type,value,ioc,tlp,note` (found: {})",
            headers.iter().take(8).map(|h| format!("`{}`", h.chars().take(40).collect::<String>())).collect::<Vec<_>>().join(", ")
        ),
    })?;
    let at = [
        column("type"),
        column("ioc"),
        column("tlp"),
        column("first_seen"),
        column("last_seen"),
        column("note"),
    ];
    let mut outcome = ReadOutcome::default();
    for (i, record) in reader.records().enumerate() {
        let row = i as u64 + 1;
        let record = record.map_err(|source| ReadError::Csv {
            row,
            line: source.position().map_or(0, |p| p.line()),
            source,
        })?;
        let cell = |index: Option<usize>| index.and_then(|x| record.get(x)).unwrap_or("").trim();
        let bad = |name: &str, why: String| ReadError::Cell {
            row,
            column: name.to_string(),
            why,
        };
        let value = cell(Some(value_at));
        if value.is_empty() {
            return Err(bad("value", "the value is empty".into()));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(bad(
                "value",
                format!(
                    "the value is {} bytes long; Casebook reads at most {MAX_VALUE_BYTES}",
                    value.len()
                ),
            ));
        }
        let [type_at, ioc_at, tlp_at, first_at, last_at, note_at] = at;
        let kind = match cell(type_at) {
            "" => None,
            t => Some(
                t.parse::<ObservableKind>()
                    .map_err(|e| bad("type", e.to_string()))?,
            ),
        };
        let ioc = match cell(ioc_at).to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "0" => false,
            "true" | "yes" | "1" | "ioc" => true,
            other => {
                return Err(bad(
                    "ioc",
                    format!(
                    "`{other}` is not true or false (also accepted: yes/no, 1/0, empty for false)"
                ),
                ))
            }
        };
        let tlp = match cell(tlp_at) {
            "" => None,
            t => Some(parse_tlp(t).map_err(|e| bad("tlp", e))?),
        };
        let first_seen = parse_time(cell(first_at)).map_err(|e| bad("first_seen", e))?;
        let last_seen = parse_time(cell(last_at)).map_err(|e| bad("last_seen", e))?;
        let note = cell(note_at);
        if note.len() > MAX_NOTE_BYTES {
            return Err(bad(
                "note",
                format!(
                    "the note is {} bytes long; Casebook reads at most {MAX_NOTE_BYTES}",
                    note.len()
                ),
            ));
        }
        outcome.observables.push(ReadObservable {
            at: Location::Row {
                row,
                column: "value".into(),
            },
            kind,
            value: value.to_string(),
            tlp,
            ioc,
            note: note.to_string(),
            first_seen,
            last_seen,
        });
        if outcome.observables.len() > MAX_OBSERVABLES {
            return Err(ReadError::TooMany {
                limit: MAX_OBSERVABLES,
            });
        }
    }
    if outcome.observables.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(outcome)
}

/// `amber`, `TLP:AMBER`, `tlp:amber+strict`; TLP 1.0's `white` is TLP 2.0's `clear`.
fn parse_tlp(s: &str) -> Result<Tlp, String> {
    let bare = s
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("tlp:"))
        .map_or(s, |_| &s[4..]);
    if bare.eq_ignore_ascii_case("white") {
        return Ok(Tlp::Clear);
    }
    bare.parse::<Tlp>().map_err(|e| e.to_string())
}

fn parse_time(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(&s.replace(' ', "T"))
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| format!("`{s}` is not a time with a zone, e.g. 2026-11-20T10:04:00Z"))
}
