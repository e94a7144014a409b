//! A bar chart of timeline activity over time, drawn with plain rectangles.
//!
//! Bucket width is picked from a list of round durations so the axis labels read naturally ("per hour", "per day").

use chrono::{DateTime, Utc};

use super::typesetter::{Colour, Typesetter, CONTENT_WIDTH, MARGIN_X};
use crate::fonts::FontFace;
use crate::model::TimelineEntry;

const MAX_BUCKETS: i64 = 48;
const CHART_HEIGHT: f32 = 120.0;

const BUCKETS: [(i64, &str); 12] = [
    (60, "minute"),
    (5 * 60, "5 minutes"),
    (15 * 60, "15 minutes"),
    (3600, "hour"),
    (3 * 3600, "3 hours"),
    (6 * 3600, "6 hours"),
    (12 * 3600, "12 hours"),
    (86_400, "day"),
    (2 * 86_400, "2 days"),
    (7 * 86_400, "week"),
    (30 * 86_400, "30 days"),
    (365 * 86_400, "year"),
];

/// Draws the chart at the cursor; does nothing for an empty timeline.
pub(crate) fn activity_chart(ts: &mut Typesetter<'_>, entries: &[TimelineEntry]) {
    let (Some(start), Some(end)) = (
        entries.iter().map(|e| e.event_time).min(),
        entries.iter().map(|e| e.event_time).max(),
    ) else {
        ts.paragraph(
            "The timeline has no entries.",
            FontFace::Regular,
            Colour::MUTED,
        );
        return;
    };
    let span = (end - start).num_seconds().max(1);
    let (bucket_secs, bucket_name) = BUCKETS
        .iter()
        .copied()
        .find(|(secs, _)| span / secs < MAX_BUCKETS)
        .unwrap_or(BUCKETS[BUCKETS.len() - 1]);
    // Align the first bucket to a multiple of its width so bars start on round times.
    let origin = start.timestamp() - start.timestamp().rem_euclid(bucket_secs);
    let count = ((end.timestamp() - origin) / bucket_secs + 1).max(1) as usize;
    let mut key = vec![0_u32; count];
    let mut other = vec![0_u32; count];
    for entry in entries {
        let index = ((entry.event_time.timestamp() - origin) / bucket_secs) as usize;
        let index = index.min(count - 1);
        if entry.key_event {
            key[index] += 1;
        } else {
            other[index] += 1;
        }
    }
    let peak = key
        .iter()
        .zip(&other)
        .map(|(k, o)| k + o)
        .max()
        .unwrap_or(1)
        .max(1);

    ts.ensure(CHART_HEIGHT + 60.0);
    let caption = format!("Timeline entries per {bucket_name} (UTC). Peak: {peak}.");
    ts.paragraph(&caption, FontFace::Regular, Colour::MUTED);

    let axis_x = MARGIN_X + 28.0;
    let plot_width = CONTENT_WIDTH - 28.0;
    let top = ts.y + 4.0;
    let base = top + CHART_HEIGHT;
    let slot = plot_width / count as f32;
    let bar = (slot * 0.75).max(0.5);
    ts.rule(axis_x, top, axis_x, base, 0.6, Colour::MUTED);
    ts.rule(axis_x, base, axis_x + plot_width, base, 0.6, Colour::MUTED);
    ts.rule(axis_x - 3.0, top, axis_x, top, 0.6, Colour::MUTED);
    ts.text(
        MARGIN_X,
        top + 3.0,
        FontFace::Regular,
        7.0,
        Colour::MUTED,
        &peak.to_string(),
    );
    ts.text(MARGIN_X, base, FontFace::Regular, 7.0, Colour::MUTED, "0");
    for i in 0..count {
        let x = axis_x + i as f32 * slot + (slot - bar) / 2.0;
        let other_h = CHART_HEIGHT * other[i] as f32 / peak as f32;
        let key_h = CHART_HEIGHT * key[i] as f32 / peak as f32;
        if other_h > 0.0 {
            ts.rect(x, base - other_h, bar, other_h, Colour(0x8F, 0xA8, 0xC8));
        }
        if key_h > 0.0 {
            ts.rect(
                x,
                base - other_h - key_h,
                bar,
                key_h,
                Colour(0xE0, 0x8A, 0x00),
            );
        }
    }
    let label = |secs: i64| -> String {
        DateTime::<Utc>::from_timestamp(secs, 0)
            .map(|t| {
                if bucket_secs >= 86_400 {
                    t.format("%Y-%m-%d").to_string()
                } else {
                    t.format("%m-%d %H:%M").to_string()
                }
            })
            .unwrap_or_default()
    };
    let first_label = label(origin);
    let last_start = origin + (count as i64 - 1) * bucket_secs;
    let last_label = label(last_start);
    let label_y = base + 10.0;
    ts.text(
        axis_x,
        label_y,
        FontFace::Regular,
        7.0,
        Colour::MUTED,
        &first_label,
    );
    if count > 1 {
        let width = ts.fonts.width(FontFace::Regular, 7.0, &last_label);
        ts.text(
            axis_x + plot_width - width,
            label_y,
            FontFace::Regular,
            7.0,
            Colour::MUTED,
            &last_label,
        );
    }
    // Legend.
    let legend_y = label_y + 14.0;
    ts.rect(axis_x, legend_y - 7.0, 8.0, 8.0, Colour(0xE0, 0x8A, 0x00));
    ts.text(
        axis_x + 12.0,
        legend_y,
        FontFace::Regular,
        7.5,
        Colour::INK,
        "Key events",
    );
    ts.rect(
        axis_x + 80.0,
        legend_y - 7.0,
        8.0,
        8.0,
        Colour(0x8F, 0xA8, 0xC8),
    );
    ts.text(
        axis_x + 92.0,
        legend_y,
        FontFace::Regular,
        7.5,
        Colour::INK,
        "Other entries",
    );
    ts.y = legend_y + 14.0;
}
