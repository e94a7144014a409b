//! Team sync under faults (tracker issue 9): seeded random schedules of 3–5 laptops and a server, the server library
//! called in-process (no HTTP, so a thousand schedules run in bounded time) behind a [`Remote`] that loses requests,
//! loses answers after the server applied them, applies pushes twice, serves short pull pages, cuts laptops off for
//! a while, crashes laptops (some in the middle of a sync) and restores the server from an older backup. Clocks lie
//! too: one laptop clock in four runs 8–30 minutes ahead (past the drift `hlc::MAX_AHEAD_MICROS` allows, or just
//! inside it), and before healing the world's time may jump up to an hour, so some replicas pull a fast edit while
//! their own clock is behind it and others after their clock has passed it. Then everything heals and every laptop
//! syncs until nothing moves: every replica must hold the same events and the same state (the flag of a clock far
//! ahead included, judged by the server's receipt time on every replica, the author's own too), every admitted event
//! must sit in the server's log exactly once, and every device's events must keep their order and their hash chain.
//!
//! `CASEBOOK_SIM_SCHEDULES=N` runs N schedules instead of 1,000; `CASEBOOK_SIM_SEED=S` runs only the schedule of seed
//! S (the seed a failure prints).

mod net;
mod team;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use casebook_api::escalations::Answer;
use casebook_api::incidents::NewIncident;
use casebook_api::timeline::EntryInput;
use casebook_api::{Casebook, Clock, ErrorCode};
use casebook_core::digest::set_digest;
use casebook_core::event::{FieldChange, WireEvent};
use casebook_core::model::{Role, Severity, TextField, Tier, Tlp};
use casebook_core::{DeviceId, Event, EventId, IncidentId};
use casebook_server_storage::{EventRow, Storage};
use chrono::Duration;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use net::{Faults, LinkState, Net};
use team::{copy_dir, scratch, template, Laptop, LaptopClock, Template};

const SCHEDULES: u64 = 1_000;
/// Full sync rounds allowed after healing before the schedule counts as not converging.
const MAX_ROUNDS: u32 = 8;
const SERVER_URL: &str = "https://sim.invalid";
const PASSWORD: &str = "a long enough password";
const TAGS: &[&str] = &["phishing", "malware", "vpn", "payroll", "edr"];
/// The team's people: each schedule takes the lead and two to four responders.
const PEOPLE: &[(&str, Role, Option<u8>)] = &[
    ("Lena Park", Role::Lead, None),
    ("Ana Silva", Role::Responder, Some(1)),
    ("Tom Reyes", Role::Responder, Some(2)),
    ("Uma Roy", Role::Responder, Some(3)),
    ("Bo Lind", Role::Responder, Some(1)),
    ("Kim Sato", Role::Responder, Some(2)),
];

/// Counts of what the schedules did, reported at the end.
#[derive(Debug, Default)]
struct Tally {
    schedules: u64,
    steps: u64,
    changes: u64,
    changes_refused: u64,
    syncs: u64,
    failed_syncs: u64,
    lost_requests: u64,
    lost_answers: u64,
    duplicated_pushes: u64,
    short_pages: u64,
    partitions: u64,
    crashes: u64,
    crashes_mid_sync: u64,
    restores: u64,
    admitted: u64,
    rounds_to_converge: u64,
    /// Laptops whose clock ran 8–30 minutes ahead, and schedules with at least one.
    fast_clocks: u64,
    schedules_with_fast_clocks: u64,
}

