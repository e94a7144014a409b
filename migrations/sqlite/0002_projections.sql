-- Projections: rebuilt from `events` alone by `casebook rebuild`. Times are microseconds since the Unix epoch (UTC);
-- HLC timestamps are their fixed-width text form, which sorts in clock order.

CREATE TABLE users (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    role    TEXT NOT NULL,
    tier    INTEGER,
    hlc     TEXT NOT NULL
);
CREATE UNIQUE INDEX users_by_name ON users (name COLLATE NOCASE, id);

CREATE TABLE response_targets (
    severity            TEXT PRIMARY KEY,
    acknowledge_minutes INTEGER NOT NULL,
    accept_minutes      INTEGER NOT NULL,
    hlc                 TEXT NOT NULL
);

CREATE TABLE incidents (
    id               TEXT PRIMARY KEY,
    key              TEXT,
    opened           INTEGER NOT NULL DEFAULT 0, -- 0 while only later events of it have arrived
    created_by       TEXT,
    created_hlc      TEXT,
    title            TEXT NOT NULL DEFAULT '',
    summary          TEXT NOT NULL DEFAULT '',
    root_cause       TEXT NOT NULL DEFAULT '',
    lessons          TEXT NOT NULL DEFAULT '',
    severity         TEXT NOT NULL DEFAULT 'sev4',
    status           TEXT NOT NULL DEFAULT 'new',
    resolution       TEXT,
    tlp              TEXT NOT NULL DEFAULT 'amber',
    category         TEXT NOT NULL DEFAULT '',
    tier             INTEGER NOT NULL DEFAULT 1,
    assignee         TEXT,
    detection_source TEXT NOT NULL DEFAULT '',
    affected_assets  TEXT NOT NULL DEFAULT '[]',
    occurred_us      INTEGER,
    detected_us      INTEGER,
    reported_us      INTEGER,
    contained_us     INTEGER,
    resolved_us      INTEGER,
    closed_us        INTEGER,
    updated_hlc      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incidents_by_key ON incidents (key);
CREATE INDEX incidents_by_queue ON incidents (tier, status);

-- Every value ever claimed for a last-writer-wins field of an incident, task or timeline entry (`entity_id`); the
-- entity's column holds the claim with the highest HLC. Escalation accepts claim an incident's tier and assignee too,
-- and lose their claim if a concurrent transition wins. Claims that arrive before their entity wait here for it.
CREATE TABLE field_claims (
    entity_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    value       TEXT,               -- JSON
    PRIMARY KEY (entity_id, field, hlc, event_id)
) WITHOUT ROWID;
CREATE INDEX field_claims_by_event ON field_claims (event_id);

-- Long texts: every version, what it was based on, and which versions it settled.
CREATE TABLE text_versions (
    event_id    TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    field       TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    author      TEXT NOT NULL,
    base        TEXT,
    text        TEXT NOT NULL
);
CREATE INDEX text_versions_by_field ON text_versions (incident_id, field, hlc);
CREATE TABLE text_settles (
    event_id TEXT NOT NULL,         -- the later version
    settled  TEXT NOT NULL,         -- a version it saw (its base) or resolved
    PRIMARY KEY (event_id, settled)
) WITHOUT ROWID;
CREATE INDEX text_settles_by_settled ON text_settles (settled);

-- Tags as an add-wins set: a tag is present while one of its additions has not been removed.
CREATE TABLE tag_adds (
    event_id    TEXT NOT NULL,
    tag         TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    PRIMARY KEY (event_id, tag)
) WITHOUT ROWID;
CREATE INDEX tag_adds_by_incident ON tag_adds (incident_id, tag);
CREATE TABLE tag_removals (
    removed_event_id TEXT NOT NULL,
    tag              TEXT NOT NULL,
    by_event_id      TEXT NOT NULL,
    PRIMARY KEY (removed_event_id, tag, by_event_id)
) WITHOUT ROWID;

CREATE TABLE timeline_entries (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    event_time_us INTEGER NOT NULL,
    time_zone     TEXT,
    recorded_hlc  TEXT NOT NULL,
    author        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    summary       TEXT NOT NULL,
    details       TEXT NOT NULL DEFAULT '',
    source_host   TEXT,
    source_tool   TEXT,
    source_file   TEXT,
    key_event     INTEGER NOT NULL DEFAULT 0,
    key_event_hlc TEXT NOT NULL DEFAULT '',
    evidence      TEXT NOT NULL DEFAULT '[]',
    observables   TEXT NOT NULL DEFAULT '[]',
    attributes    TEXT NOT NULL DEFAULT '{}',
    supersedes    TEXT,
    superseded_by TEXT
);
CREATE INDEX timeline_by_time ON timeline_entries (incident_id, event_time_us, id);
CREATE INDEX timeline_by_supersedes ON timeline_entries (supersedes);

CREATE TABLE evidence (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    name         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    media_type   TEXT NOT NULL,
    acquired_us  INTEGER NOT NULL,
    acquired_by  TEXT NOT NULL,
    source_host  TEXT NOT NULL,
    source_path  TEXT NOT NULL,
    description  TEXT NOT NULL,
    added_hlc    TEXT NOT NULL,
    author       TEXT NOT NULL
);
CREATE INDEX evidence_by_incident ON evidence (incident_id, added_hlc);
CREATE INDEX evidence_by_hash ON evidence (sha256);

CREATE TABLE custody (
    event_id    TEXT PRIMARY KEY,
    evidence_id TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    who         TEXT NOT NULL,
    at_us       INTEGER NOT NULL,
    location    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    author      TEXT NOT NULL
);
CREATE INDEX custody_by_evidence ON custody (evidence_id, at_us, hlc);

CREATE TABLE observables (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    tlp          TEXT NOT NULL,
    ioc          INTEGER NOT NULL,
    first_seen_us INTEGER,
    last_seen_us  INTEGER,
    note         TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    author       TEXT NOT NULL
);
CREATE INDEX observables_by_incident ON observables (incident_id, hlc);
CREATE INDEX observables_by_value ON observables (kind, value);

CREATE TABLE tasks (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    title       TEXT NOT NULL,
    owner       TEXT,
    due_us      INTEGER,
    status      TEXT NOT NULL DEFAULT 'open',
    status_hlc  TEXT NOT NULL,
    created_hlc TEXT NOT NULL,
    author      TEXT NOT NULL
);
CREATE INDEX tasks_by_incident ON tasks (incident_id, created_hlc);

CREATE TABLE comments (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    body        TEXT NOT NULL,
    author      TEXT NOT NULL,
    hlc         TEXT NOT NULL
);
CREATE INDEX comments_by_incident ON comments (incident_id, hlc);

CREATE TABLE escalations (
    id               TEXT PRIMARY KEY,
    incident_id      TEXT NOT NULL,
    request_event    TEXT NOT NULL,
    from_tier        INTEGER NOT NULL,
    requested_tier   INTEGER NOT NULL,  -- as requested; a lead's reassignment changes to_tier and assignee
    requested_assignee TEXT,
    to_tier          INTEGER NOT NULL,
    assignee         TEXT,
    state            TEXT NOT NULL,
    reason           TEXT NOT NULL,
    handoff          TEXT NOT NULL,
    requested_by     TEXT NOT NULL,
    requested_hlc    TEXT NOT NULL,
    clock_start_hlc  TEXT NOT NULL,
    acknowledged_hlc TEXT,
    acknowledged_by  TEXT,
    settled_hlc      TEXT,
    settled_by       TEXT,
    decline_reason   TEXT
);
CREATE INDEX escalations_by_incident ON escalations (incident_id, requested_hlc);
CREATE INDEX escalations_by_state ON escalations (state, to_tier);

-- Every transition as recorded, so the state can be refolded in HLC order when one arrives late.
CREATE TABLE escalation_transitions (
    event_id      TEXT PRIMARY KEY,
    escalation_id TEXT NOT NULL,
    incident_id   TEXT NOT NULL,
    hlc           TEXT NOT NULL,
    by_user       TEXT NOT NULL,
    transition    TEXT NOT NULL,   -- JSON payload
    conflict      TEXT             -- why it was refused at its place in HLC order, if it was
);
CREATE INDEX escalation_transitions_by_escalation ON escalation_transitions (escalation_id, hlc);

-- Full-text search. Timeline entries, observables and comments never change once written, so their rows are only
-- ever inserted. An incident's own text changes, so it has a table of its own whose rowid is the incident's rowid.
CREATE VIRTUAL TABLE search_index USING fts5 (
    doc_kind UNINDEXED,
    doc_id UNINDEXED,
    incident_id UNINDEXED,
    body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2'                    -- short prefixes ("01*" in host names) would otherwise expand over the whole index
);
CREATE VIRTUAL TABLE incident_search USING fts5 (
    key,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
