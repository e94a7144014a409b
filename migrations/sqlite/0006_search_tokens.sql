-- The full-text index gains two columns (crates/casebook-store/src/fts.rs says what goes in them):
-- `idents`, each identifier (host name, domain, address, file name) as one token, so a typed host name is one rare
-- token instead of a phrase of very common ones; `scope`, one token naming the incident, so a search inside one
-- incident is an index lookup. FTS5 cannot add columns, so the table is made anew; the store fills it from the old
-- one, renamed here, in the same transaction (`fts::carry_over_0005`), and drops the old one.
ALTER TABLE search_index RENAME TO search_index_0005;
CREATE VIRTUAL TABLE search_index USING fts5 (
    doc_kind UNINDEXED,
    doc_id UNINDEXED,
    incident_id UNINDEXED,
    body,
    idents,
    scope,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2'                    -- short prefixes ("01*" in host names) would otherwise expand over the whole index
);
