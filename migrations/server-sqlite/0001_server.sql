-- The team server's database (embedded SQLite). Every table is keyed by team: one server may host several teams,
-- and another team's rows are never read.

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    epoch TEXT NOT NULL,
    directory_device TEXT NOT NULL,
    directory_secret TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    -- The last position of the team's log: positions are handed out under the write lock, so they are gapless.
    head INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE accounts (
    team TEXT NOT NULL REFERENCES teams (id),
    user_id TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    tier INTEGER,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (team, user_id)
) STRICT;

CREATE TABLE devices (
    team TEXT NOT NULL REFERENCES teams (id),
    device TEXT NOT NULL,
    user_id TEXT NOT NULL,
    alias TEXT,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_us INTEGER NOT NULL,
    last_seen_us INTEGER,
    PRIMARY KEY (team, device)
) STRICT;

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    device TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    expires_us INTEGER NOT NULL
) STRICT;
CREATE INDEX tokens_by_device ON tokens (team, device);

CREATE TABLE events (
    team TEXT NOT NULL,
    position INTEGER NOT NULL,
    id TEXT NOT NULL,
    incident TEXT,
    author TEXT NOT NULL,
    device TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    -- The event's JSON exactly as pushed.
    raw TEXT NOT NULL,
    received_us INTEGER NOT NULL,
    PRIMARY KEY (team, position),
    UNIQUE (team, id),
    UNIQUE (team, device, device_seq)
) STRICT;
CREATE INDEX events_by_incident ON events (team, incident);

CREATE TABLE objects (
    team TEXT NOT NULL,
    id TEXT NOT NULL,
    incident TEXT,
    PRIMARY KEY (team, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE incidents (
    team TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (team, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE frontiers (
    team TEXT NOT NULL,
    device TEXT NOT NULL,
    contiguous INTEGER NOT NULL,
    PRIMARY KEY (team, device)
) STRICT, WITHOUT ROWID;

CREATE TABLE aside (
    team TEXT NOT NULL,
    id TEXT NOT NULL,
    device TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    raw TEXT NOT NULL,
    reason TEXT NOT NULL,
    code TEXT,
    detail TEXT NOT NULL,
    pushed_by TEXT NOT NULL,
    received_us INTEGER NOT NULL
) STRICT;
CREATE INDEX aside_by_seq ON aside (team, device, device_seq);

CREATE TABLE blobs (
    team TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    received INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team, sha256)
) STRICT, WITHOUT ROWID;

CREATE TABLE blob_chunks (
    team TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    offset INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (team, sha256, offset)
) STRICT;
