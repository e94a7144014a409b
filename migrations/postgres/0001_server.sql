-- The team server's database on PostgreSQL, shared by every server process of a deployment. Every table is keyed
-- by team: one server may host several teams, and another team's rows are never read. Times are microseconds since
-- the Unix epoch (bigint), ids are uuid, event bytes are text kept exactly as pushed (never jsonb, which would
-- re-encode them and break their signatures).

CREATE TABLE teams (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    epoch uuid NOT NULL,
    directory_device uuid NOT NULL,
    directory_secret text NOT NULL,
    created_us bigint NOT NULL
);

CREATE TABLE accounts (
    team uuid NOT NULL REFERENCES teams (id),
    user_id uuid NOT NULL,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    role text NOT NULL,
    tier smallint,
    password_hash text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    created_us bigint NOT NULL,
    PRIMARY KEY (team, user_id)
);

CREATE TABLE devices (
    team uuid NOT NULL REFERENCES teams (id),
    device uuid NOT NULL,
    user_id uuid NOT NULL,
    alias uuid,
    name text NOT NULL,
    public_key text NOT NULL,
    revoked boolean NOT NULL DEFAULT false,
    created_us bigint NOT NULL,
    last_seen_us bigint,
    PRIMARY KEY (team, device)
);

CREATE TABLE tokens (
    token_hash text PRIMARY KEY,
    team uuid NOT NULL,
    device uuid NOT NULL,
    user_id uuid NOT NULL,
    created_us bigint NOT NULL,
    expires_us bigint NOT NULL
);
CREATE INDEX tokens_by_device ON tokens (team, device);

-- The log. Positions are handed out under the team's advisory lock (see casebook-server-postgres), so per team
-- they run 1, 2, 3, … without gaps and in commit order; the primary key lets a pull page by position.
CREATE TABLE events (
    team uuid NOT NULL,
    position bigint NOT NULL CHECK (position > 0),
    id uuid NOT NULL,
    incident uuid,
    author uuid NOT NULL,
    device uuid NOT NULL,
    device_seq bigint NOT NULL,
    hash text NOT NULL,
    raw text NOT NULL,
    received_us bigint NOT NULL,
    PRIMARY KEY (team, position),
    UNIQUE (team, id),
    UNIQUE (team, device, device_seq)
);
CREATE INDEX events_by_incident ON events (team, incident);

-- Ids introduced by logged events, with their incident: later references are checked against them.
CREATE TABLE objects (
    team uuid NOT NULL,
    id uuid NOT NULL,
    incident uuid,
    PRIMARY KEY (team, id)
);

-- Incidents whose opening event is in the log.
CREATE TABLE incidents (
    team uuid NOT NULL,
    id uuid NOT NULL,
    PRIMARY KEY (team, id)
);

CREATE TABLE frontiers (
    team uuid NOT NULL,
    device uuid NOT NULL,
    contiguous bigint NOT NULL,
    PRIMARY KEY (team, device)
);

-- Events not put in the log (forks, reused ids, refusals). `n` orders them newest first.
CREATE TABLE aside (
    n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team uuid NOT NULL,
    id uuid NOT NULL,
    device uuid NOT NULL,
    device_seq bigint NOT NULL,
    hash text NOT NULL,
    raw text NOT NULL,
    reason text NOT NULL,
    code text,
    detail text NOT NULL,
    pushed_by uuid NOT NULL,
    received_us bigint NOT NULL
);
CREATE INDEX aside_by_seq ON aside (team, device, device_seq);

-- Evidence files named by logged events, uploaded in order and kept in chunks of at most 8 MiB, so that any
-- server process can serve them and no single value grows past what PostgreSQL handles comfortably.
CREATE TABLE blobs (
    team uuid NOT NULL,
    sha256 text NOT NULL,
    size bigint NOT NULL,
    received bigint NOT NULL DEFAULT 0,
    complete boolean NOT NULL DEFAULT false,
    PRIMARY KEY (team, sha256)
);

CREATE TABLE blob_chunks (
    team uuid NOT NULL,
    sha256 text NOT NULL,
    start bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (team, sha256, start),
    FOREIGN KEY (team, sha256) REFERENCES blobs (team, sha256) ON DELETE CASCADE
);
