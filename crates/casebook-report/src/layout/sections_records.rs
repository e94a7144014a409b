//! The record sections: evidence register with chain of custody, observables, escalations, tasks and sign-off.

use super::format;
use super::table::{Column, Piece, Row, Table};
use super::typesetter::{Colour, Typesetter, CONTENT_WIDTH, MARGIN_X};
use crate::fonts::FontFace;
use crate::model::{CaseTask, Escalation, EvidenceItem, Observable, SignOff};

pub(crate) fn evidence_register(ts: &mut Typesetter<'_>, evidence: &[EvidenceItem]) {
    if evidence.is_empty() {
        ts.paragraph(
            "No evidence was registered.",
            FontFace::Regular,
            Colour::MUTED,
        );
        return;
    }
    evidence_summary(ts, evidence);
    let mut table = Table::new(
        vec![
            Column {
                title: "Item",
                weight: 1.5,
            },
            Column {
                title: "Size",
                weight: 0.9,
            },
            Column {
                title: "SHA-256",
                weight: 1.75,
            },
            Column {
                title: "Acquired (UTC), by, from",
                weight: 1.9,
            },
        ],
        true,
    );
    for item in evidence {
        let mut origin = vec![
            Piece::plain(format::utc(&item.acquired_at)),
            Piece::new(item.acquired_by.clone(), FontFace::Regular, Colour::INK),
        ];
        if let Some(host) = &item.source_host {
            origin.push(Piece::new(host.clone(), FontFace::Regular, Colour::MUTED));
        }
        if let Some(path) = &item.source_path {
            origin.push(Piece::new(path.clone(), FontFace::Mono, Colour::MUTED));
        }
        table.row(
            ts,
            &Row::new(vec![
                vec![
                    Piece::new(item.name.clone(), FontFace::Bold, Colour::INK),
                    Piece::new(item.id.clone(), FontFace::Mono, Colour::MUTED),
                    Piece::new(item.media_type.clone(), FontFace::Regular, Colour::MUTED),
                ],
                vec![Piece::plain(format::size(item.size_bytes))],
                vec![Piece::new(item.sha256.clone(), FontFace::Mono, Colour::INK)],
                origin,
            ]),
        );
    }
    table.finish(ts);

    ts.subheading("Chain of custody", 60.0);
    for item in evidence {
        custody(ts, item);
    }
}

fn custody(ts: &mut Typesetter<'_>, item: &EvidenceItem) {
    ts.ensure(70.0);
    ts.paragraph(
        &format!("{} — {}", item.name, item.id),
        FontFace::Bold,
        Colour::INK,
    );
    if item.custody.is_empty() {
        ts.paragraph("No custody records.", FontFace::Regular, Colour::ALERT);
        ts.space(6.0);
        return;
    }
    let mut table = Table::new(
        vec![
            Column {
                title: "When (UTC)",
                weight: 1.2,
            },
            Column {
                title: "Action",
                weight: 0.9,
            },
            Column {
                title: "Who",
                weight: 1.0,
            },
            Column {
                title: "Location",
                weight: 1.3,
            },
            Column {
                title: "Reason",
                weight: 1.9,
            },
        ],
        true,
    );
    for record in &item.custody {
        table.row(
            ts,
            &Row::new(vec![
                vec![Piece::plain(format::utc(&record.at))],
                vec![Piece::plain(record.action.clone())],
                vec![Piece::plain(record.who.clone())],
                vec![Piece::plain(record.location.clone())],
                vec![Piece::plain(record.reason.clone())],
            ]),
        );
    }
    table.finish(ts);
}

fn evidence_summary(ts: &mut Typesetter<'_>, evidence: &[EvidenceItem]) {
    let bytes: u64 = evidence.iter().map(|e| e.size_bytes).sum();
    let custody: usize = evidence.iter().map(|e| e.custody.len()).sum();
    let text = format!(
        "{} items, {} in total, with {} chain-of-custody records. Every item is identified by its SHA-256; \
         the verifier re-checks each hash against the stored file.",
        evidence.len(),
        format::size(bytes),
        custody
    );
    ts.paragraph(&text, FontFace::Regular, Colour::MUTED);
}

