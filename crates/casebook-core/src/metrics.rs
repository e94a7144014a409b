//! Response metrics derived from an incident's key times: time to detect (occurred → detected), time to contain
//! (detected → contained) and time to resolve (detected → resolved). A metric whose times are missing, or run
//! backwards because a clock lied, is absent rather than negative.

use chrono::{DateTime, Utc};

/// The key times of one incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyTimes {
    pub occurred: Option<DateTime<Utc>>,
    pub detected: Option<DateTime<Utc>>,
    pub reported: Option<DateTime<Utc>>,
    pub contained: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
}

/// The derived durations, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseMetrics {
    pub time_to_detect: Option<i64>,
    pub time_to_contain: Option<i64>,
    pub time_to_resolve: Option<i64>,
}

fn between(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<i64> {
    let secs = (b? - a?).num_seconds();
    (secs >= 0).then_some(secs)
}

impl KeyTimes {
    pub fn metrics(&self) -> ResponseMetrics {
        ResponseMetrics {
            time_to_detect: between(self.occurred, self.detected),
            time_to_contain: between(self.detected, self.contained),
            time_to_resolve: between(self.detected, self.resolved),
        }
    }
}

/// Formats seconds as a short duration for people: `45s`, `12m`, `3h 05m`, `2d 04h`.
pub fn human_duration(secs: i64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3_600,
        secs % 3_600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m"),
        (0, _, _) => format!("{h}h {m:02}m"),
        _ => format!("{d}d {h:02}h"),
    }
}

/// The median and the 90th percentile of some durations (nearest rank), for per-severity summaries.
pub fn median_and_p90(values: &mut [i64]) -> Option<(i64, i64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank =
        |p: f64| values[((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
    Some((rank(0.5), rank(0.9)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(1_800_000_000 + h * 3600, 0)
    }

    #[test]
    fn metrics_follow_the_key_times() {
        let k = KeyTimes {
            occurred: t(0),
            detected: t(2),
            contained: t(5),
            resolved: t(26),
            reported: None,
        };
        let m = k.metrics();
        assert_eq!(m.time_to_detect, Some(7_200));
        assert_eq!(m.time_to_contain, Some(10_800));
        assert_eq!(m.time_to_resolve, Some(86_400));
    }

    #[test]
    fn a_backwards_pair_gives_no_metric() {
        let k = KeyTimes {
            occurred: t(3),
            detected: t(2),
            ..Default::default()
        };
        assert_eq!(
            k.metrics().time_to_detect,
            None,
            "a lying clock must not produce a negative duration"
        );
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(3 * 3600 + 5 * 60), "3h 05m");
        assert_eq!(human_duration(2 * 86_400 + 4 * 3600), "2d 04h");
        assert_eq!(
            median_and_p90(&mut [5, 1, 3, 2, 4, 10, 9, 8, 7, 6]),
            Some((5, 9))
        );
    }
}
