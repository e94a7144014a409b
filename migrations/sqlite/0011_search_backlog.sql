-- Full-text rows of changes made one at a time wait here, then go into `search_index` many at once
-- (crates/casebook-store/src/fts.rs says when). Written straight into the index, one entry's row cost a durable
-- append 7 of its 19 pages (a new segment of four, and the index's term, size and content tables) and, with the
-- merges of those one-row segments, 11 of its 23 pages on average; here it is one.
CREATE TABLE search_backlog (
    seq         INTEGER PRIMARY KEY,    -- the order they were made in, which their rowids in the index keep
    doc_kind    TEXT NOT NULL,
    doc_id      TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    body        TEXT NOT NULL,
    idents      TEXT NOT NULL,
    scope       TEXT NOT NULL
);

-- Only corrections supersede an entry: indexing the NULLs of every other entry cost each append a page.
DROP INDEX timeline_by_supersedes;
CREATE INDEX timeline_by_supersedes ON timeline_entries (supersedes) WHERE supersedes IS NOT NULL;
