-- Integrations (issue 14): a SIEM's account on the team server. Its directory user and device are announced to
-- laptops by the team's directory events; the device's secret key stays here, and the server signs the alerts the
-- SIEM posts with it. The bearer token is kept by its SHA-256 only.
CREATE TABLE integrations (
    team uuid NOT NULL REFERENCES teams (id),
    name text NOT NULL,
    user_id uuid NOT NULL,
    device uuid NOT NULL,
    device_secret text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    revoked boolean NOT NULL DEFAULT false,
    created_us bigint NOT NULL,
    PRIMARY KEY (team, device)
);
-- A name is reused only once its integration is revoked.
CREATE UNIQUE INDEX integrations_live_name ON integrations (team, name) WHERE NOT revoked;

-- Every alert an `AlertRaised` event in the log raised, by its id (derived from source and source id): a re-sent
-- alert is a duplicate, found inside the team's log transaction.
CREATE TABLE alerts (
    team uuid NOT NULL,
    alert uuid NOT NULL,
    event uuid NOT NULL,
    PRIMARY KEY (team, alert)
);
