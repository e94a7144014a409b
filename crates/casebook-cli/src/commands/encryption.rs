//! Encryption at rest from the terminal: `init --encrypt`, `unlock`, `encrypt`, `passphrase change`, and the
//! passphrase a command needs to open an encrypted data directory. The rules (what is encrypted, what a passphrase
//! must be, how a directory is converted) are the API's; this file only gathers passphrases and prints.
//!
//! An encrypted directory opens with the key remembered in the system keyring (`unlock --remember`, or the app's
//! "Remember on this computer") when there is one; otherwise with a passphrase from, in order: a flag's standard
//! input (`--passphrase-stdin`), the file named by `CASEBOOK_PASSPHRASE_FILE` (for scripts), or a prompt on the
//! terminal that does not echo. Without any of these the API's "locked" error is shown with its hint.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use casebook_api::encryption::{self, Encrypted};
use casebook_api::system_keyring;
use casebook_api::{Casebook, ErrorCode, SystemClock, Unlock};
use clap::{Args, Subcommand};

use crate::cli::Command;
use crate::output::Out;

/// The environment variable naming a file that holds the passphrase (its first line).
const PASSPHRASE_FILE: &str = "CASEBOOK_PASSPHRASE_FILE";

/// `init`'s encryption flags.
#[derive(Debug, Args)]
pub struct InitEncryption {
    /// Encrypt this data directory with a passphrase (asked for on the terminal). Forgetting it loses the data.
    #[arg(long)]
    pub encrypt: bool,
    /// With --encrypt: read the passphrase from one line of standard input.
    #[arg(long, requires = "encrypt")]
    pub passphrase_stdin: bool,
}

/// `unlock`'s flags.
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Also keep the data key in this computer's keyring (the Secret Service), so the app and these commands open
    /// the data without asking. Anyone who can use your logged-in session can then read the cases.
    #[arg(long, conflicts_with = "forget")]
    pub remember: bool,
    /// Remove the key kept in this computer's keyring: the passphrase is asked for again. Needs no passphrase.
    #[arg(long)]
    pub forget: bool,
}

