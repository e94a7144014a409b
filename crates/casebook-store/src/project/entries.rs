//! Append-only texts: timeline entries (with corrections and key-event flags), long-text versions, and the full-text
//! index.

use crate::sql::Cached as _;
use casebook_core::event::NewEntry;
use casebook_core::model::TextField;
use casebook_core::{EventId, Payload, UserId};
use rusqlite::{params, OptionalExtension, Transaction};

use super::{misrouted, At};
use crate::sql::micros;
use crate::Result;

/// Timeline entries, one or a batch, and key-event flags on them.
pub(super) fn apply(at: &At, p: &Payload) -> Result<()> {
    let (tx, inc, hlc, id) = (at.tx, &at.incident, &at.hlc, &at.id);
    match p {
        Payload::EntryAdded(entry) => insert_entry(at, entry),
        Payload::EntriesImported { entries, .. } => {
            for entry in entries {
                insert_entry(at, entry)?;
            }
            Ok(())
        }
        Payload::EntryKeyEventSet { entry, key_event } => {
            let entry = entry.to_string();
            tx.exec_cached(
                "INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value) VALUES (?1, 'key_event', ?2, ?3, ?4)",
                params![entry, hlc, id, *key_event],
            )?;
            tx.exec_cached(
                "UPDATE timeline_entries SET key_event = ?2, key_event_hlc = ?3 WHERE id = ?1 AND key_event_hlc < ?3
                 AND incident_id = ?4",
                params![entry, *key_event, hlc, inc],
            )?;
            Ok(())
        }
        other => Err(misrouted("timeline entry", other)),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn add_text_version(
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
    tx.exec_cached(
        "INSERT OR IGNORE INTO text_versions (event_id, incident_id, field, hlc, author, base, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![event, incident, field.as_str(), hlc, author.to_string(), base.map(|b| b.to_string()), body],
    )?;
    for settled in base.iter().chain(resolves) {
        tx.exec_cached(
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
    tx.exec_cached(&sql, params![incident, field.as_str()])?;
    Ok(())
}

/// Inserts a timeline entry of the event `at` applies (its id, clock, author and incident).
pub(super) fn insert_entry(at: &At, n: &NewEntry) -> Result<()> {
    let (tx, incident, event, hlc) = (at.tx, at.incident.as_str(), at.id.as_str(), at.hlc.as_str());
    let author = at.event.body.author;
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
    // A key-event flag set elsewhere may have arrived before the entry itself (rare: only out-of-order sync).
    let claimed: Option<(bool, String)> = tx
        .prepare_cached(
            // Claims are stored with TEXT affinity, so the flag comes back as '0' or '1'.
            "SELECT CAST(value AS INTEGER) != 0, hlc FROM field_claims WHERE entity_id = ?1 AND field = 'key_event'
             ORDER BY hlc DESC, event_id DESC LIMIT 1",
        )?
        .query_row([&entry], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((key_event, claim_hlc)) = claimed.filter(|(_, h)| h.as_str() > hlc) {
        tx.prepare_cached(
            "UPDATE timeline_entries SET key_event = ?2, key_event_hlc = ?3 WHERE id = ?1",
        )?
        .execute(params![entry, key_event, claim_hlc])?;
    }
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
    at.search.add_entry(
        &entry,
        incident,
        body,
        micros(n.event_time),
        n.kind.as_str(),
    );
    Ok(())
}

/// Rewrites an incident's own search row (key, title, texts, tags, category) after any of them changed.
pub(super) fn refresh_incident_search(tx: &Transaction, incident: &str) -> Result<()> {
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
        tx.exec_cached("DELETE FROM incident_search WHERE rowid = ?1", [rowid])?;
        tx.exec_cached(
            "INSERT INTO incident_search (rowid, key, body) VALUES (?1, ?2, ?3)",
            params![rowid, key, body],
        )?;
    }
    Ok(())
}
