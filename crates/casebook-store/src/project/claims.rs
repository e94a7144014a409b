//! Last-writer-wins fields: every claim is kept, and the entity's column shows the claim with the highest HLC (a claim
//! whose clock ran far ahead of its receipt ranks below every other, so one fast clock cannot win every later edit).

use rusqlite::types::Value;
use rusqlite::{params, Transaction};

use crate::Result;

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

pub(super) fn claim(
    tx: &Transaction,
    incident: &str,
    field: &str,
    hlc: &str,
    event: &str,
    value: Value,
    ahead: bool,
) -> Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO field_claims (entity_id, field, hlc, event_id, value, ahead) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![incident, field, hlc, event, value, ahead])?;
    settle_field(tx, incident, field)
}

/// Sets an incident column to its winning claim (or its default when no claim is left).
pub(super) fn settle_field(tx: &Transaction, incident: &str, field: &str) -> Result<()> {
    let Some((column, default)) = CLAIMED_COLUMNS.iter().find(|(c, _)| *c == field) else {
        return Err(crate::StoreError::Corrupt(format!(
            "unknown incident field `{field}`"
        )));
    };
    // `column` comes from the constant list above, never from input.
    let sql = format!(
        "UPDATE incidents SET {column} = COALESCE((SELECT value FROM field_claims WHERE entity_id = ?1 AND field = ?2
         ORDER BY ahead, hlc DESC, event_id DESC LIMIT 1), {default}) WHERE id = ?1"
    );
    tx.prepare_cached(&sql)?.execute(params![incident, field])?;
    Ok(())
}

pub(super) fn settle_task_status(tx: &Transaction, task: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE tasks SET (status, status_hlc) = (SELECT value, hlc FROM field_claims WHERE entity_id = ?1 AND field = 'status'
         ORDER BY hlc DESC, event_id DESC LIMIT 1) WHERE id = ?1
         AND EXISTS (SELECT 1 FROM field_claims WHERE entity_id = ?1 AND field = 'status')",
    )?
    .execute([task])?;
    Ok(())
}
