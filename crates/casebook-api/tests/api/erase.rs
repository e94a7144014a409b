//! "Forget this laptop and erase its data": asked for first, done at the next start, and nothing opens the
//! directory in between.

use casebook_api::erase::{erase_requested, finish_erase, request_erase, ERASE_MARKER};
use casebook_api::incidents::NewIncident;
use casebook_api::{ErrorCode, DATABASE_FILE};
use casebook_core::model::{Role, Severity, Tier, Tlp};

use crate::open;

/// A data directory with a case, an evidence file in the store, and a file of the person's own beside them.
fn laptop() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let (mut cb, _clock) = open(dir.path(), "2026-11-20T10:00:00Z");
    cb.init("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    let key = cb
        .new_incident(NewIncident::titled(
            "Phishing wave",
            Severity::Sev2,
            Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    let mail = dir.path().join("mail.eml");
    std::fs::write(&mail, "From: attacker@evil.example\n\nclick here").unwrap();
    cb.add_evidence(&key, &mail, Default::default(), &mut |_| {})
        .unwrap();
    std::fs::remove_file(&mail).unwrap();
    std::fs::write(dir.path().join("my-notes.txt"), "not Casebook's").unwrap();
    (dir, key)
}

fn blob_files(dir: &std::path::Path) -> usize {
    walk(&dir.join("blobs"))
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn an_unmarked_directory_is_never_erased() {
    let (dir, key) = laptop();
    assert!(!finish_erase(dir.path()).unwrap());
    let (cb, _) = open(dir.path(), "2026-11-20T11:00:00Z");
    assert_eq!(cb.incident(&key).unwrap().row.title, "Phishing wave");
    assert_eq!(blob_files(dir.path()), 1);
}

#[test]
fn an_erase_is_asked_for_then_done_at_the_next_start_and_keeps_other_files() {
    let (dir, key) = laptop();
    request_erase(dir.path()).unwrap();
    assert!(erase_requested(dir.path()));

    // Until the app finishes it, nothing opens the directory: nothing can be added to data about to go.
    let err = casebook_api::Casebook::open(dir.path())
        .err()
        .expect("a marked directory is refused");
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(
        err.message.contains("set to be erased") && err.message.contains(ERASE_MARKER),
        "{err}"
    );
    assert!(
        dir.path().join(DATABASE_FILE).exists(),
        "refusing erased nothing"
    );

    assert!(finish_erase(dir.path()).unwrap());
    for name in ["", "-wal", "-shm"] {
        assert!(
            !dir.path().join(format!("{DATABASE_FILE}{name}")).exists(),
            "{DATABASE_FILE}{name} is gone"
        );
    }
    assert_eq!(blob_files(dir.path()), 0, "no evidence file is left");
    assert!(!erase_requested(dir.path()), "the marker goes last");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("my-notes.txt")).unwrap(),
        "not Casebook's"
    );

    // The next open starts afresh: no profile, no case.
    let (cb, _) = open(dir.path(), "2026-11-20T12:00:00Z");
    assert_eq!(cb.me().unwrap_err().code, ErrorCode::NotInitialized);
    assert_eq!(cb.incident(&key).unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn a_request_deleted_by_hand_keeps_the_data() {
    let (dir, key) = laptop();
    request_erase(dir.path()).unwrap();
    std::fs::remove_file(dir.path().join(ERASE_MARKER)).unwrap();
    assert!(!finish_erase(dir.path()).unwrap());
    let (cb, _) = open(dir.path(), "2026-11-20T12:00:00Z");
    assert_eq!(cb.incident(&key).unwrap().row.title, "Phishing wave");
}