/// `encrypt`'s flags.
#[derive(Debug, Args)]
pub struct EncryptArgs {
    /// Read the new passphrase from one line of standard input (otherwise CASEBOOK_PASSPHRASE_FILE, or the terminal).
    #[arg(long)]
    pub passphrase_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum PassphraseCmd {
    /// Change the passphrase of an encrypted data directory. The data is not re-encrypted: the data key is sealed
    /// again under the new passphrase. The current one comes from CASEBOOK_PASSPHRASE_FILE or the terminal.
    ///
    /// Example: casebook passphrase change --new-passphrase-stdin < new.txt
    Change {
        /// Read the new passphrase from one line of standard input (otherwise it is asked for twice).
        #[arg(long)]
        new_passphrase_stdin: bool,
    },
}

/// Runs the commands that work on the data directory's files rather than on an open [`Casebook`]; `None` for the
/// others.
pub fn run_unopened(dir: &Path, command: &Command, out: &Out) -> Option<anyhow::Result<()>> {
    match command {
        Command::Unlock(args) => Some(unlock(dir, args, out)),
        Command::Encrypt(args) => Some(encrypt(dir, args, out)),
        Command::Passphrase(PassphraseCmd::Change {
            new_passphrase_stdin,
        }) => Some(change(dir, *new_passphrase_stdin, out)),
        _ => None,
    }
}

/// Opens the data directory for `command`: created encrypted for `init --encrypt`, unlocked with a passphrase when
/// the API says it is locked, as before otherwise.
pub fn open(dir: &Path, command: &Command) -> anyhow::Result<Casebook> {
    if let Command::Init { encryption, .. } = command {
        if encryption.encrypt {
            let passphrase = new_passphrase(encryption.passphrase_stdin, true)?;
            return Ok(Casebook::create_encrypted(
                dir,
                &passphrase,
                Arc::new(SystemClock),
            )?);
        }
    }
    match Casebook::open(dir) {
        Err(e) if e.code == ErrorCode::Locked => {
            if let Some(key) = system_keyring::remembered_key(dir) {
                return Ok(Casebook::open_unlocked(dir, &Unlock::Key(key))?);
            }
            match current_passphrase(dir)? {
                Some(passphrase) => Ok(Casebook::open_unlocked(
                    dir,
                    &Unlock::Passphrase(passphrase),
                )?),
                None => Err(e.into()),
            }
        }
        other => Ok(other?),
    }
}

fn unlock(dir: &Path, args: &UnlockArgs, out: &Out) -> anyhow::Result<()> {
    encryption::ensure_encrypted(dir)?;
    if args.forget {
        let forgotten = system_keyring::forget(dir)?;
        return out.show(&serde_json::json!({ "forgotten": forgotten }), || {
            if forgotten {
                format!(
                    "This computer's keyring no longer holds the key of {}: its passphrase is asked for again.",
                    dir.display()
                )
            } else {
                format!("This computer's keyring held no key for {}.", dir.display())
            }
        });
    }
    let passphrase = current_passphrase(dir)?.ok_or_else(|| encryption::locked(dir))?;
    let key = encryption::check_passphrase(dir, &passphrase)?;
    if args.remember {
        system_keyring::remember(dir, &key)?;
    }
    out.show(
        &serde_json::json!({ "unlocked": true, "remembered": args.remember }),
        || {
            if args.remember {
                format!(
                    "The passphrase unlocks {}; this computer's keyring now opens it without asking                      (`casebook unlock --forget` undoes that).",
                    dir.display()
                )
            } else {
                format!("The passphrase unlocks {}.", dir.display())
            }
        },
    )
}

fn encrypt(dir: &Path, args: &EncryptArgs, out: &Out) -> anyhow::Result<()> {
    let passphrase = new_passphrase(args.passphrase_stdin, true)?;
    let done = encryption::encrypt_directory(dir, &passphrase, Default::default())?;
    out.show(&serde_json::json!({ "result": done }), || match done {
        Encrypted::Converted => format!(
            "{} is now encrypted. Keep the passphrase safe: without it the data cannot be read.",
            dir.display()
        ),
        Encrypted::Created => format!(
            "{} will be created encrypted. Keep the passphrase safe: without it the data cannot be read.",
            dir.display()
        ),
        Encrypted::AlreadyEncrypted => {
            format!("{} was already encrypted; nothing changed.", dir.display())
        }
    })
}

fn change(dir: &Path, new_from_stdin: bool, out: &Out) -> anyhow::Result<()> {
    encryption::ensure_encrypted(dir)?;
    let old = current_passphrase(dir)?.ok_or_else(|| encryption::locked(dir))?;
    let new = new_passphrase(new_from_stdin, false)?;
    encryption::change_passphrase(dir, &old, &new)?;
    out.show(&serde_json::json!({ "changed": true }), || {
        "The passphrase is changed; the old one no longer unlocks this data directory.".into()
    })
}

/// The current passphrase: from CASEBOOK_PASSPHRASE_FILE, else asked on the terminal, else `None`.
fn current_passphrase(dir: &Path) -> anyhow::Result<Option<String>> {
    if let Some(p) = from_env_file()? {
        return Ok(Some(p));
    }
    ask(&format!("Passphrase for {}: ", dir.display()))
}

/// A new passphrase: from standard input with the flag, else CASEBOOK_PASSPHRASE_FILE (when `env_file`), else asked
/// twice on the terminal.
fn new_passphrase(from_stdin: bool, env_file: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    if env_file {
        if let Some(p) = from_env_file()? {
            return Ok(p);
        }
    }
    let Some(first) = ask("New passphrase: ")? else {
        anyhow::bail!(
            "a passphrase is needed: type it on a terminal, pass it on standard input with --passphrase-stdin, or \
             set {PASSPHRASE_FILE}"
        );
    };
    if ask("Repeat it: ")?.as_deref() != Some(first.as_str()) {
        anyhow::bail!("the two passphrases differ; nothing was changed");
    }
    Ok(first)
}

fn from_env_file() -> anyhow::Result<Option<String>> {
    let Some(path) = std::env::var_os(PASSPHRASE_FILE) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        anyhow::anyhow!(
            "cannot read the passphrase file {} (from {PASSPHRASE_FILE}): {e}",
            Path::new(&path).display()
        )
    })?;
    Ok(Some(text.lines().next().unwrap_or_default().to_string()))
}

/// Asks on the terminal without echoing what is typed; `None` when there is no terminal (a script).
fn ask(prompt: &str) -> anyhow::Result<Option<String>> {
    if !std::io::stderr().is_terminal() {
        return Ok(None);
    }
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return Ok(None);
    };
    let mut writer = &tty;
    write!(writer, "{prompt}")?;
    writer.flush()?;
    let saved = rustix::termios::tcgetattr(&tty)?;
    let mut quiet = saved.clone();
    quiet.local_modes -= rustix::termios::LocalModes::ECHO;
    rustix::termios::tcsetattr(&tty, rustix::termios::OptionalActions::Now, &quiet)?;
    let mut line = String::new();
    let read = std::io::BufReader::new(&tty).read_line(&mut line);
    // Echo comes back whatever the read gave.
    rustix::termios::tcsetattr(&tty, rustix::termios::OptionalActions::Now, &saved)?;
    writeln!(writer)?;
    read?;
    Ok(Some(line.trim_end_matches(['\n', '\r']).to_string()))
}
