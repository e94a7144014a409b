//! `casebook alert …`: the tier-1 alert queue. The clap types of the noun live here, beside their translation.

use std::path::PathBuf;

use casebook_api::alerts::{AlertFormat, AlertListQuery};
use casebook_api::Casebook;
use casebook_core::alert::{AlertState, AlertVerdict};
use casebook_core::model::Severity;
use clap::{ArgGroup, Subcommand};

use crate::output::{clip, opt_time, progress, table, time, visible, Out};

#[derive(Debug, Subcommand)]
#[command(after_help = "Examples:\n  \
casebook alert import /var/ossec/logs/alerts/alerts.json\n  \
casebook alert list --status new\n  \
casebook alert show 3f2a9c1e\n  \
casebook alert dismiss 3f2a9c1e --group --false-positive --reason \"vulnerability scanner\"\n  \
casebook alert promote 7b01d2aa --severity sev2\n  \
casebook alert merge 9c4e77f0 INC-7K3QF2")]
pub enum AlertCmd {
    /// Import alerts from a SIEM or IDS export: one JSON object, an array, or JSON lines. Every alert or none;
    /// an alert already here (same source and source id) is counted as a duplicate, never added twice.
    ///
    /// Formats: wazuh (alerts.json), elastic (Security detection alerts), splunk (webhook alert action bodies),
    /// suricata (EVE JSON, event_type alert), generic ({"title", "time", "severity", "rule", "source", "source_id",
    /// "host", "user", "observables": […]}). Without --format each document's format is recognised by its fields.
    ///
    /// Example: casebook alert import alerts.json --format wazuh
    Import {
        file: PathBuf,
        #[arg(long, value_parser = parse::<AlertFormat>)]
        format: Option<AlertFormat>,
    },
    /// The queue: one row per group (the same rule and key observable within 24 hours), newest first, with how many
    /// alerts it holds and how many are still new.
    ///
    /// Example: casebook alert list --status new --json
    List {
        /// Groups with an alert in this state: new, false-positive, benign, duplicate, promoted, merged.
        #[arg(long, value_parser = parse::<AlertState>)]
        status: Option<AlertState>,
        /// Only this rule (its id or name).
        #[arg(long)]
        rule: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue after this row (the cursor a --json listing gives).
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
    },
    /// One alert: every fact the source gave, its triage, and the raw payload as received.
    ///
    /// Example: casebook alert show 3f2a9c1e
    Show {
        /// The alert's id, or its first eight or more characters.
        id: String,
    },
    /// Dismiss alerts as false positive, benign or duplicate, with the reason (a whole group with --group).
    ///
    /// Example: casebook alert dismiss 3f2a9c1e --group --benign --reason "backup job, every night"
    #[command(group(ArgGroup::new("verdict").required(true).args(["false_positive", "benign", "duplicate"])))]
    Dismiss {
        /// Alert ids (or their first eight or more characters); with --group, any alert of each group.
        #[arg(required = true)]
        ids: Vec<String>,
        /// The rule fired on something harmless it should not match.
        #[arg(long)]
        false_positive: bool,
        /// The rule matched real activity that is allowed (a backup job, a scanner).
        #[arg(long)]
        benign: bool,
        /// Another alert or incident already covers it.
        #[arg(long)]
        duplicate: bool,
        /// Why, for whoever tunes the rule later.
        #[arg(long)]
        reason: String,
        /// Dismiss every alert still new in the groups of the alerts named.
        #[arg(long)]
        group: bool,
    },
    /// Open an incident from an alert: its title, severity, observables, occurred = the alert's event time,
    /// detected = when it was raised, and the raw alert as evidence with its SHA-256. Prints the incident's key.
    ///
    /// Example: casebook alert promote 7b01d2aa --severity sev2
    Promote {
        id: String,
        /// Instead of the severity the alert maps to.
        #[arg(long, value_parser = parse::<Severity>)]
        severity: Option<Severity>,
    },
    /// Add an alert to an incident that exists: its raw payload as evidence, its observables the incident lacks.
    ///
    /// Example: casebook alert merge 9c4e77f0 INC-7K3QF2
    Merge {
        id: String,
        /// The incident's key (or id).
        key: String,
    },
}

/// Clap's parser for the domain's words (cli.rs keeps its own private; this noun's types live here).
fn parse<T: std::str::FromStr>(s: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| e.to_string())
}

/// The first characters of an id, as the tables show and the commands accept.
fn short(id: &impl ToString) -> String {
    id.to_string().chars().take(8).collect()
}

