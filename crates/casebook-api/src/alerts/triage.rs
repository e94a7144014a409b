//! Triage: dismissing alerts (one, several, or whole groups) with a verdict and a reason, promoting an alert to a new
//! incident (its title, severity, observables, times, and the raw alert as evidence), and merging an alert into an
//! incident that already exists. A promoted or merged alert stays so: an incident exists now.

use casebook_core::alert::{AlertState, AlertVerdict, NewAlert};
use casebook_core::authz::Action;
use casebook_core::key::incident_key;
use casebook_core::model::{CustodyAction, ObservableKind, Severity, Tier, Tlp};
use casebook_core::{AlertId, EvidenceId, IncidentId, ObservableId, Payload};
use casebook_store::blobs::StagedBlob;
use casebook_store::read;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{Casebook, Error, Field, Hint, Result};

/// What a dismissal did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DismissSummary {
    pub verdict: AlertVerdict,
    /// The alerts dismissed.
    pub alerts: Vec<AlertId>,
    /// Alerts named (or in the groups named) left alone: promoted or merged already.
    pub skipped: u64,
}

/// The incident an alert became, as the person who promoted it sees it at once.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PromotedAlert {
    pub alert: AlertId,
    pub incident_key: String,
    pub title: String,
    pub severity: Severity,
    /// The observables it carries now, as `kind:value`.
    pub observables: Vec<String>,
    /// The raw alert kept as evidence, and its SHA-256.
    pub evidence: EvidenceId,
    pub evidence_sha256: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
}

/// What `carry` brings: observables as `kind:value`, the evidence, its SHA-256, and its staged file.
type Carried = (Vec<String>, EvidenceId, String, StagedBlob);

impl Casebook {
    /// Dismisses alerts with a verdict: the alerts named, or with `whole_groups`, every alert still new in the
    /// groups of the alerts named. All in one event.
    pub fn dismiss_alerts(
        &mut self,
        ids: &[String],
        whole_groups: bool,
        verdict: AlertVerdict,
        reason: &str,
    ) -> Result<DismissSummary> {
        self.authorize(Action::TriageAlert)?;
        if reason.trim().is_empty() {
            return Err(
                Error::invalid("a dismissal needs a reason").hint(Hint::Input {
                    field: Field::Reason,
                    example: "vulnerability scanner, scheduled".into(),
                }),
            );
        }
        if ids.is_empty() {
            return Err(Error::invalid("name at least one alert to dismiss"));
        }
        let mut chosen: Vec<AlertId> = Vec::new();
        let mut skipped = 0u64;
        for typed in ids {
            let id = self.find_alert(typed)?;
            let conn = self.store.conn();
            let members = if whole_groups {
                let group = read::alert(conn, id)?.group;
                read::group_alerts(conn, group)?
                    .into_iter()
                    .filter(|(_, s)| *s == AlertState::New)
                    .map(|(a, _)| a)
                    .collect()
            } else {
                vec![id]
            };
            for a in members {
                let view = read::alert(conn, a)?;
                if matches!(view.state, AlertState::Promoted | AlertState::Merged) {
                    if !whole_groups {
                        return Err(self.already_in_incident(&view));
                    }
                    skipped += 1;
                } else if !chosen.contains(&a) {
                    chosen.push(a);
                }
            }
        }
        if !chosen.is_empty() {
            self.commit(
                None,
                vec![Payload::AlertTriaged {
                    alerts: chosen.clone(),
                    verdict,
                    reason: reason.trim().to_string(),
                }],
            )?;
        }
        Ok(DismissSummary {
            verdict,
            alerts: chosen,
            skipped,
        })
    }

    /// Opens an incident from an alert: its title, severity (or `severity`), description, host, observables, the raw
    /// alert as evidence, occurred = the alert's event time and detected = when it was raised.
    pub fn promote_alert(&mut self, id: &str, severity: Option<Severity>) -> Result<PromotedAlert> {
        let (actor, _) = self.authorize(Action::TriageAlert)?;
        self.authorize(Action::CreateIncident)?;
        let alert = self.find_alert(id)?;
        let view = read::alert(self.store.conn(), alert)?;
        if matches!(view.state, AlertState::Promoted | AlertState::Merged) {
            return Err(self.already_in_incident(&view));
        }
        let raised = read::raised_alert(self.store.conn(), alert)?;
        let incident = IncidentId(Uuid::now_v7());
        let severity = severity.unwrap_or(raised.severity);
        let occurred_at = raised.event_time;
        let detected_at = Some(
            raised
                .raised_at
                .or(raised.event_time)
                .unwrap_or(raised.received_at),
        );
        let rule = raised
            .rule_name
            .clone()
            .or(raised.rule_id.clone())
            .unwrap_or_default();
        let mut payloads = vec![Payload::IncidentOpened {
            key: incident_key(incident),
            title: raised.title.clone(),
            summary: raised.description.clone(),
            severity,
            tlp: Tlp::Amber,
            category: String::new(),
            tier: actor.tier.unwrap_or(Tier::ONE),
            detection_source: format!("{} alert {rule}", raised.source).trim().to_string(),
            affected_assets: raised.host.iter().cloned().collect(),
            tags: vec![],
            occurred_at,
            detected_at,
            reported_at: None,
        }];
        let (carried, evidence, sha256, staged) = self.carry(&raised, &[], &mut payloads)?;
        payloads.push(Payload::AlertPromoted { alert });
        self.commit(Some(incident), payloads)?;
        // Only now may a sweep consider the blob: the event that references it is committed.
        drop(staged);
        Ok(PromotedAlert {
            alert,
            incident_key: incident_key(incident),
            title: raised.title,
            severity,
            observables: carried,
            evidence,
            evidence_sha256: sha256,
            occurred_at,
            detected_at,
        })
    }

