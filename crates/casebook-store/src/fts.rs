//! The full-text index's rows (`search_index`): what a document is indexed under, in one place, so the write path,
//! the upgrade of an index written before these columns, and the queries in `read::search` agree.
//!
//! Besides its text (`body`, split into words by FTS5's unicode61 tokenizer), a row holds:
//! - `idents`: every identifier of the text whose parts are joined by `-`, `.`, `_` or `@` (host names, domains,
//!   addresses, file names), whole and from each later part on (`WKS-FIN-010`, `FIN-010`), with every separator
//!   written as [`JOIN`]. The tokenizer keeps private-use characters inside a token, so each identifier is one
//!   token: a typed `WKS-FIN-01` is one rare prefix instead of a phrase of three very common words.
//! - `scope`: one token naming the incident, so a search inside one incident is an index lookup, not a filter over
//!   every match of the whole index.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension};

use crate::Result;

/// What an identifier's separators become in `idents` (the first private-use code point: a token character for
/// unicode61, and nothing anyone types). All separators are alike, so `WKS_FIN_010` finds `WKS-FIN-010`.
pub(crate) const JOIN: char = '\u{E000}';

/// Identifiers with more parts are indexed from their first parts on only, so a pathological text (a long dotted
/// path) cannot make a row's token list grow with the square of its length.
const MAX_STARTS: usize = 8;

/// Characters that join the parts of an identifier.
pub(crate) fn is_separator(c: char) -> bool {
    matches!(c, '-' | '.' | '_' | '@')
}

/// Characters of a word as typed or written: letters, digits and separators; everything else splits words.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_separator(c)
}

/// The alphanumeric parts of a word (`WKS-FIN-010` has three, `-x-` one).
pub(crate) fn parts(word: &str) -> Vec<&str> {
    word.split(is_separator).filter(|p| !p.is_empty()).collect()
}

/// The `idents` token of an identifier's parts.
pub(crate) fn ident(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(JOIN);
        }
        out.push_str(p);
    }
    out
}

/// The `idents` column of a text: each identifier whole and from each later part on, each once.
pub(crate) fn idents(body: &str) -> String {
    let mut seen = HashSet::new();
    let mut out = String::new();
    for word in body.split(|c: char| !is_word_char(c)) {
        let parts = parts(word);
        for start in 0..parts.len().saturating_sub(1).min(MAX_STARTS) {
            let token = ident(&parts[start..]);
            if seen.insert(token.to_lowercase()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&token);
            }
        }
    }
    out
}

/// The `scope` token of an incident (its id without dashes, after a letter so it is never read as a number).
pub(crate) fn scope(incident: &str) -> String {
    let mut out = String::from("i");
    out.extend(incident.chars().filter(|c| *c != '-'));
    out
}

/// Rows that wait in `search_backlog` before they go into the index together: one change in this many pays for
/// writing them (a segment of that many rows, about a hundred pages), the others write one page each.
pub const BACKLOG_ROWS: i64 = 256;

/// Queues one document's row in `search_backlog`, in the caller's transaction, and moves the backlog into the index
/// once it holds [`BACKLOG_ROWS`]. How a change made on its own (an entry typed, a comment) is indexed: one FTS5
/// insert per transaction makes a one-row segment, seven pages of a durable append and merges ever after.
pub(crate) fn queue_doc(
    conn: &Connection,
    kind: &str,
    id: &str,
    incident: &str,
    body: &str,
) -> Result<()> {
    insert_doc(conn, BACKLOG_ROW, None, kind, id, incident, body)?;
    // The backlog is only ever emptied whole, so its rows are numbered from 1 and the last number is their count.
    if conn.last_insert_rowid() >= BACKLOG_ROWS {
        flush_backlog(conn)?;
    }
    Ok(())
}

/// Moves every row of `search_backlog` into the index, in the order they were made, in the caller's transaction,
/// with each timeline entry's place (`search_places`). Whatever writes the index directly calls this first, so rowids
/// (which rank recent matches first) stay in the order the rows were made.
pub(crate) fn flush_backlog(conn: &Connection) -> Result<()> {
    let first: Option<i64> = conn
        .prepare_cached("SELECT min(seq) FROM search_backlog")?
        .query_row([], |r| r.get(0))?;
    let Some(first) = first else {
        return Ok(());
    };
    // Row `seq` of the backlog becomes row `seq + shift` of the index, so its place can name that row.
    let shift = next_rowid(conn)? - first;
    conn.prepare_cached(
        "INSERT INTO search_index (rowid, doc_kind, doc_id, incident_id, body, idents, scope)
         SELECT seq + ?1, doc_kind, doc_id, incident_id, body, idents, scope FROM search_backlog ORDER BY seq",
    )?
    .execute([shift])?;
    conn.prepare_cached(
        "INSERT INTO search_places (doc_rowid, event_time_us, entry_id, kind)
         SELECT b.seq + ?1, t.event_time_us, unhex(replace(t.id, '-', '')), t.kind
         FROM search_backlog b JOIN timeline_entries t ON t.id = b.doc_id WHERE b.doc_kind = 'entry'",
    )?
    .execute([shift])?;
    conn.prepare_cached("DELETE FROM search_backlog")?
        .execute([])?;
    Ok(())
}

