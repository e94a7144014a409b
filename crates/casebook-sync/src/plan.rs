//! The sync planner: a pure function, so every case (a fresh laptop, a hole in the middle of a device's events, a
//! server restored from an older backup) is a unit test with no network.
//!
//! Push is decided per device by *contiguous frontiers*: the server says, for each device, the sequence up to which
//! it holds (or has settled) every event; the laptop pushes each of its own devices' events after that. A hole on
//! the server (events 1–5 and 7–9 held, 6 lost) keeps the frontier at 5, so 6 is pushed again (7–9 come back as
//! duplicates, harmlessly). Pull is by the server's position cursor; a new epoch (a restore) or a head behind the
//! cursor starts it again from zero.

use std::collections::BTreeMap;

use casebook_core::DeviceId;
use casebook_protocol::Frontiers;
use uuid::Uuid;

/// Where this laptop's pull stands: the server epoch it was read in and the last position applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    pub epoch: Option<Uuid>,
    pub position: u64,
}

/// One device's events to push: sequences `after + 1 ..= through`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushRange {
    pub device: DeviceId,
    pub after: u64,
    pub through: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub push: Vec<PushRange>,
    /// Pull from here (exclusive).
    pub pull_after: u64,
    /// The server is not the one the cursor was read from (new epoch, or it lost events): everything is pulled
    /// again, and pushes recover what it lost.
    pub restarted: bool,
}

/// Decides what to push and where to pull from.
///
/// `local` holds, for each device whose events this laptop may push (its own), the contiguous head it holds.
pub fn plan(local: &BTreeMap<DeviceId, u64>, cursor: Cursor, remote: &Frontiers) -> Plan {
    let remote_at: BTreeMap<DeviceId, u64> = remote
        .devices
        .iter()
        .map(|f| (f.device, f.contiguous))
        .collect();
    let push = local
        .iter()
        .filter_map(|(&device, &held)| {
            let after = remote_at.get(&device).copied().unwrap_or(0);
            (held > after).then_some(PushRange {
                device,
                after,
                through: held,
            })
        })
        .collect();
    let restarted =
        cursor.epoch.is_some_and(|e| e != remote.epoch) || remote.head < cursor.position;
    Plan {
        push,
        pull_after: if restarted { 0 } else { cursor.position },
        restarted,
    }
}

#[cfg(test)]
mod tests {
    use casebook_protocol::Frontier;

    use super::*;

    fn dev(n: u128) -> DeviceId {
        DeviceId(Uuid::from_u128(n))
    }

    fn remote(epoch: Uuid, head: u64, devices: &[(u128, u64)]) -> Frontiers {
        Frontiers {
            epoch,
            head,
            devices: devices
                .iter()
                .map(|&(d, c)| Frontier {
                    device: dev(d),
                    contiguous: c,
                })
                .collect(),
        }
    }

    #[test]
    fn a_fresh_laptop_pushes_everything_and_pulls_from_the_start() {
        let e = Uuid::from_u128(9);
        let p = plan(
            &BTreeMap::from([(dev(1), 3)]),
            Cursor::default(),
            &remote(e, 40, &[(2, 40)]),
        );
        assert_eq!(
            p.push,
            vec![PushRange {
                device: dev(1),
                after: 0,
                through: 3
            }]
        );
        assert_eq!((p.pull_after, p.restarted), (0, false));
    }

    #[test]
    fn a_hole_in_the_middle_is_pushed_again_from_the_frontier() {
        let e = Uuid::from_u128(9);
        // The server holds 1–5 and 7–9 of device 1: its frontier stops at 5.
        let p = plan(
            &BTreeMap::from([(dev(1), 9)]),
            Cursor {
                epoch: Some(e),
                position: 30,
            },
            &remote(e, 30, &[(1, 5)]),
        );
        assert_eq!(
            p.push,
            vec![PushRange {
                device: dev(1),
                after: 5,
                through: 9
            }],
            "6 must be pushed again"
        );
        assert_eq!(p.pull_after, 30);
    }

    #[test]
    fn nothing_to_push_when_the_server_holds_all() {
        let e = Uuid::from_u128(9);
        let p = plan(
            &BTreeMap::from([(dev(1), 4)]),
            Cursor {
                epoch: Some(e),
                position: 7,
            },
            &remote(e, 9, &[(1, 4)]),
        );
        assert!(p.push.is_empty());
        assert_eq!(p.pull_after, 7);
    }

    #[test]
    fn a_new_epoch_pulls_again_from_zero() {
        let old = Uuid::from_u128(1);
        let new = Uuid::from_u128(2);
        let p = plan(
            &BTreeMap::from([(dev(1), 4)]),
            Cursor {
                epoch: Some(old),
                position: 70,
            },
            &remote(new, 90, &[(1, 2)]),
        );
        assert!(p.restarted);
        assert_eq!(p.pull_after, 0);
        assert_eq!(
            p.push,
            vec![PushRange {
                device: dev(1),
                after: 2,
                through: 4
            }],
            "what the backup lost goes up again"
        );
    }

    #[test]
    fn a_server_behind_the_cursor_is_treated_as_restored() {
        let e = Uuid::from_u128(1);
        let p = plan(
            &BTreeMap::new(),
            Cursor {
                epoch: Some(e),
                position: 70,
            },
            &remote(e, 50, &[]),
        );
        assert!(
            p.restarted,
            "a head behind the cursor means the server lost events"
        );
        assert_eq!(p.pull_after, 0);
    }
}
