//! The alert projections under the merge contract: random raises (re-sent ones, and ones whose first raise by HLC
//! arrives late), group dismissals, promotions and merges from three devices, delivered in any order with duplicates,
//! give the same alerts, groups and conflicts everywhere, and rebuilding gives them again. The groups are checked
//! against their definition (runs of one rule and key observable with gaps of at most 24 hours), and a promotion
//! wins over a concurrent dismissal of its group, which stays as a conflict.

use std::collections::BTreeMap;

use casebook_core::alert::{
    alert_id, AlertObservable, AlertState, AlertVerdict, NewAlert, GROUP_GAP_MICROS,
};
use casebook_core::event::EventBody;
use casebook_core::model::{ObservableKind, Severity, Tier, Tlp};
use casebook_core::*;
use casebook_store::read::{self, AlertQuery};
use casebook_store::{dump::dump, rebuild::rebuild, Store};
use proptest::prelude::*;
use uuid::Uuid;

use crate::{arrive, key, receiver_with_directory};

const DEVICES: u128 = 3;
const INCIDENT: IncidentId = IncidentId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_abcd));
const HOUR: i64 = 3_600_000_000;

fn device(d: u128) -> DeviceId {
    DeviceId(Uuid::from_u128(d + 1))
}

fn user(d: u128) -> UserId {
    UserId(Uuid::from_u128(100 + d))
}

/// An alert of rule `rule` about address `addr`, seen `hours` hours into the day, with a source id `n`.
fn new_alert(n: u8, rule: u8, addr: u8, hours: i64) -> NewAlert {
    let source_id = format!("a-{n}");
    NewAlert {
        alert: alert_id("test-siem", &source_id),
        source: "test-siem".into(),
        source_id,
        format: "generic".into(),
        rule_name: Some(format!("rule {rule}")),
        rule_id: Some(format!("R{rule}")),
        severity: if n.is_multiple_of(2) {
            Severity::Sev2
        } else {
            Severity::Sev4
        },
        source_severity: None,
        event_time: chrono::DateTime::from_timestamp_micros(1_800_000_000_000_000 + hours * HOUR),
        raised_at: None,
        received_at: chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap(),
        title: format!("alert {n}"),
        description: String::new(),
        host: None,
        user: None,
        source_ip: None,
        source_port: None,
        destination_ip: None,
        destination_port: None,
        observables: vec![AlertObservable {
            kind: ObservableKind::Ipv4,
            value: format!("10.0.0.{addr}"),
        }],
        raw: format!("{{\"n\":{n}}}"),
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Raise alert n (rule, address, hour); raising an n again is a re-send, perhaps with another time.
    Raise(u8, u8, u8, u8),
    /// Dismiss the alerts whose n is in the set (as a group is dismissed).
    Dismiss(Vec<u8>, u8),
    Promote(u8),
    Merge(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..12, 0u8..2, 0u8..2, 0u8..96).prop_map(|(n, r, a, h)| Op::Raise(n, r, a, h)),
        1 => (prop::collection::vec(0u8..12, 1..4), 0u8..3).prop_map(|(v, k)| Op::Dismiss(v, k)),
        1 => (0u8..12).prop_map(Op::Promote),
        1 => (0u8..12).prop_map(Op::Merge),
    ]
}

struct Log {
    events: Vec<Event>,
    seqs: [u64; DEVICES as usize],
    heads: [Option<String>; DEVICES as usize],
    n: u128,
}

impl Log {
    fn push(&mut self, dev: u128, wall: i64, incident: Option<IncidentId>, payload: Payload) {
        self.n += 1;
        let i = dev as usize;
        self.seqs[i] += 1;
        let body = EventBody {
            id: EventId(Uuid::from_u128(0x1000 + self.n)),
            incident,
            author: user(dev),
            device: device(dev),
            device_seq: self.seqs[i],
            hlc: Hlc {
                wall_micros: wall,
                counter: self.seqs[i] as u32,
                device: device(dev),
            },
            payload,
        };
        let e = Event::seal_signed(body, self.heads[i].clone(), &key(device(dev)));
        self.heads[i] = Some(e.hash.clone());
        self.events.push(e);
    }
}

