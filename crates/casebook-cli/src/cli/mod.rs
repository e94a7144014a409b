//! The command line, as clap types: every subcommand with the help text a new user reads first. The top-level
//! commands are here; each group's subcommands are in a module of their own.

mod incident;
mod records;
mod team;
mod timeline;

pub use incident::*;
pub use records::*;
pub use team::*;
pub use timeline::*;

use std::path::PathBuf;

use casebook_core::model::{Role, Tier};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "casebook",
    version,
    about = "Incident case manager for security operations: timelines, evidence, escalations, offline first.",
    long_about = "Casebook keeps incident cases in a local database that works with no network: a timeline of what \
happened and what was done, evidence files with SHA-256 and chain of custody, observables, tasks and escalations \
between tiers. Every change is an event in an append-only, hash-chained log.\n\n\
Start with `casebook demo` to load a sample case, or `casebook init` to create your profile.",
    after_help = "Examples:\n  casebook init --name \"Ana Silva\" --role responder --tier 1\n  casebook incident new \"Phishing wave in finance\" --severity sev2 --tlp amber\n  casebook timeline add INC-7K3QF2 \"Blocked sender domain\" --at 2026-11-20T10:04:00Z --kind containment\n  casebook search \"mail gateway\" --json\n\nExit codes: 0 success, 1 error (the message says what to do), 2 wrong usage, 3 a report only partly checked (`casebook verify`)."
)]
pub struct Cli {
    /// Where the database and evidence live (default: the platform's data directory).
    #[arg(long, global = true, env = "CASEBOOK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Act as another registered person on this device (name or id); the profile's owner by default.
    #[arg(long = "as", global = true, env = "CASEBOOK_USER", value_name = "USER")]
    pub act_as: Option<String>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create your local profile (name, role, tier) and the database.
    Init {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse::<Role>)]
        role: Role,
        /// 1 (triage), 2 (incident response) or 3 (hunting); responders only.
        #[arg(long, value_parser = parse::<Tier>)]
        tier: Option<Tier>,
        #[command(flatten)]
        encryption: crate::commands::encryption::InitEncryption,
    },
    /// Check the passphrase of an encrypted data directory (from CASEBOOK_PASSPHRASE_FILE or the terminal), and
    /// optionally remember it in this computer's keyring so that neither the app nor these commands ask again.
    ///
    /// Example: casebook unlock --remember
    Unlock(crate::commands::encryption::UnlockArgs),
    /// Encrypt an existing plain data directory in place, with a new passphrase. Close other Casebook windows first.
    /// Interrupted, it leaves the directory plain (run it again) or encrypted, never a mix.
    ///
    /// Example: casebook encrypt --passphrase-stdin < passphrase.txt
    Encrypt(crate::commands::encryption::EncryptArgs),
    /// The passphrase of an encrypted data directory.
    #[command(subcommand)]
    Passphrase(crate::commands::encryption::PassphraseCmd),
    /// Show who is acting and where the data lives.
    Whoami,
    /// Join your team's server with your account. A new data directory gets its profile from the account; a
    /// profile made offline keeps all its work, which then counts as the account's. Then syncs once.
    ///
    /// The server's certificate is checked first. One from a public CA needs nothing; the self-signed one that
    /// `casebook-server init` made is trusted by its fingerprint (--pin, what init printed; or, on a terminal, shown
    /// and asked about) or by its file (--ca-cert). A pinned certificate is the only one this laptop trusts from then
    /// on: if the server's changes, every sync says so.
    ///
    /// Example: echo "$PASSWORD" | casebook login https://cases.acme.example:8443 --user ana@acme.example --password-stdin --pin AB:CD:…:EF
    Login {
        /// The team server's address (https://HOST:PORT).
        server: String,
        /// Your account's e-mail address.
        #[arg(long)]
        user: String,
        /// Read the password from one line of standard input (otherwise it is asked for on the terminal).
        #[arg(long)]
        password_stdin: bool,
        /// The server's certificate (or its CA) as PEM, e.g. the cert.pem that `casebook-server init` made.
        #[arg(long, value_name = "PEM", conflicts_with = "pin")]
        ca_cert: Option<PathBuf>,
        /// Trust the server's certificate by its SHA-256 fingerprint, as `casebook-server init` printed it
        /// (AB:CD:…; case and colons do not matter). A server presenting another certificate is refused.
        #[arg(long, value_name = "FINGERPRINT")]
        pin: Option<String>,
    },
    /// Sign this laptop out of its team (the server forgets its token). Local work stays and goes up after the next
    /// login.
    Logout {
        /// Also leave the team on this laptop: it syncs no more and is no longer a member. Every case, event and
        /// evidence file stays here; work the server never got stays only here (the count is shown). It may sign in
        /// to the same team again later, and to no other.
        #[arg(long)]
        forget: bool,
    },
    /// Push this laptop's work to the team server, then pull the team's. Offline is fine: nothing changes and the
    /// work waits. `sync status` shows what waits, conflicts and what the server refused.
    Sync {
        #[command(subcommand)]
        command: Option<SyncCmd>,
    },
    /// Manage the people in the local directory.
    #[command(subcommand)]
    User(UserCmd),
    /// The alert queue: import SIEM and IDS alerts, list, show, dismiss, promote to incidents, merge.
    #[command(subcommand)]
    Alert(crate::commands::alert::AlertCmd),
    /// Open, list, show, edit, assign and close incidents.
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// Add, list, correct, import and export timeline entries.
    #[command(subcommand)]
    Timeline(TimelineCmd),
    /// Add evidence files, list them, verify their hashes, record chain of custody.
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// Add, list, export (STIX 2.1, MISP, CSV) and import observables (IOCs); shows where else each was seen.
    #[command(subcommand)]
    Observable(ObservableCmd),
    /// Add, list and complete tasks.
    #[command(subcommand)]
    Task(TaskCmd),
    /// Add and list comments.
    #[command(subcommand)]
    Comment(CommentCmd),
    /// Request an escalation of an incident to another tier or a named analyst.
    Escalate {
        key: String,
        #[arg(long, value_parser = parse::<Tier>)]
        to_tier: Tier,
        /// A named analyst instead of the tier's queue.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        reason: String,
        /// What the next tier needs to know.
        #[arg(long, default_value = "")]
        handoff: String,
    },
    /// Answer escalations, see the board of pending ones, set response targets.
    #[command(subcommand)]
    Escalation(EscalationCmd),
    /// What needs you now: pending escalations named to you or sent to your tier's queue, and escalations whose
    /// response target falls within 15 minutes or has passed (your tier's queue; a lead's: every queue).
    ///
    /// Example: casebook attention --json
    Attention,
    /// Full-text search across incidents, timelines, observables and comments: every word must appear, the last one
    /// as a prefix (end the query with a space or a quote for the whole word). Host names and other identifiers
    /// joined by - . _ or @ are one word: WKS-FIN-01 finds WKS-FIN-01 and WKS-FIN-010 to WKS-FIN-019.
    ///
    /// Example: casebook search "failed logon" --incident INC-7K3QF2
    Search {
        query: String,
        /// Only this incident's incident text, entries, observables and comments (key or id).
        #[arg(long, value_name = "KEY")]
        incident: Option<String>,
        /// Most hits shown; the JSON's `more` says when others match too.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Time to detect, contain and resolve; escalation response times per severity and tier; the alert queue's
    /// volume, false-positive rate per rule and time to triage.
    Metrics,
    /// Check the event log.
    #[command(subcommand)]
    Log(LogCmd),
    /// Rebuild every view from the event log and check that nothing changed.
    Rebuild,
    /// Load a realistic sample case into an empty data directory.
    Demo,
    /// Write the post-incident report as a verifiable PDF.
    Report {
        key: String,
        #[arg(short, long, value_name = "FILE.pdf")]
        output: PathBuf,
        /// technical (everything) or executive (cover, summary, metrics, key events, evidence totals).
        #[arg(long, value_enum, default_value = "technical")]
        template: Template,
        /// Show only key events in the timeline.
        #[arg(long)]
        key_events: bool,
    },
    /// Check a report PDF: untouched since export, digest right, evidence unchanged, case unchanged since.
    #[command(
        after_help = "Exit codes: 0 verified (every page re-rendered byte for byte from the attached data, no check \
failed), 1 a check failed, 3 partly checked: nothing failed, but the pages could not be re-rendered (a report from \
another Casebook version, or too large to re-render), so an edit of the page text would not show. The verdict lists \
what was not checked."
    )]
    Verify {
        #[arg(value_name = "REPORT.pdf")]
        file: PathBuf,
    },
    /// Export one incident as a case bundle (events + evidence files) for another Casebook.
    Export {
        key: String,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Import a case bundle made by `casebook export`. Every event passes the admission rule: events by people whose
    /// device you have not trusted import a new case for reading, but never change a case you already hold; refused
    /// events are kept aside (`casebook log refused`). Evidence comes in with the events or not at all; running it
    /// twice changes nothing.
    ///
    /// Example: casebook import case.bundle --trust-device 1a2b:3c4d:5e6f:7a8b:9c0d:1e2f:3a4b:5c6d
    Import {
        file: PathBuf,
        /// Trust the bundle's device with this key fingerprint (shown by a first import; compare it with its owner
        /// first). Its events then count as their authors' own. Repeat for several devices.
        #[arg(long, value_name = "FINGERPRINT")]
        trust_device: Vec<String>,
    },
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| e.to_string())
}

/// Times on the command line: RFC 3339 with a zone (`2026-11-20T10:04:00Z`, `…+02:00`), or `now`.
// Parsing the word `now` is the one place the CLI reads the system time itself.
#[allow(clippy::disallowed_methods)]
pub fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if s.eq_ignore_ascii_case("now") {
        return Ok(chrono::Utc::now());
    }
    let t = s.trim().replace(' ', "T");
    chrono::DateTime::parse_from_rfc3339(&t).map(|d| d.with_timezone(&chrono::Utc)).map_err(|_| {
        format!("`{s}` is not a time with a zone; write e.g. 2026-11-20T10:04:00Z or 2026-11-20T12:04:00+02:00")
    })
}
