//! A canonical text dump of every projection, for comparing two stores: a rebuilt one with the live one, or two
//! devices that received the same events in different orders. Local-only details (arrival order, rowids) are left
//! out because they legitimately differ.

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use crate::Result;

/// Each projection with the query that lists it in a canonical order.
const TABLES: &[(&str, &str)] = &[
    ("users", "SELECT * FROM users ORDER BY id"),
    ("response_targets", "SELECT * FROM response_targets ORDER BY severity"),
    ("incidents", "SELECT * FROM incidents ORDER BY id"),
    ("field_claims", "SELECT * FROM field_claims ORDER BY entity_id, field, hlc, event_id"),
    ("text_versions", "SELECT * FROM text_versions ORDER BY event_id"),
    ("text_settles", "SELECT * FROM text_settles ORDER BY event_id, settled"),
    ("tag_adds", "SELECT * FROM tag_adds ORDER BY event_id, tag"),
    ("tag_removals", "SELECT * FROM tag_removals ORDER BY removed_event_id, tag, by_event_id"),
    ("timeline_entries", "SELECT * FROM timeline_entries ORDER BY id"),
    // After the entries, so a rebuild empties it last; zero counts depend on the order rows came and went.
    (
        "timeline_counts",
        "SELECT * FROM timeline_counts WHERE n != 0 ORDER BY incident_id, kind, key_event, superseded",
    ),
    ("evidence", "SELECT * FROM evidence ORDER BY id"),
    ("custody", "SELECT * FROM custody ORDER BY event_id"),
    ("observables", "SELECT * FROM observables ORDER BY id"),
    ("tasks", "SELECT * FROM tasks ORDER BY id"),
    ("comments", "SELECT * FROM comments ORDER BY id"),
    ("escalations", "SELECT * FROM escalations ORDER BY id"),
    ("escalation_transitions", "SELECT * FROM escalation_transitions ORDER BY event_id"),
    ("device_keys", "SELECT * FROM device_keys ORDER BY device, user_id"),
    ("scope_conflicts", "SELECT * FROM scope_conflicts ORDER BY event_id"),
    ("alerts", "SELECT * FROM alerts ORDER BY id"),
    ("alert_groups", "SELECT * FROM alert_groups ORDER BY id"),
    ("alert_triage", "SELECT * FROM alert_triage ORDER BY alert_id, event_id"),
    (
        "search_index",
        // With the rows still waiting to go into it: where a row is does not change what is found.
        "SELECT doc_kind, doc_id, incident_id, body, idents, scope FROM search_index
         UNION ALL SELECT doc_kind, doc_id, incident_id, body, idents, scope FROM search_backlog
         ORDER BY doc_kind, doc_id",
    ),
    (
        "incident_search",
        "SELECT i.id, s.key, s.body FROM incident_search s JOIN incidents i ON i.rowid = s.rowid ORDER BY i.id",
    ),
];

/// The names of the projection tables, in dump order.
pub fn projection_tables() -> impl Iterator<Item = &'static str> {
    TABLES.iter().map(|(t, _)| *t)
}

/// Columns that record how far this replica trusts a source (its own profile is its root, a colleague's device
/// only what the person chose to trust): legitimately different on two replicas holding the same events.
const TRUST_COLUMNS: &[&str] = &["rank", "foreign_case"];

/// Every projection as text, one line per row.
pub fn dump(conn: &Connection) -> Result<String> {
    dump_with(conn, &[])
}

/// The projections that every replica holding the same events must agree on: everything but the trust columns.
pub fn dump_replicated(conn: &Connection) -> Result<String> {
    dump_with(conn, TRUST_COLUMNS)
}

fn dump_with(conn: &Connection, left_out: &[&str]) -> Result<String> {
    let mut out = String::new();
    for (name, sql) in TABLES {
        out.push_str("## ");
        out.push_str(name);
        out.push('\n');
        let mut stmt = conn.prepare(sql)?;
        let kept: Vec<usize> = stmt
            .column_names()
            .enumerate()
            .filter(|(_, name)| !left_out.contains(name))
            .map(|(i, _)| i)
            .collect();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            for (n, &i) in kept.iter().enumerate() {
                if n > 0 {
                    out.push('|');
                }
                match row.get_ref(i)? {
                    ValueRef::Null => out.push('∅'),
                    ValueRef::Integer(v) => out.push_str(&v.to_string()),
                    ValueRef::Real(v) => out.push_str(&v.to_string()),
                    ValueRef::Text(t) => out.push_str(&String::from_utf8_lossy(t)),
                    ValueRef::Blob(b) => out.push_str(&hex::encode(b)),
                }
            }
            out.push('\n');
        }
    }
    Ok(out)
}
