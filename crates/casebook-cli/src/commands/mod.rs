//! One file per noun: each translates the parsed command into one API call and prints the result; `dispatch`
//! only routes.

pub mod alert;
mod bundle;
pub mod encryption;
mod escalation;
mod evidence;
mod incident;
mod log;
mod metrics;
mod profile;
mod records;
mod report;
mod search;
mod team;
mod timeline;

use casebook_api::Casebook;

use crate::cli::Command;
use crate::output::{opt_time, Out};

pub fn dispatch(cb: &mut Casebook, command: Command, out: &Out) -> anyhow::Result<()> {
    match command {
        Command::Init {
            name, role, tier, ..
        } => profile::init(cb, &name, role, tier, out),
        // They work on the data directory's files before anything opens it (`encryption::run_unopened`).
        Command::Unlock(_) | Command::Encrypt(_) | Command::Passphrase(_) => Ok(()),
        Command::Whoami => profile::whoami(cb, out),
        Command::User(c) => profile::user(cb, c, out),
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
        Command::Alert(c) => alert::run(cb, c, out),
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
        } => escalation::request(cb, &key, to_tier, to.as_deref(), &reason, &handoff, out),
        Command::Escalation(c) => escalation::run(cb, c, out),
        Command::Attention => escalation::attention(cb, out),
        Command::Search {
            query,
            incident,
            limit,
        } => search::search(cb, &query, incident.as_deref(), limit, out),
        Command::Metrics => metrics::metrics(cb, out),
        Command::Log(c) => log::log(cb, c, out),
        Command::Rebuild => log::rebuild(cb, out),
        Command::Demo => profile::demo(cb, out),
        Command::Report {
            key,
            output,
            template,
            key_events,
        } => report::report(cb, &key, &output, template, key_events, out),
        Command::Verify { file } => report::verify(cb, file, out),
        Command::Export { key, output } => bundle::export(cb, &key, &output, out),
        Command::Import { file, trust_device } => bundle::import(cb, &file, &trust_device, out),
    }
}

/// "—" for a missing time, for tables.
pub(crate) fn when(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    opt_time(t)
}
