//! `casebook incident …`

use casebook_api::activity::SeenChanges;
use casebook_api::incidents::NewIncident;
use casebook_api::views::{IncidentFilter, IncidentRow};
use casebook_api::Casebook;
use casebook_core::event::FieldChange;
use casebook_core::metrics::human_duration;
use casebook_core::model::KeyTime;

use super::when;
use crate::cli::{IncidentCmd, SetArgs};
use crate::output::{clip, table, time, Out};

pub fn run(cb: &mut Casebook, c: IncidentCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        IncidentCmd::New {
            title,
            severity,
            tlp,
            category,
            summary,
            tier,
            tags,
            source,
            occurred_at,
            detected_at,
        } => {
            let mut n = NewIncident::titled(&title, severity, tlp);
            n.category = category;
            n.summary = summary;
            n.tier = tier;
            n.tags = tags;
            n.detection_source = source;
            n.occurred_at = occurred_at;
            n.detected_at = detected_at;
            let d = cb.new_incident(n)?;
            // The bare key on standard output, so scripts can capture it.
            out.show(&d, || d.row.key.clone())
        }
        IncidentCmd::List(a) => {
            let assignee = if a.mine { Some(cb.me()?.user.id) } else { None };
            let filter = IncidentFilter {
                status: a.status,
                open_only: !a.all && a.status.is_none(),
                severity: a.severity,
                tier: a.tier,
                assignee,
                unassigned: a.unassigned,
            };
            // A table shows the first 200; JSON gives every one unless a limit is asked for.
            let limit = a.limit.unwrap_or(if out.json { i64::MAX } else { 200 });
            let rows = cb.incidents(&filter, limit)?;
            out.show(&rows, || {
                let mut t = list(&rows, a.all);
                if a.limit.is_none() && rows.len() as i64 == limit {
                    t.push_str(&format!("(the first {limit}; use --limit for more)\n"));
                }
                t
            })
        }
        IncidentCmd::Show { key } => {
            let d = cb.incident(&key)?;
            out.show(&d, || {
                let r = &d.row;
                let m = casebook_api::metrics::response_metrics(&d);
                let dur = |s: Option<i64>| s.map(human_duration).unwrap_or_else(|| "—".into());
                let mut t = format!(
                    "{}  {}\n{} · {} · {} · tier {} · {}{}\ncategory: {}   detection: {}   assets: {}\ntags: {}\n\n",
                    r.key,
                    r.title,
                    r.severity.as_str().to_uppercase(),
                    r.tlp.label(),
                    r.status,
                    r.tier,
                    r.assignee_name.as_deref().map(|n| format!("assigned to {n}")).unwrap_or_else(|| "unassigned".into()),
                    r.resolution.map(|x| format!(" · resolution {x}")).unwrap_or_default(),
                    or_dash(&r.category),
                    or_dash(&d.detection_source),
                    if d.affected_assets.is_empty() { "—".into() } else { d.affected_assets.join(", ") },
                    if r.tags.is_empty() { "—".into() } else { r.tags.join(", ") },
                );
                t.push_str(&format!(
                    "occurred {}  detected {}  reported {}\ncontained {}  resolved {}\ntime to detect {} · to contain {} · to resolve {}\n",
                    when(&d.occurred_at),
                    when(&d.detected_at),
                    when(&d.reported_at),
                    when(&d.contained_at),
                    when(&d.resolved_at.or(d.closed_at)),
                    dur(m.time_to_detect),
                    dur(m.time_to_contain),
                    dur(m.time_to_resolve),
                ));
                for (label, text) in [("Summary", &d.summary), ("Root cause", &d.root_cause), ("Lessons learned", &d.lessons)] {
                    if !text.is_empty() {
                        t.push_str(&format!("\n{label}:\n{text}\n"));
                    }
                }
                for c in &d.conflicts {
                    t.push_str(&format!(
                        "\nCONFLICT in {} — a concurrent version by {} at {} was kept (settle it with `casebook incident text {} --field {} --resolves {}`):\n{}\n",
                        c.field,
                        c.author_name.as_deref().unwrap_or("?"),
                        crate::output::time(&c.at),
                        r.key,
                        c.field,
                        c.event,
                        c.text
                    ));
                }
                for c in &d.scope_conflicts {
                    t.push_str(&format!(
                        "\nNOT APPLIED — a change by {} at {}: {}\n",
                        c.author_name.as_deref().unwrap_or("?"),
                        crate::output::time(&c.at),
                        c.reason
                    ));
                }
                t
            })
        }
        IncidentCmd::Changes { key, peek } => {
            let c = cb.changes_since_seen(&key)?;
            out.show(&c, || changes_since(&key, &c, peek))?;
            if !peek {
                cb.mark_seen(&key)?;
            }
            Ok(())
        }
        IncidentCmd::Set(a) => {
            let key = a.key.clone();
            let d = cb.set_fields(&key, changes(a))?;
            out.show(&d, || format!("Updated {}.", d.row.key))
        }
        IncidentCmd::Text {
            key,
            field,
            text,
            file,
            resolves,
        } => {
            let body = match (text, file) {
                (Some(t), _) => t,
                (None, Some(f)) => std::fs::read_to_string(&f)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?,
                (None, None) => anyhow::bail!("give the new text with --text \"…\" or --file PATH"),
            };
            let resolves = resolves
                .iter()
                .map(|r| {
                    r.parse().map_err(|_| {
                        anyhow::anyhow!("`{r}` is not a version id (see `casebook incident show`)")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let d = cb.edit_text(&key, field, &body, resolves)?;
            out.show(&d, || format!("Updated the {field} of {}.", d.row.key))
        }
        IncidentCmd::Tag { key, tag } => {
            let d = cb.add_tag(&key, &tag)?;
            out.show(&d.row.tags, || {
                format!("Tags of {}: {}", d.row.key, d.row.tags.join(", "))
            })
        }
        IncidentCmd::Untag { key, tag } => {
            let d = cb.remove_tag(&key, &tag)?;
            out.show(&d.row.tags, || {
                format!(
                    "Tags of {}: {}",
                    d.row.key,
                    if d.row.tags.is_empty() {
                        "—".into()
                    } else {
                        d.row.tags.join(", ")
                    }
                )
            })
        }
        IncidentCmd::Assign {
            key,
            tier,
            to,
            note,
        } => {
            let d = cb.assign(&key, tier, to.as_deref(), &note)?;
            out.show(&d, || {
                format!(
                    "{} is now at tier {}{}.",
                    d.row.key,
                    d.row.tier,
                    d.row
                        .assignee_name
                        .as_deref()
                        .map(|n| format!(", assigned to {n}"))
                        .unwrap_or_default()
                )
            })
        }
        IncidentCmd::Take { key } => {
            let d = cb.take(&key)?;
            out.show(&d, || format!("{} is now yours.", d.row.key))
        }
        IncidentCmd::Close {
            key,
            resolution,
            note,
        } => {
            let d = cb.close(&key, resolution, &note)?;
            out.show(&d, || format!("Closed {} as {}.", d.row.key, resolution))
        }
    }
}

fn changes_since(key: &str, c: &SeenChanges, peek: bool) -> String {
    if !c.seen_before {
        return if peek {
            format!("You have not opened {key} here yet, so nothing counts as changed. Run without --peek to start.")
        } else {
            format!("You had not opened {key} here before, so nothing counts as changed yet; from now on this lists what others change.")
        };
    }
    if c.changes.is_empty() {
        return format!("Nothing changed in {key} since you last looked.");
    }
    let rows: Vec<Vec<String>> = c
        .changes
        .iter()
        .map(|x| vec![time(&x.at), x.who.clone(), x.what.clone()])
        .collect();
    let mut t = format!(
        "{} change(s) by others in {key} since you last looked, newest first:\n",
        c.total
    );
    t.push_str(&table(&["WHEN (UTC)", "WHO", "WHAT"], &rows));
    let older = c.total.saturating_sub(c.changes.len() as u64);
    if older > 0 {
        t.push_str(&format!("… and {older} older change(s) not shown.\n"));
    }
    t
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "—"
    } else {
        s
    }
}

fn list(rows: &[IncidentRow], all: bool) -> String {
    if rows.is_empty() {
        return if all {
            "No incidents yet. Open one with `casebook incident new \"Title\"`, or load a sample with `casebook demo`.".into()
        } else {
            "No open incidents. `casebook incident list --all` includes closed ones.".into()
        };
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.key.clone(),
                r.severity.as_str().to_uppercase(),
                r.status.to_string(),
                format!("T{}", r.tier),
                r.assignee_name.clone().unwrap_or_else(|| "—".into()),
                r.tlp.label(),
                clip(&r.title, 60),
            ]
        })
        .collect();
    table(
        &["KEY", "SEV", "STATUS", "TIER", "ASSIGNEE", "TLP", "TITLE"],
        &cells,
    )
}

fn changes(a: SetArgs) -> Vec<FieldChange> {
    let mut c = Vec::new();
    if let Some(t) = a.title {
        c.push(FieldChange::Title(t));
    }
    if let Some(s) = a.severity {
        c.push(FieldChange::Severity(s));
    }
    if let Some(s) = a.status {
        c.push(FieldChange::Status(s));
    }
    if let Some(t) = a.tlp {
        c.push(FieldChange::Tlp(t));
    }
    if let Some(x) = a.category {
        c.push(FieldChange::Category(x));
    }
    if let Some(x) = a.source {
        c.push(FieldChange::DetectionSource(x));
    }
    if let Some(x) = a.assets {
        c.push(FieldChange::AffectedAssets(
            x.into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ));
    }
    for (which, at) in [
        (KeyTime::Occurred, a.occurred_at),
        (KeyTime::Detected, a.detected_at),
        (KeyTime::Reported, a.reported_at),
        (KeyTime::Contained, a.contained_at),
        (KeyTime::Resolved, a.resolved_at),
    ] {
        if at.is_some() {
            c.push(FieldChange::KeyTime { which, at });
        }
    }
    c
}