/// The executive template's view: counts and totals only.
pub(crate) fn evidence_totals(ts: &mut Typesetter<'_>, evidence: &[EvidenceItem]) {
    if evidence.is_empty() {
        ts.paragraph(
            "No evidence was registered.",
            FontFace::Regular,
            Colour::MUTED,
        );
        return;
    }
    evidence_summary(ts, evidence);
    let mut by_type: Vec<(String, usize, u64)> = Vec::new();
    for item in evidence {
        match by_type.iter_mut().find(|(t, _, _)| *t == item.media_type) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 += item.size_bytes;
            }
            None => by_type.push((item.media_type.clone(), 1, item.size_bytes)),
        }
    }
    by_type.sort();
    let mut table = Table::new(
        vec![
            Column {
                title: "Media type",
                weight: 2.0,
            },
            Column {
                title: "Items",
                weight: 0.6,
            },
            Column {
                title: "Total size",
                weight: 1.6,
            },
        ],
        true,
    );
    for (media, count, bytes) in by_type {
        table.row(
            ts,
            &Row::new(vec![
                vec![Piece::plain(media)],
                vec![Piece::plain(count.to_string())],
                vec![Piece::plain(format::size(bytes))],
            ]),
        );
    }
    table.finish(ts);
}

pub(crate) fn observables(ts: &mut Typesetter<'_>, observables: &[Observable]) {
    if observables.is_empty() {
        ts.paragraph(
            "No observables were recorded.",
            FontFace::Regular,
            Colour::MUTED,
        );
        return;
    }
    let iocs = observables.iter().filter(|o| o.ioc).count();
    ts.paragraph(
        &format!(
            "{} observables, {iocs} of them indicators of compromise (IOC).",
            observables.len()
        ),
        FontFace::Regular,
        Colour::MUTED,
    );
    let mut table = Table::new(
        vec![
            Column {
                title: "Kind",
                weight: 0.8,
            },
            Column {
                title: "Value",
                weight: 3.2,
            },
            Column {
                title: "TLP",
                weight: 1.1,
            },
            Column {
                title: "IOC",
                weight: 0.5,
            },
            Column {
                title: "Seen in other incidents",
                weight: 0.9,
            },
        ],
        true,
    );
    for o in observables {
        let ioc = if o.ioc {
            Piece::new("Yes", FontFace::Bold, Colour::ALERT)
        } else {
            Piece::plain("No")
        };
        table.row(
            ts,
            &Row::new(vec![
                vec![Piece::plain(o.kind.clone())],
                vec![Piece::new(o.value.clone(), FontFace::Mono, Colour::INK)],
                vec![Piece::plain(o.tlp.label())],
                vec![ioc],
                vec![Piece::plain(o.seen_in_incidents.to_string())],
            ]),
        );
    }
    table.finish(ts);
}

pub(crate) fn escalations(ts: &mut Typesetter<'_>, escalations: &[Escalation]) {
    if escalations.is_empty() {
        ts.paragraph(
            "The case was never escalated.",
            FontFace::Regular,
            Colour::MUTED,
        );
        return;
    }
    for e in escalations {
        ts.subheading(
            &format!("{} → {} · {}", e.from_tier, e.to_tier, e.state),
            80.0,
        );
        let mut facts = Table::new(
            vec![
                Column {
                    title: "Field",
                    weight: 1.0,
                },
                Column {
                    title: "Value",
                    weight: 3.4,
                },
            ],
            false,
        );
        let rows = [
            ("Target", e.target.clone()),
            ("Requested by", e.requested_by.clone()),
            ("Requested at", format::time(&e.requested_at)),
            ("Reason", e.reason.clone()),
            ("Hand-off note", e.handoff_note.clone()),
        ];
        for (label, value) in rows {
            facts.row(
                ts,
                &Row::new(vec![
                    vec![Piece::new(label, FontFace::Bold, Colour::MUTED)],
                    vec![Piece::plain(value)],
                ]),
            );
        }
        facts.finish(ts);
        if e.history.is_empty() {
            continue;
        }
        let mut table = Table::new(
            vec![
                Column {
                    title: "When (UTC)",
                    weight: 1.2,
                },
                Column {
                    title: "State",
                    weight: 0.9,
                },
                Column {
                    title: "By",
                    weight: 1.0,
                },
                Column {
                    title: "Note",
                    weight: 3.0,
                },
            ],
            true,
        );
        for step in &e.history {
            table.row(
                ts,
                &Row::new(vec![
                    vec![Piece::plain(format::utc(&step.at))],
                    vec![Piece::plain(step.state.clone())],
                    vec![Piece::plain(step.by.clone())],
                    vec![Piece::plain(step.note.clone())],
                ]),
            );
        }
        table.finish(ts);
    }
}

