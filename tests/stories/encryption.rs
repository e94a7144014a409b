//! Encryption at rest through the real binary: what is on disk after an encrypted case is written (nothing readable,
//! the write-ahead log included), the refusals that change nothing (wrong passphrase, damaged key file, a database
//! without its key), converting a plain directory and changing the passphrase, and kill -9 during a conversion.
//! Evidence files are sealed by the evidence store under the same data key: their content and their SHA-256 must not
//! show either, in a new encrypted directory or after a conversion.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use casebook_api::encryption::{protection, Protection};
use casebook_api::{Casebook, Unlock};

use crate::cli::{sha256_hex, DataDir};

pub const PASSPHRASE: &str = "correct horse battery staple";
/// Rows imported into the directory that is converted under kill -9.
const ENTRIES: usize = 4_000;
const RUNS: usize = 20;

/// A file holding `passphrase`, for CASEBOOK_PASSPHRASE_FILE.
fn passphrase_file(dir: &Path, passphrase: &str) -> PathBuf {
    let path = dir.join(format!("pass-{}", passphrase.len()));
    std::fs::write(&path, format!("{passphrase}\n")).expect("write the passphrase file");
    path
}

/// Runs `args` with CASEBOOK_PASSPHRASE_FILE set (or not) and `stdin` written to standard input.
pub fn run_with(
    cb: &DataDir,
    args: &[&str],
    passphrase: Option<&str>,
    stdin: &str,
) -> (Option<i32>, String, String) {
    let mut command = cb.command(args);
    if let Some(p) = passphrase {
        command.env("CASEBOOK_PASSPHRASE_FILE", passphrase_file(cb.work(), p));
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start casebook");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("run casebook");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `args` on an encrypted directory with the right passphrase; it must succeed.
pub fn ok_unlocked(cb: &DataDir, args: &[&str]) -> String {
    let (code, stdout, stderr) = run_with(cb, args, Some(PASSPHRASE), "");
    assert_eq!(
        code,
        Some(0),
        "`casebook {}` must succeed with the passphrase: {stderr}",
        args.join(" ")
    );
    stdout
}

pub fn encrypted_dir_with_incident(title: &str) -> (DataDir, String) {
    let cb = DataDir::new();
    let (code, _, stderr) = run_with(
        &cb,
        &[
            "init",
            "--name",
            "Ana Silva",
            "--role",
            "responder",
            "--tier",
            "1",
            "--encrypt",
            "--passphrase-stdin",
        ],
        None,
        &format!("{PASSPHRASE}\n"),
    );
    assert_eq!(code, Some(0), "init --encrypt must succeed: {stderr}");
    let key = ok_unlocked(&cb, &["incident", "new", title])
        .trim()
        .to_string();
    (cb, key)
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for item in std::fs::read_dir(dir)
        .expect("list the directory")
        .flatten()
    {
        let path = item.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.insert(path.clone(), std::fs::read(&path).expect("read a file"));
        }
    }
    out
}

/// The files under `dir` in which `needle` occurs.
fn holding(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle))
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn an_encrypted_case_leaves_nothing_readable_on_disk_write_ahead_log_included() {
    let (cb, key) = encrypted_dir_with_incident("Quetzal ransom 7731 at Hollowmere");
    ok_unlocked(
        &cb,
        &[
            "timeline",
            "add",
            &key,
            "Marmalade beacon 9f2e seen on WKS-OBSIDIAN",
            "--at",
            "2026-11-20T09:00:00Z",
        ],
    );
    let evidence = b"Tangerine exfil ledger 4c1d: wire 90,000 to the courier";
    std::fs::write(cb.work().join("ledger.txt"), evidence).expect("write the evidence file");
    ok_unlocked(
        &cb,
        &[
            "evidence",
            "add",
            &key,
            "./ledger.txt",
            "--source-host",
            "FS-02",
        ],
    );
    let evidence_sha = sha256_hex(evidence);
    // A Casebook kept open holds its last changes in the write-ahead log: scan while it is there.
    let mut open = Casebook::open_unlocked(cb.path(), &Unlock::Passphrase(PASSPHRASE.into()))
        .expect("the passphrase opens the directory");
    open.add_comment(&key, "Periwinkle lateral movement 55aa")
        .expect("comment");
    let wal = cb.path().join("casebook.db-wal");
    assert!(
        std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0),
        "the scan must cover a live write-ahead log"
    );
    let needles: [&[u8]; 8] = [
        b"Tangerine exfil",
        evidence_sha.as_bytes(),
        b"Quetzal ransom",
        b"Hollowmere",
        b"Marmalade beacon",
        b"WKS-OBSIDIAN",
        b"Periwinkle lateral",
        b"SQLite format 3",
    ];
    for moment in ["while open", "after closing"] {
        for needle in needles {
            let found = holding(cb.path(), needle);
            assert!(
                found.is_empty(),
                "{moment}: `{}` must not be readable in any file of the data directory; found in {found:?}",
                String::from_utf8_lossy(needle)
            );
        }
        let named: Vec<PathBuf> = files(cb.path())
            .into_keys()
            .filter(|p| p.to_string_lossy().contains(&evidence_sha))
            .collect();
        assert!(
            named.is_empty(),
            "{moment}: no file name may reveal the evidence's SHA-256: {named:?}"
        );
        drop(std::mem::replace(
            &mut open,
            Casebook::open_unlocked(cb.path(), &Unlock::Passphrase(PASSPHRASE.into()))
                .expect("reopen"),
        ));
    }
    let comments = open.comments(&key).expect("comments");
    assert_eq!(
        comments.len(),
        1,
        "the encrypted case reads back through the passphrase"
    );
    let out = cb.work().join("ledger-out.txt");
    ok_unlocked(&cb, &["evidence", "verify"]);
    ok_unlocked(
        &cb,
        &[
            "evidence",
            "extract",
            &key,
            &evidence_sha[..12],
            "--output",
            out.to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(
        std::fs::read(&out).expect("extracted evidence"),
        evidence,
        "the sealed evidence reads back as it was added"
    );
}

#[test]
fn a_wrong_passphrase_a_damaged_key_file_and_a_database_without_its_key_are_refused_and_change_nothing(
) {
    let (cb, _) = encrypted_dir_with_incident("Refusals");
    let before = files(cb.path());

    let (code, _, stderr) = run_with(&cb, &["incident", "list"], None, "");
    assert_eq!(code, Some(1), "no passphrase in a script: {stderr}");
    assert!(
        stderr.contains("encrypted") && stderr.contains("CASEBOOK_PASSPHRASE_FILE"),
        "a locked directory says how to unlock it: {stderr}"
    );
    let (_, _, json) = run_with(&cb, &["incident", "list", "--json"], None, "");
    assert!(json.contains("\"code\":\"locked\""), "{json}");

    let (code, _, stderr) = run_with(
        &cb,
        &["incident", "list", "--json"],
        Some("not the passphrase"),
        "",
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("\"code\":\"wrong_passphrase\"") && stderr.contains("does not unlock"),
        "a wrong passphrase has its own code and a plain message: {stderr}"
    );
    assert_eq!(files(cb.path()), before, "refusals change no file");

    // A truncated key file, in a copy of the directory.
    let damaged = DataDir::new();
    for (path, bytes) in &before {
        let to = damaged
            .path()
            .join(path.strip_prefix(cb.path()).expect("under the dir"));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::write(&to, bytes).expect("copy");
    }
    let key_file = damaged.path().join("casebook.key");
    let text = std::fs::read(&key_file).expect("key file");
    std::fs::write(&key_file, &text[..text.len() / 2]).expect("truncate");
    let damaged_before = files(damaged.path());
    let (code, _, stderr) = run_with(&damaged, &["incident", "list"], Some(PASSPHRASE), "");
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("key file") && stderr.contains("damaged"),
        "a truncated key file is named as damaged: {stderr}"
    );
    assert_eq!(files(damaged.path()), damaged_before, "nothing changed");

    // The database copied to another directory without its key file.
    let copied = DataDir::new();
    std::fs::copy(cb.database(), copied.database()).expect("copy the database");
    let (code, _, stderr) = run_with(&copied, &["incident", "list"], Some(PASSPHRASE), "");
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("key file") && stderr.contains("missing"),
        "a database without its key file says which file is missing: {stderr}"
    );
    assert_eq!(
        std::fs::read(copied.database()).expect("db"),
        before[&cb.database()],
        "the copied database is untouched"
    );

    // ... and with another directory's key file beside it.
    let (other, _) = encrypted_dir_with_incident("Another laptop");
    std::fs::copy(
        other.path().join("casebook.key"),
        copied.path().join("casebook.key"),
    )
    .expect("copy a foreign key file");
    let (code, _, stderr) = run_with(&copied, &["incident", "list"], Some(PASSPHRASE), "");
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("does not belong"),
        "a key file from elsewhere is told apart from a wrong passphrase: {stderr}"
    );
    assert_eq!(
        std::fs::read(copied.database()).expect("db"),
        before[&cb.database()],
        "the copied database is untouched"
    );
}

