//! Projections: how each event changes the tables people read.
//!
//! Every rule here gives the same tables whatever order the events arrive in (the merge contract of DESIGN.md):
//! scalar fields keep every claim and show the one with the highest HLC; tags are an add-wins set; timeline
//! entries, evidence, custody records, observables and comments are only ever inserted; long texts keep every version
//! and show the latest, leaving unseen concurrent versions as conflicts; escalations keep every transition and are
//! refolded in HLC order by the core whenever one arrives.

use casebook_core::escalation::{self, Recorded, Request, Transition};
use casebook_core::event::{FieldChange, NewEntry};
use casebook_core::model::{KeyTime, Status, TextField};
use casebook_core::{EntryId, Event, EventId, Hlc, Payload, UserId};
use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension, Transaction};

use crate::sql::{micros, opt_int, opt_micros, opt_text, parse, text};
use crate::Result;

/// Applies one event to the projections, in the caller's transaction.
pub fn apply(tx: &Transaction, e: &Event) -> Result<()> {
    let b = &e.body;
    let hlc = b.hlc.encode();
    let id = b.id.to_string();
    if let Some(inc) = b.incident {
        // Any event of an incident makes sure its row exists, so events that arrive before the incident's opening
        // have somewhere to land.
        tx.prepare_cached("INSERT OR IGNORE INTO incidents (id) VALUES (?1)")?
            .execute([inc.to_string()])?;
        tx.prepare_cached("UPDATE incidents SET updated_hlc = max(updated_hlc, ?2) WHERE id = ?1")?
            .execute(params![inc.to_string(), hlc])?;
    }
    let inc = b.incident.map(|i| i.to_string()).unwrap_or_default();
    match &b.payload {
        Payload::UserRegistered {
            user,
            name,
            role,
            tier,
        } => {
            tx.execute(
                "INSERT INTO users (id, name, role, tier, hlc) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, tier = excluded.tier,
                 hlc = excluded.hlc WHERE excluded.hlc > users.hlc",
                params![user.to_string(), name, role.as_str(), tier.map(|t| t.get()), hlc],
            )?;
        }
        Payload::ResponseTargetsSet { targets } => {
            for t in targets {
                tx.execute(
                    "INSERT INTO response_targets (severity, acknowledge_minutes, accept_minutes, hlc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (severity) DO UPDATE SET acknowledge_minutes = excluded.acknowledge_minutes,
                     accept_minutes = excluded.accept_minutes, hlc = excluded.hlc WHERE excluded.hlc > response_targets.hlc",
                    params![t.severity.as_str(), t.acknowledge_minutes, t.accept_minutes, hlc],
                )?;
            }
        }
        Payload::IncidentOpened {
            key,
            title,
            summary,
            severity,
            tlp,
            category,
            tier,
            detection_source,
            affected_assets,
            tags,
            occurred_at,
            detected_at,
            reported_at,
        } => {
            tx.execute(
                "UPDATE incidents SET key = ?2, opened = 1, created_by = ?3, created_hlc = ?4 WHERE id = ?1",
                params![inc, key, b.author.to_string(), hlc],
            )?;
            let claims: Vec<(&str, Value)> = vec![
                ("title", text(title)),
                ("severity", text(severity)),
                ("status", text(Status::New)),
                ("tlp", text(tlp)),
                ("category", text(category)),
                ("tier", Value::Integer(tier.get().into())),
                ("detection_source", text(detection_source)),
                (
                    "affected_assets",
                    text(serde_json::to_string(affected_assets)?),
                ),
                ("occurred_us", opt_int(opt_micros(*occurred_at))),
                ("detected_us", opt_int(opt_micros(*detected_at))),
                ("reported_us", opt_int(opt_micros(*reported_at))),
            ];
            for (field, value) in claims {
                claim(tx, &inc, field, &hlc, &id, value)?;
            }
            add_text_version(
                tx,
                &inc,
                TextField::Summary,
                &hlc,
                b.author,
                None,
                &[],
                summary,
                &id,
            )?;
            for tag in tags {
                tx.execute("INSERT OR IGNORE INTO tag_adds (event_id, tag, incident_id) VALUES (?1, ?2, ?3)", params![id, tag, inc])?;
            }
            refresh_incident_search(tx, &inc)?;
        }
        Payload::FieldSet { change } => {
            let (field, value) = match change {
                FieldChange::Title(t) => ("title", text(t)),
                FieldChange::Severity(s) => ("severity", text(s)),
                FieldChange::Status(s) => ("status", text(s)),
                FieldChange::Tlp(t) => ("tlp", text(t)),
                FieldChange::Category(c) => ("category", text(c)),
                FieldChange::DetectionSource(d) => ("detection_source", text(d)),
                FieldChange::AffectedAssets(a) => {
                    ("affected_assets", text(serde_json::to_string(a)?))
                }
                FieldChange::KeyTime { which, at } => {
                    (key_time_column(*which), opt_int(opt_micros(*at)))
                }
            };
            claim(tx, &inc, field, &hlc, &id, value)?;
            if matches!(field, "title" | "category") {
                refresh_incident_search(tx, &inc)?;
            }
        }
        Payload::TextEdited {
            field,
            text: body,
            base,
            resolves,
        } => {
            add_text_version(tx, &inc, *field, &hlc, b.author, *base, resolves, body, &id)?;
            refresh_incident_search(tx, &inc)?;
        }
        Payload::TagAdded { tag } => {
            tx.execute(
                "INSERT OR IGNORE INTO tag_adds (event_id, tag, incident_id) VALUES (?1, ?2, ?3)",
                params![id, tag, inc],
            )?;
            refresh_incident_search(tx, &inc)?;
        }
        Payload::TagRemoved { tag, removes } => {
            for r in removes {
                tx.execute(
                    "INSERT OR IGNORE INTO tag_removals (removed_event_id, tag, by_event_id) VALUES (?1, ?2, ?3)",
                    params![r.to_string(), tag, id],
                )?;
            }
            refresh_incident_search(tx, &inc)?;
        }
        Payload::IncidentAssigned { tier, assignee, .. } => {
            claim(
                tx,
                &inc,
                "tier",
                &hlc,
                &id,
                Value::Integer(tier.get().into()),
            )?;
            claim(tx, &inc, "assignee", &hlc, &id, opt_text(*assignee))?;
        }
        Payload::IncidentClosed { resolution, .. } => {
            claim(tx, &inc, "status", &hlc, &id, text(Status::Closed))?;
            claim(tx, &inc, "resolution", &hlc, &id, text(resolution))?;
            claim(
                tx,
                &inc,
                "closed_us",
                &hlc,
                &id,
                Value::Integer(b.hlc.wall_micros),
            )?;
        }
        Payload::EntryAdded(entry) => insert_entry(tx, &inc, &id, &hlc, b.author, entry)?,
        Payload::EntriesImported { entries, .. } => {
            for entry in entries {
                insert_entry(tx, &inc, &id, &hlc, b.author, entry)?;
            }
        }
        Payload::EntryKeyEventSet { entry, key_event } => {
            let entry = entry.to_string();
            tx.execute(
                "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'key_event', ?2, ?3, ?4)",
                params![entry, hlc, id, *key_event],
            )?;
            tx.execute(
                "UPDATE timeline_entries SET key_event = ?2, key_event_hlc = ?3 WHERE id = ?1 AND key_event_hlc < ?3",
                params![entry, *key_event, hlc],
            )?;
        }
        Payload::EvidenceAdded {
            evidence,
            name,
            sha256,
            size,
            media_type,
            acquired_at,
            acquired_by,
            source_host,
            source_path,
            description,
        } => {
            tx.execute(
                "INSERT OR IGNORE INTO evidence (id, incident_id, event_id, name, sha256, size, media_type, acquired_us,
                 acquired_by, source_host, source_path, description, added_hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    evidence.to_string(),
                    inc,
                    id,
                    name,
                    sha256,
                    *size as i64,
                    media_type,
                    micros(*acquired_at),
                    acquired_by,
                    source_host,
                    source_path,
                    description,
                    hlc,
                    b.author.to_string()
                ],
            )?;
        }
        Payload::CustodyRecorded {
            evidence,
            action,
            who,
            at,
            location,
            reason,
        } => {
            tx.execute(
                "INSERT OR IGNORE INTO custody (event_id, evidence_id, incident_id, action, who, at_us, location, reason, hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![id, evidence.to_string(), inc, action.as_str(), who, micros(*at), location, reason, hlc, b.author.to_string()],
            )?;
        }
        Payload::ObservableAdded {
            observable,
            observable_kind,
            value,
            tlp,
            ioc,
            first_seen,
            last_seen,
            note,
        } => {
            let oid = observable.to_string();
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO observables (id, incident_id, kind, value, tlp, ioc, first_seen_us, last_seen_us, note, hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    oid,
                    inc,
                    observable_kind.as_str(),
                    value,
                    tlp.as_str(),
                    *ioc,
                    opt_micros(*first_seen),
                    opt_micros(*last_seen),
                    note,
                    hlc,
                    b.author.to_string()
                ],
            )?;
            if inserted > 0 {
                index_doc(tx, "observable", &oid, &inc, &format!("{value} {note}"))?;
            }
        }
        Payload::TaskAdded {
            task,
            title,
            owner,
            due,
        } => {
            let tid = task.to_string();
            tx.execute(
                "INSERT OR IGNORE INTO tasks (id, incident_id, title, owner, due_us, status, status_hlc, created_hlc, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', '', ?6, ?7)",
                params![tid, inc, title, owner.map(|o| o.to_string()), opt_micros(*due), hlc, b.author.to_string()],
            )?;
            settle_task_status(tx, &tid)?;
        }
        Payload::TaskStatusSet { task, status } => {
            let tid = task.to_string();
            tx.execute(
                "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'status', ?2, ?3, ?4)",
                params![tid, hlc, id, status.as_str()],
            )?;
            settle_task_status(tx, &tid)?;
        }
        Payload::CommentAdded { comment, body } => {
            let cid = comment.to_string();
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO comments (id, incident_id, body, author, hlc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![cid, inc, body, b.author.to_string(), hlc],
            )?;
            if inserted > 0 {
                index_doc(tx, "comment", &cid, &inc, body)?;
            }
        }
        Payload::EscalationRequested {
            escalation,
            from_tier,
            to_tier,
            assignee,
            reason,
            handoff,
        } => {
            tx.execute(
                "INSERT OR IGNORE INTO escalations (id, incident_id, request_event, from_tier, requested_tier, requested_assignee,
                 to_tier, assignee, state, reason, handoff, requested_by, requested_hlc, clock_start_hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6, 'requested', ?7, ?8, ?9, ?10, ?10)",
                params![
                    escalation.to_string(),
                    inc,
                    id,
                    from_tier.get(),
                    to_tier.get(),
                    assignee.map(|a| a.to_string()),
                    reason,
                    handoff,
                    b.author.to_string(),
                    hlc
                ],
            )?;
            let summary = format!(
                "Escalation requested: tier {from_tier} → tier {to_tier}. Reason: {reason}"
            );
            system_entry(tx, e, &inc, summary, handoff.clone())?;
            refold_escalation(tx, &escalation.to_string())?;
        }
        Payload::EscalationAcknowledged { escalation }
        | Payload::EscalationAccepted { escalation }
        | Payload::EscalationDeclined { escalation, .. }
        | Payload::EscalationAssigned { escalation, .. } => {
            tx.execute(
                "INSERT OR IGNORE INTO escalation_transitions (event_id, escalation_id, incident_id, hlc, by_user, transition)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, escalation.to_string(), inc, hlc, b.author.to_string(), e.payload_json],
            )?;
            let (summary, details) = transition_summary(&b.payload);
            system_entry(tx, e, &inc, summary, details)?;
            refold_escalation(tx, &escalation.to_string())?;
        }
    }
    Ok(())
}

