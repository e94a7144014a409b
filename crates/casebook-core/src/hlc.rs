//! The hybrid logical clock that orders every event totally across devices.
//!
//! A timestamp is (wall time in microseconds, counter, device). It never goes backwards on one device even when the
//! wall clock does, and it moves past every timestamp the device has seen from others, so "later by HLC" respects
//! causality. The device id breaks ties, which makes the order total.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::DeviceId;

/// How far ahead of the time it was received a clock may run before its event is flagged: such an event never moves
/// the local clock, and its last-writer-wins claims rank below every ordinary claim, so one fast (or forged) clock
/// cannot win every later edit.
pub const MAX_AHEAD_MICROS: i64 = 10 * 60 * 1_000_000;

/// Whether a remote timestamp runs further ahead of `wall_now_micros` than clocks are allowed to drift.
pub fn is_far_ahead(remote: Hlc, wall_now_micros: i64) -> bool {
    remote.wall_micros > wall_now_micros.saturating_add(MAX_AHEAD_MICROS)
}

/// Whether an arriving event is flagged for a clock far ahead. An event that came through the team server is judged
/// against the server's receipt time of it: the server's clock is the team's reference, and that time is the same
/// for every replica, however early or late the event reached each one, so all of them flag it alike. An event
/// known only locally (read from a bundle, not yet relayed) is judged against this replica's clock on arrival until
/// the server's copy arrives.
pub fn is_far_ahead_on_arrival(
    remote: Hlc,
    server_received_micros: Option<i64>,
    wall_now_micros: i64,
) -> bool {
    is_far_ahead(remote, server_received_micros.unwrap_or(wall_now_micros))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Hlc {
    /// Microseconds since the Unix epoch.
    pub wall_micros: i64,
    pub counter: u32,
    pub device: DeviceId,
}

impl Hlc {
    /// The smallest timestamp of a device: the clock before its first event.
    pub fn zero(device: DeviceId) -> Self {
        Hlc {
            wall_micros: 0,
            counter: 0,
            device,
        }
    }

    /// The next timestamp for a local event, given the previous one of this device and the wall clock now.
    pub fn tick(previous: Hlc, wall_now_micros: i64) -> Hlc {
        if wall_now_micros > previous.wall_micros {
            Hlc {
                wall_micros: wall_now_micros,
                counter: 0,
                device: previous.device,
            }
        } else {
            Hlc {
                wall_micros: previous.wall_micros,
                counter: previous.counter.saturating_add(1),
                device: previous.device,
            }
        }
    }

    /// The local clock after seeing a remote timestamp: later than both, so the next local event sorts after it.
    pub fn observe(local: Hlc, remote: Hlc, wall_now_micros: i64) -> Hlc {
        let wall = local
            .wall_micros
            .max(remote.wall_micros)
            .max(wall_now_micros);
        let counter = if wall == local.wall_micros && wall == remote.wall_micros {
            local.counter.max(remote.counter).saturating_add(1)
        } else if wall == local.wall_micros {
            local.counter.saturating_add(1)
        } else if wall == remote.wall_micros {
            remote.counter.saturating_add(1)
        } else {
            0
        };
        Hlc {
            wall_micros: wall,
            counter,
            device: local.device,
        }
    }

    /// The largest timestamp whose wall time is `wall_micros`: an upper bound for "everything up to then".
    pub fn ceiling(wall_micros: i64) -> Hlc {
        Hlc {
            wall_micros,
            counter: u32::MAX,
            device: DeviceId(Uuid::max()),
        }
    }

    /// The wall-clock part as a UTC time (for display; ordering uses the whole timestamp).
    pub fn wall_time(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.wall_micros).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// A fixed-width text form whose byte order is the clock's order, so SQLite can sort and compare it as TEXT.
    pub fn encode(&self) -> String {
        // The offset keeps negative wall times (clocks before 1970) sortable as unsigned hex.
        let wall = (self.wall_micros as i128 + i64::MAX as i128 + 1) as u64;
        format!(
            "{:016x}-{:08x}-{}",
            wall,
            self.counter,
            self.device.0.simple()
        )
    }
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall_micros, self.counter, self.device).cmp(&(
            other.wall_micros,
            other.counter,
            other.device,
        ))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// A text that is not an encoded HLC.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a hybrid logical clock timestamp")]
pub struct BadHlc(String);

impl FromStr for Hlc {
    type Err = BadHlc;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadHlc(s.to_string());
        let mut parts = s.splitn(3, '-');
        let wall = parts.next().ok_or_else(bad)?;
        let counter = parts.next().ok_or_else(bad)?;
        let device = parts.next().ok_or_else(bad)?;
        if wall.len() != 16 || counter.len() != 8 {
            return Err(bad());
        }
        let wall = u64::from_str_radix(wall, 16).map_err(|_| bad())?;
        let counter = u32::from_str_radix(counter, 16).map_err(|_| bad())?;
        let device = Uuid::parse_str(device).map_err(|_| bad())?;
        let wall_micros = (wall as i128 - i64::MAX as i128 - 1) as i64;
        Ok(Hlc {
            wall_micros,
            counter,
            device: DeviceId(device),
        })
    }
}

