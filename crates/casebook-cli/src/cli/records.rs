//! `casebook evidence`, `observable`, `task` and `comment`: the records kept beside a timeline.

use std::path::PathBuf;

use casebook_core::model::{CustodyAction, ObservableKind, TaskStatus, Tlp};
use clap::{Subcommand, ValueEnum};

use super::{parse, parse_time};

#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// Copy a file into the evidence store with its SHA-256 (any size; streamed).
    Add {
        key: String,
        file: PathBuf,
        #[arg(long, default_value = "")]
        source_host: String,
        #[arg(long)]
        source_path: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, value_parser = parse_time)]
        acquired_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// List an incident's evidence.
    List { key: String },
    /// Re-hash stored evidence (one incident, or all) and report any change.
    Verify { key: Option<String> },
    /// Show an item's chain of custody, or add a step with --action.
    Custody {
        key: String,
        /// Evidence id prefix, SHA-256 prefix or name.
        evidence: String,
        #[arg(long, value_parser = parse::<CustodyAction>)]
        action: Option<CustodyAction>,
        #[arg(long)]
        who: Option<String>,
        #[arg(long, default_value = "")]
        location: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long, value_parser = parse_time)]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Bring evidence files made on another laptop from the team server (verified by SHA-256 on arrival): one
    /// item, or every item of the incident not yet here, to work on it offline.
    Fetch {
        key: String,
        /// Evidence id prefix, SHA-256 prefix or name; all of the incident's when left out.
        evidence: Option<String>,
    },
    /// Copy a stored evidence file out (verifying its hash).
    Extract {
        key: String,
        evidence: String,
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ObservableCmd {
    /// Add an observable; the type is guessed unless given, the value normalized (defanged input is fine).
    Add {
        key: String,
        value: String,
        #[arg(long = "type", value_parser = parse::<ObservableKind>)]
        kind: Option<ObservableKind>,
        #[arg(long, value_parser = parse::<Tlp>)]
        tlp: Option<Tlp>,
        /// Mark as an indicator of compromise.
        #[arg(long)]
        ioc: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List an incident's observables and the other incidents each was seen in.
    List {
        key: String,
        /// Show values defanged (hxxps://evil[.]example), safe to paste into a chat or a ticket.
        #[arg(long)]
        defang: bool,
    },
    /// Export observables as a STIX 2.1 bundle, a MISP event or CSV.
    #[command(
        long_about = "Export observables for a threat-intelligence platform or a spreadsheet.\n\n\
stix: a STIX 2.1 bundle. IOC-flagged observables become indicators with a STIX pattern, the others cyber-observable \
objects; each incident is a report referring to them; TLP 2.0 markings are the official OASIS objects. Ids are \
stable, so exporting again updates the receiver's copy instead of duplicating it. STIX has no object for type \
`other`: those are left out and counted.\n\
misp: a MISP event (several incidents: MISP's {\"response\": [...]} list), to_ids from the IOC flag, tlp:… tags, \
a sighting for each other incident the observable was seen in.\n\
csv: a header row, then one observable a line.",
        after_help = "Examples:\n  casebook observable export INC-7K3QF2 --format stix -o inc-7k3qf2.stix.json\n  \
casebook observable export INC-7K3QF2 --format misp -o inc-7k3qf2.misp.json\n  \
casebook observable export --all --since 2026-11-01T00:00:00Z --format csv -o november.csv --json"
    )]
    Export {
        /// The incident (key or id); or use --all.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        key: Option<String>,
        /// Every incident's observables.
        #[arg(long)]
        all: bool,
        /// Only observables added at or after this time, e.g. 2026-11-01T00:00:00Z.
        #[arg(long, value_parser = parse_time)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long, value_enum)]
        format: InterchangeFormat,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Import observables from a STIX 2.1 bundle or a CSV file: every one or none.
    #[command(
        long_about = "Import observables into an incident from a STIX 2.1 bundle (indicators with `=` patterns and \
cyber-observable objects) or a CSV file (a header row naming at least `value`; `type`, `ioc`, `tlp`, `first_seen`, \
`last_seen` and `note` are read when present). The format is told from the content. Values are normalized as typed-in \
ones are (defanged input is fine); one already in the incident is not added again. Any error names the row and \
column or the STIX object, and nothing is imported. Files over 64 MiB are refused before reading.",
        after_help = "Examples:\n  casebook observable import INC-7K3QF2 feed.stix.json\n  \
casebook observable import INC-7K3QF2 iocs.csv --json"
    )]
    Import {
        key: String,
        file: PathBuf,
        /// Force a format instead of telling it from the content.
        #[arg(long, value_enum)]
        format: Option<InterchangeFormat>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InterchangeFormat {
    /// STIX 2.1 bundle (JSON).
    Stix,
    /// MISP event (JSON); export only.
    Misp,
    /// CSV with a header row.
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum TaskCmd {
    Add {
        key: String,
        title: String,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_parser = parse_time)]
        due: Option<chrono::DateTime<chrono::Utc>>,
    },
    List {
        key: String,
    },
    /// Mark a task done (task id prefix or exact title).
    Done {
        key: String,
        task: String,
    },
    /// Set a task's status.
    Set {
        key: String,
        task: String,
        #[arg(long, value_parser = parse::<TaskStatus>)]
        status: TaskStatus,
    },
}

#[derive(Debug, Subcommand)]
pub enum CommentCmd {
    Add { key: String, body: String },
    List { key: String },
}
