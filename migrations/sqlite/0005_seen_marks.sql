-- How far each person has seen each incident on this laptop: the highest local arrival number (`events.seq`) when
-- they last opened it. Arrival order, not the HLC, so that events pulled later from other laptops count as new even
-- when their clocks are older. Local bookkeeping, not an event: never synced or exported, kept by a rebuild.
CREATE TABLE seen_marks (
    incident_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    seen_us     INTEGER NOT NULL,
    PRIMARY KEY (incident_id, user_id)
) WITHOUT ROWID, STRICT;
