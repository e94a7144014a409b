//! Open conflicts across the case load, for a panel that lists them and opens the incident: long-text versions
//! nobody settled, changes kept but not applied because their author was out of scope at their place, and
//! escalation transitions that lost, and alert triage that lost to a promotion into the incident. One query per kind
//! over all incidents.

use casebook_core::model::TextField;
use casebook_core::{EventId, IncidentId};
use casebook_store::append::read_one;
use casebook_store::read::{self, IncidentRef, Labels};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::activity::{describe, excerpt, text_field};
use crate::{Casebook, Result};

/// Which kind of conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// A concurrent version of a long text, kept beside the one shown.
    Text,
    /// A change kept in the log but not applied: its author was out of scope at its place.
    Scope,
    /// An escalation transition that lost to an earlier one.
    Escalation,
    /// A dismissal (or a second promotion) of an alert that lost to its promotion or merge into the incident.
    Alert,
}

/// One conflict waiting for a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OpenConflict {
    pub incident_id: IncidentId,
    pub key: String,
    pub title: String,
    pub kind: ConflictKind,
    /// The event kept as the conflict: for a text conflict, the version that `edit_text(…, resolves)` names.
    pub event: EventId,
    /// The long text, for a text conflict.
    pub field: Option<TextField>,
    /// Who made the conflicting change (their name), when the directory here knows them.
    pub by: Option<String>,
    pub at: DateTime<Utc>,
    /// One plain line: what the change was and why it stands apart.
    pub detail: String,
}

impl Casebook {
    /// Every unresolved conflict of every incident here, newest first.
    pub fn open_conflicts(&self) -> Result<Vec<OpenConflict>> {
        let conn = self.store.conn();
        let labels = Labels::new(conn)?;
        // What a kept-aside change did, in the sentence the change lists use.
        let what = |event: EventId| -> Result<String> {
            Ok(match read_one(conn, &event.to_string())? {
                Some(e) => describe(e.payload(), &labels)?,
                None => "a change".into(),
            })
        };
        let row = |i: IncidentRef, kind, event, field, by, at, detail| OpenConflict {
            incident_id: i.id,
            key: i.key,
            title: i.title,
            kind,
            event,
            field,
            by,
            at,
            detail,
        };
        let mut out = Vec::new();
        for (i, c) in read::all_text_conflicts(conn)? {
            let detail = format!(
                "a concurrent version of the {} was kept: {}",
                text_field(c.field),
                excerpt(&c.text)
            );
            out.push(row(
                i,
                ConflictKind::Text,
                c.event,
                Some(c.field),
                c.author_name,
                c.at,
                detail,
            ));
        }
        for (i, c) in read::all_scope_conflicts(conn)? {
            let detail = format!("{} — not applied: {}", what(c.event)?, c.reason);
            out.push(row(
                i,
                ConflictKind::Scope,
                c.event,
                None,
                c.author_name,
                c.at,
                detail,
            ));
        }
        for (i, c) in read::all_transition_conflicts(conn)? {
            let detail = format!("{} — not applied: {}", what(c.event)?, c.reason);
            out.push(row(
                i,
                ConflictKind::Escalation,
                c.event,
                None,
                c.by_name,
                c.at,
                detail,
            ));
        }
        for (alert, c) in read::alert_conflicts(conn)? {
            let view = read::alert(conn, alert)?;
            let Some(incident) = view.incident else {
                continue;
            };
            let d = read::incident(conn, incident)?;
            let detail = format!(
                "the alert {} was {} here, so its {} as {} was not applied",
                excerpt(&view.title),
                view.state,
                if c.incident.is_some() {
                    "second triage"
                } else {
                    "dismissal"
                },
                c.state
            );
            let by = read::user(conn, c.author)?.map(|u| u.name);
            let i = IncidentRef {
                id: incident,
                key: d.row.key,
                title: d.row.title,
            };
            out.push(row(i, ConflictKind::Alert, c.event, None, by, c.at, detail));
        }
        out.sort_by_key(|c| std::cmp::Reverse((c.at, c.event)));
        Ok(out)
    }
}
