//! `casebook timeline …`

use std::fs::File;
use std::io::{BufWriter, Write};

use casebook_api::paging::PageAt;
use casebook_api::timeline::EntryInput;
use casebook_api::timeline_file::{Format, TimelineFile};
use casebook_api::views::{Cursor, EntryFilter, EntryView};
use casebook_api::{Casebook, ErrorCode};
use casebook_core::event::EntrySource;
use casebook_core::EntryId;

use crate::cli::{ExportFormat, FileFormat, TimelineCmd};
use crate::output::{clip, progress, table, time, Out};

/// Entries a table shows when no --limit is given.
const TABLE_LIMIT: i64 = 1000;
/// Entries read per page when --json streams a whole timeline.
const JSON_PAGE: i64 = 1000;

pub fn run(cb: &mut Casebook, c: TimelineCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        TimelineCmd::Add {
            key,
            summary,
            at,
            kind,
            details,
            key_event,
            host,
            tool,
        } => {
            let e = cb.add_entry(
                &key,
                EntryInput {
                    summary,
                    details,
                    at,
                    kind: Some(kind),
                    source: EntrySource {
                        host,
                        tool,
                        file: None,
                    },
                    key_event,
                },
            )?;
            out.show(&e, || {
                format!(
                    "Added {} entry at {} ({}).",
                    e.kind,
                    time(&e.event_time),
                    e.id
                )
            })
        }
        TimelineCmd::List {
            key,
            kind,
            key_events,
            hide_superseded,
            grep,
            offset,
            limit,
        } => {
            let filter = EntryFilter {
                kind,
                key_events_only: key_events,
                hide_superseded,
                text: grep,
            };
            if out.json && limit.is_none() {
                // Every entry, a page at a time: a script never gets part of a case without knowing it. Each page
                // starts after the last entry written (a keyset step), so the walk never re-reads what it passed.
                let mut after: Option<Cursor> = None;
                return out.stream_json(|_| {
                    let at = match after {
                        Some(c) => PageAt::After(c),
                        None => PageAt::Position(offset),
                    };
                    let page = cb.timeline_page(&key, &filter, at, JSON_PAGE)?;
                    after = page.entries.last().map(Cursor::from).or(after);
                    Ok(page.entries)
                });
            }
            let (total, entries) =
                cb.entries(&key, &filter, offset, limit.unwrap_or(TABLE_LIMIT))?;
            out.show(&entries, || render(&entries, total, offset))
        }
        TimelineCmd::Import {
            key,
            file,
            format,
            kind,
        } => {
            let format = format.map(|f| match f {
                FileFormat::Csv => Format::Csv,
                FileFormat::Jsonl => Format::Jsonl,
            });
            let file = TimelineFile::open(&file, format)?;
            let (format, label) = (file.format, file.label.clone());
            let bar = progress(file.size, true, "importing");
            let reader = bar.wrap_read(file);
            let s = cb.import_timeline(&key, reader, format, &label, kind, &mut |_| {})?;
            bar.finish_and_clear();
            out.show(&s, || {
                format!(
                    "Imported {} entries into {} ({} to {}).",
                    s.entries,
                    s.incident_key,
                    s.first.as_ref().map(time).unwrap_or_default(),
                    s.last.as_ref().map(time).unwrap_or_default()
                )
            })
        }
        TimelineCmd::Export {
            key,
            format,
            output,
        } => {
            let format = match format {
                ExportFormat::TimesketchCsv => Format::Csv,
                ExportFormat::TimesketchJsonl => Format::Jsonl,
            };
            let n = match &output {
                Some(path) => {
                    let f = File::create(path)
                        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
                    let mut w = BufWriter::new(f);
                    let n = cb.export_timeline(&key, format, &mut w)?;
                    w.flush()?;
                    n
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut w = BufWriter::new(stdout.lock());
                    let n = cb.export_timeline(&key, format, &mut w)?;
                    w.flush()?;
                    n
                }
            };
            if let Some(path) = output {
                eprintln!("Wrote {n} entries to {}", path.display());
            }
            Ok(())
        }
        TimelineCmd::Correct {
            key,
            entry,
            summary,
            at,
            kind,
            details,
        } => {
            let entry = entry_id(cb, &key, &entry)?;
            let e = cb.correct_entry(
                &key,
                entry,
                EntryInput {
                    summary,
                    details,
                    at,
                    kind,
                    ..Default::default()
                },
            )?;
            out.show(&e, || {
                format!("Added correction {} (supersedes {entry}).", e.id)
            })
        }
        TimelineCmd::Star { key, entry, off } => {
            let entry = entry_id(cb, &key, &entry)?;
            let e = cb.set_key_event(&key, entry, !off)?;
            out.show(&e, || {
                format!(
                    "{} is {} key event.",
                    e.id,
                    if e.key_event { "now a" } else { "no longer a" }
                )
            })
        }
    }
}

/// Accepts a full entry id or a unique start of one (as `timeline list` shows); the API looks it up.
fn entry_id(cb: &Casebook, key: &str, given: &str) -> anyhow::Result<EntryId> {
    cb.entry_id(key, given).map_err(|e| match e.code {
        ErrorCode::NotFound => anyhow::anyhow!("{e}; `casebook timeline list {key}` shows the ids"),
        _ => e.into(),
    })
}

fn render(entries: &[EntryView], total: i64, offset: i64) -> String {
    if entries.is_empty() {
        return if total == 0 {
            "No timeline entries yet. Add one with `casebook timeline add KEY \"What happened\" --at TIME`.".into()
        } else {
            format!("No entries past #{offset} (there are {total}).")
        };
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let mut flags = String::new();
            if e.key_event {
                flags.push('★');
            }
            if e.superseded_by.is_some() {
                flags.push_str("(superseded)");
            }
            if e.supersedes.is_some() {
                flags.push_str("(correction)");
            }
            vec![
                e.event_time.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
                e.kind.to_string(),
                flags,
                clip(&e.summary, 90),
                e.id.to_string(),
            ]
        })
        .collect();
    let mut t = table(&["EVENT TIME (UTC)", "KIND", "", "SUMMARY", "ID"], &rows);
    if (entries.len() as i64) < total {
        t.push_str(&format!(
            "({} of {total} entries; use --offset and --limit for more)\n",
            entries.len()
        ));
    }
    t
}
