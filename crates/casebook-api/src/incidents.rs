//! Incidents: opening, listing, showing, editing fields and long texts, tags, assignment and closing.

use casebook_core::authz::Action;
use casebook_core::event::FieldChange;
use casebook_core::key::incident_key;
use casebook_core::model::{KeyTime, Resolution, Severity, Status, TextField, Tier, Tlp};
use casebook_core::{EventId, IncidentId, Payload, TaskId};
use casebook_store::read::{self, IncidentDetail, IncidentFilter, IncidentRow};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Casebook, Error, Field, Hint, Result};

/// What a person gives to open an incident.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub title: String,
    pub severity: Severity,
    pub tlp: Tlp,
    pub summary: String,
    pub category: String,
    /// The tier whose queue it starts in; by default the opener's own tier (tier 1 for leads).
    pub tier: Option<Tier>,
    pub detection_source: String,
    pub affected_assets: Vec<String>,
    pub tags: Vec<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    /// By default: now.
    pub detected_at: Option<DateTime<Utc>>,
    pub reported_at: Option<DateTime<Utc>>,
}

impl NewIncident {
    pub fn titled(title: &str, severity: Severity, tlp: Tlp) -> NewIncident {
        NewIncident {
            title: title.to_string(),
            severity,
            tlp,
            summary: String::new(),
            category: String::new(),
            tier: None,
            detection_source: String::new(),
            affected_assets: vec![],
            tags: vec![],
            occurred_at: None,
            detected_at: None,
            reported_at: None,
        }
    }
}

/// A field change as a person asks for it (status changes that close go through [`Casebook::close`]).
pub type FieldEdit = FieldChange;

/// Case templates (playbooks): tasks created with an incident of a category, from `assets/playbooks/`.
const PLAYBOOKS: &str = include_str!("../../../assets/playbooks/playbooks.json");

