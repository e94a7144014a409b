//! One function per noun: translate the parsed command into one API call and print the result.

mod escalation;
mod evidence;
mod incident;
mod records;
mod team;
mod timeline;

use casebook_api::report::VerdictKind;
use casebook_api::Casebook;
use casebook_core::metrics::human_duration;

use crate::cli::{Command, LogCmd, Template, UserCmd};
use crate::output::{opt_time, progress, table, Out};

pub fn dispatch(cb: &mut Casebook, command: Command, out: &Out) -> anyhow::Result<()> {
    match command {
        Command::Init { name, role, tier } => {
            let me = cb.init(&name, role, tier)?;
            out.show(&me, || {
                format!(
                    "Profile created for {} ({}{}) in {}.\nNext: casebook incident new \"Title\" --severity sev3",
                    me.user.name,
                    me.user.role,
                    me.user.tier.map(|t| format!(", tier {t}")).unwrap_or_default(),
                    me.data_dir.display()
                )
            })
        }
        Command::Whoami => {
            let me = cb.me()?;
            out.show(&me, || {
                format!(
                    "{} — {}{}\ndevice {} (key fingerprint {})\ndata   {}",
                    me.user.name,
                    me.user.role,
                    me.user
                        .tier
                        .map(|t| format!(", tier {t}"))
                        .unwrap_or_default(),
                    me.device,
                    me.fingerprint.as_deref().unwrap_or("none"),
                    me.data_dir.display()
                )
            })
        }
        Command::User(UserCmd::Add { name, role, tier }) => {
            let u = cb.add_user(&name, role, tier)?;
            out.show(&u, || {
                format!("Registered {} ({}) as {}", u.name, u.role, u.id)
            })
        }
        Command::User(UserCmd::List) => {
            let users = cb.users()?;
            out.show(&users, || {
                let rows: Vec<Vec<String>> = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.name.clone(),
                            u.role.to_string(),
                            u.tier.map(|t| t.to_string()).unwrap_or_default(),
                            u.id.to_string(),
                        ]
                    })
                    .collect();
                table(&["NAME", "ROLE", "TIER", "ID"], &rows)
            })
        }
        Command::Login {
            server,
            user,
            password_stdin,
            ca_cert,
            pin,
        } => team::login(
            cb,
            &server,
            &user,
            password_stdin,
            team::trust(ca_cert, pin),
            out,
        ),
        Command::Logout { forget } => team::logout(cb, forget, out),
        Command::Sync { command } => team::sync(cb, command, out),
        Command::Incident(c) => incident::run(cb, c, out),
        Command::Timeline(c) => timeline::run(cb, c, out),
        Command::Evidence(c) => evidence::run(cb, c, out),
        Command::Observable(c) => records::observable(cb, c, out),
        Command::Task(c) => records::task(cb, c, out),
        Command::Comment(c) => records::comment(cb, c, out),
        Command::Escalate {
            key,
            to_tier,
            to,
            reason,
            handoff,
        } => {
            let s = cb.escalate(&key, to_tier, to.as_deref(), &reason, &handoff)?;
            out.show(&s, || {
                format!(
                    "Escalation to {} requested for {} (acknowledge within {}, accept within {}).",
                    s.escalation
                        .assignee_name
                        .clone()
                        .unwrap_or_else(|| format!("the tier-{} queue", s.escalation.to_tier)),
                    s.escalation.incident_key,
                    human_duration(i64::from(s.acknowledge_target_minutes) * 60),
                    human_duration(i64::from(s.accept_target_minutes) * 60),
                )
            })
        }
        Command::Escalation(c) => escalation::run(cb, c, out),
        Command::Attention => escalation::attention(cb, out),
        Command::Search { query, limit } => {
            let hits = cb.search(&query, limit)?;
            out.show(&hits, || {
                if hits.is_empty() {
                    return format!("No matches for `{query}`.");
                }
                let rows: Vec<Vec<String>> = hits
                    .iter()
                    .map(|h| {
                        vec![
                            h.incident_key.clone(),
                            h.kind.clone(),
                            crate::output::clip(&h.snippet, 100),
                        ]
                    })
                    .collect();
                table(&["INCIDENT", "IN", "MATCH"], &rows)
            })
        }
        Command::Metrics => {
            let m = cb.metrics()?;
            out.show(&m, || {
                let d = |s: &Option<casebook_api::metrics::Spread>| {
                    s.map(|s| {
                        format!(
                            "{} / {}",
                            human_duration(s.median_secs),
                            human_duration(s.p90_secs)
                        )
                    })
                    .unwrap_or_else(|| "—".into())
                };
                let rows: Vec<Vec<String>> = m
                    .by_severity
                    .iter()
                    .map(|s| {
                        vec![
                            s.severity.to_string(),
                            s.incidents.to_string(),
                            s.open.to_string(),
                            d(&s.time_to_detect),
                            d(&s.time_to_contain),
                            d(&s.time_to_resolve),
                        ]
                    })
                    .collect();
                let mut text = String::from("Incidents (median / p90)\n");
                text.push_str(&table(
                    &[
                        "SEVERITY",
                        "INCIDENTS",
                        "OPEN",
                        "DETECT",
                        "CONTAIN",
                        "RESOLVE",
                    ],
                    &rows,
                ));
                let rows: Vec<Vec<String>> = m
                    .escalations
                    .iter()
                    .map(|e| {
                        vec![
                            format!("tier {}", e.to_tier),
                            e.severity.to_string(),
                            e.escalations.to_string(),
                            e.pending.to_string(),
                            e.breached.to_string(),
                            d(&e.time_to_acknowledge),
                            d(&e.time_to_accept),
                        ]
                    })
                    .collect();
                text.push_str("\nEscalations (median / p90)\n");
                if rows.is_empty() {
                    text.push_str("none yet\n");
                } else {
                    text.push_str(&table(
                        &[
                            "TO",
                            "SEVERITY",
                            "COUNT",
                            "PENDING",
                            "BREACHED",
                            "ACKNOWLEDGE",
                            "ACCEPT",
                        ],
                        &rows,
                    ));
                }
                text
            })
        }
        Command::Log(LogCmd::Refused { limit }) => {
            let refused = cb.refused_events(limit)?;
            out.show(&refused, || {
                if refused.is_empty() {
                    return "No refused events: everything that arrived from elsewhere was admitted.".to_string();
                }
                table(
                    &["refused at", "kind", "incident", "author", "code", "reason", "from"],
                    &refused
                        .iter()
                        .map(|r| {
                            vec![
                                r.refused_at.format("%Y-%m-%d %H:%M").to_string(),
                                r.kind.clone(),
                                r.incident.clone().unwrap_or_default(),
                                r.author.clone(),
                                r.code.clone(),
                                r.reason.clone(),
                                r.origin.clone(),
                            ]
                        })
                        .collect::<Vec<_>>(),
                )
            })
        }
        Command::Log(LogCmd::Verify) => {
            let bar = progress(None, false, "checking events");
            let r = cb.verify_log(&mut |n| bar.set_position(n))?;
            bar.finish_and_clear();
            out.show(&r, || {
                let mut text = format!(
                    "{} events on {} device(s); database integrity: {}\n",
                    r.events,
                    r.chains.len(),
                    r.integrity_check
                );
                for c in &r.chains {
                    let state = if c.broken.is_empty() {
                        "intact".to_string()
                    } else {
                        format!("BROKEN ({})", c.broken.len())
                    };
                    text.push_str(&format!(
                        "device {}: #{}..#{} {} events, {} missing, chain {}; {} signed, {} unsigned (chain only){}\n",
                        c.device,
                        c.first_seq,
                        c.last_seq,
                        c.events,
                        c.gaps,
                        state,
                        c.signed,
                        c.unsigned,
                        if c.unknown_key > 0 {
                            format!(", {} signed by a key not known here", c.unknown_key)
                        } else {
                            String::new()
                        }
                    ));
                    for b in &c.broken {
                        text.push_str(&format!("  - {b}\n"));
                    }
                }
                if r.forks > 0 {
                    text.push_str(&format!(
                        "{} forked event(s) kept aside (a device restored from a backup?)\n",
                        r.forks
                    ));
                }
                if r.reused_ids > 0 {
                    text.push_str(&format!(
                        "{} event(s) reusing an existing id with other content kept aside\n",
                        r.reused_ids
                    ));
                }
                if r.refused > 0 {
                    text.push_str(&format!(
                        "{} event(s) from elsewhere refused (`casebook log refused`)\n",
                        r.refused
                    ));
                }
                if r.clock_ahead > 0 {
                    text.push_str(&format!(
                        "{} event(s) arrived with a clock far ahead of this one: flagged, never followed\n",
                        r.clock_ahead
                    ));
                }
                text
            })?;
            if r.ok() {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "the event log failed its checks (see above)"
                ))
            }
        }
        Command::Rebuild => {
            let bar = progress(None, false, "re-applying events");
            let r = cb.rebuild(&mut |n| bar.set_position(n))?;
            bar.finish_and_clear();
            out.show(&r, || {
                format!(
                    "Rebuilt every view from {} events: {}",
                    r.events,
                    if r.identical {
                        "identical to before."
                    } else {
                        "DIFFERENT from before (the views had drifted; they now follow the log)."
                    }
                )
            })
        }
        Command::Demo => {
            let s = cb.demo()?;
            out.show(&s, || {
                format!(
                    "Loaded the demo as {} (tier-1 responder): {}.\nTry: casebook incident show {}\n     casebook timeline list {}\n     casebook escalation list",
                    s.profile,
                    s.incidents.join(", "),
                    s.incidents[0],
                    s.incidents[0]
                )
            })
        }
        Command::Report {
            key,
            output,
            template,
            key_events,
        } => {
            let template = match template {
                Template::Technical => casebook_report::ReportTemplate::Technical,
                Template::Executive => casebook_report::ReportTemplate::Executive,
            };
            let bar = progress(Some(1), false, "rendering report");
            let r = cb.export_report(&key, &output, template, key_events, &mut |p| {
                bar.set_length(p.total.max(1) as u64);
                bar.set_position(p.done as u64);
            })?;
            bar.finish_and_clear();
            out.show(&r, || {
                format!(
                    "Wrote {} ({} pages, {} bytes)
content digest sha256:{}",
                    r.path.display(),
                    r.pages,
                    r.bytes,
                    r.content_digest
                )
            })
        }
        Command::Verify { file } => {
            let v = cb.verify_report(&file)?;
            out.show(&v, || {
                let mut t = String::new();
                for c in &v.checks {
                    let mark = match c.result {
                        "ok" => "ok     ",
                        "notice" => "notice ",
                        _ => "FAILED ",
                    };
                    t.push_str(&format!(
                        "{mark} {}
",
                        c.message
                    ));
                }
                for part in &v.not_checked {
                    t.push_str(&format!("not checked: {part}\n"));
                }
                t.push_str(match v.verdict {
                    VerdictKind::Verified => "\nThe report is verified: it is exactly what Casebook exported from its data.",
                    VerdictKind::PartlyChecked => "\nThe report is NOT verified: nothing failed, but its pages could not be re-rendered, so an edit of the page text would not show (see above).",
                    VerdictKind::Failed => "\nThe report FAILED verification (see above).",
                });
                t
            })?;
            match v.verdict {
                VerdictKind::Verified => Ok(()),
                VerdictKind::PartlyChecked => Err(crate::exit::PartlyChecked(file).into()),
                VerdictKind::Failed => Err(anyhow::anyhow!("{} does not verify", file.display())),
            }
        }
        Command::Export { key, output } => {
            let bar = progress(None, true, "exporting evidence");
            let m = cb.export_bundle(&key, &output, &mut |n| bar.set_position(n))?;
            bar.finish_and_clear();
            out.show(&m, || {
                format!(
                    "Exported {} ({} events, {} evidence files) to {}",
                    m.incident_key,
                    m.events,
                    m.blobs.len(),
                    output.display()
                )
            })
        }
        Command::Import { file, trust_device } => {
            let bar = progress(None, true, "importing evidence");
            let r = cb.import_bundle(&file, &trust_device, &mut |n| bar.set_position(n))?;
            bar.finish_and_clear();
            out.show(&r, || {
                let mut text = format!(
                    "Imported {}: {} events admitted, {} already here, {} refused, {} evidence files, {} claims about people and devices",
                    r.incident_key, r.admitted, r.already_present, r.refused, r.blobs, r.claims
                );
                if r.forks + r.reused_ids > 0 {
                    text.push_str(&format!(
                        "\n{} forked event(s) and {} event(s) reusing an id with other content kept aside (see `casebook log verify`)",
                        r.forks, r.reused_ids
                    ));
                }
                for f in &r.refusals {
                    text.push_str(&format!("\n  refused {} ({}): {}", f.kind, f.code, f.reason));
                }
                if r.refused as usize > r.refusals.len() {
                    text.push_str("\n  … `casebook log refused` lists them all");
                }
                for d in &r.unverified_devices {
                    text.push_str(&format!(
                        "\nUnverified device {} (claims to be {}), fingerprint {}: its events were imported for reading only.\n  If its owner confirms that fingerprint, import again with --trust-device {}",
                        d.device,
                        d.users.join(", "),
                        d.fingerprint,
                        d.fingerprint
                    ));
                }
                text
            })?;
            if r.all_refused() {
                anyhow::bail!(
                    "every new event of {} was refused; nothing in this data directory changed",
                    file.display()
                );
            }
            Ok(())
        }
    }
}

/// "—" for a missing time, for tables.
pub(crate) fn when(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    opt_time(t)
}
