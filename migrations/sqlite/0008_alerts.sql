-- Alerts from SIEMs and IDSs, and the tier-1 queue over them. Projections like 0002's: rebuilt from `events` alone.
-- Times are microseconds since the Unix epoch (UTC); HLCs their fixed-width text form.

-- One row per alert: the id is derived from (source, source id), so a re-sent alert lands on its first row and only
-- counts another raise. Facts come from the raise first in HLC order; the raw payload stays in that raise's event.
CREATE TABLE alerts (
    id               TEXT PRIMARY KEY,
    source           TEXT NOT NULL,
    source_id        TEXT NOT NULL,
    format           TEXT NOT NULL,
    rule_key         TEXT NOT NULL,      -- what groups it: the rule's id, else its name, else the title
    rule_name        TEXT,
    rule_id          TEXT,
    key_observable   TEXT NOT NULL,      -- `kind:value`, `host:name`, or '' (core `alert::key_observable`)
    severity         TEXT NOT NULL,
    source_severity  TEXT,
    event_us         INTEGER,
    raised_us        INTEGER,
    received_us      INTEGER NOT NULL,
    seen_us          INTEGER NOT NULL,   -- event time, else raised, else received: its place in the queue
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    host             TEXT,
    user_name        TEXT,
    source_ip        TEXT,
    source_port      INTEGER,
    destination_ip   TEXT,
    destination_port INTEGER,
    observables      TEXT NOT NULL,      -- JSON [{kind, value}]
    raised_event     TEXT NOT NULL,
    raised_hlc       TEXT NOT NULL,
    raised_by        TEXT NOT NULL,
    raises           INTEGER NOT NULL,   -- how many raise events name it (re-sends are duplicates, not rows)
    group_id         TEXT NOT NULL,      -- the id of its group's earliest alert
    state            TEXT NOT NULL,      -- new, false-positive, benign, duplicate, promoted, merged
    triage_event     TEXT,
    triaged_by       TEXT,
    triaged_hlc      TEXT,
    reason           TEXT,
    incident_id      TEXT                -- the incident it was promoted to or merged into
);
CREATE INDEX alerts_by_partition ON alerts (rule_key, key_observable, seen_us, id);
CREATE INDEX alerts_by_group ON alerts (group_id, seen_us, id);
CREATE INDEX alerts_by_incident ON alerts (incident_id) WHERE incident_id IS NOT NULL;

-- The queue: one row per group of alerts with the same rule and key observable whose times follow each other within
-- 24 hours (core `alert::GROUP_GAP_MICROS`). `open` while any of its alerts is new.
CREATE TABLE alert_groups (
    id             TEXT PRIMARY KEY,
    rule_key       TEXT NOT NULL,
    key_observable TEXT NOT NULL,
    title          TEXT NOT NULL,       -- the earliest alert's
    rule_name      TEXT,
    source         TEXT NOT NULL,
    severity       TEXT NOT NULL,       -- the worst of its alerts ('sev1' sorts first)
    first_us       INTEGER NOT NULL,
    last_us        INTEGER NOT NULL,
    alerts         INTEGER NOT NULL,
    new_alerts     INTEGER NOT NULL,
    open           INTEGER GENERATED ALWAYS AS (new_alerts > 0) VIRTUAL
);
-- The first screen (open groups, newest first) and a rule's groups are index walks.
CREATE INDEX alert_groups_queue ON alert_groups (open, last_us, id);
CREATE INDEX alert_groups_all ON alert_groups (last_us, id);
CREATE INDEX alert_groups_by_rule ON alert_groups (rule_key, last_us, id);

-- Every triage claim on an alert: dismissals, promotions, merges. The alert shows the earliest promotion or merge by
-- HLC (an incident now exists), else the latest dismissal; a claim that lost to a promotion or merge is `lost`, an
-- open conflict shown to the user.
CREATE TABLE alert_triage (
    alert_id    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    author      TEXT NOT NULL,
    action      TEXT NOT NULL,          -- a verdict, `promoted` or `merged`
    incident_id TEXT,
    reason      TEXT NOT NULL,
    lost        INTEGER NOT NULL,
    PRIMARY KEY (alert_id, event_id)
) WITHOUT ROWID;
CREATE INDEX alert_triage_lost ON alert_triage (hlc) WHERE lost = 1;
