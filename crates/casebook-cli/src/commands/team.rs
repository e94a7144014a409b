//! `login`, `logout`, `sync` and `sync status`: working with the team server.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use casebook_api::sync::{SyncReport, SyncStep};
use casebook_api::Casebook;

use crate::cli::SyncCmd;
use crate::output::{opt_time, progress, Out};

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if !from_stdin && std::io::stdin().is_terminal() {
        anyhow::bail!("pass the password on standard input with --password-stdin (e.g. from a password manager)");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        anyhow::bail!("standard input held no password");
    }
    Ok(p)
}

/// One bar that follows the steps of a sync (hidden when stderr is not a terminal).
fn bar() -> (indicatif::ProgressBar, impl Fn(SyncStep)) {
    let bar = progress(Some(0), false, "syncing");
    let b = bar.clone();
    let step = move |s: SyncStep| match s {
        SyncStep::Pushing { done, total } => {
            b.set_message("pushing");
            b.set_length(total);
            b.set_position(done);
        }
        SyncStep::Uploading { done, total } => {
            b.set_message("uploading evidence");
            b.set_length(total);
            b.set_position(done);
        }
        SyncStep::Pulling { position, head } => {
            b.set_message("pulling");
            b.set_length(head);
            b.set_position(position);
        }
    };
    (bar, step)
}

fn summary(r: &SyncReport) -> String {
    let mut text = format!(
        "Synced with {}: {} pushed, {} pulled, {} refused by the server, {} conflicts open",
        r.server, r.pushed, r.pulled, r.refused, r.conflicts
    );
    if r.blobs_uploaded > 0 {
        text.push_str(&format!(", {} evidence files uploaded", r.blobs_uploaded));
    }
    if r.forks > 0 {
        text.push_str(&format!(
            "\n{} forked event(s) kept aside (see `casebook log verify`)",
            r.forks
        ));
    }
    if r.refused_here > 0 {
        text.push_str(&format!(
            "\n{} pulled event(s) refused here (`casebook log refused`)",
            r.refused_here
        ));
    }
    if r.refused > 0 {
        text.push_str("\n`casebook sync status` shows why the server refused them");
    }
    if r.restarted {
        text.push_str("\nThe server was restored from a backup: everything was pulled again and what it lost went back up.");
    }
    if r.read_only {
        text.push_str("\nThis account reads only: nothing was pushed.");
    }
    text
}

pub fn login(
    cb: &mut Casebook,
    server: &str,
    user: &str,
    password_stdin: bool,
    ca_cert: Option<&Path>,
    out: &Out,
) -> anyhow::Result<()> {
    let password = read_password(password_stdin)?;
    let (bar, step) = bar();
    let r = cb.login(server, user, &password, ca_cert, &step)?;
    bar.finish_and_clear();
    out.show(&r, || {
        let role = match r.tier {
            Some(t) => format!("{} tier {t}", r.role),
            None => r.role.clone(),
        };
        let mut text = format!("Signed in to team {:?} on {} as {} ({}, {role}).", r.team, r.server, r.name, r.email);
        if r.kept_offline_profile {
            text.push_str("\nThe work made on this laptop before joining is kept and now counts as this account's.");
        }
        match (&r.first_sync, &r.first_sync_error) {
            (Some(s), _) => text.push_str(&format!("\n{}", summary(s))),
            (None, Some(e)) => text.push_str(&format!("\nThe first sync did not finish: {e}\nRun `casebook sync` later.")),
            _ => {}
        }
        text
    })
}

pub fn logout(cb: &mut Casebook, out: &Out) -> anyhow::Result<()> {
    let told = cb.logout()?;
    let value = serde_json::json!({ "signed_out": true, "server_told": told });
    out.show(&value, || {
        if told {
            "Signed out. Work made here stays and goes up after the next `casebook login`.".into()
        } else {
            "Signed out here (the server could not be told; its token for this laptop expires on its own).".into()
        }
    })
}

pub fn sync(cb: &mut Casebook, command: Option<SyncCmd>, out: &Out) -> anyhow::Result<()> {
    match command {
        None => {
            let (bar, step) = bar();
            let r = cb.sync(&step);
            bar.finish_and_clear();
            let r = r?;
            out.show(&r, || summary(&r))
        }
        Some(SyncCmd::Status) => {
            let s = cb.sync_status(true)?;
            out.show(&s, || {
                let Some(server) = &s.server else {
                    return "Not joined to a team: this laptop is its own directory. `casebook login` joins one.".into();
                };
                let reach = match s.reachable {
                    Some(true) => "online",
                    Some(false) => "offline (the server cannot be reached)",
                    None => "signed out",
                };
                let mut text = format!(
                    "Team     {} on {server}\nAccount  {}{}\nState    {reach}\nWaiting  {} event(s) not yet on the server\nLast sync {}\nConflicts {}\nRefused  {}",
                    s.team.as_deref().unwrap_or("?"),
                    s.account.as_deref().unwrap_or("?"),
                    if s.signed_in { "" } else { " (signed out)" },
                    s.waiting,
                    opt_time(&s.last_sync),
                    s.conflicts,
                    s.refused,
                );
                if let Some(e) = &s.last_error {
                    text.push_str(&format!("\nLast error: {e}"));
                }
                for v in &s.verdicts {
                    text.push_str(&format!(
                        "\n  {} {} {}{}: {}",
                        v.verdict,
                        v.kind,
                        v.incident.as_deref().unwrap_or("(global)"),
                        v.code.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default(),
                        v.reason
                    ));
                }
                text
            })
        }
        Some(SyncCmd::Digest { key }) => {
            let (id, here) = cb.incident_digest(&key)?;
            let server = cb.server_digest(id)?;
            let same = here == server;
            let value = serde_json::json!({ "incident": id, "here": here, "server": server, "converged": same });
            out.show(&value, || {
                format!(
                    "{}: here {} events ({}), server {} events ({}): {}",
                    key,
                    here.events,
                    &here.digest[..16],
                    server.events,
                    &server.digest[..16],
                    if same { "converged" } else { "different" }
                )
            })?;
            if !same {
                anyhow::bail!(
                    "this laptop does not hold exactly what the server holds; run `casebook sync`"
                );
            }
            Ok(())
        }
    }
}
