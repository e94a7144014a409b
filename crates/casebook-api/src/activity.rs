//! What happened, in plain sentences: the changes other people made to an incident since the acting person last
//! opened it, and this laptop's events still waiting to go up. One sentence builder ([`describe`]) writes every
//! line, here and in the conflicts panel.
//!
//! Seen marks count in local arrival order (`events.seq`), not by the HLC: an event pulled today from a laptop that
//! worked offline last week is news here although its clock says last week.

use casebook_core::event::FieldChange;
use casebook_core::model::{KeyTime, TextField};
use casebook_core::{EntryId, EventId, EvidenceId, Payload, TaskId, UserId};
use casebook_store::read::{self, Labels, LoggedEvent};
use casebook_store::{seen, team, trust};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Casebook, Result};

/// How many changes [`Casebook::changes_since_seen`] returns at most (the total is counted in full).
pub const CHANGES_SHOWN: u32 = 50;

/// How many characters of a title, summary or comment a sentence quotes.
const EXCERPT_CHARS: usize = 80;

/// One change someone else made, as a sentence: `who` `what`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChangeView {
    /// The event, a stable id for the line.
    pub event: EventId,
    /// When its author made it (their clock).
    pub at: DateTime<Utc>,
    /// The author's name.
    pub who: String,
    /// One plain sentence without its subject, e.g. "changed the severity to sev1". Quoted text from outside is
    /// plain text on one line, cut to 80 characters.
    pub what: String,
}

/// The changes other people made to an incident since the acting person last opened it here.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SeenChanges {
    /// Whether they had opened it here before. Never opened: nothing counts as changed.
    pub seen_before: bool,
    /// How many changes arrived since; `changes` holds the newest [`CHANGES_SHOWN`] of them.
    pub total: u64,
    /// Newest first.
    pub changes: Vec<ChangeView>,
}

/// One event of the log as a line people read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LogLine {
    pub event: EventId,
    pub at: DateTime<Utc>,
    pub who: String,
    /// The incident it belongs to, if any (directory changes belong to none).
    pub incident_key: Option<String>,
    pub what: String,
}

impl Casebook {
    /// Records that the acting person has seen everything of an incident that is on this laptop now. Local
    /// bookkeeping: not an event, never synced. A data directory without a profile has nobody to remember for, so
    /// there it does nothing.
    pub fn mark_seen(&mut self, key_or_id: &str) -> Result<()> {
        let id = self.resolve(key_or_id)?;
        if read::profile(self.store.conn())?.is_none() {
            return Ok(());
        }
        let user = self.me()?.user.id;
        let now = self.now().timestamp_micros();
        let tx = self.store.write()?;
        let latest = seen::latest_seq(&tx)?;
        seen::mark(&tx, id, user, latest, now)?;
        tx.commit().map_err(casebook_store::StoreError::from)?;
        Ok(())
    }

