//! The store's behaviour on plain directories: de-duplication, locks against the sweep, resumed transfers.
use super::*;
use std::io::Write;
use std::sync::{Arc, Barrier, Mutex};

/// A test's barrier, met by an add of the blob at this path once it has opened the copy in place and before it
/// waits for that copy's lock: the interleaving the sweep test needs, without sleeping.
static OPENED_EXISTING: Mutex<Option<(PathBuf, Arc<Barrier>)>> = Mutex::new(None);

pub(super) fn opened_existing(dest: &Path) {
    let hook = OPENED_EXISTING.lock().unwrap().clone();
    if let Some((path, barrier)) = hook {
        if path == dest {
            barrier.wait();
        }
    }
}

#[test]
fn staging_hashes_deduplicates_and_detects_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let a = store.stage(&b"hello evidence"[..], &mut |_| {}).unwrap();
    assert_eq!(
        a.sha256,
        hash_reader(&b"hello evidence"[..], &mut |_| {}).unwrap()
    );
    let sha = a.sha256.clone();
    // A second add of the same content waits for the first's lock (it would block here), so let go first.
    drop(a);
    let b = store.stage(&b"hello evidence"[..], &mut |_| {}).unwrap();
    assert_eq!(b.sha256, sha);
    assert_eq!(
        store.list(),
        vec![sha.clone()],
        "the same content must be stored once"
    );
    drop(b);
    assert_eq!(store.check(&sha, &mut |_| {}).unwrap(), BlobCheck::Matches);
    fs::write(store.path_of(&sha), b"tampered").unwrap();
    assert!(
        matches!(
            store.check(&sha, &mut |_| {}).unwrap(),
            BlobCheck::Differs { .. }
        ),
        "a changed blob must be reported"
    );
}

#[test]
fn an_add_waits_for_a_sweeper_holding_the_blob_and_puts_it_back_if_swept() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let sha = store
        .stage(&b"same bytes"[..], &mut |_| {})
        .unwrap()
        .sha256
        .clone();
    // A sweeper holds the orphan's lock and is about to remove it.
    let sweeper = File::open(store.path_of(&sha)).unwrap();
    sweeper.lock().unwrap();
    let opened = Arc::new(Barrier::new(2));
    *OPENED_EXISTING.lock().unwrap() = Some((store.path_of(&sha), opened.clone()));
    let adder = {
        let store = store.clone();
        std::thread::spawn(move || {
            store
                .stage(&b"same bytes"[..], &mut |_| {})
                .map(|b| b.sha256.clone())
        })
    };
    // The adder has opened the blob in place and is about to wait for its lock; only then does the sweep go on.
    opened.wait();
    fs::remove_file(store.path_of(&sha)).unwrap();
    drop(sweeper);
    assert_eq!(adder.join().unwrap().unwrap(), sha);
    assert!(
        store.contains(&sha),
        "the add must put its copy in place after the sweep removed the old one"
    );
    assert_eq!(store.check(&sha, &mut |_| {}).unwrap(), BlobCheck::Matches);
}

#[test]
fn sweep_removes_orphans_but_not_blobs_still_being_added() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let held = store.stage(&b"in flight"[..], &mut |_| {}).unwrap();
    let orphan = store
        .stage(&b"left by a killed process"[..], &mut |_| {})
        .unwrap();
    let orphan_sha = orphan.sha256.clone();
    drop(orphan);
    fs::write(dir.path().join("tmp").join("x.part"), b"half").unwrap();
    let removed = store.sweep(&|_| false).unwrap();
    assert_eq!(
        removed, 2,
        "the unlocked orphan blob and the temporary file go"
    );
    assert!(
        store.contains(&held.sha256),
        "a blob whose writer still holds its lock must survive the sweep"
    );
    assert!(!store.contains(&orphan_sha));
}

#[test]
fn a_received_file_resumes_and_enters_the_store_only_with_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let bytes = b"evidence from another laptop";
    let sha = hash_reader(&bytes[..], &mut |_| {}).unwrap();
    let mut first = store.receive(&sha).unwrap();
    first.write_all(&bytes[..10]).unwrap();
    drop(first); // the connection dropped
    assert!(!store.contains(&sha), "half a file is never in the store");
    let mut again = store.receive(&sha).unwrap();
    assert_eq!(
        again.received(),
        10,
        "the transfer resumes where it stopped"
    );
    again.write_all(&bytes[10..]).unwrap();
    let staged = again.finish(&mut |_| {}).unwrap().unwrap();
    assert_eq!(
        (staged.sha256.as_str(), staged.size),
        (sha.as_str(), bytes.len() as u64)
    );
    drop(staged);
    assert_eq!(store.check(&sha, &mut |_| {}).unwrap(), BlobCheck::Matches);

    let claimed = "ab".repeat(32);
    let mut wrong = store.receive(&claimed).unwrap();
    wrong.write_all(b"not what the hash says").unwrap();
    let refused = wrong.finish(&mut |_| {}).unwrap();
    assert!(
        refused.is_err(),
        "bytes that do not hash to the name are refused"
    );
    assert!(!store.contains(&claimed));
    assert_eq!(
        fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0,
        "a refused file leaves nothing behind"
    );
    assert!(
        store.receive("../../etc/passwd").is_err(),
        "only a SHA-256 names a file"
    );
}