pub(crate) fn tasks(ts: &mut Typesetter<'_>, tasks: &[CaseTask]) {
    if tasks.is_empty() {
        ts.paragraph("No follow-up tasks.", FontFace::Regular, Colour::MUTED);
        return;
    }
    let mut table = Table::new(
        vec![
            Column {
                title: "Task",
                weight: 3.0,
            },
            Column {
                title: "Owner",
                weight: 1.2,
            },
            Column {
                title: "Status",
                weight: 0.8,
            },
            Column {
                title: "Due (UTC)",
                weight: 1.3,
            },
        ],
        true,
    );
    for task in tasks {
        table.row(
            ts,
            &Row::new(vec![
                vec![Piece::plain(task.title.clone())],
                vec![Piece::plain(
                    task.owner.clone().unwrap_or_else(|| "—".into()),
                )],
                vec![Piece::plain(task.status.clone())],
                vec![Piece::plain(format::maybe_utc(task.due.as_ref()))],
            ]),
        );
    }
    table.finish(ts);
}

pub(crate) fn sign_off(ts: &mut Typesetter<'_>, people: &[SignOff]) {
    ts.paragraph(
        "By signing, the undersigned confirm that this report is a complete and accurate account of the incident \
         as far as known at the time of export.",
        FontFace::Regular,
        Colour::MUTED,
    );
    ts.space(10.0);
    let blank = [
        SignOff {
            name: String::new(),
            role: String::new(),
        },
        SignOff {
            name: String::new(),
            role: String::new(),
        },
    ];
    let people = if people.is_empty() {
        &blank[..]
    } else {
        people
    };
    let half = CONTENT_WIDTH / 2.0;
    for person in people {
        ts.ensure(84.0);
        let top = ts.y;
        let name = if person.name.is_empty() {
            "Name:".to_string()
        } else {
            person.name.clone()
        };
        let role = if person.role.is_empty() {
            "Role:".to_string()
        } else {
            person.role.clone()
        };
        ts.text(
            MARGIN_X,
            top + 10.0,
            FontFace::Bold,
            10.0,
            Colour::INK,
            &name,
        );
        ts.text(
            MARGIN_X,
            top + 24.0,
            FontFace::Regular,
            9.0,
            Colour::MUTED,
            &role,
        );
        let line_y = top + 62.0;
        ts.rule(
            MARGIN_X,
            line_y,
            MARGIN_X + half - 20.0,
            line_y,
            0.6,
            Colour::INK,
        );
        ts.rule(
            MARGIN_X + half,
            line_y,
            MARGIN_X + CONTENT_WIDTH,
            line_y,
            0.6,
            Colour::INK,
        );
        ts.text(
            MARGIN_X,
            line_y + 10.0,
            FontFace::Regular,
            7.5,
            Colour::MUTED,
            "Signature",
        );
        ts.text(
            MARGIN_X + half,
            line_y + 10.0,
            FontFace::Regular,
            7.5,
            Colour::MUTED,
            "Date",
        );
        ts.y = line_y + 36.0;
    }
}
