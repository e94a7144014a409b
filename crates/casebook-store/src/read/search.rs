//! Full-text search over incident text, timeline entries, observables and comments (SQLite FTS5), across every
//! incident or inside one; the row format it reads is the store's `fts` module's.

use casebook_core::IncidentId;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::hits;
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
    /// The plain words typed, lowercase, and whether each is a prefix: what snippets mark and ranking counts.
    words: Vec<hits::Word>,
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
    let mut plain = Vec::new();
    for (i, parts) in words.iter().enumerate() {
        let prefix = i == last && !complete;
        let star = if prefix { "*" } else { "" };
        match parts[..] {
            [word] => {
                index.push(format!("body:\"{word}\"{star}"));
                plain.push((word.to_lowercase(), prefix));
            }
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
        words: plain,
    })
}

/// The `search_index` query for the timeline's text filter of one incident (see `read::timeline`): `None` when
/// nothing was typed that can be looked for, which shows every entry. The index has taken in its backlog when there
/// is a query to run on it.
pub fn entry_text_match(
    conn: &Connection,
    incident: IncidentId,
    text: Option<&str>,
) -> Result<Option<String>> {
    let Some(q) = text.and_then(fts_query) else {
        return Ok(None);
    };
    fts::catch_up(conn)?;
    Ok(Some(scoped(&q.index, Some(incident))))
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

/// Hits of the incidents' own text (a row per incident, so always ranked by bm25).
const INCIDENT_HITS: &str = "SELECT 'incident', i.id, i.id, i.key, snippet(incident_search, 1, '[', ']', '…', 12)
    FROM incident_search JOIN incidents i ON i.rowid = incident_search.rowid
    WHERE incident_search MATCH ?1 AND (?2 IS NULL OR i.id = ?2) ORDER BY incident_search.rank LIMIT ?3";

/// The newest matches of entries, observables and comments: rowids only, so the walk reads nothing but the index.
const NEWEST_MATCHES: &str =
    "SELECT rowid FROM search_index WHERE search_index MATCH ?1 ORDER BY rowid DESC LIMIT ?2";

/// One matching document by rowid (a lookup, not a query of the index) and its incident's key.
const DOC: &str = "SELECT s.doc_kind, s.doc_id, s.incident_id, i.key, s.body
    FROM search_index s JOIN incidents i ON i.id = s.incident_id WHERE s.rowid = ?1";

/// A matching document's text, to rank it.
const TEXT: &str = "SELECT body FROM search_index WHERE rowid = ?1";

type Row = (String, String, String, Option<String>, String);

/// The best `limit` hits for `input`, best first, across every incident or inside `incident`: the incidents' own
/// text first, then entries, observables and comments.
///
/// One walk of the full-text index, newest first, takes up to [`RANK_WINDOW`] matching rowids. A query with that
/// many lists its newest matches first, which is what a responder reads first among thousands of alike log lines;
/// fewer are ranked here from their text (`hits::scores`). FTS5's own ranking (bm25) and `snippet()` would each need
/// a second query, and bm25 walks every match of every word, over the whole index, to weigh how rare it is: for a
/// common word, or the incident's scope token (one per document of the incident), that walk was most of the time.
pub fn search(
    conn: &Connection,
    input: &str,
    incident: Option<IncidentId>,
    limit: i64,
) -> Result<Vec<SearchHit>> {
    let Some(q) = fts_query(input) else {
        return Ok(Vec::new());
    };
    fts::catch_up(conn)?;
    let limit = limit.max(0);
    let index = scoped(&q.index, incident);
    let scope = incident.map(|i| i.to_string());
    let mut rows: Vec<Row> = conn
        .prepare_cached(INCIDENT_HITS)?
        .query_map(params![q.incidents, scope, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let matches: Vec<i64> = conn
        .prepare_cached(NEWEST_MATCHES)?
        .query_map(params![index, RANK_WINDOW], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut doc = conn.prepare_cached(DOC)?;
    let mut read = |rowid: i64| -> Result<Option<Row>> {
        Ok(doc
            .query_row([rowid], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?)
    };
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    let chosen: Vec<i64> = if matches.len() as i64 >= RANK_WINDOW {
        matches
    } else {
        let mut text = conn.prepare_cached(TEXT)?;
        let mut texts = Vec::with_capacity(matches.len());
        for rowid in &matches {
            texts.push(text.query_row([rowid], |r| r.get::<_, String>(0))?);
        }
        let mut scored: Vec<(f64, i64)> = hits::scores(&texts, &q.words)
            .into_iter()
            .zip(matches)
            .collect();
        // Best first; among equals the newest (the walk's order, which a stable sort keeps).
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().map(|(_, rowid)| rowid).collect()
    };
    let mut docs: Vec<Row> = Vec::new();
    for rowid in chosen {
        if docs.len() + rows.len() >= wanted {
            break;
        }
        docs.extend(read(rowid)?);
    }
    rows.extend(docs);
    rows.truncate(wanted);
    rows.into_iter()
        .map(|(kind, id, inc, key, text)| {
            let snippet = if kind == "incident" {
                text
            } else {
                hits::snippet(&text, &q.words)
            };
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

    fn plan(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let nulls = vec![rusqlite::types::Value::Null; stmt.parameter_count()];
        stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// A search costs one walk of the index only while the walk is FTS5's own newest-first order (no sort of every
    /// match in SQL) and the hits are read by rowid (`INDEX 0:=`), never by matching again.
    #[test]
    fn a_search_walks_the_index_once_and_reads_its_hits_by_rowid() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(&dir.path().join("casebook.db")).unwrap();
        let walk = plan(store.conn(), NEWEST_MATCHES);
        assert_eq!(walk.len(), 1, "{walk:?}");
        assert!(
            walk[0].starts_with("SCAN search_index VIRTUAL TABLE INDEX") && walk[0].contains('M'),
            "{walk:?}"
        );
        for sql in [DOC, TEXT] {
            let read = plan(store.conn(), sql);
            assert!(
                read[0].contains("VIRTUAL TABLE INDEX 0:=") && !read[0].contains('M'),
                "{read:?}"
            );
            assert!(!read.iter().any(|s| s.contains("SCAN i")), "{read:?}");
        }
    }

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
