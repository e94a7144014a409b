//! Full-text search over incident text, timeline entries, observables and comments (SQLite FTS5).

use casebook_core::IncidentId;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::sql::parse;
use crate::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchHit {
    /// `incident`, `entry`, `observable` or `comment`.
    pub kind: String,
    pub id: String,
    pub incident_id: IncidentId,
    pub incident_key: String,
    /// The matching text with the hits between `[` and `]`.
    pub snippet: String,
}

/// Turns what a person typed into an FTS5 query: every word must appear (as a prefix for the last one), and
/// characters that mean something to FTS5 are quoted away, so no input is a syntax error.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '-' && c != '.' && c != '@')
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut q = words.join(" ");
    q.push('*');
    Some(q)
}

/// How many of the newest matches of a common query are ranked (see [`search`]).
pub const RANK_WINDOW: i64 = 2_000;

/// The best `limit` hits for `input`, best first.
pub fn search(conn: &Connection, input: &str, limit: i64) -> Result<Vec<SearchHit>> {
    let Some(q) = fts_query(input) else {
        return Ok(Vec::new());
    };
    // bm25 scores every match before `ORDER BY rank LIMIT` keeps the best, so a word in 170,000 entries costs
    // ~100 ms. Rows are inserted oldest first, so ranking only the newest RANK_WINDOW matches (found by rowid,
    // which costs no scoring) keeps common words fast and shows the most recent of them; rarer queries, with fewer
    // matches than the window, are ranked in full.
    let cutoff: i64 = conn
        .prepare_cached(
            "SELECT rowid FROM search_index WHERE search_index MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?2",
        )?
        .query_row(params![q, RANK_WINDOW - 1], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let mut stmt = conn.prepare_cached(
        "SELECT kind, id, incident_id, key, snippet, rank FROM (
            SELECT 'incident' AS kind, i.id AS id, i.id AS incident_id, i.key AS key,
                   snippet(incident_search, 1, '[', ']', '…', 12) AS snippet, incident_search.rank AS rank
            FROM incident_search JOIN incidents i ON i.rowid = incident_search.rowid WHERE incident_search MATCH ?1
            UNION ALL
            SELECT s.doc_kind, s.doc_id, s.incident_id, i.key, snippet(search_index, 3, '[', ']', '…', 12), s.rank
            FROM search_index s JOIN incidents i ON i.id = s.incident_id WHERE search_index MATCH ?1 AND s.rowid >= ?3
            ORDER BY rank LIMIT ?2)
         ORDER BY rank",
    )?;
    let rows: Vec<(String, String, String, Option<String>, String)> = stmt
        .query_map(params![q, limit, cutoff], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(kind, id, inc, key, snippet)| {
            Ok(SearchHit {
                kind,
                id,
                incident_id: parse("incident id", &inc)?,
                incident_key: key.unwrap_or_default(),
                snippet,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_input_becomes_a_valid_query() {
        assert_eq!(
            fts_query("mail gateway").as_deref(),
            Some("\"mail\" \"gateway\"*")
        );
        assert_eq!(
            fts_query("\"unbalanced AND ( NEAR").as_deref(),
            Some("\"unbalanced\" \"AND\" \"NEAR\"*")
        );
        assert_eq!(fts_query("  ()  "), None);
    }
}
