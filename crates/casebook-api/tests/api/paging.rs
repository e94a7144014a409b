//! Keyset paging and the visual timeline's histogram on a real data directory: pages walked after and before a place
//! give exactly the OFFSET order (ties on time included, under every filter), far jumps land on the right entry, and
//! the histogram counts every filtered entry once.

use casebook_api::paging::PageAt;
use casebook_api::timeline::EntryInput;
use casebook_api::{Casebook, ErrorCode};
use casebook_core::model::{EntryKind, Role, Severity, Tlp};
use casebook_store::read::{self, Cursor, EntryFilter, EntryView};
use chrono::{DateTime, Duration, Utc};

use crate::{at, open};

const BASE: &str = "2026-11-01T08:00:00Z";

/// Rows of a Timesketch JSONL file: row i at `BASE + (i / same) * step` seconds, so `same` rows share each time.
fn jsonl(rows: usize, same: usize, step: i64, label: &str) -> String {
    (0..rows)
        .map(|i| {
            let t = at(BASE) + Duration::seconds((i / same) as i64 * step);
            format!(
                "{{\"message\": \"{label} row {i}\", \"datetime\": \"{}\", \"timestamp_desc\": \"Event\"}}\n",
                t.to_rfc3339()
            )
        })
        .collect()
}

