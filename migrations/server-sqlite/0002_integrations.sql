-- Integrations (issue 14): a SIEM's account on the team server. Its directory user and device are announced to
-- laptops by the team's directory events; the device's secret key stays here, and the server signs the alerts the
-- SIEM posts with it. The bearer token is kept by its SHA-256 only.
CREATE TABLE integrations (
    team TEXT NOT NULL REFERENCES teams (id),
    name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    device TEXT NOT NULL,
    device_secret TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (team, device)
) STRICT;
-- A name is reused only once its integration is revoked.
CREATE UNIQUE INDEX integrations_live_name ON integrations (team, name) WHERE revoked = 0;

-- Every alert an `AlertRaised` event in the log raised, by its id (derived from source and source id): a re-sent
-- alert is a duplicate, found inside the team's log transaction.
CREATE TABLE alerts (
    team TEXT NOT NULL,
    alert TEXT NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (team, alert)
) STRICT, WITHOUT ROWID;