/// The system timeline entry's text for an escalation transition. It names no person: names are looked up when
/// shown, so the text is the same whichever events arrived first.
fn transition_summary(p: &Payload) -> (String, String) {
    match p {
        Payload::EscalationAcknowledged { .. } => ("Escalation acknowledged".into(), String::new()),
        Payload::EscalationAccepted { .. } => ("Escalation accepted".into(), String::new()),
        Payload::EscalationDeclined { reason, .. } => (
            format!("Escalation declined. Reason: {reason}"),
            String::new(),
        ),
        Payload::EscalationAssigned { to_tier, note, .. } => (
            format!("Escalation reassigned to tier {to_tier}"),
            note.clone(),
        ),
        other => (
            format!("Escalation changed ({})", other.kind()),
            String::new(),
        ),
    }
}

fn key_time_column(k: KeyTime) -> &'static str {
    match k {
        KeyTime::Occurred => "occurred_us",
        KeyTime::Detected => "detected_us",
        KeyTime::Reported => "reported_us",
        KeyTime::Contained => "contained_us",
        KeyTime::Resolved => "resolved_us",
    }
}

/// The last-writer-wins columns of `incidents`, with the value they take when no claim is left.
const CLAIMED_COLUMNS: &[(&str, &str)] = &[
    ("title", "''"),
    ("severity", "'sev4'"),
    ("status", "'new'"),
    ("resolution", "NULL"),
    ("tlp", "'amber'"),
    ("category", "''"),
    ("tier", "1"),
    ("assignee", "NULL"),
    ("detection_source", "''"),
    ("affected_assets", "'[]'"),
    ("occurred_us", "NULL"),
    ("detected_us", "NULL"),
    ("reported_us", "NULL"),
    ("contained_us", "NULL"),
    ("resolved_us", "NULL"),
    ("closed_us", "NULL"),
];

