-- Where each timeline entry's full-text row sits on its timeline: the row's rowid in `search_index`, the entry's
-- event time, id (16 bytes) and kind. The timeline's text filter places every match from here: a narrow row read by the
-- match's rowid instead of the index's stored text and the entry's row, which are wide (a common word's matches
-- touched nearly every page of both; crates/casebook-store/src/read/paging.rs says how it is read). Entries never
-- change time, id or kind, so a row is only ever inserted, beside its full-text row (crates/casebook-store/src/fts.rs).
CREATE TABLE search_places (
    doc_rowid     INTEGER PRIMARY KEY,    -- the entry's row in search_index
    event_time_us INTEGER NOT NULL,
    entry_id      BLOB NOT NULL,          -- the entry's UUID, 16 bytes: sorts as its text does
    kind          TEXT NOT NULL
);
INSERT INTO search_places (doc_rowid, event_time_us, entry_id, kind)
    SELECT s.rowid, t.event_time_us, unhex(replace(t.id, '-', '')), t.kind
    FROM search_index s JOIN timeline_entries t ON t.id = s.doc_id
    WHERE s.doc_kind = 'entry';
