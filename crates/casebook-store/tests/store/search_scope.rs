//! Search by host name and other identifiers, words that must all appear, search inside one incident (the search
//! and the timeline's text filter), hostile input, and the upgrade of an index written before identifiers and
//! scopes were indexed.

use casebook_core::event::{EntrySource, EventBody, NewEntry};
use casebook_core::model::{EntryKind, Severity, Tier, Tlp};
use casebook_core::*;
use casebook_store::read::{entries, entry_count, search, EntryFilter};
use casebook_store::Store;
use uuid::Uuid;

const DEVICE: DeviceId = DeviceId(Uuid::from_u128(1));
const A: IncidentId = IncidentId(Uuid::from_u128(0xA));
const B: IncidentId = IncidentId(Uuid::from_u128(0xB));

/// Events of one device, chained and clocked in the order they are made.
struct Log {
    events: Vec<Event>,
}

impl Log {
    fn push(&mut self, incident: IncidentId, payload: Payload) {
        let seq = self.events.len() as u64 + 1;
        let prev = self.events.last().map(|e| e.hash.clone());
        self.events.push(Event::seal(
            EventBody {
                id: EventId(Uuid::from_u128(0x100 + u128::from(seq))),
                incident: Some(incident),
                author: UserId(Uuid::from_u128(3)),
                device: DEVICE,
                device_seq: seq,
                hlc: Hlc {
                    wall_micros: seq as i64,
                    counter: 0,
                    device: DEVICE,
                },
                payload,
            },
            prev,
        ));
    }

    fn open(&mut self, incident: IncidentId, title: &str) {
        self.push(
            incident,
            Payload::IncidentOpened {
                key: casebook_core::key::incident_key(incident),
                title: title.into(),
                summary: String::new(),
                severity: Severity::Sev3,
                tlp: Tlp::Green,
                category: String::new(),
                tier: Tier::ONE,
                detection_source: String::new(),
                affected_assets: vec![],
                tags: vec![],
                occurred_at: None,
                detected_at: None,
                reported_at: None,
            },
        );
    }
}

/// Entry `n` of an incident: its summary and source host.
fn entry(incident: IncidentId, n: u128, summary: &str, host: Option<&str>) -> NewEntry {
    NewEntry {
        entry: EntryId(Uuid::from_u128((incident.0.as_u128() << 32) + n)),
        event_time: chrono::DateTime::from_timestamp(1_800_000_000 + n as i64, 0).unwrap(),
        time_zone: None,
        kind: if n.is_multiple_of(2) {
            EntryKind::Finding
        } else {
            EntryKind::Action
        },
        summary: summary.into(),
        details: String::new(),
        source: EntrySource {
            host: host.map(str::to_string),
            tool: None,
            file: None,
        },
        key_event: false,
        evidence: vec![],
        observables: vec![],
        attributes: Default::default(),
        supersedes: None,
    }
}

/// The same lines in incidents A and B (entry numbers 1..), so every scoped answer can be told apart.
const LINES: &[(&str, Option<&str>)] = &[
    ("failed logon of ana", Some("WKS-FIN-010")),
    ("logon of ana succeeded", Some("WKS-FIN-01")),
    ("service failed to start", Some("WKS-FIN-011")),
    ("ana logon failed twice", Some("WKS-FIN-0100")),
    ("wks fin 010 written apart is not the host", None),
    ("mimikatz dropped by wks_fin_022", Some("SRV-DB-02")),
    ("credentials posted to pay.example.com", Some("WKS-FIN-020")),
];

fn store() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = crate::receiver(&[]);
    let mut log = Log { events: vec![] };
    for (incident, title) in [(A, "Finance logons"), (B, "Finance logons again")] {
        log.open(incident, title);
        let rows = LINES
            .iter()
            .enumerate()
            .map(|(n, (s, h))| entry(incident, n as u128 + 1, s, *h))
            .collect();
        log.push(
            incident,
            Payload::EntriesImported {
                label: "t".into(),
                entries: rows,
            },
        );
    }
    crate::arrive(&mut store, &log.events);
    (dir, store)
}

/// Entry numbers of the hits of `query` that are entries, sorted, with the incident each came from.
fn found(store: &Store, query: &str, scope: Option<IncidentId>) -> Vec<(char, u128)> {
    let mut out: Vec<(char, u128)> = search(store.conn(), query, scope, 100)
        .unwrap_or_else(|e| panic!("searching for {query:?}: {e}"))
        .into_iter()
        .filter(|h| h.kind == "entry")
        .map(|h| {
            let n = h.id.parse::<Uuid>().unwrap().as_u128();
            (if n >> 32 == 0xA { 'A' } else { 'B' }, n & 0xFFFF_FFFF)
        })
        .collect();
    out.sort();
    out
}

fn both(ns: &[u128]) -> Vec<(char, u128)> {
    let mut out: Vec<(char, u128)> = ns.iter().flat_map(|n| [('A', *n), ('B', *n)]).collect();
    out.sort();
    out
}

