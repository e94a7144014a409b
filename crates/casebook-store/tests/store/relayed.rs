//! A clock far ahead is judged against the team server's receipt time of the event, so every replica flags it alike:
//! one that pulled it at once, one that pulled it hours later when its own clock had passed it, and the author's
//! laptop, whose clock made it and which flags it only when the server's copy comes back.

use casebook_core::event::{EventBody, FieldChange};
use casebook_core::model::{Role, Severity, Tier, Tlp};
use casebook_core::*;
use casebook_store::append::{append_local, read_events, Origin};
use casebook_store::arrival::{Arrival, Arrivals};
use casebook_store::dump::{dump, dump_replicated};
use casebook_store::{trust, Store};
use uuid::Uuid;

use crate::{key, receiver_with_directory, NOW_US};

const MINUTE: i64 = 60_000_000;
/// When the server received the fast laptop's events.
const RECEIVED: i64 = NOW_US;
/// The fast laptop's clock, an hour ahead of the server's.
const FAST: i64 = RECEIVED + 60 * MINUTE;
const AUTHOR_DEVICE: DeviceId = DeviceId(Uuid::from_u128(0xA1));
const AUTHOR: UserId = UserId(Uuid::from_u128(0xA2));
const COLLEAGUE_DEVICE: DeviceId = DeviceId(Uuid::from_u128(0xB1));
const COLLEAGUE: UserId = UserId(Uuid::from_u128(0xB2));
const INCIDENT: IncidentId = IncidentId(Uuid::from_u128(0x1C));

/// The author's laptop, its clock at `wall`: its own profile, both people leads in its directory, the colleague's
/// device trusted, and the incident opened.
fn author_laptop(wall: i64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("casebook.db")).unwrap();
    let tx = store.write().unwrap();
    casebook_store::append::set_profile(&tx, AUTHOR_DEVICE, AUTHOR).unwrap();
    trust::set_device_key(&tx, &key(AUTHOR_DEVICE), 1).unwrap();
    trust::trust_device(&tx, COLLEAGUE_DEVICE, &key(COLLEAGUE_DEVICE).public(), 0).unwrap();
    let mut n = 0;
    let mut local = |payload: Payload, incident: Option<IncidentId>| {
        n += 1;
        let id = EventId(Uuid::from_u128(0xA000 + n));
        append_local(&tx, AUTHOR_ORIGIN, id, incident, payload, wall).unwrap();
    };
    for (user, name) in [(AUTHOR, "author"), (COLLEAGUE, "colleague")] {
        let registered = Payload::UserRegistered {
            user,
            name: name.into(),
            role: Role::Lead,
            tier: None,
        };
        local(registered, None);
    }
    let opened = Payload::IncidentOpened {
        key: casebook_core::key::incident_key(INCIDENT),
        title: "opened".into(),
        summary: String::new(),
        severity: Severity::Sev3,
        tlp: Tlp::Amber,
        category: String::new(),
        tier: Tier::ONE,
        detection_source: String::new(),
        affected_assets: vec![],
        tags: vec![],
        occurred_at: None,
        detected_at: None,
        reported_at: None,
    };
    local(opened, Some(INCIDENT));
    tx.commit().unwrap();
    (dir, store)
}

const AUTHOR_ORIGIN: Origin = Origin {
    user: AUTHOR,
    device: AUTHOR_DEVICE,
};

/// Retitles the incident on the author's laptop, by its clock at `wall`.
fn retitle(store: &mut Store, id: u128, title: &str, wall: i64) -> Event {
    let tx = store.write().unwrap();
    let change = Payload::FieldSet {
        change: FieldChange::Title(title.into()),
    };
    let made = append_local(
        &tx,
        AUTHOR_ORIGIN,
        EventId(Uuid::from_u128(id)),
        Some(INCIDENT),
        change,
        wall,
    )
    .unwrap();
    tx.commit().unwrap();
    made
}

/// The fast laptop: [`author_laptop`] with its clock an hour ahead, which then sets the incident's title.
fn author() -> (tempfile::TempDir, Store, Vec<Event>) {
    let (dir, mut store) = author_laptop(FAST);
    retitle(&mut store, 0xA004, "the fast laptop's title", FAST);
    let events = read_events(store.conn(), None, 0, i64::MAX)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    (dir, store, events)
}

