//! `login`, `logout`, `sync` and `sync status`: working with the team server.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use casebook_api::sync::{ServerCertificate, ServerTrust, SyncReport, SyncStep};
use casebook_api::Casebook;

use crate::cli::SyncCmd;
use crate::output::{opt_time, progress, visible, Out};

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

/// The trust the flags name; `None` when they name none (then the server's certificate decides, or the person).
pub fn trust(ca_cert: Option<PathBuf>, pin: Option<String>) -> Option<ServerTrust> {
    match (ca_cert, pin) {
        (Some(path), _) => Some(ServerTrust::CaFile(path)),
        (None, Some(fingerprint)) => Some(ServerTrust::Pinned { fingerprint }),
        (None, None) => None,
    }
}

/// Without a flag: a certificate the system's roots accept, or the one this laptop already pinned, needs no
/// question; any other is shown by its fingerprint and asked about on the terminal, or refused without one.
fn decide_trust(cb: &Casebook, server: &str) -> anyhow::Result<ServerTrust> {
    let cert = cb.server_certificate(server)?;
    if let Some(known) = cert.known_trust() {
        return Ok(known);
    }
    let Some(mut tty) = terminal() else {
        return Err(casebook_api::Error::invalid(format!(
            "the server at {} presents a certificate this laptop does not trust yet, with the SHA-256 fingerprint\n  {}\nIf your admin confirms it (`casebook-server init` printed it), sign in with --pin {} (or --ca-cert with the server's cert.pem)",
            cert.server, cert.fingerprint, cert.fingerprint
        ))
        .into());
    };
    eprint!("{}", describe(&cert));
    eprint!("Trust this certificate? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    tty.read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(ServerTrust::Pinned {
            fingerprint: cert.fingerprint,
        })
    } else {
        anyhow::bail!("not signed in: the server's certificate was not trusted")
    }
}

/// The person's terminal, to ask on even when the password comes on standard input; `None` in scripts.
fn terminal() -> Option<std::io::BufReader<std::fs::File>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    std::fs::File::open("/dev/tty")
        .ok()
        .map(std::io::BufReader::new)
}

fn describe(cert: &ServerCertificate) -> String {
    format!(
        "The server at {} presents a certificate this laptop does not know:\n  Subject      {}\n  Issuer       {}\n  Valid until  {}\n  Fingerprint  {}\nCompare the fingerprint with the one your admin has (`casebook-server init` printed it).\n",
        cert.server,
        visible(&cert.subject),
        visible(&cert.issuer),
        opt_time(&cert.not_after),
        cert.fingerprint
    )
}

pub fn login(
    cb: &mut Casebook,
    server: &str,
    user: &str,
    password_stdin: bool,
    trust: Option<ServerTrust>,
    out: &Out,
) -> anyhow::Result<()> {
    let trust = match trust {
        Some(t) => t,
        None => decide_trust(cb, server)?,
    };
    let password = read_password(password_stdin)?;
    let (bar, step) = bar();
    let r = cb.login(server, user, &password, &trust, &step)?;
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

pub fn logout(cb: &mut Casebook, forget: bool, out: &Out) -> anyhow::Result<()> {
    if forget {
        let r = cb.forget_team()?;
        return out.show(&r, || {
            let mut text = String::from("This laptop left its team: it syncs no more. Every case and evidence file stays here.");
            if r.unsynced > 0 {
                text.push_str(&format!("\n{} event(s) made here never reached the server; they stay on this laptop only.", r.unsynced));
            }
            if !r.told_server {
                text.push_str("\nThe server could not be told; its token for this laptop expires on its own.");
            }
            text
        });
    }
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
                if let Some(fp) = &s.fingerprint {
                    text.push_str(&format!("\nCertificate {fp}"));
                }
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