impl From<Hlc> for String {
    fn from(h: Hlc) -> String {
        h.encode()
    }
}

impl TryFrom<String> for Hlc {
    type Error = BadHlc;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dev(n: u128) -> DeviceId {
        DeviceId(Uuid::from_u128(n))
    }

    #[test]
    fn the_servers_receipt_time_decides_whatever_the_local_clock_says() {
        let remote = Hlc {
            wall_micros: 60 * 60 * 1_000_000,
            counter: 0,
            device: dev(2),
        };
        let received = Some(remote.wall_micros - MAX_AHEAD_MICROS - 1);
        for local in [0, remote.wall_micros, i64::MAX] {
            assert!(
                is_far_ahead_on_arrival(remote, received, local),
                "a clock far ahead of the server's receipt is flagged on every replica (local clock {local})"
            );
            assert!(
                !is_far_ahead_on_arrival(remote, Some(remote.wall_micros), local),
                "a clock the server found right is never flagged (local clock {local})"
            );
        }
        assert!(
            is_far_ahead_on_arrival(remote, None, 0),
            "without the server's receipt time, the local clock judges"
        );
        assert!(!is_far_ahead_on_arrival(remote, None, remote.wall_micros));
    }

    #[test]
    fn tick_never_goes_backwards_when_the_wall_clock_does() {
        let a = Hlc::tick(Hlc::zero(dev(1)), 1_000);
        let b = Hlc::tick(a, 500);
        assert!(b > a, "a clock set back must not reorder a device's events");
        assert_eq!(b.wall_micros, 1_000);
        assert_eq!(b.counter, 1);
    }

    #[test]
    fn observe_moves_past_a_remote_clock_that_runs_ahead() {
        let local = Hlc::tick(Hlc::zero(dev(1)), 1_000);
        let remote = Hlc {
            wall_micros: 9_000,
            counter: 4,
            device: dev(2),
        };
        let after = Hlc::observe(local, remote, 2_000);
        let next = Hlc::tick(after, 2_000);
        assert!(
            next > remote,
            "an edit made after seeing a remote one must win over it by HLC"
        );
    }

    proptest! {
        #[test]
        fn encoding_preserves_order(a in any::<i64>(), ac in any::<u32>(), b in any::<i64>(), bc in any::<u32>(), d1 in 0u128..4, d2 in 0u128..4) {
            let x = Hlc { wall_micros: a, counter: ac, device: dev(d1) };
            let y = Hlc { wall_micros: b, counter: bc, device: dev(d2) };
            prop_assert_eq!(x.cmp(&y), x.encode().cmp(&y.encode()));
            prop_assert_eq!(x.encode().parse::<Hlc>().unwrap(), x);
        }
    }
}
