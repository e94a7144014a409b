-- Keyset paging over the timeline: one index that holds the order (event time, id) and every column the list's
-- filters read (kind, key event, superseded), so counting, far jumps and the visual timeline's histogram walk the
-- index alone and never the rows. It replaces timeline_by_time, its prefix, so an import writes no extra index.
CREATE INDEX timeline_by_time_filters ON timeline_entries (incident_id, event_time_us, id, kind, key_event, superseded_by);
DROP INDEX timeline_by_time;
