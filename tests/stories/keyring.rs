//! "Remember on this computer" through the real binary and a real Secret Service: GNOME Keyring on a private D-Bus
//! session bus that the story starts itself (Debian's `dbus-daemon` and `gnome-keyring`, installed by
//! `scripts/setup-debian.sh`), so no one's own keyring is touched and no wrapper script is needed.
//!
//! Told here: a remembered key opens the directory with no passphrase anywhere; forgetting it asks again; a key
//! kept for a directory that was since replaced is never used (and is dropped); changing the passphrase keeps the
//! remembered key; two directories keep two keys; and a computer with no keyring at all (no session bus) refuses to
//! remember in plain words while the passphrase keeps working.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::cli::{DataDir, Run};
use crate::encryption::{encrypted_dir_with_incident, ok_unlocked, run_with, PASSPHRASE};

/// A session bus with GNOME Keyring on it, unlocked with a throwaway password; both stop when it is dropped.
struct PrivateKeyring {
    bus: Child,
    keyring: Child,
    address: String,
    _home: TempDir,
}

impl PrivateKeyring {
    fn start() -> PrivateKeyring {
        let home = tempfile::tempdir().expect("a home for the keyring");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start dbus-daemon ({e}): scripts/setup-debian.sh installs it")
            });
        let mut address = String::new();
        BufReader::new(bus.stdout.take().expect("the bus's stdout"))
            .read_line(&mut address)
            .expect("the bus prints its address");
        let address = address.trim().to_string();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_RUNTIME_DIR", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start gnome-keyring-daemon ({e}): scripts/setup-debian.sh installs the gnome-keyring \
                     package"
                )
            });
        // The password of the new login keyring, then end of input: the daemon creates it unlocked.
        let mut stdin = keyring.stdin.take().expect("the keyring's stdin");
        stdin
            .write_all(b"throwaway keyring password")
            .expect("unlock the keyring");
        drop(stdin);
        let started = PrivateKeyring {
            bus,
            keyring,
            address,
            _home: home,
        };
        started.wait_for_secret_service();
        started
    }

    /// Waits until the keyring owns the Secret Service's name on the bus.
    fn wait_for_secret_service(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let reply = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .output()
                .expect("run dbus-send");
            if String::from_utf8_lossy(&reply.stdout).contains("boolean true") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "GNOME Keyring did not take the Secret Service's name within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `casebook ARGS` on `cb` with this keyring (and `passphrase` in CASEBOOK_PASSPHRASE_FILE, if given).
    fn run(&self, cb: &DataDir, args: &[&str], passphrase: Option<&str>) -> Run {
        let mut command = cb.command(args);
        command.env("DBUS_SESSION_BUS_ADDRESS", &self.address);
        if let Some(p) = passphrase {
            let file = cb.work().join("keyring-story-passphrase");
            std::fs::write(&file, format!("{p}\n")).expect("write the passphrase file");
            command.env("CASEBOOK_PASSPHRASE_FILE", file);
        }
        cb.run_command(command, args)
    }

    fn ok(&self, cb: &DataDir, args: &[&str], passphrase: Option<&str>) -> String {
        let run = self.run(cb, args, passphrase);
        assert_eq!(
            run.code,
            Some(0),
            "`casebook {}` must succeed: {}",
            run.args,
            run.stderr
        );
        run.stdout
    }

    /// `casebook unlock --forget --json`, parsed.
    fn forget(&self, cb: &DataDir) -> serde_json::Value {
        serde_json::from_str(&self.ok(cb, &["unlock", "--forget", "--json"], None))
            .expect("unlock --forget --json is JSON")
    }

    /// `casebook incident list` with no passphrase anywhere (no file, no terminal): what the keyring alone opens.
    fn list_without_passphrase(&self, cb: &DataDir) -> Run {
        self.run(cb, &["incident", "list"], None)
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn assert_locked(run: &Run, why: &str) {
    assert_ne!(
        run.code,
        Some(0),
        "{why}: must not open; stdout {}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("is encrypted: it opens with its passphrase"),
        "{why}: the plain 'locked' message is expected, got: {}",
        run.stderr
    );
}

#[test]
fn a_remembered_key_opens_without_a_passphrase_until_it_is_forgotten() {
    let keyring = PrivateKeyring::start();
    let (cb, key) = encrypted_dir_with_incident("Obsidian heron at Lowmoor");

    assert_locked(
        &keyring.list_without_passphrase(&cb),
        "before anything is remembered",
    );
    let answer: serde_json::Value = serde_json::from_str(&keyring.ok(
        &cb,
        &["unlock", "--remember", "--json"],
        Some(PASSPHRASE),
    ))
    .expect("unlock --json is JSON");
    assert_eq!(answer["remembered"], true);

    let run = keyring.list_without_passphrase(&cb);
    assert_eq!(
        run.code,
        Some(0),
        "the remembered key opens the directory: {}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&key),
        "and the incident is there: {}",
        run.stdout
    );
    // Writing works too, not only reading.
    keyring.ok(
        &cb,
        &["comment", "add", &key, "Opened from the keyring"],
        None,
    );

    // A new passphrase wraps the same data key: what the keyring keeps still opens the data.
    let (code, _, stderr) = run_with(
        &cb,
        &["passphrase", "change", "--new-passphrase-stdin"],
        Some(PASSPHRASE),
        "an entirely new passphrase 42\n",
    );
    assert_eq!(code, Some(0), "passphrase change: {stderr}");
    assert_eq!(keyring.list_without_passphrase(&cb).code, Some(0));

    let forgot = keyring.forget(&cb);
    assert_eq!(forgot["forgotten"], true);
    assert_locked(&keyring.list_without_passphrase(&cb), "after forgetting");
    let again = keyring.forget(&cb);
    assert_eq!(again["forgotten"], false, "nothing is left to forget");
}

#[test]
fn a_key_kept_for_a_directory_that_was_replaced_is_never_used() {
    // The attack: the data directory at a remembered path is swapped for another encrypted one (a copy from
    // another laptop, or a planted directory). The kept key must not be handed to it, and must go.
    let keyring = PrivateKeyring::start();
    let (cb, _) = encrypted_dir_with_incident("Vermilion stoat at Eastgate");
    keyring.ok(&cb, &["unlock", "--remember"], Some(PASSPHRASE));
    assert_eq!(keyring.list_without_passphrase(&cb).code, Some(0));

    let (other, other_key) = encrypted_dir_with_incident("Planted case");
    replace_dir_contents(cb.path(), other.path());

    assert_locked(
        &keyring.list_without_passphrase(&cb),
        "a replaced directory under a remembered path",
    );
    // The passphrase of what is there now opens it; the stale key was dropped, so nothing opens it silently.
    let list = ok_unlocked(&cb, &["incident", "list"]);
    assert!(list.contains(&other_key), "{list}");
    assert_locked(
        &keyring.list_without_passphrase(&cb),
        "the stale key is gone, not tried again",
    );
    let forgot = keyring.forget(&cb);
    assert_eq!(
        forgot["forgotten"], false,
        "the stale key was already dropped"
    );
}

#[test]
fn two_directories_keep_two_keys() {
    let keyring = PrivateKeyring::start();
    let (first, first_key) = encrypted_dir_with_incident("First case");
    let (second, _) = encrypted_dir_with_incident("Second case");
    keyring.ok(&first, &["unlock", "--remember"], Some(PASSPHRASE));
    let run = keyring.list_without_passphrase(&first);
    assert!(run.stdout.contains(&first_key), "{}", run.stderr);
    assert_locked(
        &keyring.list_without_passphrase(&second),
        "a key remembered for one directory opens no other",
    );
}

#[test]
fn without_a_keyring_remembering_is_refused_in_plain_words_and_the_passphrase_still_works() {
    let (cb, key) = encrypted_dir_with_incident("Headless case");
    let before = std::fs::read(cb.path().join("casebook.key")).expect("the key file");
    // No session bus at all, as on a headless server (DataDir::command removes the bus address).
    let (code, _, stderr) = run_with(&cb, &["unlock", "--remember"], Some(PASSPHRASE), "");
    assert_eq!(code, Some(1), "remembering needs a keyring: {stderr}");
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains("system keyring")
            && stderr.contains("the passphrase still opens the data"),
        "the refusal says what is missing and that nothing is lost: {stderr}"
    );
    assert_eq!(
        std::fs::read(cb.path().join("casebook.key")).expect("the key file"),
        before,
        "the key file is untouched"
    );
    let list = ok_unlocked(&cb, &["incident", "list"]);
    assert!(list.contains(&key), "{list}");
}

/// Makes `dir` hold what `from` holds (files only, as a data directory is), removing what was there.
fn replace_dir_contents(dir: &Path, from: &Path) {
    for item in std::fs::read_dir(dir).expect("list").flatten() {
        let path = item.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path).expect("remove a folder");
        } else {
            std::fs::remove_file(&path).expect("remove a file");
        }
    }
    copy_tree(from, dir);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for item in std::fs::read_dir(from).expect("list").flatten() {
        let target = to.join(item.file_name());
        if item.path().is_dir() {
            copy_tree(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), &target).expect("copy a file");
        }
    }
}
