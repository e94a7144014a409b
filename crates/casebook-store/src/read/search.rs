//! Full-text search over incident text, timeline entries, observables and comments (SQLite FTS5), across every
//! incident or inside one; the row format it reads is the store's `fts` module's.

use casebook_core::IncidentId;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::fts;
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

/// What a person typed, as FTS5 queries: every word must appear, the last one as a prefix (unless the input ends
/// with a space or a quote: the word is complete). A word joined by `-`, `.`, `_` or `@` (a host name) is one
/// identifier token. Only letters, digits and separators reach FTS5, inside quotes, so no input is a syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// For `search_index`: plain words in `body`, identifiers in `idents`.
    pub index: String,
    /// For `incident_search` (one row per incident: key, title, texts): every word as a phrase of its parts.
    pub incidents: String,
    /// The identifiers typed (their parts) and whether each is a prefix, to mark them in snippets.
    idents: Vec<(Vec<String>, bool)>,
}

/// The query for `input`, or `None` when it has no word to look for.
pub fn fts_query(input: &str) -> Option<Query> {
    let words: Vec<Vec<&str>> = input
        .split(|c: char| !fts::is_word_char(c))
        .map(fts::parts)
        .filter(|p| !p.is_empty())
        .collect();
    let last = words.len().checked_sub(1)?;
    let complete = input.ends_with(|c: char| c.is_whitespace() || c == '"');
    let mut index = Vec::new();
    let mut incidents = Vec::new();
    let mut idents = Vec::new();
    for (i, parts) in words.iter().enumerate() {
        let prefix = i == last && !complete;
        let star = if prefix { "*" } else { "" };
        match parts[..] {
            [word] => index.push(format!("body:\"{word}\"{star}")),
            _ => {
                index.push(format!("idents:\"{}\"{star}", fts::ident(parts)));
                let lower = parts.iter().map(|p| p.to_lowercase()).collect();
                idents.push((lower, prefix));
            }
        }
        incidents.push(format!("\"{}\"{star}", parts.join(" ")));
    }
    Some(Query {
        index: index.join(" "),
        incidents: incidents.join(" "),
        idents,
    })
}

/// The `search_index` query for the timeline's text filter of one incident (see `read::timeline`): `None` when
/// nothing was typed that can be looked for, which shows every entry.
pub fn entry_text_match(incident: IncidentId, text: Option<&str>) -> Option<String> {
    let q = fts_query(text?)?;
    Some(scoped(&q.index, Some(incident)))
}

fn scoped(index: &str, incident: Option<IncidentId>) -> String {
    match incident {
        Some(i) => format!("scope:\"{}\" {index}", fts::scope(&i.to_string())),
        None => index.to_string(),
    }
}

/// Marks the identifiers a query matched in `idents` (FTS5 marks only what matched in the text it cuts the
/// snippet from): every word of the snippet that holds one of them, from a part boundary on, is put between `[`
/// and `]` whole.
fn mark_idents(snippet: &str, idents: &[(Vec<String>, bool)]) -> String {
    if idents.is_empty() {
        return snippet.to_string();
    }
    let matches = |word: &str| {
        let parts: Vec<String> = fts::parts(word).iter().map(|p| p.to_lowercase()).collect();
        idents.iter().any(|(want, prefix)| {
            (0..parts.len()).any(|start| {
                let have = &parts[start..];
                have.len() >= want.len()
                    && want.iter().zip(have).enumerate().all(|(i, (w, h))| {
                        if *prefix && i + 1 == want.len() {
                            h.starts_with(w.as_str())
                        } else {
                            h == w
                        }
                    })
            })
        })
    };
    let mut out = String::with_capacity(snippet.len() + 8);
    let mut word_start = None;
    for (i, c) in snippet.char_indices().chain([(snippet.len(), ' ')]) {
        match (fts::is_word_char(c) && i < snippet.len(), word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(start)) => {
                let word = &snippet[start..i];
                if matches(word) {
                    out.push('[');
                    out.push_str(word);
                    out.push(']');
                } else {
                    out.push_str(word);
                }
                word_start = None;
            }
            _ => {}
        }
        if word_start.is_none() && i < snippet.len() {
            out.push(c);
        }
    }
    out
}

/// A query with more matches than this lists its newest matches first instead of ranking them (see [`search`]).
pub const RANK_WINDOW: i64 = 2_000;

/// Hits of the incidents' own text (a row per incident, so always ranked), then of entries, observables and
/// comments: ranked by bm25 when the query has fewer than [`RANK_WINDOW`] of them, else the newest first.
const INCIDENT_HITS: &str = "SELECT 'incident', i.id, i.id, i.key, snippet(incident_search, 1, '[', ']', '…', 12),
        incident_search.rank
    FROM incident_search JOIN incidents i ON i.rowid = incident_search.rowid
    WHERE incident_search MATCH ?1 AND (?2 IS NULL OR i.id = ?2) ORDER BY incident_search.rank LIMIT ?3";
