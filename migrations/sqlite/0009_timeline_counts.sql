-- How many entries each incident's timeline holds, per value of every column the list's filters read (kind, key
-- event, superseded), so a timeline's first screen shows its total without walking the incident's index (a walk of
-- 100,000 entries costs tens of milliseconds, more on an encrypted database, where every page read is decrypted).
-- Triggers keep the counts in the same transaction as the rows, whatever code path writes them; a count that falls
-- to zero stays as a zero row (readers sum, and the dump leaves zero rows out).
CREATE TABLE timeline_counts (
    incident_id TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    key_event   INTEGER NOT NULL,
    superseded  INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (incident_id, kind, key_event, superseded)
) WITHOUT ROWID;

INSERT INTO timeline_counts (incident_id, kind, key_event, superseded, n)
SELECT incident_id, kind, key_event = 1, superseded_by IS NOT NULL, count(*)
FROM timeline_entries GROUP BY 1, 2, 3, 4;

CREATE TRIGGER timeline_counts_on_insert AFTER INSERT ON timeline_entries BEGIN
    INSERT INTO timeline_counts (incident_id, kind, key_event, superseded, n)
    VALUES (new.incident_id, new.kind, new.key_event = 1, new.superseded_by IS NOT NULL, 1)
    ON CONFLICT (incident_id, kind, key_event, superseded) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER timeline_counts_on_delete AFTER DELETE ON timeline_entries BEGIN
    UPDATE timeline_counts SET n = n - 1
    WHERE incident_id = old.incident_id AND kind = old.kind AND key_event = (old.key_event = 1)
      AND superseded = (old.superseded_by IS NOT NULL);
END;

CREATE TRIGGER timeline_counts_on_update AFTER UPDATE OF incident_id, kind, key_event, superseded_by ON timeline_entries
WHEN old.incident_id IS NOT new.incident_id OR old.kind IS NOT new.kind
  OR (old.key_event = 1) IS NOT (new.key_event = 1)
  OR (old.superseded_by IS NULL) IS NOT (new.superseded_by IS NULL)
BEGIN
    UPDATE timeline_counts SET n = n - 1
    WHERE incident_id = old.incident_id AND kind = old.kind AND key_event = (old.key_event = 1)
      AND superseded = (old.superseded_by IS NOT NULL);
    INSERT INTO timeline_counts (incident_id, kind, key_event, superseded, n)
    VALUES (new.incident_id, new.kind, new.key_event = 1, new.superseded_by IS NOT NULL, 1)
    ON CONFLICT (incident_id, kind, key_event, superseded) DO UPDATE SET n = n + 1;
END;
