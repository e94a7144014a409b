//! Full-text search across incidents, timelines, observables and comments.

use casebook_api::Casebook;

use crate::output::{clip, table, Out};

pub fn search(
    cb: &Casebook,
    query: &str,
    incident: Option<&str>,
    limit: i64,
    out: &Out,
) -> anyhow::Result<()> {
    let hits = cb.search(query, incident, limit)?;
    out.show(&hits, || {
        if hits.is_empty() {
            return format!("No matches for `{query}`.");
        }
        let rows: Vec<Vec<String>> = hits
            .iter()
            .map(|h| {
                vec![
                    h.incident_key.clone(),
                    h.kind.clone(),
                    clip(&h.snippet, 100),
                ]
            })
            .collect();
        table(&["INCIDENT", "IN", "MATCH"], &rows)
    })
}
