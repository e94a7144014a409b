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
    let found = cb.search_results(query, incident, limit)?;
    out.show(&found, || {
        if found.hits.is_empty() {
            return format!("No matches for `{query}`.");
        }
        let rows: Vec<Vec<String>> = found
            .hits
            .iter()
            .map(|h| {
                vec![
                    h.incident_key.clone(),
                    h.kind.clone(),
                    clip(&h.snippet, 100),
                ]
            })
            .collect();
        let mut t = table(&["INCIDENT", "IN", "MATCH"], &rows);
        if found.more {
            t.push_str(&format!(
                "(the first {} hits; more match: use --limit for more)\n",
                found.limit
            ));
        }
        t
    })
}
