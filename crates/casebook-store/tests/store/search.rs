//! Full-text search: every word must match, any typed input is safe, and a very common word ranks only its newest
//! matches while a rare word is found wherever it is.

use casebook_core::event::{EventBody, NewEntry};
use casebook_core::model::{EntryKind, Severity, Tier, Tlp};
use casebook_core::*;
use casebook_store::read::{search, RANK_WINDOW};
use uuid::Uuid;

fn entry(n: u128, summary: String) -> NewEntry {
    NewEntry {
        entry: EntryId(Uuid::from_u128(0x10_0000 + n)),
        event_time: chrono::DateTime::from_timestamp(1_800_000_000 + n as i64, 0).unwrap(),
        time_zone: None,
        kind: EntryKind::Finding,
        summary,
        details: String::new(),
        source: Default::default(),
        key_event: false,
        evidence: vec![],
        observables: vec![],
        attributes: Default::default(),
        supersedes: None,
    }
}

/// One device's events about one incident, chained and sealed as its laptop writes them.
struct Chain {
    device: DeviceId,
    incident: IncidentId,
    author: UserId,
    first_id: u128,
    events: Vec<Event>,
}

impl Chain {
    fn new(n: u128) -> Chain {
        Chain {
            device: DeviceId(Uuid::from_u128(n)),
            incident: IncidentId(Uuid::from_u128(n + 1)),
            author: UserId(Uuid::from_u128(n + 2)),
            first_id: 100 * n,
            events: Vec::new(),
        }
    }

    fn push(&mut self, payload: Payload) {
        let seq = self.events.len() as u64 + 1;
        let e = Event::seal(
            EventBody {
                id: EventId(Uuid::from_u128(self.first_id + u128::from(seq))),
                incident: Some(self.incident),
                author: self.author,
                device: self.device,
                device_seq: seq,
                hlc: Hlc {
                    wall_micros: seq as i64,
                    counter: 0,
                    device: self.device,
                },
                payload,
            },
            self.events.last().map(|p| p.hash.clone()),
        );
        self.events.push(e);
    }

    fn open(&mut self, title: &str) {
        self.push(opened(self.incident, title));
    }
}

/// A tier-1 incident opened with `title` and nothing else.
fn opened(incident: IncidentId, title: &str) -> Payload {
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
    }
}

#[test]
fn common_words_rank_recent_matches_and_rare_words_are_always_found() {
    let (_dir, mut store) = crate::receiver(&[]);
    let mut chain = Chain::new(1);
    chain.open("Search test");
    let total = RANK_WINDOW as u128 + 500;
    let mut entries: Vec<NewEntry> = (0..total)
        .map(|n| entry(n, format!("logon event number {n}")))
        .collect();
    entries[0].summary.push_str(" needle");
    chain.push(Payload::EntriesImported {
        label: "t".into(),
        entries,
    });
    crate::arrive(&mut store, &chain.events);

    let hits = search(store.conn(), "logon", None, 10).unwrap();
    assert_eq!(
        hits.len(),
        10,
        "a common word still gives a full page of hits"
    );
    let oldest_ranked = 0x10_0000 + total - RANK_WINDOW as u128;
    for h in &hits {
        let n = h.id.parse::<Uuid>().unwrap().as_u128();
        assert!(
            n >= oldest_ranked,
            "a common word ranks only its newest {RANK_WINDOW} matches, got entry {n:#x}"
        );
    }
    let needle = search(store.conn(), "logon needle", None, 10).unwrap();
    assert_eq!(
        needle.len(),
        1,
        "a rare word is found even in the oldest entry"
    );
    assert!(
        needle[0].snippet.contains("[needle]"),
        "{:?}",
        needle[0].snippet
    );
    assert!(
        search(store.conn(), "\"unbalanced AND (", None, 5).is_ok(),
        "any typed input is a valid query"
    );
}

