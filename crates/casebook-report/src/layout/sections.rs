//! Which sections each template has, and the cover, contents, summary, metrics and timeline sections.

use super::chart::activity_chart;
use super::format;
use super::sections_records as records;
use super::table::{Column, Piece, Row, Table};
use super::typesetter::{Colour, Typesetter, CONTENT_BOTTOM, CONTENT_TOP, CONTENT_WIDTH, MARGIN_X};
use super::wrap::wrap;
use super::ReportLayout;
use crate::fonts::{FontFace, FontSet};
use crate::model::{ReportCase, TimelineEntry};
use crate::options::{ReportOptions, ReportProgress, ReportStage, ReportTemplate};

/// Report progress every this many timeline entries; often enough for a smooth bar, rare enough to cost nothing.
const PROGRESS_EVERY: usize = 250;

pub(crate) fn compose(
    fonts: &FontSet,
    case: &ReportCase,
    options: &ReportOptions,
    content_digest: &str,
    progress: &mut dyn FnMut(ReportProgress),
) -> ReportLayout {
    let mut ts = Typesetter::new(fonts);
    cover(&mut ts, case, options, content_digest);
    let technical = options.template == ReportTemplate::Technical;
    let contents_page = technical.then(|| {
        ts.new_page();
        // Filled in at the end, once section pages are known; marking it full makes the first section start on the
        // next page instead of on this reserved one.
        ts.y = CONTENT_BOTTOM;
        ts.page_index()
    });

    let key_only = options.key_events_only || !technical;
    let titles: Vec<&str> = if technical {
        vec![
            "Executive summary",
            "Key metrics",
            "Timeline overview",
            if key_only {
                "Timeline (key events)"
            } else {
                "Timeline"
            },
            "Evidence register",
            "Observables",
            "Escalation history",
            "Tasks",
            "Root cause and lessons learned",
            "Sign-off",
        ]
    } else {
        vec![
            "Executive summary",
            "Key metrics",
            "Key events",
            "Evidence totals",
        ]
    };
    let numbered = |n: usize| format!("{}. {}", n + 1, titles[n]);

    ts.section(&numbered(0));
    ts.markdown(&case.summary_markdown);
    overview_facts(&mut ts, case);

    ts.section(&numbered(1));
    metrics(&mut ts, case);

    if technical {
        ts.section(&numbered(2));
        activity_chart(&mut ts, &case.timeline);
        ts.section(&numbered(3));
        timeline(&mut ts, &case.timeline, key_only, progress);
        ts.section(&numbered(4));
        records::evidence_register(&mut ts, &case.evidence);
        ts.section(&numbered(5));
        records::observables(&mut ts, &case.observables);
        ts.section(&numbered(6));
        records::escalations(&mut ts, &case.escalations);
        ts.section(&numbered(7));
        records::tasks(&mut ts, &case.tasks);
        ts.section(&numbered(8));
        ts.subheading("Root cause", 30.0);
        ts.markdown(&case.root_cause);
        ts.subheading("Lessons learned", 30.0);
        ts.markdown(&case.lessons_learned);
        ts.section(&numbered(9));
        records::sign_off(&mut ts, &case.sign_off);
    } else {
        ts.section(&numbered(2));
        timeline(&mut ts, &case.timeline, true, progress);
        ts.section(&numbered(3));
        records::evidence_totals(&mut ts, &case.evidence);
    }

    if let Some(page) = contents_page {
        contents(&mut ts, page);
    }
    ReportLayout {
        pages: ts.pages,
        sections: ts.sections,
    }
}