const RANKED_DOC_HITS: &str = "SELECT s.doc_kind, s.doc_id, s.incident_id, i.key,
        snippet(search_index, 3, '[', ']', '…', 12), s.rank
    FROM search_index s JOIN incidents i ON i.id = s.incident_id WHERE search_index MATCH ?1
    ORDER BY s.rank LIMIT ?2";
const NEWEST_DOC_HITS: &str = "SELECT s.doc_kind, s.doc_id, s.incident_id, i.key,
        snippet(search_index, 3, '[', ']', '…', 12), 0.0
    FROM search_index s JOIN incidents i ON i.id = s.incident_id WHERE search_index MATCH ?1
    ORDER BY s.rowid DESC LIMIT ?2";

type Row = (String, String, String, Option<String>, String, f64);

/// The best `limit` hits for `input`, best first, across every incident or inside `incident`.
pub fn search(
    conn: &Connection,
    input: &str,
    incident: Option<IncidentId>,
    limit: i64,
) -> Result<Vec<SearchHit>> {
    let Some(q) = fts_query(input) else {
        return Ok(Vec::new());
    };
    let index = scoped(&q.index, incident);
    let scope = incident.map(|i| i.to_string());
    // bm25 needs, for every word, the number of rows holding it: FTS5 visits every match of each word before it
    // scores one row, which for a word in 170,000 entries (or the 100,000 rows of an incident's scope) costs tens
    // of milliseconds. Whether the query has more than RANK_WINDOW matches is known from the newest ones alone (by
    // rowid, no scoring); such a query lists its newest matches first, which is what a responder reads first among
    // thousands of alike log lines. Fewer matches are ranked in full.
    let window_full = conn
        .prepare_cached(
            "SELECT rowid FROM search_index WHERE search_index MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?2",
        )?
        .query_row(params![index, RANK_WINDOW - 1], |r| r.get::<_, i64>(0))
        .optional()?
        .is_some();
    let read = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<Vec<Row>> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(p, |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        let out = rows.collect::<Result<Vec<Row>, _>>()?;
        Ok(out)
    };
    let mut rows = read(INCIDENT_HITS, &[&q.incidents, &scope, &limit])?;
    if window_full {
        rows.extend(read(NEWEST_DOC_HITS, &[&index, &limit])?);
    } else {
        rows.extend(read(RANKED_DOC_HITS, &[&index, &limit])?);
        // bm25 is lower for better matches.
        rows.sort_by(|a, b| a.5.total_cmp(&b.5));
    }
    rows.truncate(usize::try_from(limit.max(0)).unwrap_or(0));
    rows.into_iter()
        .map(|(kind, id, inc, key, snippet, _)| {
            Ok(SearchHit {
                kind,
                id,
                incident_id: parse("incident id", &inc)?,
                incident_key: key.unwrap_or_default(),
                snippet: mark_idents(&snippet, &q.idents),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_input_becomes_a_valid_query() {
        let q = fts_query("mail gateway").unwrap();
        assert_eq!(q.index, "body:\"mail\" body:\"gateway\"*");
        assert_eq!(q.incidents, "\"mail\" \"gateway\"*");
        assert_eq!(
            fts_query("\"unbalanced AND ( NEAR").unwrap().index,
            "body:\"unbalanced\" body:\"AND\" body:\"NEAR\"*"
        );
        assert_eq!(fts_query("  ()  "), None);
        assert_eq!(fts_query("-- . @"), None, "separators alone are no word");
    }

    #[test]
    fn an_identifier_is_one_token_and_a_finished_last_word_is_no_prefix() {
        let q = fts_query("logon WKS-FIN-01").unwrap();
        assert_eq!(
            q.index,
            "body:\"logon\" idents:\"WKS\u{E000}FIN\u{E000}01\"*"
        );
        assert_eq!(q.incidents, "\"logon\" \"WKS FIN 01\"*");
        assert_eq!(
            fts_query("-WKS-FIN-010- ").unwrap().index,
            "idents:\"WKS\u{E000}FIN\u{E000}010\"",
            "edge separators are dropped; a trailing space ends the word"
        );
        assert_eq!(fts_query("\"logon\"").unwrap().index, "body:\"logon\"");
    }

    #[test]
    fn identifiers_matched_outside_the_snippets_text_are_marked_whole() {
        let q = fts_query("WKS-FIN-01").unwrap();
        assert_eq!(
            mark_idents("wks-fin-010 opened x on WKS-FIN-020, [logon]", &q.idents),
            "[wks-fin-010] opened x on WKS-FIN-020, [logon]"
        );
        let q = fts_query("FIN-020 ").unwrap();
        assert_eq!(
            mark_idents("on WKS-FIN-020… WKS-FIN-0200", &q.idents),
            "on [WKS-FIN-020]… WKS-FIN-0200",
            "a later part counts; a finished word is matched whole"
        );
    }
}
