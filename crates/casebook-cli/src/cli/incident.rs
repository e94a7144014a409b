//! `casebook incident`: opening, listing and changing incidents.

use std::path::PathBuf;

use casebook_core::model::{Resolution, Severity, Status, TextField, Tier, Tlp};
use clap::{Args, Subcommand};

use super::{parse, parse_time};

#[derive(Debug, Subcommand)]
pub enum IncidentCmd {
    /// Open an incident; prints its key (e.g. INC-7K3QF2).
    New {
        title: String,
        #[arg(long, value_parser = parse::<Severity>, default_value = "sev3")]
        severity: Severity,
        #[arg(long, value_parser = parse::<Tlp>, default_value = "amber")]
        tlp: Tlp,
        #[arg(long, default_value = "")]
        category: String,
        #[arg(long, default_value = "")]
        summary: String,
        /// The tier whose queue it starts in (default: yours).
        #[arg(long, value_parser = parse::<Tier>)]
        tier: Option<Tier>,
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Where the detection came from (alert name, user report, …).
        #[arg(long, default_value = "")]
        source: String,
        #[arg(long, value_parser = parse_time)]
        occurred_at: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long, value_parser = parse_time)]
        detected_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// List incidents, most recently changed first (open ones unless --all).
    List(ListArgs),
    /// Show one incident's header, key times, metrics and conflicts.
    Show { key: String },
    /// What other people changed in an incident since you last looked, newest first; then marks it seen. The first
    /// look lists nothing (there is no "since" yet) and sets the mark. Your own changes are never listed.
    ///
    /// Example: casebook incident changes INC-7K3QF2 --peek --json
    Changes {
        key: String,
        /// Show the changes without marking the incident seen.
        #[arg(long)]
        peek: bool,
    },
    /// Change fields of an incident.
    Set(SetArgs),
    /// Replace a long text (summary, root cause, lessons learned).
    Text {
        key: String,
        #[arg(long, value_parser = parse::<TextField>)]
        field: TextField,
        /// The new text (or use --file).
        #[arg(long, conflicts_with = "file")]
        text: Option<String>,
        #[arg(long)]
        file: Option<PathBuf>,
        /// Concurrent versions this text settles (ids from `incident show`).
        #[arg(long)]
        resolves: Vec<String>,
    },
    /// Add a tag.
    Tag { key: String, tag: String },
    /// Remove a tag.
    Untag { key: String, tag: String },
    /// Assign to a tier and optionally a person (leads).
    Assign {
        key: String,
        #[arg(long, value_parser = parse::<Tier>)]
        tier: Tier,
        #[arg(long)]
        to: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Take an incident from your tier's queue.
    Take { key: String },
    /// Close with a resolution.
    Close {
        key: String,
        #[arg(long, value_parser = parse::<Resolution>)]
        resolution: Resolution,
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_parser = parse::<Status>)]
    pub status: Option<Status>,
    #[arg(long, value_parser = parse::<Severity>)]
    pub severity: Option<Severity>,
    #[arg(long, value_parser = parse::<Tier>)]
    pub tier: Option<Tier>,
    /// Only incidents assigned to you.
    #[arg(long)]
    pub mine: bool,
    #[arg(long)]
    pub unassigned: bool,
    /// Include closed incidents.
    #[arg(long)]
    pub all: bool,
    /// At most this many. Without it the table shows the first 200 and --json gives every one.
    #[arg(long)]
    pub limit: Option<i64>,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    pub key: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long, value_parser = parse::<Severity>)]
    pub severity: Option<Severity>,
    /// new, triage, investigating, contained, eradicated, recovered (close with `incident close`).
    #[arg(long, value_parser = parse::<Status>)]
    pub status: Option<Status>,
    #[arg(long, value_parser = parse::<Tlp>)]
    pub tlp: Option<Tlp>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    /// Comma-separated hosts, accounts, …
    #[arg(long, value_delimiter = ',')]
    pub assets: Option<Vec<String>>,
    #[arg(long, value_parser = parse_time)]
    pub occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    #[arg(long, value_parser = parse_time)]
    pub detected_at: Option<chrono::DateTime<chrono::Utc>>,
    #[arg(long, value_parser = parse_time)]
    pub reported_at: Option<chrono::DateTime<chrono::Utc>>,
    #[arg(long, value_parser = parse_time)]
    pub contained_at: Option<chrono::DateTime<chrono::Utc>>,
    #[arg(long, value_parser = parse_time)]
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
}
