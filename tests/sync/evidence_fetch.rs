//! Evidence across laptops: an item added on one laptop is listed on another at once, its file comes down on
//! demand with progress, verified on arrival; a file altered on the server is refused and leaves nothing behind.

use std::path::Path;

use casebook_api::evidence::EvidenceInput;
use casebook_api::incidents::NewIncident;
use casebook_api::ErrorCode;
use casebook_core::model::{Role, Severity, Tlp};
use sha2::{Digest, Sha256};

use crate::harness::{Laptop, Server};

/// `len` bytes that do not compress or repeat, named by their content.
fn file(dir: &Path, name: &str, len: usize, seed: u8) -> std::path::PathBuf {
    let mut bytes = Vec::with_capacity(len);
    let mut block = Sha256::digest([seed]).to_vec();
    while bytes.len() < len {
        bytes.extend_from_slice(&block);
        block = Sha256::digest(&block).to_vec();
    }
    bytes.truncate(len);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn add(laptop: &mut Laptop, key: &str, path: &Path) -> casebook_store::read::EvidenceView {
    laptop
        .cb
        .add_evidence(
            key,
            path,
            EvidenceInput {
                source_host: "ws-042".into(),
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap()
}

fn temporary_files(laptop: &Laptop) -> usize {
    std::fs::read_dir(laptop.cb.data_dir().join("blobs").join("tmp"))
        .unwrap()
        .count()
}

#[test]
fn evidence_from_another_laptop_comes_down_verified_and_an_altered_copy_is_refused() {
    let server = Server::start(None);
    let ana = server.account("Ana Silva", Role::Responder, Some(1));
    let lena = server.account("Lena Park", Role::Lead, None);
    let omar = server.account("Omar Haddad", Role::Responder, Some(2));
    let mut a = server.laptop(&ana);
    let mut b = server.laptop(&lena);
    let mut c = server.laptop(&omar);
    let work = tempfile::tempdir().unwrap();

    let key =
        a.cb.new_incident(NewIncident::titled("Ransom note", Severity::Sev1, Tlp::Red))
            .unwrap()
            .row
            .key;
    // Larger than the server's 4 MiB read chunk, so it arrives in several pieces.
    let memory = add(
        &mut a,
        &key,
        &file(work.path(), "memory.raw", 9 * 1024 * 1024 + 17, 1),
    );
    let note = add(&mut a, &key, &file(work.path(), "note.txt", 4096, 2));
    assert!(memory.stored_here, "made here, stored here");
    assert_eq!(a.sync().blobs_uploaded, 2);

    b.sync();
    let listed = b.cb.evidence(&key).unwrap();
    assert_eq!(listed.len(), 2, "listed at once through the events");
    assert!(
        listed.iter().all(|e| !e.stored_here),
        "but the files are not on this laptop yet: {listed:?}"
    );
    let not_here =
        b.cb.extract_evidence(&key, "memory.raw", &work.path().join("out"))
            .unwrap_err();
    assert_eq!(not_here.code, ErrorCode::NotFound, "{}", not_here.message);

    let mut seen = Vec::new();
    let fetched =
        b.cb.fetch_evidence(&key, &memory.sha256[..12], &mut |done, total| {
            seen.push((done, total))
        })
        .unwrap();
    assert!(fetched.stored_here);
    assert_eq!(fetched.id, memory.id);
    assert!(seen.len() > 1, "progress is reported as the bytes arrive");
    assert_eq!(
        seen.last(),
        Some(&(memory.size, Some(memory.size))),
        "progress ends at the file's size"
    );
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
    let out = work.path().join("memory.out");
    b.cb.extract_evidence(&key, "memory.raw", &out).unwrap();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(work.path().join("memory.raw")).unwrap(),
        "the bytes that came down are the bytes added"
    );
    let mut called = false;
    b.cb.fetch_evidence(&key, "memory.raw", &mut |_, _| called = true)
        .unwrap();
    assert!(!called, "a file already here returns at once");

    // Ahead of time, per incident, on a third laptop.
    c.sync();
    let mut last = (0, None);
    let n =
        c.cb.fetch_incident_evidence(&key, &mut |done, total| last = (done, total))
            .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        last,
        (memory.size + note.size, Some(memory.size + note.size))
    );
    assert!(c.cb.evidence(&key).unwrap().iter().all(|e| e.stored_here));
    assert_eq!(
        c.cb.fetch_incident_evidence(&key, &mut |_, _| {}).unwrap(),
        0,
        "nothing left to fetch"
    );

    // Someone with access to the server's disk alters the note (same length, one byte changed).
    let db = rusqlite::Connection::open(server.sqlite_file()).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    let mut bytes: Vec<u8> = db
        .query_row(
            "SELECT data FROM blob_chunks WHERE sha256 = ?1 AND offset = 0",
            [&note.sha256],
            |r| r.get(0),
        )
        .unwrap();
    bytes[0] ^= 0xff;
    let changed = db
        .execute(
            "UPDATE blob_chunks SET data = ?2 WHERE sha256 = ?1 AND offset = 0",
            rusqlite::params![note.sha256, bytes],
        )
        .unwrap();
    assert_eq!(changed, 1, "the server's copy of the note was altered");
    let refused =
        b.cb.fetch_evidence(&key, "note.txt", &mut |_, _| {})
            .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Integrity, "{}", refused.message);
    assert!(
        refused.message.contains(&note.sha256),
        "the message names the hash the event recorded: {}",
        refused.message
    );
    assert!(
        !b.cb.blobs().contains(&note.sha256) && temporary_files(&b) == 0,
        "an altered file leaves nothing behind"
    );
    assert!(
        b.cb.evidence(&key)
            .unwrap()
            .iter()
            .any(|e| e.id == note.id && !e.stored_here),
        "the item stays listed, without its file"
    );
    let per_incident =
        b.cb.fetch_incident_evidence(&key, &mut |_, _| {})
            .unwrap_err();
    assert_eq!(per_incident.code, ErrorCode::Integrity);
    assert_eq!(temporary_files(&b), 0);
}
