//! The encrypted store: nothing readable on disk, round trips, every kind of damage refused, conversion resumable.

use super::sealed::{HEADER, PLAIN_CHUNK, SEALED_CHUNK};
use super::*;
use std::io::Write;
use std::ops::ControlFlow;

const KEY: [u8; 32] = [42; 32];
const CANARY: &[u8] = b"TLP:RED canary 7f3a9c credential hunter2";

/// `len` bytes of a recognisable pattern with the canary at the start and the end.
fn evidence(len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    if len >= 2 * CANARY.len() {
        v[..CANARY.len()].copy_from_slice(CANARY);
        v[len - CANARY.len()..].copy_from_slice(CANARY);
    }
    v
}

fn sha(bytes: &[u8]) -> String {
    hash_reader(bytes, &mut |_| {}).unwrap()
}

fn read_back(store: &BlobStore, sha256: &str) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    store
        .open_blob(sha256)
        .map_err(|e| e.source)?
        .expect("the blob is stored")
        .read_to_end(&mut out)?;
    Ok(out)
}

/// Every file under `dir`, with its contents.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push((path.clone(), fs::read(&path).unwrap()));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn nothing_under_the_store_shows_the_contents_or_their_hash() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open_encrypted(dir.path(), KEY).unwrap();
    let data = evidence(3 * PLAIN_CHUNK + 100);
    let staged = store.stage(&data[..], &mut |_| {}).unwrap();
    let hash = staged.sha256.clone();
    assert_eq!(
        hash,
        sha(&data),
        "still addressed by the plaintext's SHA-256"
    );
    drop(staged);
    // A download cut short leaves a temporary file behind too.
    let other = evidence(PLAIN_CHUNK + 7);
    let other_hash = sha(&other);
    let mut incoming = store.receive(&other_hash).unwrap();
    incoming.write_all(&other).unwrap();
    drop(incoming);

    let files = files_under(dir.path());
    assert_eq!(
        files.len(),
        2,
        "the sealed blob and the unfinished download"
    );
    for (path, bytes) in &files {
        let shown = path.to_string_lossy();
        for h in [&hash, &other_hash] {
            assert!(
                !shown.contains(h.as_str()),
                "{shown} names a plaintext hash"
            );
            assert!(
                !contains(bytes, h.as_bytes()),
                "{shown} holds a plaintext hash in hex"
            );
            assert!(
                !contains(bytes, &hex::decode(h).unwrap()),
                "{shown} holds a plaintext hash"
            );
        }
        assert!(
            !contains(bytes, CANARY),
            "{shown} holds the evidence's text"
        );
    }
    assert_eq!(store.list(), vec![hash.clone()]);
    assert!(store.contains(&hash));
    assert_eq!(read_back(&store, &hash).unwrap(), data);
}

#[test]
fn multi_chunk_boundary_and_empty_files_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open_encrypted(dir.path(), KEY).unwrap();
    for len in [
        0,
        1,
        PLAIN_CHUNK,
        2 * PLAIN_CHUNK,
        3 * PLAIN_CHUNK + PLAIN_CHUNK / 2,
    ] {
        let data = evidence(len);
        let mut seen = 0;
        let staged = store.stage(&data[..], &mut |n| seen = n).unwrap();
        assert_eq!(
            (staged.size, seen),
            (len as u64, len as u64),
            "size and progress of {len} bytes"
        );
        let hash = staged.sha256.clone();
        drop(staged);
        assert_eq!(
            read_back(&store, &hash).unwrap(),
            data,
            "{len} bytes back as written"
        );
        assert_eq!(store.check(&hash, &mut |_| {}).unwrap(), BlobCheck::Matches);
        let on_disk = fs::metadata(store.path_of(&hash)).unwrap().len() as usize;
        assert_eq!(
            on_disk,
            HEADER + len + 16 * (len / PLAIN_CHUNK + 1),
            "one tag per chunk, last one short"
        );
        for offset in [0, 1, PLAIN_CHUNK, len / 2 + 3, len] {
            let offset = offset.min(len);
            let mut r = store.open_blob(&hash).unwrap().unwrap();
            r.seek_plain(offset as u64).unwrap();
            let mut rest = Vec::new();
            r.read_to_end(&mut rest).unwrap();
            assert_eq!(rest, data[offset..], "reading {len} bytes from {offset}");
        }
    }
}