fn claim(
    tx: &Transaction,
    incident: &str,
    field: &str,
    hlc: &str,
    event: &str,
    value: Value,
) -> Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![incident, field, hlc, event, value])?;
    settle_field(tx, incident, field)
}

/// Sets an incident column to its winning claim (or its default when no claim is left).
fn settle_field(tx: &Transaction, incident: &str, field: &str) -> Result<()> {
    let Some((column, default)) = CLAIMED_COLUMNS.iter().find(|(c, _)| *c == field) else {
        return Err(crate::StoreError::Corrupt(format!(
            "unknown incident field `{field}`"
        )));
    };
    // `column` comes from the constant list above, never from input.
    let sql = format!(
        "UPDATE incidents SET {column} = COALESCE((SELECT value FROM field_claims WHERE entity_id = ?1 AND field = ?2
         ORDER BY hlc DESC, event_id DESC LIMIT 1), {default}) WHERE id = ?1"
    );
    tx.prepare_cached(&sql)?.execute(params![incident, field])?;
    Ok(())
}

fn settle_task_status(tx: &Transaction, task: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE tasks SET (status, status_hlc) = (SELECT value, hlc FROM field_claims WHERE entity_id = ?1 AND field = 'status'
         ORDER BY hlc DESC, event_id DESC LIMIT 1) WHERE id = ?1
         AND EXISTS (SELECT 1 FROM field_claims WHERE entity_id = ?1 AND field = 'status')",
    )?
    .execute([task])?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn add_text_version(
    tx: &Transaction,
    incident: &str,
    field: TextField,
    hlc: &str,
    author: UserId,
    base: Option<EventId>,
    resolves: &[EventId],
    body: &str,
    event: &str,
) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO text_versions (event_id, incident_id, field, hlc, author, base, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![event, incident, field.as_str(), hlc, author.to_string(), base.map(|b| b.to_string()), body],
    )?;
    for settled in base.iter().chain(resolves) {
        tx.execute(
            "INSERT OR IGNORE INTO text_settles (event_id, settled) VALUES (?1, ?2)",
            params![event, settled.to_string()],
        )?;
    }
    let column = match field {
        TextField::Summary => "summary",
        TextField::RootCause => "root_cause",
        TextField::Lessons => "lessons",
    };
    // `column` is one of three constants above.
    let sql = format!(
        "UPDATE incidents SET {column} = (SELECT text FROM text_versions WHERE incident_id = ?1 AND field = ?2
         ORDER BY hlc DESC, event_id DESC LIMIT 1) WHERE id = ?1"
    );
    tx.execute(&sql, params![incident, field.as_str()])?;
    Ok(())
}