#[test]
fn a_plain_directory_is_encrypted_in_place_and_a_new_passphrase_rewraps_the_same_key() {
    let (cb, key) = DataDir::with_incident("Converted later");
    let evidence = b"Saffron payroll dump 31e7 from the finance share";
    std::fs::write(cb.work().join("payroll.csv"), evidence).expect("write the evidence file");
    cb.ok(&[
        "evidence",
        "add",
        &key,
        "./payroll.csv",
        "--source-host",
        "FS-01",
    ]);
    let (code, stdout, stderr) = run_with(
        &cb,
        &["encrypt", "--passphrase-stdin"],
        None,
        &format!("{PASSPHRASE}\n"),
    );
    assert_eq!(code, Some(0), "encrypt must succeed: {stderr}");
    assert!(stdout.contains("now encrypted"), "{stdout}");
    assert_eq!(
        protection(cb.path()).expect("protection"),
        Protection::Encrypted
    );
    let (code, _, _) = run_with(&cb, &["incident", "show", &key], None, "");
    assert_eq!(code, Some(1), "the converted directory is locked");
    assert!(
        ok_unlocked(&cb, &["incident", "show", &key]).contains("Converted later"),
        "every case is still there after the conversion"
    );
    let evidence_sha = sha256_hex(evidence);
    for needle in [&evidence[..12], evidence_sha.as_bytes()] {
        assert!(
            holding(cb.path(), needle).is_empty(),
            "after the conversion the evidence shows neither its content nor its hash"
        );
    }
    assert!(
        !files(cb.path())
            .into_keys()
            .any(|p| p.to_string_lossy().contains(&evidence_sha)),
        "after the conversion no file is named by the evidence's hash"
    );
    ok_unlocked(&cb, &["evidence", "verify"]);

    let database = std::fs::read(cb.database()).expect("db");
    let (code, _, stderr) = run_with(
        &cb,
        &["passphrase", "change", "--new-passphrase-stdin"],
        Some(PASSPHRASE),
        "a brand new passphrase\n",
    );
    assert_eq!(code, Some(0), "passphrase change must succeed: {stderr}");
    assert_eq!(
        std::fs::read(cb.database()).expect("db"),
        database,
        "a new passphrase rewraps the key and leaves the database as it was"
    );
    let (code, _, _) = run_with(&cb, &["unlock"], Some(PASSPHRASE), "");
    assert_eq!(code, Some(1), "the old passphrase no longer unlocks");
    let (code, stdout, stderr) = run_with(&cb, &["unlock"], Some("a brand new passphrase"), "");
    assert_eq!(code, Some(0), "the new one does: {stderr}");
    assert!(stdout.contains("unlocks"), "{stdout}");
}

