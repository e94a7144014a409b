//! `casebook observable|task|comment …`

use casebook_api::interchange::{ExportScope, ObservableFormat};
use casebook_api::records::ObservableInput;
use casebook_api::Casebook;
use casebook_core::model::TaskStatus;

use crate::cli::{CommentCmd, InterchangeFormat, ObservableCmd, TaskCmd};
use crate::output::{clip, progress, table, time, Out};

fn format(f: InterchangeFormat) -> ObservableFormat {
    match f {
        InterchangeFormat::Stix => ObservableFormat::Stix,
        InterchangeFormat::Misp => ObservableFormat::Misp,
        InterchangeFormat::Csv => ObservableFormat::Csv,
    }
}

pub fn observable(cb: &mut Casebook, c: ObservableCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        ObservableCmd::Add {
            key,
            value,
            kind,
            tlp,
            ioc,
            note,
        } => {
            let o = cb.add_observable(
                &key,
                ObservableInput {
                    value,
                    kind,
                    tlp,
                    ioc,
                    note,
                    first_seen: None,
                    last_seen: None,
                },
            )?;
            out.show(&o, || {
                let seen = if o.seen_in_other_incidents.is_empty() {
                    String::new()
                } else {
                    format!("\nAlso seen in: {}", o.seen_in_other_incidents.join(", "))
                };
                format!("Added {} {}{}", o.kind, o.value, seen)
            })
        }
        ObservableCmd::Export {
            key,
            all: _,
            since,
            format: f,
            output,
        } => {
            let scope = ExportScope {
                incident: key,
                since,
            };
            let s = cb.export_observables(&scope, format(f), &output)?;
            out.show(&s, || {
                let left_out = if s.left_out > 0 {
                    format!(
                        "\n{} observables of type `other` were left out: STIX has no object for them (CSV and MISP keep them).",
                        s.left_out
                    )
                } else {
                    String::new()
                };
                format!(
                    "Wrote {} observables of {} incident(s) to {}.{left_out}",
                    s.observables,
                    s.incidents,
                    output.display()
                )
            })
        }
        ObservableCmd::Import {
            key,
            file,
            format: f,
        } => {
            let bar = progress(None, false, "importing observables");
            let s =
                cb.import_observables(&key, &file, f.map(format), &mut |n| bar.set_position(n))?;
            bar.finish_and_clear();
            out.show(&s, || {
                let mut text = format!(
                    "Imported {} observables into {} ({} already there or repeated).",
                    s.added, s.incident_key, s.duplicates
                );
                if !s.ignored.is_empty() {
                    let ignored: Vec<String> =
                        s.ignored.iter().map(|(t, n)| format!("{n} {t}")).collect();
                    text.push_str(&format!(
                        "\nPassed over (not observables): {}.",
                        ignored.join(", ")
                    ));
                }
                text
            })
        }
        ObservableCmd::List { key, defang } => {
            let items = cb.observables(&key)?;
            out.show(&items, || {
                if items.is_empty() {
                    return format!(
                        "No observables yet. Add one with `casebook observable add {key} VALUE`."
                    );
                }
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|o| {
                        let seen = match o.seen_in_other_incidents.len() {
                            0 => "—".to_string(),
                            n => format!("{n}: {}", o.seen_in_other_incidents.join(", ")),
                        };
                        vec![
                            o.kind.to_string(),
                            clip(if defang { &o.defanged } else { &o.value }, 60),
                            if o.ioc { "IOC".into() } else { String::new() },
                            o.tlp.label(),
                            seen,
                            clip(&o.note, 40),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "TYPE",
                        "VALUE",
                        "",
                        "TLP",
                        "SEEN IN OTHER INCIDENTS",
                        "NOTE",
                    ],
                    &rows,
                )
            })
        }
    }
}

pub fn task(cb: &mut Casebook, c: TaskCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        TaskCmd::Add {
            key,
            title,
            owner,
            due,
        } => {
            let t = cb.add_task(&key, &title, owner.as_deref(), due)?;
            out.show(&t, || format!("Added task {} ({})", t.title, t.id))
        }
        TaskCmd::List { key } => {
            let tasks = cb.tasks(&key)?;
            out.show(&tasks, || {
                if tasks.is_empty() {
                    return format!(
                        "No tasks yet. Add one with `casebook task add {key} \"What to do\"`."
                    );
                }
                let rows: Vec<Vec<String>> = tasks
                    .iter()
                    .map(|t| {
                        vec![
                            t.status.to_string(),
                            clip(&t.title, 70),
                            t.owner_name.clone().unwrap_or_else(|| "—".into()),
                            t.due.as_ref().map(time).unwrap_or_else(|| "—".into()),
                            t.id.to_string(),
                        ]
                    })
                    .collect();
                table(&["STATUS", "TITLE", "OWNER", "DUE (UTC)", "ID"], &rows)
            })
        }
        TaskCmd::Done { key, task } => {
            let t = cb.set_task_status(&key, &task, TaskStatus::Done)?;
            out.show(&t, || format!("Done: {}", t.title))
        }
        TaskCmd::Set { key, task, status } => {
            let t = cb.set_task_status(&key, &task, status)?;
            out.show(&t, || format!("{} is now {}", t.title, t.status))
        }
    }
}

pub fn comment(cb: &mut Casebook, c: CommentCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        CommentCmd::Add { key, body } => {
            let c = cb.add_comment(&key, &body)?;
            out.show(&c, || format!("Comment added ({}).", c.id))
        }
        CommentCmd::List { key } => {
            let comments = cb.comments(&key)?;
            out.show(&comments, || {
                if comments.is_empty() {
                    return "No comments yet.".into();
                }
                comments
                    .iter()
                    .map(|c| {
                        format!(
                            "{} — {}\n{}\n",
                            time(&c.at),
                            c.author_name.as_deref().unwrap_or("?"),
                            c.body
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}
