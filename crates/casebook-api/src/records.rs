//! Observables (with cross-incident sightings), tasks, comments, search, and the log's own checks.

use casebook_core::model::{ObservableKind, TaskStatus, Tlp};
use casebook_core::observable::{guess_kind, normalize};
use casebook_core::{CommentId, ObservableId, Payload, TaskId};
use casebook_store::read::{self, CommentView, ObservableView, SearchHit, TaskView};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{Casebook, Error, Field, Hint, Result};

/// A search's hits, best first, and whether more match than were asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Most hits asked for.
    pub limit: i64,
    /// More hits than `limit` match: `hits` is only part of them.
    pub more: bool,
}

/// What a person gives to add an observable.
#[derive(Debug, Clone)]
pub struct ObservableInput {
    pub value: String,
    /// By default: guessed from the value.
    pub kind: Option<ObservableKind>,
    /// By default: the incident's own marking.
    pub tlp: Option<Tlp>,
    pub ioc: bool,
    pub note: String,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

impl Casebook {
    pub fn add_observable(
        &mut self,
        key_or_id: &str,
        o: ObservableInput,
    ) -> Result<ObservableView> {
        let id = self.editable(key_or_id)?;
        let kind = o.kind.unwrap_or_else(|| guess_kind(&o.value));
        let value = normalize(kind, &o.value)
            .map_err(|e| Error::with_source(crate::ErrorCode::InvalidInput, e.to_string(), e))?;
        let tlp = match o.tlp {
            Some(t) => t,
            None => self.incident_by_id(id)?.row.tlp,
        };
        let observable = ObservableId(Uuid::now_v7());
        self.commit(
            Some(id),
            vec![Payload::ObservableAdded {
                observable,
                observable_kind: kind,
                value,
                tlp,
                ioc: o.ioc,
                first_seen: o.first_seen,
                last_seen: o.last_seen,
                note: o.note,
            }],
        )?;
        read::observables(self.store.conn(), id)?
            .into_iter()
            .find(|v| v.id == observable)
            .ok_or_else(|| Error::not_found("the new observable"))
    }

    pub fn observables(&self, key_or_id: &str) -> Result<Vec<ObservableView>> {
        Ok(read::observables(
            self.store.conn(),
            self.resolve(key_or_id)?,
        )?)
    }

    pub fn add_task(
        &mut self,
        key_or_id: &str,
        title: &str,
        owner: Option<&str>,
        due: Option<DateTime<Utc>>,
    ) -> Result<TaskView> {
        let id = self.editable(key_or_id)?;
        if title.trim().is_empty() {
            return Err(Error::invalid("a task needs a title"));
        }
        let owner = self.optional_user(owner)?;
        let task = TaskId(Uuid::now_v7());
        self.commit(
            Some(id),
            vec![Payload::TaskAdded {
                task,
                title: title.trim().to_string(),
                owner,
                due,
            }],
        )?;
        self.task(id, task)
    }

    fn task(&self, incident: casebook_core::IncidentId, task: TaskId) -> Result<TaskView> {
        read::tasks(self.store.conn(), incident)?
            .into_iter()
            .find(|t| t.id == task)
            .ok_or_else(|| Error::not_found(format!("task {task}")))
    }

    pub fn tasks(&self, key_or_id: &str) -> Result<Vec<TaskView>> {
        Ok(read::tasks(self.store.conn(), self.resolve(key_or_id)?)?)
    }

    /// Sets a task's status; the task is named by its id or a unique prefix of it within the incident.
    pub fn set_task_status(
        &mut self,
        key_or_id: &str,
        task: &str,
        status: TaskStatus,
    ) -> Result<TaskView> {
        let id = self.editable(key_or_id)?;
        let all = read::tasks(self.store.conn(), id)?;
        let task = task.trim();
        let hits: Vec<&TaskView> = all
            .iter()
            .filter(|t| t.id.to_string().starts_with(task) || t.title.eq_ignore_ascii_case(task))
            .collect();
        let found = match hits.as_slice() {
            [one] => one.id,
            [] => {
                return Err(
                    Error::not_found(format!("no task `{task}` in this incident")).hint(
                        Hint::ListTasks {
                            incident: self.incident_key(id),
                        },
                    ),
                )
            }
            _ => {
                return Err(Error::invalid(format!(
                    "several tasks match `{task}`; give more of the id"
                )))
            }
        };
        self.commit(
            Some(id),
            vec![Payload::TaskStatusSet {
                task: found,
                status,
            }],
        )?;
        self.task(id, found)
    }

    pub fn add_comment(&mut self, key_or_id: &str, body: &str) -> Result<CommentView> {
        let id = self.editable(key_or_id)?;
        if body.trim().is_empty() {
            return Err(Error::invalid("a comment cannot be empty"));
        }
        let comment = CommentId(Uuid::now_v7());
        self.commit(
            Some(id),
            vec![Payload::CommentAdded {
                comment,
                body: body.to_string(),
            }],
        )?;
        read::comments(self.store.conn(), id)?
            .into_iter()
            .find(|c| c.id == comment)
            .ok_or_else(|| Error::not_found("the new comment"))
    }

    pub fn comments(&self, key_or_id: &str) -> Result<Vec<CommentView>> {
        Ok(read::comments(self.store.conn(), self.resolve(key_or_id)?)?)
    }

    /// Full-text search across every incident, or inside one (key or id): every word must appear, the last one as
    /// a prefix, and a host name or other identifier is one word (see `casebook_store::read::fts_query`).
    pub fn search(
        &self,
        query: &str,
        incident: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SearchHit>> {
        if query.trim().is_empty() {
            return Err(
                Error::invalid("give some words to search for").hint(Hint::Input {
                    field: Field::SearchWords,
                    example: "mail gateway".into(),
                }),
            );
        }
        let scope = incident.map(|k| self.resolve(k)).transpose()?;
        Ok(read::search(self.store.conn(), query, scope, limit)?)
    }

    /// [`Casebook::search`], saying whether more than `limit` hits match (a list a script must not take as whole).
    pub fn search_results(
        &self,
        query: &str,
        incident: Option<&str>,
        limit: i64,
    ) -> Result<SearchResults> {
        let limit = limit.max(0);
        // One hit more than asked tells whether the list is partial; the first `limit` are the same either way.
        let mut hits = self.search(query, incident, limit.saturating_add(1))?;
        let more = hits.len() as i64 > limit;
        hits.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(SearchResults { hits, limit, more })
    }
}