/// Stages 3.5 chunks of evidence, changes the sealed file with `alter`, and returns what the store then says.
fn after(alter: impl FnOnce(&mut Vec<u8>)) -> (BlobCheck, io::Error) {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open_encrypted(dir.path(), KEY).unwrap();
    let data = evidence(3 * PLAIN_CHUNK + PLAIN_CHUNK / 2);
    let hash = store.stage(&data[..], &mut |_| {}).unwrap().sha256.clone();
    let path = store.path_of(&hash);
    let mut bytes = fs::read(&path).unwrap();
    alter(&mut bytes);
    fs::write(&path, &bytes).unwrap();
    let check = store.check(&hash, &mut |_| {}).unwrap();
    let read = read_back(&store, &hash).expect_err("damaged evidence must not read back");
    (check, read)
}

fn assert_refused(what: &str, (check, read): (BlobCheck, io::Error), says: &str) {
    let BlobCheck::Damaged { reason } = check else {
        panic!("{what}: the check must report the blob damaged, not {check:?}");
    };
    assert!(
        reason.contains(says),
        "{what}: {reason:?} should say {says:?}"
    );
    assert_eq!(read.kind(), io::ErrorKind::InvalidData, "{what}: {read}");
}

#[test]
fn tampering_truncation_and_swapped_chunks_are_refused() {
    let chunk = |i: usize| HEADER + i * SEALED_CHUNK;
    assert_refused(
        "a flipped byte",
        after(|b| b[chunk(1) + 10] ^= 1),
        "chunk 1 ",
    );
    assert_refused(
        "a flipped header byte",
        after(|b| b[20] ^= 1),
        "another key",
    );
    assert_refused(
        "the last bytes cut",
        after(|b| b.truncate(b.len() - 5)),
        "chunk 3 ",
    );
    assert_refused(
        "the last chunk cut off",
        after(|b| b.truncate(chunk(3))),
        "truncated",
    );
    assert_refused(
        "cut inside the header",
        after(|b| b.truncate(HEADER - 1)),
        "truncated",
    );
    assert_refused(
        "bytes appended",
        after(|b| b.extend_from_slice(b"more")),
        "chunk 3 ",
    );
    assert_refused(
        "two chunks swapped",
        after(|b| {
            let (first, second) = b[chunk(0)..chunk(2)].split_at_mut(SEALED_CHUNK);
            first.swap_with_slice(second);
        }),
        "chunk 0 ",
    );
}

#[test]
fn another_key_reads_nothing_and_a_moved_file_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open_encrypted(dir.path(), KEY).unwrap();
    let a = store
        .stage(&evidence(100)[..], &mut |_| {})
        .unwrap()
        .sha256
        .clone();
    let b = store
        .stage(&evidence(200)[..], &mut |_| {})
        .unwrap()
        .sha256
        .clone();

    let thief = BlobStore::open_encrypted(dir.path(), [7; 32]).unwrap();
    assert!(!thief.contains(&a), "names depend on the key");
    fs::create_dir_all(thief.path_of(&a).parent().unwrap()).unwrap();
    fs::copy(store.path_of(&a), thief.path_of(&a)).unwrap();
    assert!(
        matches!(thief.check(&a, &mut |_| {}).unwrap(), BlobCheck::Damaged { reason } if reason.contains("another key")),
        "another key must not open the file"
    );
    assert_eq!(
        read_back(&thief, &a).unwrap_err().kind(),
        io::ErrorKind::InvalidData
    );
    assert!(thief.list().is_empty(), "nothing it can open");

    // B's sealed file put under A's name: it decrypts, but to the other file.
    fs::copy(store.path_of(&b), store.path_of(&a)).unwrap();
    assert_eq!(
        store.check(&a, &mut |_| {}).unwrap(),
        BlobCheck::Differs { actual: b.clone() }
    );
    assert!(
        store.open_blob(&a).is_err(),
        "a reader refuses a file that holds another one"
    );
}

#[test]
fn a_sealed_download_resumes_from_its_last_whole_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open_encrypted(dir.path(), KEY).unwrap();
    let data = evidence(2 * PLAIN_CHUNK + 300);
    let hash = sha(&data);
    let mut first = store.receive(&hash).unwrap();
    first.write_all(&data[..PLAIN_CHUNK + 500]).unwrap();
    assert_eq!(first.received(), (PLAIN_CHUNK + 500) as u64);
    drop(first); // the connection dropped: the part of a chunk held in memory is gone
    let mut again = store.receive(&hash).unwrap();
    assert_eq!(
        again.received(),
        PLAIN_CHUNK as u64,
        "resumes after the whole chunk on disk"
    );
    again.write_all(&data[PLAIN_CHUNK..]).unwrap();
    let staged = again.finish(&mut |_| {}).unwrap().unwrap();
    assert_eq!(
        (staged.sha256.as_str(), staged.size),
        (hash.as_str(), data.len() as u64)
    );
    drop(staged);
    assert_eq!(read_back(&store, &hash).unwrap(), data);

    let mut wrong = store.receive(&"ab".repeat(32)).unwrap();
    wrong.write_all(b"not what the hash says").unwrap();
    assert!(
        wrong.finish(&mut |_| {}).unwrap().is_err(),
        "bytes that do not hash to the name are refused"
    );
    assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
}