fn insert_entry(
    tx: &Transaction,
    incident: &str,
    event: &str,
    hlc: &str,
    author: UserId,
    n: &NewEntry,
) -> Result<()> {
    let entry = n.entry.to_string();
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO timeline_entries (id, incident_id, event_id, event_time_us, time_zone, recorded_hlc, author,
             kind, summary, details, source_host, source_tool, source_file, key_event, key_event_hlc, evidence, observables,
             attributes, supersedes, superseded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?6, ?15, ?16, ?17, ?18,
                     (SELECT max(id) FROM timeline_entries WHERE supersedes = ?1))",
        )?
        .execute(params![
            entry,
            incident,
            event,
            micros(n.event_time),
            n.time_zone,
            hlc,
            author.to_string(),
            n.kind.as_str(),
            n.summary,
            n.details,
            n.source.host,
            n.source.tool,
            n.source.file,
            n.key_event,
            serde_json::to_string(&n.evidence)?,
            serde_json::to_string(&n.observables)?,
            serde_json::to_string(&n.attributes)?,
            n.supersedes.map(|s| s.to_string()),
        ])?;
    if inserted == 0 {
        return Ok(());
    }
    if let Some(target) = n.supersedes {
        tx.prepare_cached(
            "UPDATE timeline_entries SET superseded_by = ?2 WHERE id = ?1 AND (superseded_by IS NULL OR superseded_by < ?2)",
        )?
        .execute(params![target.to_string(), entry])?;
    }
    // A key-event flag set elsewhere may have arrived before the entry itself.
    tx.prepare_cached(
        "UPDATE timeline_entries SET (key_event, key_event_hlc) = (SELECT value, hlc FROM field_claims
         WHERE entity_id = ?1 AND field = 'key_event' ORDER BY hlc DESC, event_id DESC LIMIT 1)
         WHERE id = ?1 AND EXISTS (SELECT 1 FROM field_claims WHERE entity_id = ?1 AND field = 'key_event' AND hlc > key_event_hlc)",
    )?
    .execute([&entry])?;
    let source = [
        n.source.host.as_deref(),
        n.source.tool.as_deref(),
        n.source.file.as_deref(),
    ];
    let mut body = format!("{} {}", n.summary, n.details);
    for s in source.into_iter().flatten() {
        body.push(' ');
        body.push_str(s);
    }
    index_doc(tx, "entry", &entry, incident, &body)
}

