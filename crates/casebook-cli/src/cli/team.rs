//! `casebook sync`, `user`, `escalation` and `log`: working with the team, its directory, its escalations and the
//! event log everyone shares.

use casebook_core::model::{Role, Severity, Tier};
use clap::{Args, Subcommand};

use super::parse;

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
