//! How times, durations and sizes are written in the report.

use chrono::{DateTime, Utc};

/// `2024-03-05 14:22:10 UTC`.
pub(crate) fn time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `2024-03-05 14:22:10`, for table columns whose header already says UTC.
pub(crate) fn utc(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An optional time, or an em dash.
pub(crate) fn maybe_time(at: Option<&DateTime<Utc>>) -> String {
    at.map(time).unwrap_or_else(|| "—".to_string())
}

/// An optional time without the zone suffix, or an em dash.
pub(crate) fn maybe_utc(at: Option<&DateTime<Utc>>) -> String {
    at.map(utc).unwrap_or_else(|| "—".to_string())
}

/// `2 d 4 h`, `3 h 15 min`, `45 s`; negative durations (clock skew in the source data) keep their sign.
pub(crate) fn duration(secs: i64) -> String {
    let sign = if secs < 0 { "−" } else { "" };
    let s = secs.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    let body = if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {sec} s")
    } else {
        format!("{sec} s")
    };
    format!("{sign}{body}")
}

/// An optional duration, or an em dash.
pub(crate) fn maybe_duration(secs: Option<i64>) -> String {
    secs.map(duration).unwrap_or_else(|| "—".to_string())
}

/// `1.5 MiB (1,572,864 bytes)`.
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} bytes", grouped(bytes))
    } else {
        format!("{value:.1} {} ({} bytes)", UNITS[unit], grouped(bytes))
    }
}

/// `1,572,864`.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(45), "45 s", "seconds only");
        assert_eq!(
            duration(3 * 3600 + 15 * 60),
            "3 h 15 min",
            "hours and minutes"
        );
        assert_eq!(
            duration(2 * 86_400 + 4 * 3600 + 59),
            "2 d 4 h",
            "days drop minutes"
        );
        assert_eq!(
            duration(-90),
            "−1 min 30 s",
            "negative durations keep a sign"
        );
    }

    #[test]
    fn sizes_show_unit_and_exact_bytes() {
        assert_eq!(size(512), "512 bytes", "small sizes stay in bytes");
        assert_eq!(
            size(1_572_864),
            "1.5 MiB (1,572,864 bytes)",
            "large sizes show both forms"
        );
    }
}