#[test]
fn a_batch_of_arrivals_is_searchable_when_finished_and_indexed_as_one_segment() {
    let (_dir, mut store) = crate::receiver(&[]);
    let mut chain = Chain::new(11);
    chain.open("Pulled page");
    // One event per entry, as a colleague's laptop writes them and a pull brings them.
    let pulled = 300;
    for n in 0..pulled {
        chain.push(Payload::EntryAdded(entry(
            n,
            format!("beacon to host{n} seen"),
        )));
    }
    crate::arrive(&mut store, &chain.events);

    for n in [0, 150, pulled - 1] {
        let hits = search(store.conn(), &format!("beacon host{n}"), None, 5).unwrap();
        assert_eq!(hits.len(), 1, "entry {n} of the batch is found");
    }
    // FTS5 writes its pending rows as a segment whenever a statement opens a statement journal: rows written event
    // by event became a segment each (merged later, at a cost); the batch's rows, written together, make one.
    let segments: i64 = store
        .conn()
        .query_row(
            "SELECT count(DISTINCT segid) FROM search_index_idx",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(segments, 1, "one segment for the whole batch");
}

/// The receiver's own changes, each committed on its own as a person types them (`append_local`, one transaction
/// each), about one incident it opens first.
struct Typist {
    incident: IncidentId,
    made: u128,
}

impl Typist {
    fn open(store: &mut casebook_store::Store, title: &str) -> Typist {
        let mut typist = Typist {
            incident: IncidentId(Uuid::from_u128(0x7A_0000)),
            made: 0,
        };
        typist.make(store, opened(typist.incident, title));
        typist
    }

    fn make(&mut self, store: &mut casebook_store::Store, payload: Payload) {
        self.made += 1;
        let origin = casebook_store::append::Origin {
            user: crate::RECEIVER_OWNER,
            device: crate::RECEIVER,
        };
        let tx = store.write().unwrap();
        let id = EventId(Uuid::from_u128(0x7B_0000 + self.made));
        casebook_store::append::append_local(&tx, origin, id, Some(self.incident), payload, 0)
            .unwrap();
        tx.commit().unwrap();
    }

    fn add(&mut self, store: &mut casebook_store::Store, n: u128, summary: &str) {
        self.make(
            store,
            Payload::EntryAdded(entry(0x7C_0000 + n, summary.to_string())),
        );
    }
}

fn count(store: &casebook_store::Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

const WAITING: &str = "SELECT count(*) FROM search_backlog";
const INDEXED: &str = "SELECT count(*) FROM search_index WHERE doc_kind = 'entry'";

#[test]
fn an_entry_made_on_its_own_waits_in_the_backlog_and_every_query_of_the_index_finds_it() {
    use casebook_store::read::{entries, EntryFilter, TimelineMap};
    let (dir, mut store) = crate::receiver(&[]);
    let mut typist = Typist::open(&mut store, "Typed by hand");
    typist.add(
        &mut store,
        1,
        "psexec to FILESRV-02 from the finance laptop",
    );
    typist.add(&mut store, 2, "psexec again, now to DC-01");
    // Not in the index yet: the commits wrote one backlog row each, not a segment of the index.
    assert_eq!(count(&store, WAITING), 2);
    assert_eq!(count(&store, INDEXED), 0);

    // The timeline's text filter takes the backlog in first.
    let filter = EntryFilter {
        text: Some("psexec".into()),
        ..Default::default()
    };
    let page = entries(store.conn(), typist.incident, &filter, 0, 10).unwrap();
    assert_eq!(page.len(), 2, "the text filter found what waited");
    assert_eq!((count(&store, WAITING), count(&store, INDEXED)), (0, 2));

    // So does its map of places (the paging path)...
    typist.add(&mut store, 3, "psexec to WKS-FIN-07");
    let map = TimelineMap::build(store.conn(), typist.incident, &filter).unwrap();
    assert_eq!(map.total(), 3, "the filter's map found what waited");
    assert_eq!(count(&store, WAITING), 0);

    // ...and search, after the store was closed and opened again: the backlog is on disk like the entry.
    typist.add(&mut store, 4, "mimikatz dumped lsass on WKS-FIN-07");
    let path = store.path().to_path_buf();
    drop(store);
    let store = casebook_store::Store::open(&path).unwrap();
    assert_eq!(count(&store, WAITING), 1);
    let hits = search(store.conn(), "mimikatz", None, 5).unwrap();
    assert_eq!(hits.len(), 1, "search found what waited");
    assert_eq!((count(&store, WAITING), count(&store, INDEXED)), (0, 4));
    drop(dir);
}

#[test]
fn a_batch_arriving_after_typed_entries_is_indexed_after_them_and_a_rebuild_finds_the_same() {
    let mut chain = Chain::new(21);
    let (_dir, mut store) = crate::receiver(&[chain.device]);
    let mut typist = Typist::open(&mut store, "Typed first");
    for n in 0..3 {
        typist.add(&mut store, n, &format!("ordered step typed{n}"));
    }
    chain.open("Pulled after");
    for n in 0..3 {
        chain.push(Payload::EntryAdded(entry(
            0x21_0000 + n,
            format!("ordered step pulled{n}"),
        )));
    }
    crate::arrive(&mut store, &chain.events);
    // Rowids rank recent matches first: the typed entries, made first, must come first.
    let order: Vec<String> = store
        .conn()
        .prepare("SELECT body FROM search_index WHERE doc_kind = 'entry' ORDER BY rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let words: Vec<&str> = order
        .iter()
        .map(|b| b.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(
        words,
        ["typed0", "typed1", "typed2", "pulled0", "pulled1", "pulled2"]
    );
    typist.add(&mut store, 9, "ordered step typed9");
    let live = casebook_store::dump::dump(store.conn()).unwrap();
    casebook_store::rebuild::rebuild(&mut store, |_| {}).unwrap();
    assert_eq!(count(&store, WAITING), 0);
    assert_eq!(casebook_store::dump::dump(store.conn()).unwrap(), live);
}

#[test]
fn a_full_backlog_goes_into_the_index_as_one_segment_within_the_change_that_fills_it() {
    let (_dir, mut store) = crate::receiver(&[]);
    let mut typist = Typist::open(&mut store, "Many typed");
    let full = casebook_store::SEARCH_BACKLOG_ROWS as u128;
    for n in 0..full - 1 {
        typist.add(&mut store, n, &format!("beacon to host{n}"));
    }
    assert_eq!(count(&store, WAITING), full as i64 - 1);
    assert_eq!(count(&store, INDEXED), 0);
    typist.add(&mut store, full, "beacon to the last host");
    assert_eq!(
        (count(&store, WAITING), count(&store, INDEXED)),
        (0, full as i64)
    );
    assert_eq!(
        count(&store, "SELECT count(DISTINCT segid) FROM search_index_idx"),
        1,
        "one segment for the whole backlog"
    );
}

/// Entry `n` as the places test makes them: times in another order than they are made, two kinds, some key events,
/// words that two filters share.
fn varied(base: u128, n: u128, supersedes: Option<u128>) -> NewEntry {
    let word = if n.is_multiple_of(3) {
        "failed"
    } else {
        "granted"
    };
    let mut e = entry(base + n, format!("{word} logon on host{}", n % 7));
    e.event_time =
        chrono::DateTime::from_timestamp(1_800_000_000 + ((n * 37) % 400) as i64, 0).unwrap();
    if n % 4 == 1 {
        e.kind = EntryKind::Action;
    }
    e.key_event = n.is_multiple_of(5);
    if let Some(old) = supersedes {
        e.summary = format!("failed logon corrected on host{}", old % 7);
        e.supersedes = Some(EntryId(Uuid::from_u128(0x10_0000 + base + old)));
    }
    e
}

/// Places that name an indexed entry by its row, with that entry's time, id and kind; then every place.
const PLACED: &str = "SELECT count(*) FROM search_places p JOIN search_index s ON s.rowid = p.doc_rowid
    JOIN timeline_entries t ON t.id = s.doc_id
    WHERE s.doc_kind = 'entry' AND p.event_time_us = t.event_time_us AND p.entry_id = unhex(replace(t.id, '-', ''))
    AND p.kind = t.kind";
const PLACES: &str = "SELECT count(*) FROM search_places";

/// The text filter's map (its count and its pages, read from the entries' places) against the same filter answered
/// from the entries themselves (`read::entries`, the full-text query inside the entries' own query).
fn assert_the_map_agrees(store: &casebook_store::Store, incident: IncidentId, when: &str) {
    use casebook_store::read::{entries, entry_count, EntryFilter, TimelineMap};
    let conn = store.conn();
    for text in [
        "logon",
        "failed logon",
        "host3",
        "corrected",
        "gran",
        "nowhere",
    ] {
        for (kind, key_events_only, hide_superseded) in [
            (None, false, false),
            (None, false, true),
            (Some(EntryKind::Action), false, true),
            (Some(EntryKind::Finding), false, false),
            (None, true, false),
        ] {
            let f = EntryFilter {
                kind,
                key_events_only,
                hide_superseded,
                text: Some(text.into()),
            };
            let want: Vec<EntryId> = entries(conn, incident, &f, 0, 10_000)
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect();
            let map = TimelineMap::build(conn, incident, &f).unwrap();
            assert_eq!(
                map.total(),
                entry_count(conn, incident, &f).unwrap(),
                "{when}: {f:?}"
            );
            let mut got = Vec::new();
            while let Some(page) = Some(map.page(conn, incident, &f, got.len() as i64, 50).unwrap())
                .filter(|p| !p.is_empty())
            {
                got.extend(page.iter().map(|e| e.id));
            }
            assert_eq!(got, want, "{when}: {f:?}");
        }
    }
}

#[test]
fn every_indexed_entry_has_its_place_and_the_text_filters_map_agrees_with_the_entries() {
    let mut chain = Chain::new(31);
    let (_dir, mut store) = crate::receiver(&[chain.device]);
    let mut typist = Typist::open(&mut store, "Typed");
    // Typed one at a time: the first casebook_store::SEARCH_BACKLOG_ROWS move in when the backlog fills, the rest
    // when the filter reads the index.
    let typed = 300;
    for n in 0..typed {
        typist.make(
            &mut store,
            Payload::EntryAdded(varied(0x7C_0000, (n * 7) % typed, None)),
        );
    }
    for (n, old) in [(typed, 3), (typed + 1, 9), (typed + 2, 3)] {
        typist.make(
            &mut store,
            Payload::EntryAdded(varied(0x7C_0000, n, Some(old))),
        );
    }
    assert!(typed as i64 > casebook_store::SEARCH_BACKLOG_ROWS);
    // Pulled as a batch, corrections among them.
    chain.open("Pulled");
    for n in 0..200 {
        chain.push(Payload::EntryAdded(varied(0x31_0000, n, None)));
    }
    chain.push(Payload::EntryAdded(varied(0x31_0000, 200, Some(6))));
    crate::arrive(&mut store, &chain.events);

    for incident in [typist.incident, chain.incident] {
        assert_the_map_agrees(&store, incident, "as written");
    }
    let placed = count(&store, PLACED);
    assert_eq!(
        placed,
        count(&store, INDEXED),
        "every indexed entry is placed"
    );
    assert_eq!(placed, (typed + 3 + 201) as i64);
    assert_eq!(count(&store, PLACES), placed, "and every place names one");

    casebook_store::rebuild::rebuild(&mut store, |_| {}).unwrap();
    for incident in [typist.incident, chain.incident] {
        assert_the_map_agrees(&store, incident, "after a rebuild");
    }
    assert_eq!(count(&store, PLACED), placed, "a rebuild places them again");
    assert_eq!(
        count(&store, PLACES),
        placed,
        "and keeps no place of before"
    );
}

#[test]
fn the_upgrade_places_every_entry_already_indexed_and_none_that_waits() {
    let mut chain = Chain::new(41);
    let (_dir, mut store) = crate::receiver(&[chain.device]);
    chain.open("Pulled before the upgrade");
    for n in 0..150 {
        chain.push(Payload::EntryAdded(varied(0x41_0000, n, None)));
    }
    chain.push(Payload::EntryAdded(varied(0x41_0000, 150, Some(4))));
    crate::arrive(&mut store, &chain.events);
    let mut typist = Typist::open(&mut store, "Typed before the upgrade");
    for n in 0..5 {
        typist.make(&mut store, Payload::EntryAdded(varied(0x7C_0000, n, None)));
    }
    assert_eq!(count(&store, WAITING), 5);
    // The database as the build before wrote it: no places.
    store
        .conn()
        .execute_batch("DROP TABLE search_places; PRAGMA user_version = 12;")
        .unwrap();
    let path = store.path().to_path_buf();
    drop(store);
    let store = casebook_store::Store::open(&path).unwrap();
    assert_eq!(count(&store, PLACED), 151, "every indexed entry is placed");
    assert_eq!(count(&store, PLACES), 151);
    // The entries that waited are placed when they go into the index.
    assert_the_map_agrees(&store, typist.incident, "waiting at the upgrade");
    assert_the_map_agrees(&store, chain.incident, "after the upgrade");
    assert_eq!(count(&store, PLACED), 156);
}

#[test]
fn an_encrypted_copy_keeps_every_place_naming_its_row() {
    let mut chain = Chain::new(51);
    let (dir, mut store) = crate::receiver(&[chain.device]);
    chain.open("Pulled, then encrypted");
    for n in 0..120 {
        chain.push(Payload::EntryAdded(varied(0x51_0000, n, None)));
    }
    chain.push(Payload::EntryAdded(varied(0x51_0000, 120, Some(8))));
    crate::arrive(&mut store, &chain.events);
    let path = store.path().to_path_buf();
    drop(store);
    // What `casebook encrypt` does to the database.
    let key = casebook_store::cipher::DataKey::from_bytes([5; 32]);
    casebook_store::cipher::replace_with_encrypted(
        &path,
        &dir.path().join("casebook.db.encrypting"),
        &key,
    )
    .unwrap();
    let store = casebook_store::Store::open_keyed(&path, Some(&key)).unwrap();
    assert_eq!(
        count(&store, PLACED),
        121,
        "every place still names its row"
    );
    assert_eq!(count(&store, PLACES), 121);
    assert_the_map_agrees(&store, chain.incident, "encrypted");
}