    /// Adds an alert to an incident that already exists: its raw alert as evidence and the observables the incident
    /// lacks. Returns the incident's key.
    pub fn merge_alert(&mut self, id: &str, key_or_id: &str) -> Result<String> {
        self.authorize(Action::TriageAlert)?;
        let incident = self.editable(key_or_id)?;
        let alert = self.find_alert(id)?;
        let view = read::alert(self.store.conn(), alert)?;
        if matches!(view.state, AlertState::Promoted | AlertState::Merged) {
            return Err(self.already_in_incident(&view));
        }
        let raised = read::raised_alert(self.store.conn(), alert)?;
        let held: Vec<(ObservableKind, String)> = read::observables(self.store.conn(), incident)?
            .into_iter()
            .map(|o| (o.kind, o.value))
            .collect();
        let mut payloads = Vec::new();
        let staged = self.carry(&raised, &held, &mut payloads)?.3;
        payloads.push(Payload::AlertMerged { alert });
        self.commit(Some(incident), payloads)?;
        drop(staged);
        Ok(self.incident_key(incident))
    }

    /// The events that bring an alert into an incident: its observables (those not `held` yet) and its raw payload
    /// stored as evidence with a `collected` custody step. Returns the observables as `kind:value`, the evidence id,
    /// its SHA-256 and the staged file, to be dropped once the events are committed.
    fn carry(
        &mut self,
        a: &NewAlert,
        held: &[(ObservableKind, String)],
        payloads: &mut Vec<Payload>,
    ) -> Result<Carried> {
        let me = self.me()?;
        let mut carried = Vec::new();
        for o in &a.observables {
            let label = format!("{}:{}", o.kind, o.value);
            if held.iter().any(|(k, v)| *k == o.kind && *v == o.value) || carried.contains(&label) {
                continue;
            }
            carried.push(label);
            payloads.push(Payload::ObservableAdded {
                observable: ObservableId(Uuid::now_v7()),
                observable_kind: o.kind,
                value: o.value.clone(),
                tlp: Tlp::Amber,
                ioc: false,
                first_seen: a.event_time,
                last_seen: a.event_time,
                note: format!("from the {} alert {}", a.source, a.source_id),
            });
        }
        // The evidence store keeps the bytes by their SHA-256; a staged blob is kept once the event naming it commits.
        let staged = self.blobs.stage(a.raw.as_bytes(), &mut |_| {})?;
        let evidence = EvidenceId(Uuid::now_v7());
        let sha256 = staged.sha256.clone();
        let name: String = format!("{}-alert-{}.json", a.source, a.source_id)
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(120)
            .collect();
        payloads.push(Payload::EvidenceAdded {
            evidence,
            name,
            sha256: sha256.clone(),
            size: staged.size,
            media_type: "application/json".into(),
            acquired_at: a.received_at,
            acquired_by: me.user.name.clone(),
            source_host: a.host.clone().unwrap_or_default(),
            source_path: String::new(),
            description: format!("The alert exactly as {} sent it", a.source),
        });
        payloads.push(Payload::CustodyRecorded {
            evidence,
            action: CustodyAction::Collected,
            who: me.user.name,
            at: a.received_at,
            location: String::new(),
            reason: "kept from the alert queue".into(),
        });
        Ok((carried, evidence, sha256, staged))
    }

    fn already_in_incident(&self, view: &read::AlertView) -> Error {
        let key = view
            .incident
            .map(|i| self.incident_key(i))
            .unwrap_or_default();
        Error::conflict(format!(
            "alert {} was already {} ({key}); an incident exists for it, so it stays there",
            view.id, view.state
        ))
    }
}