/// 500 findings in tens of equal times, 300 alerts in fives interleaved with them, key events and corrections.
fn case() -> (tempfile::TempDir, Casebook, String) {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, _clock) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Ana Silva", Role::Lead, None).unwrap();
    let key = cb
        .new_incident(casebook_api::incidents::NewIncident::titled(
            "Ledger fraud",
            Severity::Sev2,
            Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    for (rows, same, step, label, kind) in [
        (500, 10, 1, "proxy", EntryKind::Finding),
        (300, 5, 3, "edr", EntryKind::Alert),
    ] {
        let file = jsonl(rows, same, step, label);
        cb.import_timeline(
            &key,
            file.as_bytes(),
            casebook_import::Format::Jsonl,
            label,
            kind,
            &mut |_| {},
        )
        .unwrap();
    }
    for i in 0..6 {
        cb.add_entry(
            &key,
            EntryInput {
                summary: format!("Contained host {i}"),
                at: Some(at(BASE) + Duration::seconds(10)),
                kind: Some(EntryKind::Containment),
                key_event: true,
                ..Default::default()
            },
        )
        .unwrap();
    }
    let all = offset_order(&cb, &key, &EntryFilter::default());
    for e in all.iter().step_by(23) {
        cb.set_key_event(&key, e.id, true).unwrap();
    }
    for e in all.iter().skip(5).step_by(97) {
        cb.correct_entry(
            &key,
            e.id,
            EntryInput {
                summary: format!("{} (corrected)", e.summary),
                at: Some(e.event_time),
                kind: Some(e.kind),
                ..Default::default()
            },
        )
        .unwrap();
    }
    (dir, cb, key)
}

fn filters() -> Vec<(&'static str, EntryFilter)> {
    vec![
        ("no filter", EntryFilter::default()),
        (
            "alerts",
            EntryFilter {
                kind: Some(EntryKind::Alert),
                ..Default::default()
            },
        ),
        (
            "key events",
            EntryFilter {
                key_events_only: true,
                ..Default::default()
            },
        ),
        (
            "corrected hidden",
            EntryFilter {
                hide_superseded: true,
                ..Default::default()
            },
        ),
        (
            "findings, corrected hidden",
            EntryFilter {
                kind: Some(EntryKind::Finding),
                hide_superseded: true,
                ..Default::default()
            },
        ),
        (
            "text",
            EntryFilter {
                text: Some("row 1".into()),
                ..Default::default()
            },
        ),
        (
            "text, findings, corrected hidden",
            EntryFilter {
                kind: Some(EntryKind::Finding),
                hide_superseded: true,
                text: Some("row".into()),
                ..Default::default()
            },
        ),
    ]
}

/// The list as the store's OFFSET query gives it, read straight from the database file.
fn offset_order(cb: &Casebook, key: &str, filter: &EntryFilter) -> Vec<EntryView> {
    let store = casebook_store::Store::open(&cb.data_dir().join("casebook.db")).unwrap();
    read::entries(store.conn(), cb.resolve(key).unwrap(), filter, 0, i64::MAX).unwrap()
}

fn ids(entries: &[EntryView]) -> Vec<String> {
    entries.iter().map(|e| e.id.to_string()).collect()
}

#[test]
fn keyset_pages_walked_either_way_give_the_offset_order_under_every_filter() {
    let (_d, cb, key) = case();
    for (name, filter) in filters() {
        let expected = offset_order(&cb, &key, &filter);
        assert!(
            expected.len() > 20,
            "{name}: the case must give each filter a few pages"
        );
        let mut forward = Vec::new();
        let mut page = cb
            .timeline_page(&key, &filter, PageAt::Position(0), 37)
            .unwrap();
        while !page.entries.is_empty() {
            assert_eq!(page.total, expected.len() as i64, "{name}: the total stays");
            assert_eq!(
                page.position,
                forward.len() as i64,
                "{name}: each page reports where it starts"
            );
            forward.extend(page.entries.iter().cloned());
            let last = Cursor::from(page.entries.last().unwrap());
            page = cb
                .timeline_page(&key, &filter, PageAt::After(last), 37)
                .unwrap();
        }
        assert_eq!(
            ids(&forward),
            ids(&expected),
            "{name}: pages after the last entry shown"
        );

        let mut backward: Vec<EntryView> = Vec::new();
        let end = expected.len() as i64 - 37;
        let mut page = cb
            .timeline_page(&key, &filter, PageAt::Position(end), 37)
            .unwrap();
        loop {
            assert_eq!(
                ids(&page.entries),
                ids(&expected[page.position as usize..page.position as usize + page.entries.len()]),
                "{name}: a page before an entry holds the entries just before it and says where it starts"
            );
            backward.splice(0..0, page.entries.iter().cloned());
            let Some(first) = page.entries.first() else {
                break;
            };
            page = cb
                .timeline_page(&key, &filter, PageAt::Before(Cursor::from(first)), 37)
                .unwrap();
        }
        assert_eq!(
            ids(&backward),
            ids(&expected),
            "{name}: pages before the first entry shown"
        );
    }
}

#[test]
fn a_jump_to_a_position_or_an_instant_lands_on_the_right_entry_and_reports_its_position() {
    let (_d, cb, key) = case();
    for (name, filter) in filters() {
        let expected = offset_order(&cb, &key, &filter);
        let n = expected.len() as i64;
        for p in [0, 1, 255, 256, 257, 511, 512, 600, n / 2, n - 1]
            .into_iter()
            .filter(|p| *p < n)
        {
            let page = cb
                .timeline_page(&key, &filter, PageAt::Position(p), 50)
                .unwrap();
            assert_eq!(page.position, p, "{name}");
            let want = &expected[p as usize..(p as usize + 50).min(expected.len())];
            assert_eq!(
                ids(&page.entries),
                ids(want),
                "{name}: the page at position {p}"
            );
        }
        let past = cb
            .timeline_page(&key, &filter, PageAt::Position(n + 10), 50)
            .unwrap();
        assert_eq!(
            (past.position, past.entries.len()),
            (n, 0),
            "{name}: past the end is empty"
        );

        let mut instants: Vec<DateTime<Utc>> = expected.iter().map(|e| e.event_time).collect();
        instants.extend(
            expected
                .iter()
                .map(|e| e.event_time + Duration::milliseconds(500)),
        );
        instants.push(at(BASE) - Duration::days(1));
        for t in instants.into_iter().step_by(7) {
            let want = expected
                .iter()
                .position(|e| e.event_time >= t)
                .unwrap_or(expected.len());
            let page = cb.timeline_page(&key, &filter, PageAt::Time(t), 5).unwrap();
            assert_eq!(
                page.position, want as i64,
                "{name}: the first entry at or after {t}"
            );
            assert_eq!(
                page.entries.first().map(|e| e.id),
                expected.get(want).map(|e| e.id),
                "{name}: the page at {t} starts at that entry"
            );
        }
    }
}

#[test]
fn the_histogram_counts_every_filtered_entry_once_per_kind_and_bucket() {
    let (_d, cb, key) = case();
    for (name, filter) in filters() {
        let expected = offset_order(&cb, &key, &filter);
        let h = cb.timeline_histogram(&key, &filter, None, 40).unwrap();
        assert_eq!(h.buckets.len(), 40, "{name}");
        assert_eq!(
            h.total,
            expected.len() as i64,
            "{name}: the whole case by default"
        );
        assert_eq!(
            h.buckets.iter().map(|b| b.total).sum::<i64>(),
            h.total,
            "{name}"
        );
        for b in &h.buckets {
            let inside: Vec<&EntryView> = expected
                .iter()
                .filter(|e| e.event_time >= b.from && e.event_time < b.to)
                .collect();
            assert_eq!(
                b.total,
                inside.len() as i64,
                "{name}: bucket from {}",
                b.from
            );
            for c in &b.by_kind {
                let n = inside.iter().filter(|e| e.kind == c.kind).count() as i64;
                assert_eq!(
                    c.count, n,
                    "{name}: {} in the bucket from {}",
                    c.kind, b.from
                );
            }
            assert_eq!(
                b.by_kind.iter().map(|c| c.count).sum::<i64>(),
                b.total,
                "{name}"
            );
        }

        // A zoomed range counts only what falls inside it.
        let (from, to) = (
            at(BASE) + Duration::seconds(7),
            at(BASE) + Duration::seconds(31),
        );
        let zoomed = cb
            .timeline_histogram(&key, &filter, Some((from, to)), 6)
            .unwrap();
        let inside = expected
            .iter()
            .filter(|e| e.event_time >= from && e.event_time < to)
            .count();
        assert_eq!(zoomed.total, inside as i64, "{name}: a zoomed range");
        assert_eq!((zoomed.from, zoomed.to), (from, to), "{name}");
    }
    let backwards = cb
        .timeline_histogram(&key, &EntryFilter::default(), Some((at(BASE), at(BASE))), 6)
        .unwrap_err();
    assert_eq!(
        backwards.code,
        ErrorCode::InvalidInput,
        "an empty range is refused"
    );
}

#[test]
fn an_unknown_incident_gets_the_same_clear_error_from_every_timeline_call() {
    let (_d, cb, _key) = case();
    let filter = EntryFilter::default();
    let page = cb
        .timeline_page("IR-404", &filter, PageAt::Position(0), 10)
        .unwrap_err();
    let histogram = cb
        .timeline_histogram("IR-404", &filter, None, 10)
        .unwrap_err();
    let entries = cb.entries("IR-404", &filter, 0, 10).unwrap_err();
    for e in [&page, &histogram] {
        assert_eq!(e.code, ErrorCode::NotFound);
        assert_eq!(
            e.message, entries.message,
            "the same words as the timeline's list"
        );
    }
    assert!(
        page.message.contains("no incident `IR-404`"),
        "{}",
        page.message
    );
}

#[test]
fn a_kept_map_is_dropped_when_this_or_another_connection_writes() {
    let (d, mut cb, key) = case();
    let filter = EntryFilter::default();
    let before = cb
        .timeline_page(&key, &filter, PageAt::Position(300), 1)
        .unwrap();
    let early = EntryInput {
        summary: "Earliest sign".into(),
        at: Some(at(BASE) - Duration::hours(1)),
        ..Default::default()
    };
    cb.add_entry(&key, early.clone()).unwrap();
    let after = cb
        .timeline_page(&key, &filter, PageAt::Position(300), 1)
        .unwrap();
    assert_eq!(after.total, before.total + 1, "a write here counts at once");
    assert_eq!(
        cb.timeline_page(&key, &filter, PageAt::Position(301), 1)
            .unwrap()
            .entries[0]
            .id,
        before.entries[0].id,
        "an entry added in front moves every position by one"
    );

    let (mut other, _clock) = open(d.path(), "2026-11-20T11:00:00Z");
    other.act_as("Ana Silva").unwrap();
    other.add_entry(&key, early).unwrap();
    // A position past the first screen is read through the kept map, which must see the other connection's write.
    let later = cb
        .timeline_page(&key, &filter, PageAt::Position(302), 1)
        .unwrap();
    assert_eq!(
        later.total,
        before.total + 2,
        "a write by another connection counts too"
    );
    assert_eq!(later.entries[0].id, before.entries[0].id);
    let first = cb
        .timeline_page(&key, &filter, PageAt::Position(0), 1)
        .unwrap();
    assert_eq!(first.total, later.total, "the first screen counts alike");
}

#[test]
fn pages_stepped_to_past_the_first_screens_keep_their_positions_when_the_map_takes_over() {
    // The first screens are placed by a short count from the start, pages further on by the map: a walk across the
    // boundary (2,048 entries) in either direction must report the same positions as the OFFSET order.
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, _clock) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Ana Silva", Role::Lead, None).unwrap();
    let key = cb
        .new_incident(casebook_api::incidents::NewIncident::titled(
            "Long case",
            Severity::Sev3,
            Tlp::Green,
        ))
        .unwrap()
        .row
        .key;
    let file = jsonl(2_600, 3, 1, "proxy");
    cb.import_timeline(
        &key,
        file.as_bytes(),
        casebook_import::Format::Jsonl,
        "proxy",
        EntryKind::Finding,
        &mut |_| {},
    )
    .unwrap();
    let filter = EntryFilter::default();
    let expected = offset_order(&cb, &key, &filter);
    assert_eq!(expected.len(), 2_600);

    let mut page = cb
        .timeline_page(&key, &filter, PageAt::Position(0), 300)
        .unwrap();
    let mut forward = Vec::new();
    while !page.entries.is_empty() {
        assert_eq!(page.total, 2_600);
        assert_eq!(page.position, forward.len() as i64, "stepping forward");
        forward.extend(page.entries.iter().cloned());
        let last = Cursor::from(page.entries.last().unwrap());
        page = cb
            .timeline_page(&key, &filter, PageAt::After(last), 300)
            .unwrap();
    }
    assert_eq!(ids(&forward), ids(&expected));

    let mut page = cb
        .timeline_page(&key, &filter, PageAt::Position(2_300), 300)
        .unwrap();
    let mut backward: Vec<EntryView> = Vec::new();
    while let Some(first) = page.entries.first().cloned() {
        assert_eq!(
            ids(&page.entries),
            ids(&expected[page.position as usize..page.position as usize + page.entries.len()]),
            "stepping back"
        );
        backward.splice(0..0, page.entries.iter().cloned());
        page = cb
            .timeline_page(&key, &filter, PageAt::Before(Cursor::from(&first)), 300)
            .unwrap();
    }
    assert_eq!(ids(&backward), ids(&expected));
}
