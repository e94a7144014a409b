-- Joining a team: the server this laptop syncs with, its pull cursor, what the server said of this laptop's own
-- events, and the team's directory device, trusted as the anchor of the directory.

-- 1 for the team's directory device: its directory events decide accounts, roles and device keys here.
ALTER TABLE trusted_devices ADD COLUMN anchor INTEGER NOT NULL DEFAULT 0;

-- The team this laptop belongs to. The row stays after signing out (the token is cleared): a laptop that joined
-- a team never becomes its own directory again.
CREATE TABLE team_link (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    server_url       TEXT NOT NULL,
    ca_cert_pem      TEXT,
    team_id          TEXT NOT NULL,
    team_name        TEXT NOT NULL,
    account_user     TEXT NOT NULL,
    email            TEXT NOT NULL,
    token            TEXT,
    token_expires_us INTEGER,
    epoch            TEXT,
    cursor           INTEGER NOT NULL DEFAULT 0,
    -- The server's contiguous frontier for this device at the last sync: events after it wait to go up.
    server_frontier  INTEGER NOT NULL DEFAULT 0,
    last_sync_us     INTEGER,
    last_error       TEXT
) STRICT;

-- This laptop's own events that the server did not take: refused (with the rule's code and reason) or forks.
CREATE TABLE sync_verdicts (
    event_id   TEXT PRIMARY KEY,
    verdict    TEXT NOT NULL,        -- 'refused' or 'fork'
    code       TEXT,
    reason     TEXT NOT NULL,
    at_us      INTEGER NOT NULL
) STRICT;

-- Evidence files the server holds in full (uploaded from here or confirmed there).
CREATE TABLE sync_blobs (
    sha256      TEXT PRIMARY KEY,
    on_server_us INTEGER NOT NULL
) STRICT;