/// One local change on an incident this laptop holds (or a new one). A refusal the person would see (their role,
/// the incident's state) is a legitimate outcome; anything else fails the schedule.
fn change(cb: &mut Casebook, rng: &mut StdRng, step: usize) -> bool {
    let incidents = cb.incidents(&Default::default(), 100).unwrap();
    let tier = |rng: &mut StdRng| Tier::ALL[rng.random_range(0..3)];
    let result = if incidents.is_empty() || rng.random_bool(0.12) {
        let mut new = NewIncident::titled(
            &format!("Incident of step {step}"),
            Severity::Sev3,
            Tlp::Amber,
        );
        new.tags = vec![TAGS[rng.random_range(0..TAGS.len())].into()];
        cb.new_incident(new).map(drop)
    } else {
        let key = incidents[rng.random_range(0..incidents.len())].key.clone();
        let tag = TAGS[rng.random_range(0..TAGS.len())];
        match rng.random_range(0..10) {
            0 => cb
                .set_fields(
                    &key,
                    vec![FieldChange::Title(format!("Title of step {step}"))],
                )
                .map(drop),
            1 => cb
                .set_fields(&key, vec![FieldChange::Severity(Severity::Sev2)])
                .map(drop),
            2 => cb.add_tag(&key, tag).map(drop),
            3 => cb.remove_tag(&key, tag).map(drop),
            4 => {
                // Sometimes settling the concurrent versions shown as conflicts.
                let resolves = match rng.random_bool(0.5) {
                    true => cb
                        .incident(&key)
                        .unwrap()
                        .conflicts
                        .iter()
                        .map(|c| c.event)
                        .collect(),
                    false => vec![],
                };
                cb.edit_text(
                    &key,
                    TextField::Summary,
                    &format!("Summary of step {step}"),
                    resolves,
                )
                .map(drop)
            }
            5 => {
                let entry = EntryInput {
                    summary: format!("Entry of step {step}"),
                    ..Default::default()
                };
                cb.add_entry(&key, entry).map(drop)
            }
            6 => cb
                .escalate(
                    &key,
                    tier(rng),
                    None,
                    "Needs another tier",
                    "See the timeline",
                )
                .map(drop),
            7 => {
                let answer = match rng.random_range(0..3) {
                    0 => Answer::Acknowledge,
                    1 => Answer::Accept,
                    _ => Answer::Decline {
                        reason: "Benign admin activity".into(),
                    },
                };
                cb.answer_escalation(&key, None, answer).map(drop)
            }
            8 => cb
                .reassign_escalation(&key, None, tier(rng), None, "Hunting team has the IOCs")
                .map(drop),
            _ => cb
                .add_comment(&key, &format!("Comment of step {step}"))
                .map(drop),
        }
    };
    if let Err(e) = result {
        assert!(
            matches!(
                e.code,
                ErrorCode::Forbidden
                    | ErrorCode::Conflict
                    | ErrorCode::InvalidInput
                    | ErrorCode::NotFound
            ),
            "a local change failed for a reason a person could not cause: {e} ({:?})",
            e.code
        );
        return false;
    }
    true
}

