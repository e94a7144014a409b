//! The alert queue: importing SIEM and IDS alerts from a file (all or nothing, a re-import adds nothing), the grouped
//! queue, one alert with its raw payload, and triage (`triage`: dismissing alerts or a group, promoting an alert to
//! a new incident, merging it into an existing one). Tier 1 and everyone above triage; auditors only read.

mod triage;

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use casebook_alerts::Format;
use casebook_core::alert::AlertState;
use casebook_core::authz::Action;
use casebook_core::{AlertId, EventId, Payload};
use casebook_store::append::{append_local, Origin};
use casebook_store::read::{self, AlertGroupView, AlertQuery, AlertView};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{io, ErrorCode};
use crate::{Casebook, Error, Field, Hint, Result};

pub use casebook_alerts::Format as AlertFormat;
pub use triage::{DismissSummary, PromotedAlert};

/// How an alert import went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertImportSummary {
    /// Alerts read from the file.
    pub read: u64,
    /// Alerts new here, each now in the queue.
    pub new: u64,
    /// Alerts already held (or twice in the file): counted, not added again.
    pub duplicates: u64,
    /// Queue rows the new alerts are in.
    pub groups: u64,
}

/// Which queue rows to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertListQuery {
    pub status: Option<AlertState>,
    pub rule: Option<String>,
    /// At most this many rows (default 50).
    pub limit: Option<u32>,
    /// The `cursor` of the last row of the previous page.
    pub cursor: Option<String>,
}

/// One alert as its screen shows it: every fact, the raw payload as text, its group and any incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertDetail {
    pub alert: AlertView,
    /// The document exactly as the source sent it: plain text, never to be rendered as HTML.
    pub raw: String,
    /// Alerts in its group.
    pub group_alerts: u64,
    /// The incident it was promoted to or merged into.
    pub incident_key: Option<String>,
}

/// Alerts read per progress report and per check of what is held.
const PROGRESS_EVERY: u64 = 1_000;

impl Casebook {
    /// Imports the alerts of a file (JSON, a JSON array, or JSON lines), every one or none. The format is recognised
    /// per document when not given. `progress` gets alerts written so far.
    pub fn import_alerts(
        &mut self,
        path: &Path,
        format: Option<Format>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<AlertImportSummary> {
        let file =
            std::fs::File::open(path).map_err(io(format!("cannot read {}", path.display())))?;
        self.import_alerts_from(file, format, progress)
    }

    /// [`Casebook::import_alerts`] from any reader (a pipe, a request body).
    pub fn import_alerts_from(
        &mut self,
        input: impl Read,
        format: Option<Format>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<AlertImportSummary> {
        let (actor, device) = self.authorize(Action::RaiseAlert)?;
        let parsed = casebook_alerts::read_alerts(input, format).map_err(|e| {
            let hint = Hint::Input {
                field: Field::AlertFormat,
                example: "wazuh".into(),
            };
            let unknown = matches!(e, casebook_alerts::AlertError::UnknownFormat { .. });
            let err = Error::with_source(
                ErrorCode::InvalidInput,
                format!("{e}; no alert was imported"),
                e,
            );
            if unknown {
                err.hint(hint)
            } else {
                err
            }
        })?;
        let received_at = self.now();
        let now = received_at.timestamp_micros();
        let origin = Origin {
            user: actor.user,
            device,
        };
        let tx = self.store.write()?;
        let mut seen: HashSet<AlertId> = HashSet::with_capacity(parsed.len());
        let mut new_ids = Vec::new();
        let mut summary = AlertImportSummary {
            read: parsed.len() as u64,
            new: 0,
            duplicates: 0,
            groups: 0,
        };
        for (n, p) in parsed.into_iter().enumerate() {
            let alert = p.into_new_alert(received_at);
            if !seen.insert(alert.alert) || read::alert_exists(&tx, alert.alert)? {
                summary.duplicates += 1;
                continue;
            }
            new_ids.push(alert.alert);
            append_local(
                &tx,
                origin,
                EventId(Uuid::now_v7()),
                None,
                Payload::AlertRaised(alert),
                now,
            )
            .map_err(|e| {
                let err: Error = e.into();
                Error::new(
                    err.code,
                    format!("alert {}: {}; no alert was imported", n + 1, err.message),
                )
            })?;
            summary.new += 1;
            if summary.new.is_multiple_of(PROGRESS_EVERY) {
                progress(summary.new);
            }
        }
        let mut groups = HashSet::new();
        for id in &new_ids {
            groups.extend(read::alert_group(&tx, *id)?);
        }
        summary.groups = groups.len() as u64;
        tx.commit().map_err(casebook_store::StoreError::from)?;
        progress(summary.new);
        Ok(summary)
    }

    /// A page of the queue: one row per group, newest first.
    pub fn alerts(&self, q: &AlertListQuery) -> Result<Vec<AlertGroupView>> {
        self.authorize(Action::Read)?;
        let after = match &q.cursor {
            Some(c) => Some(read::parse_cursor(c).ok_or_else(|| {
                Error::invalid(format!(
                    "`{c}` is not a place in the alert queue; use the cursor of a listed row"
                ))
            })?),
            None => None,
        };
        Ok(read::alert_groups(
            self.store.conn(),
            &AlertQuery {
                status: q.status,
                rule: q.rule.clone(),
                after,
                limit: i64::from(q.limit.unwrap_or(50).clamp(1, 1_000)),
            },
        )?)
    }

    /// One alert, by its id or the first characters of it.
    pub fn alert(&self, id: &str) -> Result<AlertDetail> {
        self.authorize(Action::Read)?;
        let id = self.find_alert(id)?;
        let conn = self.store.conn();
        let alert = read::alert(conn, id)?;
        let raw = read::raised_alert(conn, id)?.raw;
        let group_alerts = read::group_alerts(conn, alert.group)?.len() as u64;
        let incident_key = alert.incident.map(|i| self.incident_key(i));
        Ok(AlertDetail {
            alert,
            raw,
            group_alerts,
            incident_key,
        })
    }

    /// Resolves an alert id as a person types it: whole, or its first eight or more characters.
    pub(crate) fn find_alert(&self, typed: &str) -> Result<AlertId> {
        let typed = typed.trim().to_ascii_lowercase();
        let conn = self.store.conn();
        if let Ok(id) = typed.parse::<AlertId>() {
            if read::alert_exists(conn, id)? {
                return Ok(id);
            }
        } else if typed.len() >= 8 {
            let found = read::alerts_by_prefix(conn, &typed, 2)?;
            match found.as_slice() {
                [one] => return Ok(*one),
                [] => {}
                _ => {
                    return Err(Error::invalid(format!(
                        "more than one alert starts with `{typed}`; type more of its id"
                    )))
                }
            }
        }
        Err(Error::not_found(format!(
            "no alert `{typed}` here; the alert queue lists the alerts with their ids"
        )))
    }
}
