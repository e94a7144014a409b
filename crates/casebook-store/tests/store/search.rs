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
        self.push(Payload::IncidentOpened {
            key: casebook_core::key::incident_key(self.incident),
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
        });
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