pub fn run(cb: &mut Casebook, c: AlertCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        AlertCmd::Import { file, format } => {
            let bar = progress(None, false, "importing alerts");
            let s = cb.import_alerts(&file, format, &mut |n| bar.set_position(n))?;
            bar.finish_and_clear();
            out.show(&s, || {
                format!(
                    "Imported {} new alerts of {} read ({} already here) into {} queue rows.",
                    s.new, s.read, s.duplicates, s.groups
                )
            })
        }
        AlertCmd::List {
            status,
            rule,
            limit,
            after,
        } => {
            let rows = cb.alerts(&AlertListQuery {
                status,
                rule,
                limit: Some(limit),
                cursor: after,
            })?;
            out.show(&rows, || {
                if rows.is_empty() {
                    return "No alerts. `casebook alert import FILE` brings a SIEM's export in."
                        .into();
                }
                let cells: Vec<Vec<String>> = rows
                    .iter()
                    .map(|g| {
                        vec![
                            short(&g.id),
                            time(&g.last_seen),
                            g.severity.to_string(),
                            format!("{}/{}", g.new_alerts, g.alerts),
                            clip(g.rule_name.as_deref().unwrap_or(&g.rule), 24),
                            clip(&g.key_observable, 28),
                            clip(&g.title, 48),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "GROUP",
                        "LAST SEEN",
                        "SEV",
                        "NEW/ALL",
                        "RULE",
                        "KEY",
                        "TITLE",
                    ],
                    &cells,
                )
            })
        }
        AlertCmd::Show { id } => {
            let d = cb.alert(&id)?;
            out.show(&d, || {
                let a = &d.alert;
                let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
                let mut t = format!(
                    "{}  {}\n{} from {} ({}), source id {}\nRule: {} ({})\nSeverity: {}{}\nEvent: {}  raised: {}  \
                     received: {}\nHost: {}  user: {}  {}:{} → {}:{}\nState: {}",
                    a.id,
                    a.title,
                    a.format,
                    a.source,
                    if a.raises > 1 { format!("raised {} times", a.raises) } else { "raised once".into() },
                    a.source_id,
                    opt(&a.rule_name),
                    opt(&a.rule_id),
                    a.severity,
                    a.source_severity.as_ref().map(|s| format!(" (source: {s})")).unwrap_or_default(),
                    opt_time(&a.event_time),
                    opt_time(&a.raised_at),
                    time(&a.received_at),
                    opt(&a.host),
                    opt(&a.user),
                    opt(&a.source_ip),
                    a.source_port.map(|p| p.to_string()).unwrap_or_default(),
                    opt(&a.destination_ip),
                    a.destination_port.map(|p| p.to_string()).unwrap_or_default(),
                    a.state,
                );
                if let Some(k) = &d.incident_key {
                    t.push_str(&format!(" → {k}"));
                }
                if let Some(r) = &a.reason {
                    if !r.is_empty() {
                        t.push_str(&format!(" ({r})"));
                    }
                }
                t.push_str(&format!("\nGroup: {} ({} in all)\n", short(&a.group), d.group_alerts));
                if !a.description.is_empty() {
                    t.push_str(&format!("\n{}\n", a.description));
                }
                for o in &a.observables {
                    t.push_str(&format!("  {} {}\n", o.kind, o.value));
                }
                for c in a.claims.iter().filter(|c| c.lost) {
                    t.push_str(&format!(
                        "Conflict: a triage as {} at {} lost to the alert's incident\n",
                        c.state,
                        time(&c.at)
                    ));
                }
                t.push_str(&format!("\nRaw payload:\n{}", visible(&d.raw)));
                t
            })
        }
        AlertCmd::Dismiss {
            ids,
            false_positive,
            benign,
            duplicate: _,
            reason,
            group,
        } => {
            let verdict = if false_positive {
                AlertVerdict::FalsePositive
            } else if benign {
                AlertVerdict::Benign
            } else {
                AlertVerdict::Duplicate
            };
            let s = cb.dismiss_alerts(&ids, group, verdict, &reason)?;
            out.show(&s, || {
                let mut t = format!("Dismissed {} alerts as {}.", s.alerts.len(), s.verdict);
                if s.skipped > 0 {
                    t.push_str(&format!(
                        " {} already in an incident were left as they are.",
                        s.skipped
                    ));
                }
                t
            })
        }
        AlertCmd::Promote { id, severity } => {
            let p = cb.promote_alert(&id, severity)?;
            out.show(&p, || {
                let mut t = format!(
                    "{}  {} ({})\nOccurred: {}  detected: {}\nEvidence: the raw alert, SHA-256 {}\n",
                    p.incident_key,
                    p.title,
                    p.severity,
                    opt_time(&p.occurred_at),
                    opt_time(&p.detected_at),
                    p.evidence_sha256
                );
                for o in &p.observables {
                    t.push_str(&format!("Observable: {o}\n"));
                }
                t
            })
        }
        AlertCmd::Merge { id, key } => {
            let key = cb.merge_alert(&id, &key)?;
            out.show(&serde_json::json!({ "incident_key": key }), || {
                format!("Merged the alert into {key}.")
            })
        }
    }
}