fn history(ops: &[(u8, u8, Op)]) -> Vec<Event> {
    let mut log = Log {
        events: vec![],
        seqs: [0; DEVICES as usize],
        heads: Default::default(),
        n: 0,
    };
    for d in 0..DEVICES {
        log.push(
            d,
            0,
            None,
            Payload::DeviceBound {
                device: device(d),
                user: user(d),
                public_key: key(device(d)).public().to_hex(),
            },
        );
    }
    log.push(
        0,
        1,
        Some(INCIDENT),
        Payload::IncidentOpened {
            key: casebook_core::key::incident_key(INCIDENT),
            title: "from an alert".into(),
            summary: String::new(),
            severity: Severity::Sev2,
            tlp: Tlp::Amber,
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
    let id = |n: u8| alert_id("test-siem", &format!("a-{n}"));
    for (dev, wall, op) in ops {
        let dev = u128::from(*dev) % DEVICES;
        let wall = i64::from(*wall) * 60_000_000 + 2;
        match op {
            Op::Raise(n, r, a, h) => log.push(
                dev,
                wall,
                None,
                Payload::AlertRaised(new_alert(*n, *r, *a, i64::from(*h))),
            ),
            Op::Dismiss(ns, k) => log.push(
                dev,
                wall,
                None,
                Payload::AlertTriaged {
                    alerts: ns.iter().map(|n| id(*n)).collect(),
                    verdict: AlertVerdict::ALL[usize::from(*k) % 3],
                    reason: format!("reason {k}"),
                },
            ),
            Op::Promote(n) => log.push(
                dev,
                wall,
                Some(INCIDENT),
                Payload::AlertPromoted { alert: id(*n) },
            ),
            Op::Merge(n) => log.push(
                dev,
                wall,
                Some(INCIDENT),
                Payload::AlertMerged { alert: id(*n) },
            ),
        }
    }
    log.events
}

fn store_with(events: &[Event]) -> (tempfile::TempDir, Store) {
    let leads: Vec<UserId> = (0..DEVICES).map(user).collect();
    let devices: Vec<DeviceId> = (0..DEVICES).map(device).collect();
    let (dir, mut store) = receiver_with_directory(&devices, &leads);
    arrive(&mut store, events);
    let refused: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM refused_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(refused, 0, "every event of the history is valid");
    (dir, store)
}

/// The groups by their definition, from the alerts as the store holds them: (rule, key) runs sorted by (time, id)
/// split where two neighbours are more than 24 hours apart, each named by its first alert.
fn expected_groups(store: &Store) -> BTreeMap<String, String> {
    let mut rows: Vec<(String, String, i64, String)> = store
        .conn()
        .prepare("SELECT rule_key, key_observable, seen_us, id FROM alerts ORDER BY rule_key, key_observable, seen_us, id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = BTreeMap::new();
    let mut run: Option<(String, String, i64, String)> = None;
    for (rule, key, seen, id) in rows.drain(..) {
        let group = match &run {
            Some((r, k, last, g)) if *r == rule && *k == key && seen - last <= GROUP_GAP_MICROS => {
                g.clone()
            }
            _ => id.clone(),
        };
        run = Some((rule, key, seen, group.clone()));
        out.insert(id, group);
    }
    out
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut state = seed | 1;
    for i in (1..v.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        v.swap(i, (state % (i as u64 + 1)) as usize);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn alerts_groups_and_triage_converge_in_any_order(
        ops in prop::collection::vec((0u8..3, 2u8..60, op()), 1..40),
        seed in any::<u64>(),
    ) {
        let events = history(&ops);
        let (_a, mut in_order) = store_with(&events);
        let mut shuffled = events.clone();
        shuffle(&mut shuffled, seed);
        shuffled.extend(events.iter().rev().take(4).cloned());
        let (_b, reordered) = store_with(&shuffled);
        let live = dump(in_order.conn()).unwrap();
        prop_assert_eq!(&live, &dump(reordered.conn()).unwrap(), "the same alert events in another order must give the same queue");
        rebuild(&mut in_order, |_| {}).unwrap();
        prop_assert_eq!(&live, &dump(in_order.conn()).unwrap(), "rebuilding must give the live queue");

        let held: BTreeMap<String, String> = reordered
            .conn()
            .prepare("SELECT id, group_id FROM alerts")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(&held, &expected_groups(&reordered), "groups are runs of one rule and key within 24 hours");
        let raised: std::collections::BTreeSet<AlertId> = events
            .iter()
            .filter_map(|e| match &e.body.payload {
                Payload::AlertRaised(a) => Some(a.alert),
                _ => None,
            })
            .collect();
        prop_assert_eq!(held.len(), raised.len(), "a re-sent alert is never a new row");
        // Each group row counts its alerts.
        let counts: Vec<(i64, i64, i64, i64)> = reordered
            .conn()
            .prepare(
                "SELECT g.alerts, (SELECT count(*) FROM alerts a WHERE a.group_id = g.id), g.new_alerts,
                 (SELECT count(*) FROM alerts a WHERE a.group_id = g.id AND a.state = 'new') FROM alert_groups g",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (n, real, new, real_new) in counts {
            prop_assert_eq!((n, new), (real, real_new), "a group's counts are its alerts'");
        }
        let groups: i64 = reordered.conn().query_row("SELECT count(DISTINCT group_id) FROM alerts", [], |r| r.get(0)).unwrap();
        let rows: i64 = reordered.conn().query_row("SELECT count(*) FROM alert_groups", [], |r| r.get(0)).unwrap();
        prop_assert_eq!(groups, rows, "one queue row per group, none left over");
        // A promotion or merge, when there is one, decides the alert.
        for a in &raised {
            let first_incident = events
                .iter()
                .filter(|e| matches!(e.body.payload, Payload::AlertPromoted { alert } | Payload::AlertMerged { alert } if alert == *a))
                .min_by_key(|e| (e.body.hlc, e.body.id));
            let view = read::alert(reordered.conn(), *a).unwrap();
            if let Some(e) = first_incident {
                let want = if matches!(e.body.payload, Payload::AlertPromoted { .. }) { AlertState::Promoted } else { AlertState::Merged };
                prop_assert_eq!(view.state, want);
                prop_assert_eq!(view.incident, Some(INCIDENT));
            }
        }
    }
}

#[test]
fn a_group_dismissed_on_one_laptop_while_another_promotes_one_of_its_alerts_converges_with_the_conflict_shown(
) {
    let a = |n| new_alert(n, 0, 0, i64::from(n));
    let group: Vec<AlertId> = (0..3).map(|n| a(n).alert).collect();
    let ops = vec![
        (0, 3, Op::Raise(0, 0, 0, 0)),
        (0, 3, Op::Raise(1, 0, 0, 1)),
        (0, 3, Op::Raise(2, 0, 0, 2)),
        // Laptop 1 dismisses the whole group; laptop 2, not having seen that, promotes the middle alert.
        (1, 5, Op::Dismiss(vec![0, 1, 2], 0)),
        (2, 5, Op::Promote(1)),
    ];
    let events = history(&ops);
    let (_x, one) = store_with(&events);
    let mut reversed = events.clone();
    reversed.reverse();
    let (_y, two) = store_with(&reversed);
    assert_eq!(
        dump(one.conn()).unwrap(),
        dump(two.conn()).unwrap(),
        "both laptops end in the same state"
    );
    let queue = read::alert_groups(
        two.conn(),
        &AlertQuery {
            limit: 10,
            ..AlertQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        queue.len(),
        1,
        "three alerts of one rule and address within a day are one row: {queue:?}"
    );
    assert_eq!((queue[0].alerts, queue[0].new_alerts), (3, 0));
    let states: Vec<AlertState> = group
        .iter()
        .map(|id| read::alert(two.conn(), *id).unwrap().state)
        .collect();
    assert_eq!(
        states,
        vec![
            AlertState::FalsePositive,
            AlertState::Promoted,
            AlertState::FalsePositive
        ],
        "the promotion wins over the concurrent dismissal; the rest of the group stays dismissed"
    );
    let conflicts = read::alert_conflicts(two.conn()).unwrap();
    assert_eq!(
        conflicts.len(),
        1,
        "the dismissal that lost is an open conflict: {conflicts:?}"
    );
    assert_eq!(conflicts[0].0, group[1]);
    assert_eq!(conflicts[0].1.state, AlertState::FalsePositive);
    assert_eq!(conflicts[0].1.author, user(1));
}

#[test]
fn the_first_raise_by_clock_gives_the_facts_and_a_late_one_moves_the_alert_between_groups() {
    // The same alert raised twice: device 1 first (by HLC) with another time, device 0 later.
    let ops = vec![
        (0, 10, Op::Raise(0, 0, 0, 0)),
        (0, 10, Op::Raise(1, 0, 0, 60)),
        (1, 4, Op::Raise(1, 0, 0, 12)),
    ];
    let events = history(&ops);
    let (_x, store) = store_with(&events[..events.len() - 1]);
    let before = read::alert(store.conn(), new_alert(1, 0, 0, 0).alert).unwrap();
    assert_ne!(
        before.group,
        new_alert(0, 0, 0, 0).alert,
        "60 hours apart: two groups"
    );
    drop(store);
    let (_y, store) = store_with(&events);
    let after = read::alert(store.conn(), new_alert(1, 0, 0, 0).alert).unwrap();
    assert_eq!(after.raises, 2, "a re-sent alert counts another raise");
    assert_eq!(
        after.group,
        new_alert(0, 0, 0, 0).alert,
        "the earlier raise puts it 12 hours after alert 0: one group"
    );
    let rows = read::alert_groups(
        store.conn(),
        &AlertQuery {
            limit: 10,
            ..AlertQuery::default()
        },
    )
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].alerts, 2);
    assert_eq!(
        rows[0].severity,
        Severity::Sev2,
        "the worst severity of the group"
    );
}