    /// The changes other people made to an incident that arrived here after the acting person last marked it seen
    /// ([`Casebook::mark_seen`]), newest first. Their own changes are left out, and so is everything when they
    /// never opened it here.
    pub fn changes_since_seen(&self, key_or_id: &str) -> Result<SeenChanges> {
        let id = self.resolve(key_or_id)?;
        let none = |seen_before| SeenChanges {
            seen_before,
            total: 0,
            changes: vec![],
        };
        let conn = self.store.conn();
        if read::profile(conn)?.is_none() {
            return Ok(none(false));
        }
        let me = self.me()?.user.id;
        let Some(mark) = seen::mark_of(conn, id, me)? else {
            return Ok(none(false));
        };
        let (total, events) =
            read::incident_events_after(conn, id, mark, self.selves(me)?, CHANGES_SHOWN)?;
        let labels = Labels::new(conn)?;
        let changes = events
            .iter()
            .map(|e| {
                Ok(ChangeView {
                    event: e.event.id(),
                    at: e.event.body.hlc.wall_time(),
                    who: who(e),
                    what: describe(e.event.payload(), &labels)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(SeenChanges {
            seen_before: true,
            total,
            changes,
        })
    }

    /// This laptop's events that the team server does not hold yet, oldest first, at most `limit`: those after the
    /// server's frontier for this device that it has not refused. Without a team, every event of this device waits.
    pub fn waiting_events(&self, limit: u32) -> Result<Vec<LogLine>> {
        let conn = self.store.conn();
        let Some(profile) = trust::profile(conn)? else {
            return Ok(vec![]);
        };
        let frontier = team::link(conn)?.map_or(0, |l| l.server_frontier);
        let events = read::own_events_after(conn, profile.device, frontier, limit)?;
        let labels = Labels::new(conn)?;
        events
            .iter()
            .map(|e| {
                Ok(LogLine {
                    event: e.event.id(),
                    at: e.event.body.hlc.wall_time(),
                    who: who(e),
                    incident_key: e.incident_key.clone(),
                    what: describe(e.event.payload(), &labels)?,
                })
            })
            .collect()
    }

    /// The ids the acting person writes under: their own, and the team account this laptop's profile was bound to
    /// (a profile made offline keeps its id, so one person's events may carry either).
    fn selves(&self, me: UserId) -> Result<(UserId, UserId)> {
        let conn = self.store.conn();
        let owner = read::profile(conn)?.map(|(_, owner)| owner);
        let account = team::link(conn)?.map(|l| l.account_user);
        Ok(match (owner, account) {
            (Some(owner), Some(account)) if me == owner || me == account => (owner, account),
            _ => (me, me),
        })
    }
}

/// The author's name, or a short form of their id when the directory here does not know them.
fn who(e: &LoggedEvent) -> String {
    e.author_name.clone().unwrap_or_else(|| {
        let id = e.event.body.author.to_string();
        format!("an unknown author ({})", &id[..8.min(id.len())])
    })
}

/// What sentences may name besides the event itself.
pub(crate) trait Names {
    fn user(&self, id: UserId) -> Option<String>;
    fn task(&self, id: TaskId) -> Result<Option<String>>;
    fn entry(&self, id: EntryId) -> Result<Option<String>>;
    fn evidence(&self, id: EvidenceId) -> Result<Option<String>>;
}

impl Names for Labels<'_> {
    fn user(&self, id: UserId) -> Option<String> {
        Labels::user(self, id).map(str::to_string)
    }
    fn task(&self, id: TaskId) -> Result<Option<String>> {
        Ok(Labels::task(self, id)?)
    }
    fn entry(&self, id: EntryId) -> Result<Option<String>> {
        Ok(Labels::entry(self, id)?)
    }
    fn evidence(&self, id: EvidenceId) -> Result<Option<String>> {
        Ok(Labels::evidence(self, id)?)
    }
}

/// Text from outside on one line: every run of whitespace or control characters becomes one space, and anything
/// past [`EXCERPT_CHARS`] is cut with an ellipsis. It stays plain text: front ends show it as text, never markup.
pub(crate) fn excerpt(s: &str) -> String {
    let one_line = s
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.chars().count() <= EXCERPT_CHARS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(EXCERPT_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn quoted(s: &str) -> String {
    format!("“{}”", excerpt(s))
}

/// A long text's name in a sentence.
pub(crate) fn text_field(f: TextField) -> &'static str {
    match f {
        TextField::Summary => "summary",
        TextField::RootCause => "root cause",
        TextField::Lessons => "lessons learned",
    }
}

fn person(names: &dyn Names, id: UserId) -> String {
    names.user(id).unwrap_or_else(|| "an unknown person".into())
}

/// "tier 2", or "Ben Okafor (tier 2)" when a person is named.
fn target(names: &dyn Names, tier: casebook_core::model::Tier, who: Option<UserId>) -> String {
    match who {
        Some(u) => format!("{} (tier {tier})", person(names, u)),
        None => format!("the tier-{tier} queue"),
    }
}

fn set_or_cleared(what: &str, value: &str) -> String {
    if value.trim().is_empty() {
        format!("cleared the {what}")
    } else {
        format!("changed the {what} to {}", quoted(value))
    }
}

fn field_change(c: &FieldChange) -> String {
    match c {
        FieldChange::Title(t) => format!("renamed the incident to {}", quoted(t)),
        FieldChange::Severity(s) => format!("changed the severity to {s}"),
        FieldChange::Status(s) => format!("changed the status to {s}"),
        FieldChange::Tlp(t) => format!("changed the marking to {}", t.label()),
        FieldChange::Category(c) => set_or_cleared("category", c),
        FieldChange::DetectionSource(s) => set_or_cleared("detection source", s),
        FieldChange::AffectedAssets(a) if a.is_empty() => "cleared the affected assets".into(),
        FieldChange::AffectedAssets(a) => {
            format!("set the affected assets to {}", quoted(&a.join(", ")))
        }
        FieldChange::KeyTime { which, at } => {
            let which = match which {
                KeyTime::Occurred => "occurred",
                KeyTime::Detected => "detected",
                KeyTime::Reported => "reported",
                KeyTime::Contained => "contained",
                KeyTime::Resolved => "resolved",
            };
            match at {
                Some(t) => format!("set the {which} time to {}", t.format("%Y-%m-%d %H:%M UTC")),
                None => format!("cleared the {which} time"),
            }
        }
    }
}

/// One plain sentence, without its subject, saying what an event did.
pub(crate) fn describe(payload: &Payload, names: &dyn Names) -> Result<String> {
    let named = |found: Option<String>, what: &str| {
        found
            .map(|s| format!("{what} {}", quoted(&s)))
            .unwrap_or_else(|| format!("a {what}"))
    };
    Ok(match payload {
        Payload::UserRegistered {
            name, role, tier, ..
        } => match tier {
            Some(t) => format!("registered {} as a tier-{t} {role}", excerpt(name)),
            None => format!("registered {} as {role}", excerpt(name)),
        },
        Payload::DeviceBound { user, .. } => {
            format!("bound a device key to {}", person(names, *user))
        }
        Payload::ResponseTargetsSet { .. } => "set the response targets".into(),
        Payload::IncidentOpened {
            title, severity, ..
        } => format!("opened the incident {} ({severity})", quoted(title)),
        Payload::FieldSet { change } => field_change(change),
        Payload::TextEdited {
            field, resolves, ..
        } if !resolves.is_empty() => format!("settled a conflict in the {}", text_field(*field)),
        Payload::TextEdited { field, .. } => format!("edited the {}", text_field(*field)),
        Payload::TagAdded { tag } => format!("added the tag {}", quoted(tag)),
        Payload::TagRemoved { tag, .. } => format!("removed the tag {}", quoted(tag)),
        Payload::IncidentAssigned { tier, assignee, .. } => match assignee {
            Some(u) => format!(
                "assigned the incident to {} (tier {tier})",
                person(names, *u)
            ),
            None => format!("moved the incident to the tier-{tier} queue"),
        },
        Payload::IncidentClosed { resolution, .. } => format!(
            "closed the incident as {}",
            resolution.as_str().replace('-', " ")
        ),
        Payload::EntryAdded(e) if e.supersedes.is_some() => {
            format!("corrected a timeline entry: {}", excerpt(&e.summary))
        }
        Payload::EntryAdded(e) => format!("added a timeline entry: {}", excerpt(&e.summary)),
        Payload::EntriesImported { label, entries } => format!(
            "imported {} timeline {} from {}",
            entries.len(),
            if entries.len() == 1 {
                "entry"
            } else {
                "entries"
            },
            quoted(label)
        ),
        Payload::EntryKeyEventSet { entry, key_event } => format!(
            "{} {} as a key event",
            if *key_event { "marked" } else { "unmarked" },
            named(names.entry(*entry)?, "timeline entry")
        ),
        Payload::EvidenceAdded { name, .. } => format!("added the evidence {}", quoted(name)),
        Payload::CustodyRecorded {
            evidence, action, ..
        } => format!(
            "recorded custody of {}: {action}",
            names
                .evidence(*evidence)?
                .map(|n| quoted(&n))
                .unwrap_or_else(|| "an evidence item".into())
        ),
        Payload::ObservableAdded {
            observable_kind,
            value,
            ioc,
            ..
        } => format!(
            "added the {}{observable_kind} {}",
            if *ioc { "IOC " } else { "observable " },
            quoted(value)
        ),
        Payload::TaskAdded { title, owner, .. } => match owner {
            Some(u) => format!("added the task {} for {}", quoted(title), person(names, *u)),
            None => format!("added the task {}", quoted(title)),
        },
        Payload::TaskStatusSet { task, status } => {
            format!("set {} to {status}", named(names.task(*task)?, "task"))
        }
        Payload::CommentAdded { body, .. } => format!("commented: {}", excerpt(body)),
        Payload::EscalationRequested {
            to_tier,
            assignee,
            reason,
            ..
        } => format!(
            "requested an escalation to {}: {}",
            target(names, *to_tier, *assignee),
            excerpt(reason)
        ),
        Payload::EscalationAcknowledged { .. } => "acknowledged the escalation".into(),
        Payload::EscalationAccepted { .. } => "accepted the escalation".into(),
        Payload::EscalationDeclined { reason, .. } => {
            format!("declined the escalation: {}", excerpt(reason))
        }
        Payload::EscalationAssigned {
            to_tier, assignee, ..
        } => format!(
            "sent the escalation to {}",
            target(names, *to_tier, *assignee)
        ),
        Payload::AlertRaised(a) => format!("raised the alert {}", quoted(&a.title)),
        Payload::AlertTriaged {
            alerts, verdict, ..
        } => match alerts.len() {
            1 => format!("dismissed an alert as {verdict}"),
            n => format!("dismissed {n} alerts as {verdict}"),
        },
        Payload::AlertPromoted { .. } => "promoted an alert to this incident".into(),
        Payload::AlertMerged { .. } => "merged an alert into this incident".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use casebook_core::event::{EntrySource, NewEntry};
    use casebook_core::model::{EntryKind, Severity, Tier};
    use uuid::Uuid;

    struct Fixed;

    impl Names for Fixed {
        fn user(&self, _: UserId) -> Option<String> {
            Some("Ben Okafor".into())
        }
        fn task(&self, _: TaskId) -> Result<Option<String>> {
            Ok(Some("Reset passwords".into()))
        }
        fn entry(&self, _: EntryId) -> Result<Option<String>> {
            Ok(None)
        }
        fn evidence(&self, _: EvidenceId) -> Result<Option<String>> {
            Ok(Some("mail.eml".into()))
        }
    }

    #[test]
    fn sentences_say_what_changed_in_plain_words() {
        let say = |p: Payload| describe(&p, &Fixed).unwrap();
        assert_eq!(
            say(Payload::FieldSet {
                change: FieldChange::Severity(Severity::Sev1)
            }),
            "changed the severity to sev1"
        );
        assert_eq!(
            say(Payload::TextEdited {
                field: TextField::Summary,
                text: "anything".into(),
                base: None,
                resolves: vec![]
            }),
            "edited the summary",
            "a long text's content is not repeated, only which text changed"
        );
        assert_eq!(
            say(Payload::TaskStatusSet {
                task: TaskId(Uuid::nil()),
                status: casebook_core::model::TaskStatus::Done
            }),
            "set task “Reset passwords” to done"
        );
        assert_eq!(
            say(Payload::EntryKeyEventSet {
                entry: EntryId(Uuid::nil()),
                key_event: true
            }),
            "marked a timeline entry as a key event",
            "a name that cannot be found here is left out, not invented"
        );
        assert_eq!(
            say(Payload::EscalationRequested {
                escalation: casebook_core::EscalationId(Uuid::nil()),
                from_tier: Tier::ONE,
                to_tier: Tier::TWO,
                assignee: Some(UserId(Uuid::nil())),
                reason: "Credential theft".into(),
                handoff: String::new(),
            }),
            "requested an escalation to Ben Okafor (tier 2): Credential theft"
        );
    }

    #[test]
    fn text_from_outside_is_one_short_plain_line() {
        let entry = |summary: &str| {
            Payload::EntryAdded(NewEntry {
                entry: EntryId(Uuid::nil()),
                event_time: DateTime::<Utc>::UNIX_EPOCH,
                time_zone: None,
                kind: EntryKind::Note,
                summary: summary.into(),
                details: String::new(),
                source: EntrySource::default(),
                key_event: false,
                evidence: vec![],
                observables: vec![],
                attributes: Default::default(),
                supersedes: None,
            })
        };
        assert_eq!(
            describe(&entry("Login\n\n from\t\u{1b}[2J 10.0.0.5 "), &Fixed).unwrap(),
            "added a timeline entry: Login from [2J 10.0.0.5",
            "line breaks, tabs and control characters collapse into single spaces"
        );
        let long = describe(&entry(&"x".repeat(500)), &Fixed).unwrap();
        let quoted = long.trim_start_matches("added a timeline entry: ");
        assert_eq!(
            quoted.chars().count(),
            EXCERPT_CHARS,
            "long text is cut to {EXCERPT_CHARS} characters"
        );
        assert!(quoted.ends_with('…'), "and says it was cut: {quoted}");
        assert_eq!(
            excerpt(&"y".repeat(EXCERPT_CHARS)).chars().count(),
            EXCERPT_CHARS
        );
        assert!(
            !excerpt(&"y".repeat(EXCERPT_CHARS)).ends_with('…'),
            "text that fits is kept whole"
        );
    }
}