/// The tasks a playbook prescribes for a category (none for an unknown one).
pub fn playbook_tasks(category: &str) -> Vec<String> {
    let all: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(PLAYBOOKS).unwrap_or_default();
    all.get(&category.trim().to_lowercase())
        .and_then(|v| v.as_array())
        .map(|tasks| {
            tasks
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tags
        .iter()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Casebook {
    /// Opens an incident and returns it.
    pub fn new_incident(&mut self, n: NewIncident) -> Result<IncidentDetail> {
        let (actor, _) = self.authorize(Action::CreateIncident)?;
        let title = n.title.trim();
        if title.is_empty() {
            return Err(
                Error::invalid("an incident needs a title").hint(Hint::Input {
                    field: Field::Title,
                    example: "Phishing wave in finance".into(),
                }),
            );
        }
        let id = IncidentId(Uuid::now_v7());
        let tier = n.tier.or(actor.tier).unwrap_or(Tier::ONE);
        let tasks = playbook_tasks(&n.category);
        let payload = Payload::IncidentOpened {
            key: incident_key(id),
            title: title.to_string(),
            summary: n.summary,
            severity: n.severity,
            tlp: n.tlp,
            category: n.category.trim().to_string(),
            tier,
            detection_source: n.detection_source,
            affected_assets: n.affected_assets,
            tags: clean_tags(&n.tags),
            occurred_at: n.occurred_at,
            detected_at: Some(n.detected_at.unwrap_or_else(|| self.now())),
            reported_at: n.reported_at,
        };
        let mut payloads = vec![payload];
        payloads.extend(tasks.into_iter().map(|title| Payload::TaskAdded {
            task: TaskId(Uuid::now_v7()),
            title,
            owner: None,
            due: None,
        }));
        self.commit(Some(id), payloads)?;
        self.incident_by_id(id)
    }

    pub fn incidents(&self, filter: &IncidentFilter, limit: i64) -> Result<Vec<IncidentRow>> {
        Ok(read::incidents(self.store.conn(), filter, limit)?)
    }

    pub fn incident(&self, key_or_id: &str) -> Result<IncidentDetail> {
        self.incident_by_id(self.resolve(key_or_id)?)
    }

    pub(crate) fn incident_by_id(&self, id: IncidentId) -> Result<IncidentDetail> {
        Ok(read::incident(self.store.conn(), id)?)
    }

    /// Changes scalar fields (last writer wins across devices). Moving to `contained` also stamps the contained
    /// time when none is set, so time-to-contain needs no extra step.
    pub fn set_fields(
        &mut self,
        key_or_id: &str,
        changes: Vec<FieldEdit>,
    ) -> Result<IncidentDetail> {
        let id = self.editable(key_or_id)?;
        let current = self.incident_by_id(id)?;
        let mut payloads = Vec::new();
        for change in changes {
            match &change {
                FieldChange::Title(t) if t.trim().is_empty() => return Err(Error::invalid("the title cannot be empty")),
                FieldChange::Status(Status::Closed) => {
                    return Err(Error::invalid(
                        "closing needs a resolution: true positive, false positive, benign or duplicate",
                    )
                    .hint(Hint::Input { field: Field::Resolution, example: "true-positive".into() }))
                }
                FieldChange::Status(Status::Contained) if current.contained_at.is_none() => {
                    payloads.push(Payload::FieldSet { change: FieldChange::KeyTime { which: KeyTime::Contained, at: Some(self.now()) } });
                }
                _ => {}
            }
            payloads.push(Payload::FieldSet { change });
        }
        if payloads.is_empty() {
            return Err(Error::invalid(
                "nothing to change: give at least one field to change",
            ));
        }
        self.commit(Some(id), payloads)?;
        self.incident_by_id(id)
    }

    /// Replaces a long text. `resolves` names concurrent versions the new text settles (see `conflicts`).
    pub fn edit_text(
        &mut self,
        key_or_id: &str,
        field: TextField,
        text: &str,
        resolves: Vec<EventId>,
    ) -> Result<IncidentDetail> {
        let id = self.editable(key_or_id)?;
        let current = self.incident_by_id(id)?;
        let base = current
            .text_versions
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, e)| *e);
        for r in &resolves {
            if !current.conflicts.iter().any(|c| c.event == *r) {
                return Err(Error::invalid(format!(
                    "{r} is not an open conflict of this incident"
                )));
            }
        }
        self.commit(
            Some(id),
            vec![Payload::TextEdited {
                field,
                text: text.to_string(),
                base,
                resolves,
            }],
        )?;
        self.incident_by_id(id)
    }

    pub fn add_tag(&mut self, key_or_id: &str, tag: &str) -> Result<IncidentDetail> {
        let id = self.editable(key_or_id)?;
        let tag = clean_tags(&[tag.to_string()])
            .pop()
            .ok_or_else(|| Error::invalid("a tag cannot be empty"))?;
        self.commit(Some(id), vec![Payload::TagAdded { tag }])?;
        self.incident_by_id(id)
    }

    /// Removes a tag as this person sees it; an addition made concurrently elsewhere survives (add-wins).
    pub fn remove_tag(&mut self, key_or_id: &str, tag: &str) -> Result<IncidentDetail> {
        let id = self.editable(key_or_id)?;
        let tag = tag.trim().to_lowercase();
        let removes = read::tag_additions(self.store.conn(), id, &tag)?;
        if removes.is_empty() {
            return Err(Error::not_found(format!("the incident has no tag `{tag}`")));
        }
        self.commit(Some(id), vec![Payload::TagRemoved { tag, removes }])?;
        self.incident_by_id(id)
    }

    /// Assigns the incident to a tier and optionally a person (leads only).
    pub fn assign(
        &mut self,
        key_or_id: &str,
        tier: Tier,
        assignee: Option<&str>,
        note: &str,
    ) -> Result<IncidentDetail> {
        let id = self.resolve(key_or_id)?;
        self.authorize(Action::Assign)?;
        let assignee = self.optional_user(assignee)?;
        self.commit(
            Some(id),
            vec![Payload::IncidentAssigned {
                tier,
                assignee,
                note: note.to_string(),
            }],
        )?;
        self.incident_by_id(id)
    }

    /// Takes an incident from the acting responder's tier queue.
    pub fn take(&mut self, key_or_id: &str) -> Result<IncidentDetail> {
        let id = self.resolve(key_or_id)?;
        let scope = self.scope(id)?;
        let (actor, _) = self.authorize(Action::TakeFromQueue { tier: scope.tier })?;
        self.commit(
            Some(id),
            vec![Payload::IncidentAssigned {
                tier: scope.tier,
                assignee: Some(actor.user),
                note: String::new(),
            }],
        )?;
        self.incident_by_id(id)
    }

    /// Closes with a resolution; stamps the resolved time if none is set.
    pub fn close(
        &mut self,
        key_or_id: &str,
        resolution: Resolution,
        note: &str,
    ) -> Result<IncidentDetail> {
        let id = self.resolve(key_or_id)?;
        let current = self.incident_by_id(id)?;
        self.authorize(Action::Close {
            scope: self.scope(id)?,
            resolution,
        })?;
        if current.row.status == Status::Closed {
            return Err(Error::conflict(format!(
                "{} is already closed",
                current.row.key
            )));
        }
        let mut payloads = Vec::new();
        if current.resolved_at.is_none() {
            payloads.push(Payload::FieldSet {
                change: FieldChange::KeyTime {
                    which: KeyTime::Resolved,
                    at: Some(self.now()),
                },
            });
        }
        payloads.push(Payload::IncidentClosed {
            resolution,
            note: note.to_string(),
        });
        self.commit(Some(id), payloads)?;
        self.incident_by_id(id)
    }
}