#[test]
fn the_sweep_of_a_sealed_store_asks_by_plaintext_hash() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open_encrypted(dir.path(), KEY).unwrap();
    let kept = store
        .stage(&b"referenced"[..], &mut |_| {})
        .unwrap()
        .sha256
        .clone();
    let orphan = store
        .stage(&b"orphan"[..], &mut |_| {})
        .unwrap()
        .sha256
        .clone();
    let removed = store.sweep(&|sha| sha == kept).unwrap();
    assert_eq!(removed, 1);
    assert!(store.contains(&kept) && !store.contains(&orphan));
}

#[test]
fn converting_a_plain_store_stops_anywhere_and_resumes_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let plain = BlobStore::open(dir.path()).unwrap();
    let contents: Vec<Vec<u8>> = (0..5)
        .map(|i| evidence(i * PLAIN_CHUNK + 17 * i + 64))
        .collect();
    let hashes: Vec<String> = contents
        .iter()
        .map(|c| plain.stage(&c[..], &mut |_| {}).unwrap().sha256.clone())
        .collect();
    // One plain file changed on disk before the conversion, and an unfinished plain copy.
    fs::write(plain.path_of(&hashes[4]), b"changed on disk").unwrap();
    fs::write(dir.path().join("tmp").join("x.part"), CANARY).unwrap();

    let store = BlobStore::open_encrypted(dir.path(), KEY).unwrap();
    let mut calls = 0;
    let first = store
        .seal_plain_blobs(&mut |p| {
            calls += 1;
            assert_eq!(p.total, 5);
            if p.done == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(
        (first.sealed, first.left, first.temporary_removed, calls),
        (2, 3, 1, 2)
    );
    // Killed between linking a sealed copy in and removing the plain one: that blob is both ways.
    let both = plain.list()[0].clone();
    let mut sealed_copy = store.open_blob(&both).unwrap().unwrap();
    assert!(
        matches!(sealed_copy, BlobReader::Plain(_)),
        "still plain here"
    );
    let mut bytes = Vec::new();
    sealed_copy.read_to_end(&mut bytes).unwrap();
    drop(store.stage(&bytes[..], &mut |_| {}).unwrap());
    for (h, c) in hashes.iter().zip(&contents).take(4) {
        assert_eq!(
            read_back(&store, h).unwrap(),
            *c,
            "every file readable mid-conversion"
        );
    }

    // Not a blob: left alone, and counted as left.
    let stray = dir.path().join(PLAIN_DIR).join("ab").join("notes.txt");
    fs::create_dir_all(stray.parent().unwrap()).unwrap();
    fs::write(&stray, b"stray").unwrap();
    let second = store
        .seal_plain_blobs(&mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(
        (second.sealed, second.left),
        (3, 1),
        "every blob sealed; the stray file is left"
    );
    assert_eq!(
        fs::read(&stray).unwrap(),
        b"stray",
        "a file that is no blob is left alone"
    );
    fs::remove_file(&stray).unwrap();
    let third = store
        .seal_plain_blobs(&mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!((third.sealed, third.left), (0, 0));
    assert!(
        !dir.path().join(PLAIN_DIR).exists(),
        "no plain blob directory is left"
    );
    for (h, c) in hashes.iter().zip(&contents).take(4) {
        assert_eq!(read_back(&store, h).unwrap(), *c, "nothing lost");
        assert!(matches!(
            store.open_blob(h).unwrap().unwrap(),
            BlobReader::Sealed(_)
        ));
    }
    assert!(
        matches!(
            store.check(&hashes[4], &mut |_| {}).unwrap(),
            BlobCheck::Differs { .. }
        ),
        "a file changed before the conversion is still reported as changed"
    );
    for (path, bytes) in files_under(dir.path()) {
        assert!(
            !contains(&bytes, CANARY),
            "{} holds the evidence's text",
            path.display()
        );
    }
}