/// The rowid the index's next row gets. Rows are numbered here rather than by FTS5, so an entry's place is written
/// with its row's number (FTS5 would give the same one: the highest plus one).
pub(crate) fn next_rowid(conn: &Connection) -> Result<i64> {
    let last: Option<i64> = conn
        .prepare_cached("SELECT rowid FROM search_index ORDER BY rowid DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(last.map_or(1, |r| r + 1))
}

/// Records where a timeline entry indexed as row `rowid` sits on its timeline (`search_places`), for the text filter.
pub(crate) fn place_entry(
    conn: &Connection,
    rowid: i64,
    event_time_us: i64,
    entry: &str,
    kind: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO search_places (doc_rowid, event_time_us, entry_id, kind)
         VALUES (?1, ?2, unhex(replace(?3, '-', '')), ?4)",
    )?
    .execute(params![rowid, event_time_us, entry, kind])?;
    Ok(())
}

/// Makes the index hold every document before it is read: a query of `search_index` sees no backlog. The backlog is
/// moved in a transaction of its own (or the caller's, when there is one open). Costs one lookup when it is empty.
pub(crate) fn catch_up(conn: &Connection) -> Result<()> {
    let waiting: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM search_backlog)")?
        .query_row([], |r| r.get(0))?;
    if !waiting {
        return Ok(());
    }
    if !conn.is_autocommit() {
        return flush_backlog(conn);
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    flush_backlog(&tx)?;
    tx.commit()?;
    Ok(())
}

/// Indexes one document as row `rowid` (entries, observables and comments never change, so their rows are only
/// ever inserted). Callers move the backlog in first ([`flush_backlog`]), once for all the rows they write, and
/// number the rows from [`next_rowid`].
pub(crate) fn index_doc(
    conn: &Connection,
    rowid: i64,
    kind: &str,
    id: &str,
    incident: &str,
    body: &str,
) -> Result<()> {
    insert_doc(conn, INDEX_ROW, Some(rowid), kind, id, incident, body)
}

/// A document's row in the index and in its backlog: the same columns, `?2` to `?7`; the index's rowid is `?1`
/// (the backlog numbers its rows itself).
const INDEX_ROW: &str =
    "INSERT INTO search_index (rowid, doc_kind, doc_id, incident_id, body, idents, scope)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const BACKLOG_ROW: &str =
    "INSERT INTO search_backlog (doc_kind, doc_id, incident_id, body, idents, scope)
    VALUES (?2, ?3, ?4, ?5, ?6, ?7)";

fn insert_doc(
    conn: &Connection,
    sql: &str,
    rowid: Option<i64>,
    kind: &str,
    id: &str,
    incident: &str,
    body: &str,
) -> Result<()> {
    conn.prepare_cached(sql)?.execute(params![
        rowid,
        kind,
        id,
        incident,
        body,
        idents(body),
        scope(incident)
    ])?;
    Ok(())
}

/// Migration 0006 renamed the index it replaces to `search_index_0005`: every row of it is indexed again here, in
/// its old order (rowids are insertion order, which the ranking window relies on), and the old table dropped. The
/// new columns are computed here, not in SQL, so an upgraded index equals one written or rebuilt by this build.
pub(crate) fn carry_over_0005(conn: &Connection) -> Result<()> {
    {
        let mut read = conn.prepare(
            "SELECT doc_kind, doc_id, incident_id, body FROM search_index_0005 ORDER BY rowid",
        )?;
        let mut rows = read.query([])?;
        let mut rowid = next_rowid(conn)?;
        while let Some(r) = rows.next()? {
            let (kind, id, incident, body): (String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            index_doc(conn, rowid, &kind, &id, &incident, &body)?;
            rowid += 1;
        }
    }
    conn.execute_batch("DROP TABLE search_index_0005")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_indexed_whole_and_from_each_later_part() {
        assert_eq!(
            idents("WKS-FIN-010 opened https://pay.example.com/x as ana_b@corp.example; WKS-FIN-010 again"),
            [
                "WKS\u{E000}FIN\u{E000}010",
                "FIN\u{E000}010",
                "pay\u{E000}example\u{E000}com",
                "example\u{E000}com",
                "ana\u{E000}b\u{E000}corp\u{E000}example",
                "b\u{E000}corp\u{E000}example",
                "corp\u{E000}example",
            ]
            .join(" "),
            "each identifier once, plain words and single parts left to `body`"
        );
        assert_eq!(idents("-lonely- words. only"), "");
    }

    #[test]
    fn a_long_dotted_text_gives_a_bounded_token_list() {
        let long = vec!["a"; 1_000].join(".");
        assert_eq!(idents(&long).split(' ').count(), MAX_STARTS);
    }

    #[test]
    fn the_scope_token_is_one_word() {
        assert_eq!(
            scope("0193ab00-0000-7000-8000-000000000002"),
            "i0193ab00000070008000000000000002"
        );
    }
}