#[test]
fn a_host_name_is_one_word_whose_last_part_is_a_prefix_while_typing() {
    let (_dir, store) = store();
    assert_eq!(
        found(&store, "WKS-FIN-01", None),
        both(&[1, 2, 3, 4]),
        "a host name being typed finds every host it starts (01, 010, 011, 0100), not the same words apart"
    );
    assert_eq!(
        found(&store, "WKS-FIN-010 ", None),
        both(&[1]),
        "a finished host name (followed by a space) finds exactly that host, not WKS-FIN-0100"
    );
    assert_eq!(
        found(&store, "\"WKS-FIN-010\"", None),
        both(&[1]),
        "so does a quoted one"
    );
    assert_eq!(
        found(&store, "FIN-022 ", None),
        both(&[6]),
        "the later parts of an identifier are found on their own, whatever separator joins them"
    );
    assert_eq!(
        found(&store, "example.com", None),
        both(&[7]),
        "a domain is an identifier too"
    );
    assert_eq!(
        found(&store, "fin", None),
        both(&[1, 2, 3, 4, 5, 6, 7]),
        "each part of a host name is still a word"
    );
}

#[test]
fn every_word_must_appear_in_any_order_and_the_last_may_be_a_prefix() {
    let (_dir, store) = store();
    assert_eq!(found(&store, "failed logon", None), both(&[1, 4]));
    assert_eq!(
        found(&store, "logon failed", None),
        both(&[1, 4]),
        "words, not a phrase"
    );
    assert_eq!(found(&store, "mimi", None), both(&[6]), "a prefix");
    assert_eq!(
        found(&store, "ana WKS-FIN-01", None),
        both(&[1, 2, 4]),
        "a word and a host name"
    );
    assert_eq!(
        found(&store, "fail ", None),
        vec![],
        "a finished word is not a prefix"
    );
}

#[test]
fn a_search_inside_one_incident_finds_only_that_incidents_hits() {
    let (_dir, store) = store();
    let scoped = found(&store, "failed logon", Some(A));
    assert_eq!(scoped, vec![('A', 1), ('A', 4)]);
    let hosts = found(&store, "WKS-FIN-01", Some(B));
    assert_eq!(hosts, vec![('B', 1), ('B', 2), ('B', 3), ('B', 4)]);
    let incidents: Vec<IncidentId> = search(store.conn(), "finance", Some(B), 100)
        .unwrap()
        .into_iter()
        .map(|h| h.incident_id)
        .collect();
    assert_eq!(
        incidents,
        vec![B],
        "the incident's own text is found in its scope only"
    );
    let all: Vec<IncidentId> = search(store.conn(), "finance", None, 100)
        .unwrap()
        .into_iter()
        .map(|h| h.incident_id)
        .collect();
    assert_eq!(all.len(), 2, "and both incidents without a scope");
}

#[test]
fn the_timeline_text_filter_uses_the_index_and_its_page_and_count_agree() {
    let (_dir, store) = store();
    let conn = store.conn();
    let filter = |text: &str| EntryFilter {
        text: Some(text.into()),
        ..EntryFilter::default()
    };
    let page_of = |f: &EntryFilter| -> Vec<u128> {
        entries(conn, A, f, 0, 100)
            .unwrap()
            .iter()
            .map(|e| {
                let n = e.id.0.as_u128();
                assert_eq!(n >> 32, 0xA, "only incident A's entries");
                n & 0xFFFF_FFFF
            })
            .collect()
    };
    for (text, want) in [
        ("failed logon", vec![1, 4]),
        ("WKS-FIN-01", vec![1, 2, 3, 4]),
        ("mimi", vec![6]),
        ("nothing-like-this", vec![]),
    ] {
        let f = filter(text);
        assert_eq!(
            page_of(&f),
            want,
            "the page for {text:?}, in event-time order"
        );
        assert_eq!(
            entry_count(conn, A, &f).unwrap(),
            want.len() as i64,
            "the count for {text:?} agrees with the page"
        );
    }
    let findings = EntryFilter {
        kind: Some(EntryKind::Finding),
        ..filter("logon")
    };
    assert_eq!(page_of(&findings), vec![2, 4], "words and kind together");
    assert_eq!(entry_count(conn, A, &findings).unwrap(), 2);
    let nothing_typed = filter("  ()  ");
    assert_eq!(
        entry_count(conn, A, &nothing_typed).unwrap(),
        LINES.len() as i64,
        "a filter with no word in it shows every entry"
    );
}