/// The colleague's title, set five minutes after the server received the fast one, by a right clock.
fn colleague_title() -> Event {
    let body = EventBody {
        id: EventId(Uuid::from_u128(0xB000)),
        incident: Some(INCIDENT),
        author: COLLEAGUE,
        device: COLLEAGUE_DEVICE,
        device_seq: 1,
        hlc: Hlc {
            wall_micros: RECEIVED + 5 * MINUTE,
            counter: 0,
            device: COLLEAGUE_DEVICE,
        },
        payload: Payload::FieldSet {
            change: FieldChange::Title("the colleague's later title".into()),
        },
    };
    Event::seal_signed(body, None, &key(COLLEAGUE_DEVICE))
}

/// A replica that holds both people as leads and trusts both devices.
fn replica() -> (tempfile::TempDir, Store) {
    receiver_with_directory(&[AUTHOR_DEVICE, COLLEAGUE_DEVICE], &[AUTHOR, COLLEAGUE])
}

/// One page pulled from the server at `local_now`, each event with the server's receipt time.
fn pull(store: &mut Store, local_now: i64, page: &[(Event, i64)]) -> Vec<Arrival> {
    let tx = store.write().unwrap();
    let mut arrivals = Arrivals::new(&tx, local_now, "team server").unwrap();
    let out = page
        .iter()
        .map(|(e, received)| arrivals.append_relayed(e, *received).unwrap())
        .collect();
    arrivals.finish().unwrap();
    tx.commit().unwrap();
    out
}

fn title(store: &Store) -> String {
    store
        .conn()
        .query_row(
            "SELECT title FROM incidents WHERE id = ?1",
            [INCIDENT.to_string()],
            |r| r.get(0),
        )
        .unwrap()
}

fn flagged(store: &Store, e: &Event) -> bool {
    store
        .conn()
        .query_row(
            "SELECT clock_ahead FROM events WHERE id = ?1",
            [e.id().to_string()],
            |r| r.get(0),
        )
        .unwrap()
}

/// The parts of a dump that say what the incident shows and why.
fn incident_state(store: &Store) -> String {
    let dump = dump_replicated(store.conn()).unwrap();
    dump.split("## ")
        .filter(|section| section.starts_with("incidents") || section.starts_with("field_claims"))
        .collect()
}

#[test]
fn a_fast_clock_is_flagged_by_the_servers_receipt_time_on_every_replica_and_its_authors() {
    let (_a, mut author, made) = author();
    let fast_title = made.last().unwrap().clone();
    let theirs = colleague_title();
    let relayed: Vec<(Event, i64)> = made.iter().map(|e| (e.clone(), RECEIVED)).collect();
    let later = [(theirs.clone(), RECEIVED + 5 * MINUTE)];

    // One replica pulls as soon as the server has the events, the other two hours later, when its own clock has
    // long passed the fast one.
    let (_e, mut early) = replica();
    pull(&mut early, RECEIVED, &relayed);
    pull(&mut early, RECEIVED + 5 * MINUTE, &later);
    let (_l, mut late) = replica();
    pull(&mut late, RECEIVED + 120 * MINUTE, &relayed);
    pull(&mut late, RECEIVED + 120 * MINUTE, &later);
    // The author pulls its own events back (already held) and the colleague's, by its own fast clock.
    let own = pull(
        &mut author,
        FAST + 5 * MINUTE,
        &[relayed.clone(), later.to_vec()].concat(),
    );
    assert!(
        own[..made.len()].iter().all(|a| *a == Arrival::Duplicate),
        "the author already holds its own events: {own:?}"
    );

    for (name, store) in [("early", &early), ("late", &late), ("author", &author)] {
        assert!(
            flagged(store, &fast_title),
            "the {name} replica flags the title stamped an hour after the server received it"
        );
        assert!(
            !flagged(store, &theirs),
            "the {name} replica does not flag the colleague's right clock"
        );
        assert_eq!(
            title(store),
            "the colleague's later title",
            "on the {name} replica the colleague's later edit wins over the fast clock"
        );
    }
    assert_eq!(
        dump(early.conn()).unwrap(),
        dump(late.conn()).unwrap(),
        "replicas that pulled the same events at different times hold the same state"
    );
    assert_eq!(
        incident_state(&author),
        incident_state(&early),
        "the author's laptop shows the incident as the replicas do once its events came back through the server"
    );
    let rebuilt = dump(author.conn()).unwrap();
    casebook_store::rebuild::rebuild(&mut author, |_| {}).unwrap();
    assert_eq!(
        rebuilt,
        dump(author.conn()).unwrap(),
        "the author's flags, judged again on pulling, are what a rebuild gives"
    );
}