#[test]
fn random_schedules_of_faults_converge_with_every_event_once() {
    let started = std::time::Instant::now();
    let template = template();
    let root = scratch();
    let count: u64 = std::env::var("CASEBOOK_SIM_SCHEDULES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SCHEDULES);
    let seeds: Vec<u64> = match std::env::var("CASEBOOK_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (0..count).collect(),
    };
    // Schedules are independent: one worker per core.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(seeds.len())
        .max(1);
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (template, root, seeds) = (&template, root.path(), &seeds);
                scope.spawn(move || {
                    let mut tally = Tally::default();
                    for &seed in seeds.iter().skip(w).step_by(workers) {
                        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| schedule(template, root, seed)));
                        match run {
                            Ok(t) => tally.add(t),
                            Err(panic) => {
                                eprintln!("simulation schedule {seed} failed; run it alone with CASEBOOK_SIM_SEED={seed}");
                                std::panic::resume_unwind(panic);
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut tally = Tally::default();
    for t in tallies {
        tally.add(t);
    }
    eprintln!(
        "simulation: {tally:?} in {:.1} s on {workers} workers",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(tally.schedules, seeds.len() as u64, "every schedule ran");
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.schedules += o.schedules;
        self.steps += o.steps;
        self.changes += o.changes;
        self.changes_refused += o.changes_refused;
        self.syncs += o.syncs;
        self.failed_syncs += o.failed_syncs;
        self.lost_requests += o.lost_requests;
        self.lost_answers += o.lost_answers;
        self.duplicated_pushes += o.duplicated_pushes;
        self.short_pages += o.short_pages;
        self.partitions += o.partitions;
        self.crashes += o.crashes;
        self.crashes_mid_sync += o.crashes_mid_sync;
        self.restores += o.restores;
        self.admitted += o.admitted;
        self.rounds_to_converge += o.rounds_to_converge;
        self.fast_clocks += o.fast_clocks;
        self.schedules_with_fast_clocks += o.schedules_with_fast_clocks;
    }
}

/// Runs the schedule of one seed and checks what it must leave behind.
fn schedule(template: &Template, root: &Path, seed: u64) -> Tally {
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = root.join(format!("schedule-{seed}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&template.db, dir.join("server-0.db")).unwrap();
    let mut p = || rng.random_range(0.0..0.3);
    let faults = Faults {
        lose_request: p(),
        lose_answer: p(),
        duplicate_push: p(),
        short_page: p() * 2.0,
    };
    let net = Net::new(
        &dir,
        &dir.join("server-0.db"),
        template.team.clone(),
        seed,
        faults,
    );
    net.count(|t| t.schedules += 1);
    // The lead and two to four responders, each on a laptop of their own.
    let mut others: Vec<usize> = (1..PEOPLE.len()).collect();
    others.shuffle(&mut rng);
    let people: Vec<usize> = std::iter::once(0)
        .chain(others.into_iter().take(rng.random_range(2..=4)))
        .collect();
    let mut laptops: Vec<Laptop> = people
        .iter()
        .map(|&i| {
            let joined = &template.laptops[i];
            let to = dir.join(format!("laptop-{i}"));
            copy_dir(&joined.dir, &to);
            // Half the clocks are right, one in four a few minutes off (within the drift a replica accepts without a
            // flag) and one in four 8–30 minutes ahead.
            let (kind, ahead, off) = (
                rng.random_range(0..4),
                rng.random_range(8 * 60..30 * 60),
                rng.random_range(-180..180),
            );
            let skew = Duration::seconds(match kind {
                0 => ahead,
                1 => off,
                _ => 0,
            });
            if kind == 0 {
                net.count(|t| t.fast_clocks += 1);
            }
            let clock = Arc::new(LaptopClock {
                world: net.clock.clone(),
                skew,
            });
            Laptop {
                cb: Some(Casebook::open_with_clock(&to, clock.clone()).unwrap()),
                clock,
                dir: to,
                device: joined.device,
                user: joined.user,
                name: joined.name,
            }
        })
        .collect();
    *net.links.borrow_mut() = vec![LinkState::default(); laptops.len()];
    // A backup is taken after the team was set up: it holds every account's and device's directory event.
    let set_up = net.head();

    for step in 0..rng.random_range(10..=30) {
        let elapsed = net.clock.now() + Duration::milliseconds(rng.random_range(1..2_000));
        net.clock.set(elapsed);
        for l in net.links.borrow_mut().iter_mut() {
            l.partitioned = l.partitioned.saturating_sub(1);
        }
        let i = rng.random_range(0..laptops.len());
        let laptop = &mut laptops[i];
        net.count(|t| t.steps += 1);
        match rng.random_range(0..100) {
            0..45 => {
                let made = change(laptop.cb(), &mut rng, step);
                net.count(|t| {
                    if made {
                        t.changes += 1
                    } else {
                        t.changes_refused += 1
                    }
                });
            }
            45..75 => sync_once(&net, laptop, i),
            75..82 => {
                net.links.borrow_mut()[i].partitioned = rng.random_range(1..=6);
                net.count(|t| t.partitions += 1);
            }
            82..90 => {
                if rng.random_bool(0.5) {
                    // The crash interrupts a sync at its k-th request, before or after the server applied it.
                    net.links.borrow_mut()[i].crash_at =
                        Some((rng.random_range(1..=6), rng.random_bool(0.5)));
                    sync_once(&net, laptop, i);
                    net.links.borrow_mut()[i].crash_at = None;
                    net.count(|t| t.crashes_mid_sync += 1);
                }
                laptop.restart();
                net.count(|t| t.crashes += 1);
            }
            90..94 if net.restores.get() < 2 => {
                let head = net.head();
                net.restore(rng.random_range(set_up..=head));
            }
            _ => net.links.borrow_mut()[i].partitioned = 0,
        }
    }

    if net.tally.borrow().fast_clocks > 0 {
        net.count(|t| t.schedules_with_fast_clocks += 1);
    }
    // Time passes before the network heals (up to an hour): some replicas pull a fast edit only once their own clock
    // has passed it, which must not change how they judge it.
    let pause = net.clock.now() + Duration::seconds(rng.random_range(0..=3_600));
    net.clock.set(pause);
    net.heal();
    let rounds = converge(&net, &mut laptops);
    net.count(|t| t.rounds_to_converge += u64::from(rounds));
    check(&net, &mut laptops);
    drop(laptops);
    let tally = net.tally.take();
    drop(net);
    std::fs::remove_dir_all(&dir).unwrap();
    tally
}

/// One sync through the faults: being cut off is the only failure a laptop may see.
fn sync_once(net: &Net, laptop: &mut Laptop, i: usize) {
    net.count(|t| t.syncs += 1);
    if let Err(e) = laptop.sync(net, i) {
        assert_eq!(
            e.code,
            ErrorCode::Offline,
            "{}'s sync failed for another reason than the network: {e}",
            laptop.name
        );
        net.count(|t| t.failed_syncs += 1);
    }
}

/// Syncs every laptop, round after round, until two full rounds move nothing; returns the rounds it took.
fn converge(net: &Net, laptops: &mut [Laptop]) -> u32 {
    let mut quiet = 0;
    let mut rounds = 0;
    while quiet < 2 {
        rounds += 1;
        assert!(
            rounds <= MAX_ROUNDS,
            "the laptops still exchange events after {MAX_ROUNDS} healed rounds"
        );
        let mut moved = false;
        for (i, l) in laptops.iter_mut().enumerate() {
            let r = l.sync(net, i).unwrap_or_else(|e| {
                panic!("{}'s sync failed with the network healed: {e}", l.name)
            });
            moved |=
                r.pushed + r.already_on_server + r.pulled + r.refused + r.forks + r.refused_here
                    > 0
                    || r.restarted;
        }
        quiet = if moved { 0 } else { quiet + 1 };
    }
    rounds
}

/// What a schedule must leave behind once healed.
fn check(net: &Net, laptops: &mut [Laptop]) {
    let log = net.log();
    // The server's log: positions 1..=head without a gap, each event once.
    assert_eq!(
        log.len() as u64,
        net.head(),
        "the log holds as many events as its head says"
    );
    let mut held: HashMap<EventId, &EventRow> = HashMap::new();
    let mut devices: BTreeMap<DeviceId, Vec<(u64, Event)>> = BTreeMap::new();
    for (i, row) in log.iter().enumerate() {
        assert_eq!(
            row.position,
            i as u64 + 1,
            "positions run 1..=head without a gap"
        );
        assert!(
            held.insert(row.id, row).is_none(),
            "event {} is in the server's log twice",
            row.id
        );
        let event = Event::try_from(serde_json::from_str::<WireEvent>(&row.raw).unwrap()).unwrap();
        assert_eq!(
            event.recompute_hash(),
            row.hash,
            "event {} is stored exactly as it was sealed",
            row.id
        );
        devices
            .entry(row.device)
            .or_default()
            .push((row.device_seq, event));
    }
    // Each device's events in the log: in its own order, numbered 1..n, each chained to the one before.
    for (device, events) in &devices {
        for (i, (seq, e)) in events.iter().enumerate() {
            assert_eq!(
                *seq,
                i as u64 + 1,
                "device {device}'s events sit in the log in order, without a hole"
            );
            let prev = i.checked_sub(1).map(|p| events[p].1.hash.clone());
            assert_eq!(
                e.prev_hash, prev,
                "device {device}'s event {seq} chains to its predecessor"
            );
        }
    }
    let server_set: BTreeMap<EventId, String> =
        log.iter().map(|r| (r.id, r.hash.clone())).collect();
    let mut dumps = Vec::new();
    for l in laptops.iter_mut() {
        let name = l.name;
        let cb = l.cb();
        let conn = cb.store().conn();
        let verdicts = casebook_store::team::verdicts(conn).unwrap();
        assert!(
            verdicts.is_empty(),
            "the server refused none of {name}'s events: {verdicts:?}"
        );
        // Every event this laptop holds is in the server's log with the same bytes, and the other way round.
        let stored = casebook_store::append::read_events(conn, None, 0, i64::MAX).unwrap();
        let here: BTreeMap<EventId, String> = stored
            .iter()
            .map(|(_, e)| (e.id(), e.hash.clone()))
            .collect();
        assert_eq!(stored.len(), here.len(), "{name} holds each event once");
        for (id, hash) in &here {
            assert_eq!(
                server_set.get(id),
                Some(hash),
                "{name}'s event {id} is on the server exactly as made"
            );
        }
        assert_eq!(
            here.len(),
            server_set.len(),
            "{name} holds every event of the server's log"
        );
        for id in incidents_of(&log) {
            let s = net
                .rt
                .block_on(net.storage().incident_events(net.team.id, id))
                .unwrap();
            let server = set_digest(s.iter().map(|(id, hash)| (*id, hash.as_str())));
            assert_eq!(
                cb.incident_digest(&id.to_string()).unwrap().1,
                server,
                "{name} holds incident {id} as the server"
            );
        }
        // What the status bar shows: a push whose answer was lost must not leave events "waiting" for ever.
        assert_eq!(
            cb.sync_status(false).unwrap().waiting,
            0,
            "{name} shows nothing waiting once the server holds all its events"
        );
        let report = cb.verify_log(&mut |_| {}).unwrap();
        assert!(report.ok(), "{name}'s log verifies: {report:?}");
        assert_eq!(
            report.forks + report.reused_ids + report.refused,
            0,
            "{name} kept nothing aside: {report:?}"
        );
        assert!(
            cb.rebuild(&mut |_| {}).unwrap().identical,
            "rebuilding {name}'s projections gives the live state"
        );
        dumps.push((
            name,
            casebook_store::dump::dump_replicated(cb.store().conn()).unwrap(),
        ));
    }
    for (name, dump) in &dumps[1..] {
        let differ: Vec<(&str, &str)> = dump
            .lines()
            .zip(dumps[0].1.lines())
            .filter(|(a, b)| a != b)
            .take(4)
            .collect();
        assert!(
            dump == &dumps[0].1,
            "{name} and {} hold the same state; first differences: {differ:#?}",
            dumps[0].0
        );
    }
}

fn incidents_of(log: &[EventRow]) -> Vec<IncidentId> {
    let mut ids: Vec<IncidentId> = log.iter().filter_map(|r| r.incident).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
