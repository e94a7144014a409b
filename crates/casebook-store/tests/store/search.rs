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