#[test]
fn an_event_read_from_a_bundle_first_is_judged_again_when_the_server_relays_it() {
    let (_a, _author, made) = author();
    let fast_title = made.last().unwrap().clone();
    let theirs = colleague_title();
    let (_r, mut store) = replica();
    // Read from a bundle two hours later: by this replica's clock the fast title is not ahead, and it wins.
    let tx = store.write().unwrap();
    let mut arrivals = Arrivals::new(&tx, RECEIVED + 120 * MINUTE, "bundle").unwrap();
    for e in made.iter().chain([&theirs]) {
        assert!(matches!(arrivals.append(e).unwrap(), Arrival::Applied(_)));
    }
    arrivals.finish().unwrap();
    tx.commit().unwrap();
    assert!(
        !flagged(&store, &fast_title),
        "judged by the local clock while known only from the bundle"
    );
    assert_eq!(title(&store), "the fast laptop's title");

    let mut page: Vec<(Event, i64)> = made.iter().map(|e| (e.clone(), RECEIVED)).collect();
    page.push((theirs.clone(), RECEIVED + 5 * MINUTE));
    pull(&mut store, RECEIVED + 121 * MINUTE, &page);
    assert!(
        flagged(&store, &fast_title),
        "the server's receipt time, once relayed, decides the flag"
    );
    assert_eq!(
        title(&store),
        "the colleague's later title",
        "the projection follows the new flag at once"
    );

    let (_e, mut direct) = replica();
    pull(&mut direct, RECEIVED, &page);
    assert_eq!(
        dump(store.conn()).unwrap(),
        dump(direct.conn()).unwrap(),
        "a bundle first, then the server's copy, gives the state of the server's copy alone"
    );
}

/// The colleague's events as this test's laptop reads them: a title by a clock four minutes ahead of the laptop's,
/// then, chained after it, a comment from a clock a day ahead.
fn colleague_then_far_ahead(read_at: i64) -> (Event, Event) {
    let body = |seq: u64, wall: i64, payload: Payload| EventBody {
        id: EventId(Uuid::from_u128(0xB100 + seq as u128)),
        incident: Some(INCIDENT),
        author: COLLEAGUE,
        device: COLLEAGUE_DEVICE,
        device_seq: seq,
        hlc: Hlc {
            wall_micros: wall,
            counter: 0,
            device: COLLEAGUE_DEVICE,
        },
        payload,
    };
    let title = Payload::FieldSet {
        change: FieldChange::Title("the colleague's title".into()),
    };
    let first = Event::seal_signed(
        body(1, read_at + 4 * MINUTE, title),
        None,
        &key(COLLEAGUE_DEVICE),
    );
    let comment = Payload::CommentAdded {
        comment: CommentId(Uuid::from_u128(0xB1C0)),
        body: "written by a clock a day ahead".into(),
    };
    let far = Event::seal_signed(
        body(2, read_at + 24 * 60 * MINUTE, comment),
        Some(first.hash.clone()),
        &key(COLLEAGUE_DEVICE),
    );
    (first, far)
}

#[test]
fn a_change_made_after_reading_a_colleagues_is_later_than_it_even_once_their_clock_jumps_far_ahead()
{
    let now = RECEIVED;
    let (_dir, mut store) = author_laptop(now);

    let (theirs, far) = colleague_then_far_ahead(now);
    let tx = store.write().unwrap();
    let mut arrivals = Arrivals::new(&tx, now, "bundle").unwrap();
    for e in [&theirs, &far] {
        assert!(matches!(arrivals.append(e).unwrap(), Arrival::Applied(_)));
    }
    arrivals.finish().unwrap();
    tx.commit().unwrap();
    assert!(flagged(&store, &far) && !flagged(&store, &theirs));
    assert_eq!(title(&store), "the colleague's title");

    // A minute later by this laptop's clock, still three minutes behind the colleague's, the person retitles.
    let made = retitle(
        &mut store,
        0xA120,
        "retitled after reading theirs",
        now + MINUTE,
    );
    assert!(
        made.body.hlc > theirs.body.hlc,
        "the local change is stamped past the colleague's title it follows: {:?} against {:?}",
        made.body.hlc,
        theirs.body.hlc
    );
    assert!(
        made.body.hlc.wall_micros < far.body.hlc.wall_micros,
        "and never follows the clock a day ahead"
    );
    assert_eq!(title(&store), "retitled after reading theirs");
}
