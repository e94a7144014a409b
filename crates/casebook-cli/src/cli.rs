//! The command line, as clap types: every subcommand with the help text a new user reads first.

use std::path::PathBuf;

use casebook_core::model::{
    CustodyAction, EntryKind, ObservableKind, Resolution, Role, Severity, Status, TaskStatus,
    TextField, Tier, Tlp,
};
use clap::{Args, Parser, Subcommand, ValueEnum};

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

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Where this laptop stands: server, account, reachable, events waiting to go up, last sync, open conflicts,
    /// events the server refused (with reasons).
    Status,
    /// Compare an incident's digest here with the server's: equal means this laptop holds exactly what the team holds.
    Digest { key: String },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Register a colleague (admins only; on a team, accounts come from the server).
    Add {
        name: String,
        #[arg(long, value_parser = parse::<Role>)]
        role: Role,
        #[arg(long, value_parser = parse::<Tier>)]
        tier: Option<Tier>,
    },
    /// List the people in the directory.
    List,
}

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

#[derive(Debug, Subcommand)]
pub enum EscalationCmd {
    /// An incident's escalations, or with no key the board of pending ones (breached first).
    List {
        key: Option<String>,
        #[arg(long, value_parser = parse::<Tier>)]
        tier: Option<Tier>,
    },
    /// Acknowledge the incident's pending escalation.
    Ack(Which),
    /// Accept it: the incident moves to your tier and to you.
    Accept(Which),
    /// Decline it (needs a reason); the incident stays with the requesting tier.
    Decline {
        #[command(flatten)]
        which: Which,
        #[arg(long)]
        reason: String,
    },
    /// Send a pending escalation to another tier, queue or analyst (leads).
    Assign {
        #[command(flatten)]
        which: Which,
        #[arg(long, value_parser = parse::<Tier>)]
        to_tier: Tier,
        #[arg(long)]
        to: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Set response targets for a severity (leads).
    Targets {
        #[arg(long, value_parser = parse::<Severity>)]
        severity: Severity,
        /// Minutes to acknowledge.
        #[arg(long)]
        ack: u32,
        /// Minutes to accept or decline.
        #[arg(long)]
        accept: u32,
    },
}

#[derive(Debug, Args)]
pub struct Which {
    pub key: String,
    /// Which escalation (id prefix), when the incident has several.
    #[arg(long)]
    pub escalation: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LogCmd {
    /// Re-hash every event and check each device's hash chain, signatures and the database's integrity.
    Verify,
    /// List events from elsewhere that the admission rule refused, with the reason, newest first.
    Refused {
        /// At most this many. Without it the table shows the newest 100 and --json gives every one.
        #[arg(long)]
        limit: Option<u32>,
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