fn cover(
    ts: &mut Typesetter<'_>,
    case: &ReportCase,
    options: &ReportOptions,
    content_digest: &str,
) {
    ts.y = CONTENT_TOP + 40.0;
    let kind = match options.template {
        ReportTemplate::Technical => "POST-INCIDENT REPORT · TECHNICAL",
        ReportTemplate::Executive => "POST-INCIDENT REPORT · EXECUTIVE",
    };
    ts.text(MARGIN_X, ts.y, FontFace::Bold, 9.0, Colour::MUTED, kind);
    ts.y += 14.0;
    ts.rule(MARGIN_X, ts.y, MARGIN_X + 60.0, ts.y, 2.5, Colour::ACCENT);
    ts.y += 22.0;
    for line in wrap(ts.fonts, FontFace::Bold, 24.0, &case.title, CONTENT_WIDTH) {
        ts.y += 24.0;
        ts.text(MARGIN_X, ts.y, FontFace::Bold, 24.0, Colour::ACCENT, &line);
        ts.y += 6.0;
    }
    ts.y += 10.0;
    ts.text(
        MARGIN_X,
        ts.y + 12.0,
        FontFace::Mono,
        12.0,
        Colour::INK,
        &case.key,
    );
    ts.y += 34.0;

    let mut facts = Table::new(
        vec![
            Column {
                title: "Field",
                weight: 1.0,
            },
            Column {
                title: "Value",
                weight: 2.6,
            },
        ],
        false,
    );
    let mut fact = |ts: &mut Typesetter<'_>, label: &str, value: String| {
        let row = Row::new(vec![
            vec![Piece::new(label, FontFace::Bold, Colour::MUTED)],
            vec![Piece::plain(value)],
        ]);
        facts.row(ts, &row);
    };
    fact(ts, "Severity", case.severity.clone());
    fact(ts, "TLP marking", case.tlp.label().to_string());
    fact(ts, "Status", case.status.clone());
    fact(
        ts,
        "Resolution",
        case.resolution.clone().unwrap_or_else(|| "—".into()),
    );
    fact(
        ts,
        "Occurred",
        format::maybe_time(case.times.occurred.as_ref()),
    );
    fact(
        ts,
        "Detected",
        format::maybe_time(case.times.detected.as_ref()),
    );
    fact(ts, "Reported", format::time(&case.times.reported));
    fact(
        ts,
        "Contained",
        format::maybe_time(case.times.contained.as_ref()),
    );
    fact(
        ts,
        "Resolved",
        format::maybe_time(case.times.resolved.as_ref()),
    );
    fact(ts, "Authors", join_or_dash(&case.authors));
    fact(ts, "Exported", format::time(&options.exported_at));
    ts.space(18.0);

    ts.text(
        MARGIN_X,
        ts.y + 9.0,
        FontFace::Bold,
        9.0,
        Colour::ACCENT,
        "Content digest (SHA-256)",
    );
    ts.y += 16.0;
    ts.rect(MARGIN_X, ts.y, CONTENT_WIDTH, 22.0, Colour::ZEBRA);
    ts.text(
        MARGIN_X + 8.0,
        ts.y + 14.5,
        FontFace::Mono,
        9.0,
        Colour::INK,
        content_digest,
    );
    ts.y += 30.0;
    ts.paragraph_at(
        MARGIN_X,
        CONTENT_WIDTH,
        "This digest identifies the exact case data the report was built from. That data is attached to this PDF \
         as a JSON bundle, so the report can be checked at any time: re-computing the digest and re-rendering the \
         report from the attachment must give this file byte for byte.",
        FontFace::Regular,
        8.0,
        Colour::MUTED,
    );
}

