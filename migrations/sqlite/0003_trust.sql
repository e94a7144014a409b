-- Trusted events: device signatures, the standing each event was admitted with, refused events kept aside, the
-- directory's device keys, and conflicts of scope. Events written before this migration keep their bytes and stay
-- verifiable by their hash chain alone (no signature); nothing is re-sealed.

-- The device's Ed25519 signature over `hash`; NULL for events made before devices had keys.
ALTER TABLE events ADD COLUMN signature TEXT;
-- How the event was admitted: 'authority' (a directory change by the directory's authority), 'verified' (a verified
-- author) or 'unverified' (an author nobody trusted vouches for: part of a case imported for reading).
ALTER TABLE events ADD COLUMN standing TEXT NOT NULL DEFAULT 'verified';
-- 1 when the event's clock was far ahead of this replica's on arrival: it never moves the local clock and its
-- last-writer-wins claims rank below every ordinary claim.
ALTER TABLE events ADD COLUMN clock_ahead INTEGER NOT NULL DEFAULT 0;
-- Registrations made before keys existed decided the directory then; they keep doing so.
UPDATE events SET standing = 'authority' WHERE kind IN ('user_registered', 'response_targets_set');
CREATE INDEX events_by_hlc ON events (hlc);

-- This device's secret signing key (hex), the first device sequence it signed, and the team once joined.
ALTER TABLE profile ADD COLUMN device_secret TEXT;
ALTER TABLE profile ADD COLUMN signed_from INTEGER;

-- Events kept aside, now keyed by id and hash (one id may be seen with several contents), with why: 'fork' (its
-- device sequence holds another event), 'reused_id' (its id names an event with other bytes) or 'displaced' (it
-- was in the log until an event with the same id or device sequence and a smaller hash arrived).
CREATE TABLE forked_events_v2 (
    id          TEXT NOT NULL,
    device      TEXT NOT NULL,
    device_seq  INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    event_json  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (id, hash)
);
INSERT INTO forked_events_v2 SELECT id, device, device_seq, hash, event_json, 'fork' FROM forked_events;
DROP TABLE forked_events;
ALTER TABLE forked_events_v2 RENAME TO forked_events;

-- Events from outside that the admission rule refused: never in the log, never silently dropped.
CREATE TABLE refused_events (
    id          TEXT NOT NULL,
    hash        TEXT NOT NULL,
    device      TEXT NOT NULL,
    author      TEXT NOT NULL,
    incident_id TEXT,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    origin      TEXT NOT NULL,      -- where it came from, e.g. "bundle case.bundle"
    refused_us  INTEGER NOT NULL,
    event_json  TEXT NOT NULL,
    PRIMARY KEY (id, hash)
);

-- Devices this person chose to trust (by key fingerprint): local decisions, not events, kept across rebuilds.
CREATE TABLE trusted_devices (
    device      TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    trusted_us  INTEGER NOT NULL
);

-- Projection: which key each device uses for which user, the best-standing binding winning.
CREATE TABLE device_keys (
    device      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    rank        INTEGER NOT NULL,   -- 2 authority, 1 verified claim, 0 unverified claim
    hlc         TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    PRIMARY KEY (device, user_id)
);

-- Projection: the standing of the registration a user's row shows (2 authority, 1 verified claim, 0 unverified).
ALTER TABLE users ADD COLUMN rank INTEGER NOT NULL DEFAULT 2;

-- Projection: a case opened by an unverified author, imported for reading.
ALTER TABLE incidents ADD COLUMN foreign_case INTEGER NOT NULL DEFAULT 0;

-- Projection: claims of events whose clock was far ahead rank below every other claim.
ALTER TABLE field_claims ADD COLUMN ahead INTEGER NOT NULL DEFAULT 0;

-- Projection: events kept in the log but not applied because their author was out of scope at their place in HLC
-- order (a tier-1 edit after a concurrent escalation moved the incident to tier 2). Leads see them.
CREATE TABLE scope_conflicts (
    event_id    TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    author      TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX scope_conflicts_by_incident ON scope_conflicts (incident_id, hlc);