#[test]
fn hostile_input_gives_results_or_nothing_never_an_error() {
    let (_dir, store) = store();
    for input in [
        "\"",
        "\"\"",
        "\"unbalanced AND (",
        "NEAR(logon failed, 2)",
        "logon NOT failed",
        "*",
        "logon*",
        "-",
        "--",
        "- logon",
        ":",
        "body:logon",
        "scope:x",
        "idents:\"x\"",
        "{body idents}: logon",
        "^logon",
        "a+b",
        "'; DROP TABLE search_index; --",
        "\u{E000}",
        "WKS\u{E000}FIN",
        "...",
        "@",
        "ana@",
        "日本語",
        "",
    ] {
        for scope in [None, Some(A)] {
            let hits = search(store.conn(), input, scope, 20);
            assert!(hits.is_ok(), "{input:?} must not be an error: {hits:?}");
        }
        let f = EntryFilter {
            text: Some(input.into()),
            ..EntryFilter::default()
        };
        assert!(
            entries(store.conn(), A, &f, 0, 20).is_ok(),
            "{input:?} in the timeline filter"
        );
        let count = entry_count(store.conn(), A, &f);
        assert!(count.is_ok(), "{input:?} in the timeline count: {count:?}");
    }
    assert_eq!(
        found(&store, "NEAR(logon failed, 2)", Some(A)),
        Vec::<(char, u128)>::new(),
        "operators are words: NEAR and 2 are in no entry"
    );
    assert_eq!(
        found(&store, "body:logon", Some(A)),
        vec![],
        "a column name typed is a word too"
    );
    assert_eq!(
        found(&store, "logon NOT failed", Some(A)),
        vec![],
        "NOT is a word that must appear, not an operator"
    );
}

/// Turns a database written by this build back into what the previous schema (5 migrations) held: the index as
/// migration 0002 created it, with the rows the old build wrote (their text; the new columns did not exist), and the
/// timeline's time index as 0002 made it (0007 replaces it), none of 0008's alert tables, none of 0009's timeline
/// counts, none of 0010's server receipt times, none of 0011's search backlog (its rows all came in a batch,
/// so none waits there), with the copy of each device's head that 0012 drops, and none of 0013's entry places.
fn as_written_at_schema_5(store: Store, path: &std::path::Path) {
    drop(store);
    let conn = rusqlite::Connection::open(path).unwrap();
    let sql = include_str!("../../../../migrations/sqlite/0002_projections.sql");
    let start = sql.find("CREATE VIRTUAL TABLE search_index").unwrap();
    let old_table = &sql[start..start + sql[start..].find(");").unwrap() + 2];
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE old_rows AS SELECT rowid AS r, doc_kind, doc_id, incident_id, body FROM search_index;
         DROP TABLE search_index;
         {old_table}
         INSERT INTO search_index (rowid, doc_kind, doc_id, incident_id, body)
             SELECT r, doc_kind, doc_id, incident_id, body FROM old_rows ORDER BY r;
         DROP INDEX timeline_by_time_filters;
         CREATE INDEX timeline_by_time ON timeline_entries (incident_id, event_time_us, id);
         DROP TABLE alerts; DROP TABLE alert_groups; DROP TABLE alert_triage;
         DROP TRIGGER timeline_counts_on_insert; DROP TRIGGER timeline_counts_on_delete;
         DROP TRIGGER timeline_counts_on_update; DROP TABLE timeline_counts;
         ALTER TABLE events DROP COLUMN server_received_us;
         ALTER TABLE refused_events DROP COLUMN server_received_us;
         ALTER TABLE forked_events DROP COLUMN server_received_us;
         DROP TABLE search_backlog; DROP INDEX timeline_by_supersedes;
         CREATE INDEX timeline_by_supersedes ON timeline_entries (supersedes);
         DROP TABLE search_places;
         CREATE TABLE device_heads (device TEXT PRIMARY KEY, device_seq INTEGER NOT NULL, hash TEXT NOT NULL,
             hlc TEXT NOT NULL);
         INSERT INTO device_heads SELECT device, device_seq, hash, hlc FROM events e
             WHERE device_seq = (SELECT max(device_seq) FROM events WHERE device = e.device);
         PRAGMA user_version = 5;"
    ))
    .unwrap();
    let columns: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('search_index')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        columns, 4,
        "the old index has no identifier or scope column"
    );
}

#[test]
fn an_index_from_the_previous_schema_is_rebuilt_on_open_and_equals_a_fresh_one() {
    let (dir, store) = store();
    let path = store.path().to_path_buf();
    let written = casebook_store::dump::dump(store.conn()).unwrap();
    as_written_at_schema_5(store, &path);
    let mut upgraded = Store::open(&path).unwrap();
    assert_eq!(
        casebook_store::dump::dump(upgraded.conn()).unwrap(),
        written,
        "the upgrade indexes every old row exactly as this build writes it"
    );
    assert_eq!(
        found(&upgraded, "WKS-FIN-010 ", Some(A)),
        vec![('A', 1)],
        "old entries are found by host name and inside their incident after the upgrade"
    );
    casebook_store::rebuild::rebuild(&mut upgraded, |_| {}).unwrap();
    assert_eq!(
        casebook_store::dump::dump(upgraded.conn()).unwrap(),
        written,
        "rebuilding from the log gives the same index"
    );
    drop(dir);
}