fn index_doc(tx: &Transaction, kind: &str, id: &str, incident: &str, body: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO search_index (doc_kind, doc_id, incident_id, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![kind, id, incident, body])?;
    Ok(())
}

/// Rewrites an incident's own search row (key, title, texts, tags, category) after any of them changed.
fn refresh_incident_search(tx: &Transaction, incident: &str) -> Result<()> {
    let row: Option<(i64, Option<String>, String)> = tx
        .query_row(
            "SELECT rowid, key, title || ' ' || summary || ' ' || root_cause || ' ' || lessons || ' ' || category
             || ' ' || COALESCE((SELECT group_concat(tag, ' ') FROM (SELECT DISTINCT tag FROM tag_adds a WHERE a.incident_id = ?1
                AND NOT EXISTS (SELECT 1 FROM tag_removals r WHERE r.removed_event_id = a.event_id AND r.tag = a.tag))), '')
             FROM incidents WHERE id = ?1",
            [incident],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((rowid, key, body)) = row {
        tx.execute("DELETE FROM incident_search WHERE rowid = ?1", [rowid])?;
        tx.execute(
            "INSERT INTO incident_search (rowid, key, body) VALUES (?1, ?2, ?3)",
            params![rowid, key, body],
        )?;
    }
    Ok(())
}

/// Escalation changes also appear on the incident's timeline, as system entries named after their event.
fn system_entry(
    tx: &Transaction,
    e: &Event,
    incident: &str,
    summary: String,
    details: String,
) -> Result<()> {
    let entry = NewEntry {
        entry: EntryId(e.body.id.0),
        event_time: e.body.hlc.wall_time(),
        time_zone: None,
        kind: casebook_core::model::EntryKind::System,
        summary,
        details,
        source: Default::default(),
        key_event: false,
        evidence: vec![],
        observables: vec![],
        attributes: Default::default(),
        supersedes: None,
    };
    insert_entry(
        tx,
        incident,
        &e.body.id.to_string(),
        &e.body.hlc.encode(),
        e.body.author,
        &entry,
    )
}

/// Recomputes an escalation from its request and every transition recorded for it, in HLC order, and moves the
/// incident's tier and assignee claims to follow the outcome.
fn refold_escalation(tx: &Transaction, escalation: &str) -> Result<()> {
    let request: Option<(String, String, String, String, u8, u8, Option<String>)> = tx
        .query_row(
            "SELECT incident_id, request_event, requested_hlc, requested_by, from_tier, requested_tier, requested_assignee
             FROM escalations WHERE id = ?1",
            [escalation],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .optional()?;
    // Transitions that arrive before their request wait for it.
    let Some((incident, req_event, req_hlc, req_by, from_tier, to_tier, assignee)) = request else {
        return Ok(());
    };
    let tier = |n: u8| {
        casebook_core::model::Tier::new(n).map_err(|e| crate::StoreError::Corrupt(e.to_string()))
    };
    let request = Request {
        event: parse("event id", &req_event)?,
        hlc: parse("hlc", &req_hlc)?,
        by: parse("user id", &req_by)?,
        from_tier: tier(from_tier)?,
        to_tier: tier(to_tier)?,
        assignee: crate::sql::opt_parse("user id", assignee)?,
    };
    let mut stmt = tx.prepare_cached("SELECT event_id, hlc, by_user, transition FROM escalation_transitions WHERE escalation_id = ?1")?;
    let rows: Vec<(String, String, String, String)> = stmt
        .query_map([escalation], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut recorded = Vec::with_capacity(rows.len());
    for (event, hlc, by, payload) in rows {
        let transition = match serde_json::from_str::<Payload>(&payload)? {
            Payload::EscalationAcknowledged { .. } => Transition::Acknowledge,
            Payload::EscalationAccepted { .. } => Transition::Accept,
            Payload::EscalationDeclined { reason, .. } => Transition::Decline { reason },
            Payload::EscalationAssigned {
                to_tier, assignee, ..
            } => Transition::Assign { to_tier, assignee },
            other => {
                return Err(crate::StoreError::Corrupt(format!(
                    "{} recorded as an escalation transition",
                    other.kind()
                )))
            }
        };
        recorded.push(Recorded {
            event: parse("event id", &event)?,
            hlc: parse::<Hlc>("hlc", &hlc)?,
            by: parse("user id", &by)?,
            transition,
        });
    }
    let f = escalation::fold(&request, &recorded);
    tx.execute(
        "UPDATE escalations SET state = ?2, to_tier = ?3, assignee = ?4, clock_start_hlc = ?5, acknowledged_hlc = ?6,
         acknowledged_by = ?7, settled_hlc = ?8, settled_by = ?9, decline_reason = ?10 WHERE id = ?1",
        params![
            escalation,
            f.state.as_str(),
            f.to_tier.get(),
            f.assignee.map(|a| a.to_string()),
            f.clock_start.encode(),
            f.acknowledged.map(|(h, _)| h.encode()),
            f.acknowledged.map(|(_, u)| u.to_string()),
            f.settled.map(|(h, _, _)| h.encode()),
            f.settled.map(|(_, u, _)| u.to_string()),
            f.decline_reason,
        ],
    )?;
    tx.execute(
        "UPDATE escalation_transitions SET conflict = NULL WHERE escalation_id = ?1",
        [escalation],
    )?;
    for c in &f.conflicts {
        tx.execute(
            "UPDATE escalation_transitions SET conflict = ?2 WHERE event_id = ?1",
            params![c.event.to_string(), c.reason],
        )?;
    }
    // Only the winning accept moves the incident; an accept that lost a race gives up its claim.
    tx.execute(
        "DELETE FROM field_claims WHERE entity_id = ?1 AND field IN ('tier', 'assignee')
         AND event_id IN (SELECT event_id FROM escalation_transitions WHERE escalation_id = ?2)",
        params![incident, escalation],
    )?;
    if let (escalation::EscalationState::Accepted, Some((hlc, by, event))) = (f.state, f.settled) {
        let (hlc, event) = (hlc.encode(), event.to_string());
        tx.execute(
            "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'tier', ?2, ?3, ?4)",
            params![incident, hlc, event, f.to_tier.get()],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'assignee', ?2, ?3, ?4)",
            params![incident, hlc, event, by.to_string()],
        )?;
    }
    settle_field(tx, &incident, "tier")?;
    settle_field(tx, &incident, "assignee")?;
    Ok(())
}
