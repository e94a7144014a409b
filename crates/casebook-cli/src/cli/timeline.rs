//! `casebook timeline`: entries, imports and exports of an incident's timeline.

use std::path::PathBuf;

use casebook_core::model::EntryKind;
use clap::{Subcommand, ValueEnum};

use super::{parse, parse_time};

#[derive(Debug, Subcommand)]
pub enum TimelineCmd {
    /// Add an entry (event time defaults to now).
    Add {
        key: String,
        summary: String,
        /// When it happened, e.g. 2026-11-20T10:04:00Z (a time zone is required).
        #[arg(long, value_parser = parse_time)]
        at: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long, value_parser = parse::<EntryKind>, default_value = "note")]
        kind: EntryKind,
        #[arg(long, default_value = "")]
        details: String,
        /// Mark as a key event for reports.
        #[arg(long)]
        key_event: bool,
        #[arg(long)]
        host: Option<String>,
        #[arg(long)]
        tool: Option<String>,
    },
    /// List entries in event-time order.
    List {
        key: String,
        #[arg(long, value_parser = parse::<EntryKind>)]
        kind: Option<EntryKind>,
        #[arg(long)]
        key_events: bool,
        /// Hide entries replaced by a correction.
        #[arg(long)]
        hide_superseded: bool,
        /// Only entries with these words (the last one a prefix), as `casebook search` matches them.
        #[arg(long)]
        grep: Option<String>,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        /// At most this many entries. Without it the table shows the first 1000 and says how many there are,
        /// and --json gives every entry (streamed, however many).
        #[arg(long)]
        limit: Option<i64>,
    },
    /// Import a Timesketch CSV or JSONL file (plaso output): every row or none.
    Import {
        key: String,
        file: PathBuf,
        /// csv or jsonl (default: from the file's extension).
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
        /// The kind given to imported entries.
        #[arg(long, value_parser = parse::<EntryKind>, default_value = "finding")]
        kind: EntryKind,
    },
    /// Export the timeline in Timesketch format.
    Export {
        key: String,
        #[arg(long, value_enum, default_value = "timesketch-csv")]
        format: ExportFormat,
        /// Write to a file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Add a correction that supersedes an entry (entries are never edited in place).
    Correct {
        key: String,
        entry: String,
        summary: String,
        #[arg(long, value_parser = parse_time)]
        at: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long, value_parser = parse::<EntryKind>)]
        kind: Option<EntryKind>,
        #[arg(long, default_value = "")]
        details: String,
    },
    /// Mark (or with --off unmark) an entry as a key event.
    Star {
        key: String,
        entry: String,
        #[arg(long)]
        off: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Template {
    Technical,
    Executive,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FileFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    TimesketchCsv,
    TimesketchJsonl,
}