fn contents(ts: &mut Typesetter<'_>, page: usize) {
    let entries: Vec<(String, usize)> = ts
        .sections
        .iter()
        .map(|s| (s.title.clone(), s.page))
        .collect();
    let saved_pages = std::mem::take(&mut ts.pages);
    // Lay the contents out on a scratch page, then put it in the reserved slot.
    ts.pages = vec![Default::default()];
    ts.y = CONTENT_TOP;
    ts.sections.insert(
        0,
        super::SectionMark {
            title: "Contents".into(),
            page,
        },
    );
    let baseline = ts.y + 16.0;
    ts.text(
        MARGIN_X,
        baseline,
        FontFace::Bold,
        16.0,
        Colour::ACCENT,
        "Contents",
    );
    ts.rule(
        MARGIN_X,
        baseline + 7.0,
        MARGIN_X + CONTENT_WIDTH,
        baseline + 7.0,
        1.2,
        Colour::ACCENT,
    );
    ts.y = baseline + 26.0;
    let right = MARGIN_X + CONTENT_WIDTH;
    for (title, target) in entries {
        let number = (target + 1).to_string();
        let number_width = ts.fonts.width(FontFace::Regular, 10.5, &number);
        let title_width = ts.fonts.width(FontFace::Regular, 10.5, &title);
        ts.text(
            MARGIN_X,
            ts.y + 10.5,
            FontFace::Regular,
            10.5,
            Colour::INK,
            &title,
        );
        ts.rule(
            MARGIN_X + title_width + 6.0,
            ts.y + 10.5,
            right - number_width - 6.0,
            ts.y + 10.5,
            0.4,
            Colour::RULE,
        );
        ts.text(
            right - number_width,
            ts.y + 10.5,
            FontFace::Regular,
            10.5,
            Colour::INK,
            &number,
        );
        ts.y += 20.0;
    }
    let scratch = std::mem::replace(&mut ts.pages, saved_pages);
    if let (Some(slot), Some(filled)) = (ts.pages.get_mut(page), scratch.into_iter().next()) {
        *slot = filled;
    }
}

fn overview_facts(ts: &mut Typesetter<'_>, case: &ReportCase) {
    ts.subheading("Case facts", 40.0);
    let mut table = Table::new(
        vec![
            Column {
                title: "Field",
                weight: 1.0,
            },
            Column {
                title: "Value",
                weight: 2.6,
            },
        ],
        false,
    );
    let rows = [
        ("Category", case.category.clone()),
        ("Tier", case.tier.clone()),
        (
            "Assignee",
            case.assignee.clone().unwrap_or_else(|| "—".into()),
        ),
        ("Detection source", case.detection_source.clone()),
        ("Affected assets", join_or_dash(&case.affected_assets)),
        ("Tags", join_or_dash(&case.tags)),
        ("Case id", case.id.clone()),
    ];
    for (label, value) in rows {
        let face = if label == "Case id" {
            FontFace::Mono
        } else {
            FontFace::Regular
        };
        table.row(
            ts,
            &Row::new(vec![
                vec![Piece::new(label, FontFace::Bold, Colour::MUTED)],
                vec![Piece::new(value, face, Colour::INK)],
            ]),
        );
    }
    table.finish(ts);
}

fn metrics(ts: &mut Typesetter<'_>, case: &ReportCase) {
    let m = &case.metrics;
    let mut table = Table::new(
        vec![
            Column {
                title: "Metric",
                weight: 1.4,
            },
            Column {
                title: "Value",
                weight: 1.0,
            },
            Column {
                title: "Measured",
                weight: 2.0,
            },
        ],
        true,
    );
    let rows = [
        (
            "Time to detect",
            m.time_to_detect_secs,
            "From occurrence to detection",
        ),
        (
            "Time to contain",
            m.time_to_contain_secs,
            "From detection to containment",
        ),
        (
            "Time to resolve",
            m.time_to_resolve_secs,
            "From detection to resolution",
        ),
    ];
    for (label, value, how) in rows {
        table.row(
            ts,
            &Row::new(vec![
                vec![Piece::new(label, FontFace::Bold, Colour::INK)],
                vec![Piece::plain(format::maybe_duration(value))],
                vec![Piece::new(how, FontFace::Regular, Colour::MUTED)],
            ]),
        );
    }
    table.finish(ts);

    ts.subheading("Escalation response times", 40.0);
    if m.escalations.is_empty() {
        ts.paragraph("No escalations.", FontFace::Regular, Colour::MUTED);
        return;
    }
    let mut table = Table::new(
        vec![
            Column {
                title: "Escalation",
                weight: 1.6,
            },
            Column {
                title: "Requested (UTC)",
                weight: 1.6,
            },
            Column {
                title: "Acknowledged after",
                weight: 1.2,
            },
            Column {
                title: "Accepted after",
                weight: 1.2,
            },
            Column {
                title: "SLA",
                weight: 0.8,
            },
        ],
        true,
    );
    for e in &m.escalations {
        let sla = if e.breached {
            Piece::new("Breached", FontFace::Bold, Colour::ALERT)
        } else {
            Piece::plain("Met")
        };
        table.row(
            ts,
            &Row::new(vec![
                vec![Piece::plain(format!("{} → {}", e.from_tier, e.to_tier))],
                vec![Piece::plain(format::utc(&e.requested_at))],
                vec![Piece::plain(format::maybe_duration(e.ack_secs))],
                vec![Piece::plain(format::maybe_duration(e.accept_secs))],
                vec![sla],
            ]),
        );
    }
    table.finish(ts);
}

