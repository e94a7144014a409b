-- The event log and this device's identity. Everything else in the database is a projection of `events`.

CREATE TABLE events (
    seq             INTEGER PRIMARY KEY,           -- local arrival order; never used for merge decisions
    id              TEXT NOT NULL UNIQUE,
    incident_id     TEXT,
    author          TEXT NOT NULL,
    device          TEXT NOT NULL,
    device_seq      INTEGER NOT NULL,
    hlc             TEXT NOT NULL,
    kind            TEXT NOT NULL,
    payload_version INTEGER NOT NULL,
    payload         TEXT NOT NULL,
    prev_hash       TEXT,
    hash            TEXT NOT NULL,
    UNIQUE (device, device_seq)
);
CREATE INDEX events_by_incident ON events (incident_id, hlc);

-- The same device sequence seen with another hash: a laptop restored from a backup. Kept and reported.
CREATE TABLE forked_events (
    id          TEXT PRIMARY KEY,
    device      TEXT NOT NULL,
    device_seq  INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    event_json  TEXT NOT NULL
);

-- Who this installation is: one row.
CREATE TABLE profile (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL
);

-- The head of each device's chain, kept with every append so the next event is numbered and chained in O(1).
CREATE TABLE device_heads (
    device      TEXT PRIMARY KEY,
    device_seq  INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    hlc         TEXT NOT NULL
);