/// What a data directory holds after a kill, read the way the next command would.
fn entries_after(dir: &Path, context: &str) -> (Protection, i64) {
    let state =
        protection(dir).unwrap_or_else(|e| panic!("{context}: the directory must read: {e}"));
    let unlock = Unlock::Passphrase(PASSPHRASE.into());
    let cb = match state {
        Protection::Encrypted => Casebook::open_unlocked(dir, &unlock),
        _ => Casebook::open(dir),
    }
    .unwrap_or_else(|e| panic!("{context}: the directory ({state:?}) must open: {e}"));
    assert_eq!(
        cb.store().integrity_check().expect("integrity_check"),
        "ok",
        "{context}: the database must be sound"
    );
    let entries = cb
        .store()
        .conn()
        .query_row("SELECT count(*) FROM timeline_entries", [], |r| r.get(0))
        .expect("count entries");
    (state, entries)
}

fn copy_dir(from: &Path, to: &Path) {
    for (path, bytes) in files(from) {
        let target = to.join(path.strip_prefix(from).expect("under the dir"));
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("copy");
    }
}

#[test]
fn kill_9_during_encrypt_leaves_the_directory_plain_or_wholly_encrypted_and_loses_nothing() {
    let (template, key) = DataDir::with_incident("Converted under fire");
    let timeline = template.work().join("rows.jsonl");
    let rows: String = (0..ENTRIES)
        .map(|i| {
            format!(
                "{{\"message\": \"logon {i} of svc-backup\", \"datetime\": \"2026-11-19T10:{:02}:{:02}Z\", \"timestamp_desc\": \"Event Recorded\"}}\n",
                (i / 60) % 60,
                i % 60
            )
        })
        .collect();
    std::fs::write(&timeline, rows).expect("write the timeline");
    template.ok(&["timeline", "import", &key, "rows.jsonl"]);
    let expected = ENTRIES as i64;

    let encrypt = |cb: &DataDir| {
        let mut command = cb.command(&["encrypt"]);
        command.env(
            "CASEBOOK_PASSPHRASE_FILE",
            passphrase_file(cb.work(), PASSPHRASE),
        );
        command.stdout(Stdio::null()).stderr(Stdio::null());
        command
    };
    // How long a whole conversion takes here, and how long unlocking alone (the key derivation) takes: the kills
    // are spread from half the latter to a little past the former, so most land in the database work.
    let fresh = || {
        let cb = DataDir::new();
        copy_dir(template.path(), cb.path());
        cb
    };
    let mut full = Duration::MAX;
    let mut kdf = Duration::MAX;
    for _ in 0..2 {
        let cb = fresh();
        let start = Instant::now();
        assert!(encrypt(&cb).status().expect("encrypt").success());
        full = full.min(start.elapsed());
        let start = Instant::now();
        ok_unlocked(&cb, &["unlock"]);
        kdf = kdf.min(start.elapsed());
    }
    let from = kdf / 2;
    let span = (full.mul_f64(1.1)).saturating_sub(from);
    eprintln!("encrypt of {ENTRIES} entries takes {full:?}, unlocking {kdf:?}");

    let (mut plain, mut encrypted) = (0, 0);
    for run in 0..RUNS {
        let cb = fresh();
        let delay = from + span.mul_f64(run as f64 / (RUNS - 1) as f64);
        let context = format!("run {run}, kill after {delay:?} of {full:?}");
        let mut child = encrypt(&cb).spawn().expect("start encrypt");
        // Choosing the moment of the kill is the point of this test: this sleep synchronizes nothing.
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().expect("reap");

        let (state, entries) = entries_after(cb.path(), &context);
        assert!(
            matches!(state, Protection::Plain | Protection::Encrypted),
            "{context}: the directory is plain or encrypted, got {state:?}"
        );
        assert_eq!(
            entries, expected,
            "{context}: every entry survives the kill"
        );
        if state == Protection::Encrypted {
            encrypted += 1;
            assert!(
                cb.path().join("casebook.key").is_file(),
                "{context}: an encrypted directory has its key file"
            );
        } else {
            plain += 1;
        }

        // Run again: the conversion completes (or finds it done).
        assert!(
            encrypt(&cb).status().expect("encrypt").success(),
            "{context}: a new run completes"
        );
        let (state, entries) = entries_after(cb.path(), &context);
        assert_eq!(state, Protection::Encrypted, "{context}: after the new run");
        assert_eq!(
            entries, expected,
            "{context}: every entry after the new run"
        );
        assert!(
            holding(cb.path(), b"SQLite format 3").is_empty()
                && holding(cb.path(), b"svc-backup").is_empty(),
            "{context}: no plaintext database or entry is left beside the encrypted one"
        );
    }
    eprintln!("kills left {plain} directories plain and {encrypted} encrypted");
}