fn timeline(
    ts: &mut Typesetter<'_>,
    entries: &[TimelineEntry],
    key_only: bool,
    progress: &mut dyn FnMut(ReportProgress),
) {
    let shown = entries.iter().filter(|e| !key_only || e.key_event).count();
    let note = if key_only {
        format!(
            "{shown} key events of {} timeline entries. Times are UTC.",
            entries.len()
        )
    } else {
        format!(
            "{} entries; key events are highlighted, superseded entries greyed. Times are UTC.",
            entries.len()
        )
    };
    ts.paragraph(&note, FontFace::Regular, Colour::MUTED);
    let mut table = Table::new(
        vec![
            Column {
                title: "Time (UTC)",
                weight: 0.95,
            },
            Column {
                title: "Kind",
                weight: 0.75,
            },
            Column {
                title: "Author / source",
                weight: 1.15,
            },
            Column {
                title: "Event",
                weight: 3.2,
            },
        ],
        true,
    );
    let total = entries.len();
    for (index, entry) in entries.iter().enumerate() {
        if index % PROGRESS_EVERY == 0 {
            progress(ReportProgress {
                stage: ReportStage::Layout,
                done: index,
                total,
            });
        }
        if key_only && !entry.key_event {
            continue;
        }
        table.row(ts, &timeline_row(entry));
    }
    progress(ReportProgress {
        stage: ReportStage::Layout,
        done: total,
        total,
    });
    if shown == 0 {
        ts.paragraph("No entries to show.", FontFace::Regular, Colour::MUTED);
    }
    table.finish(ts);
}

fn timeline_row(entry: &TimelineEntry) -> Row {
    let ink = if entry.superseded {
        Colour::MUTED
    } else {
        Colour::INK
    };
    let time = vec![
        Piece::new(
            entry.event_time.format("%Y-%m-%d").to_string(),
            FontFace::Regular,
            ink,
        ),
        Piece::new(
            entry.event_time.format("%H:%M:%S").to_string(),
            FontFace::Regular,
            ink,
        ),
    ];
    let mut kind = vec![Piece::new(entry.kind.clone(), FontFace::Regular, ink)];
    if entry.key_event {
        kind.push(Piece::new(
            "KEY EVENT",
            FontFace::Bold,
            Colour(0xA0, 0x5A, 0x00),
        ));
    }
    if entry.superseded {
        kind.push(Piece::new("superseded", FontFace::Regular, Colour::MUTED));
    }
    let mut who = vec![Piece::new(entry.author.clone(), FontFace::Regular, ink)];
    let source: Vec<&str> = [entry.source_host.as_deref(), entry.source_tool.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !source.is_empty() {
        who.push(Piece::new(
            source.join(" · "),
            FontFace::Regular,
            Colour::MUTED,
        ));
    }
    let mut event = vec![Piece::new(entry.summary.clone(), FontFace::Bold, ink)];
    if !entry.details.is_empty() {
        event.push(Piece::new(entry.details.clone(), FontFace::Regular, ink));
    }
    let mut row = Row::new(vec![time, kind, who, event]);
    if entry.key_event && !entry.superseded {
        row.background = Some(Colour::HIGHLIGHT);
    }
    row
}

pub(crate) fn join_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "—".to_string()
    } else {
        items.join(", ")
    }
}
