//! `casebook`: the command-line front end. It parses, calls one application-API method per command, and prints.
//! Exit codes: 0 success, 1 error, 2 wrong usage (clap's own), 3 a report only partly checked (`exit`).

mod cli;
mod commands;
mod exit;
mod hint;
mod output;

use std::process::ExitCode;

use casebook_api::Casebook;
use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            report(&err, json);
            ExitCode::from(exit::code(&err))
        }
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<()> {
    let dir = match cli.data_dir {
        Some(d) => d,
        None => Casebook::default_data_dir().ok_or_else(|| {
            anyhow::anyhow!("cannot find a data directory for this user; pass --data-dir DIR")
        })?,
    };
    let out = output::Out { json: cli.json };
    if let Some(done) = commands::encryption::run_unopened(&dir, &cli.command, &out) {
        return done;
    }
    let mut cb = commands::encryption::open(&dir, &cli.command)?;
    if let Some(who) = &cli.act_as {
        cb.act_as(who)?;
    }
    commands::dispatch(&mut cb, cli.command, &out)
}

/// Prints an error for a person (message, the next step, then its causes) or, with --json, as `{code, message, hint}`
/// on stderr.
fn report(err: &anyhow::Error, json: bool) {
    let api = err.downcast_ref::<casebook_api::Error>();
    if json {
        let value = match api {
            Some(e) => e.to_json(),
            None => serde_json::json!({ "code": "internal", "message": format!("{err:#}") }),
        };
        eprintln!("{value}");
        return;
    }
    // Error messages quote names from files and bundles: control characters are shown, never obeyed.
    eprintln!("error: {}", output::visible(&err.to_string()));
    if let Some(h) = api.and_then(|e| e.hint.as_ref()) {
        eprintln!("hint: {}", output::visible(&hint::words(h)));
    }
    // Causes add detail only for errors we did not word ourselves.
    if api.is_none() {
        for cause in err.chain().skip(1) {
            eprintln!("  caused by: {}", output::visible(&cause.to_string()));
        }
    }
}
