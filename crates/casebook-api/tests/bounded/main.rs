//! Hostile case bundles, each refused in bounded memory with nothing written. These tests measure the process's
//! peak memory, so they live in their own test binary and run one at a time (`serial`): another test allocating
//! at the same moment would count against the bundle being read.

mod memory;

use std::io::Read;
use std::path::{Path, PathBuf};

use casebook_api::{Casebook, FixedClock};
use casebook_core::model::Role;
use chrono::{DateTime, Utc};
use memory::{measure, serial, MAX_GROWTH};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn open(dir: &Path) -> Casebook {
    let clock = std::sync::Arc::new(FixedClock::new(at("2026-03-01T09:00:00Z")));
    Casebook::open_with_clock(dir, clock).expect("open data dir")
}

/// A genuine bundle of one incident with one evidence file, taken apart into its entries.
struct Genuine {
    _dirs: Vec<tempfile::TempDir>,
    entries: Vec<(String, Vec<u8>)>,
    out: PathBuf,
    evidence_sha: String,
}

fn genuine() -> Genuine {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut ana = open(dirs[0].path());
    ana.init("Ana", Role::Lead, None).unwrap();
    let incident = ana
        .new_incident(casebook_api::incidents::NewIncident::titled(
            "Phishing wave",
            casebook_core::model::Severity::Sev2,
            casebook_core::model::Tlp::Amber,
        ))
        .unwrap();
    let evidence = dirs[2].path().join("mail.eml");
    std::fs::write(&evidence, b"From: attacker\n").unwrap();
    let added = ana
        .add_evidence(
            &incident.row.key,
            &evidence,
            Default::default(),
            &mut |_| {},
        )
        .unwrap();
    let bundle = dirs[2].path().join("genuine.bundle");
    ana.export_bundle(&incident.row.key, &bundle, &mut |_| {})
        .unwrap();
    let mut entries = Vec::new();
    let mut archive = tar::Archive::new(std::fs::File::open(&bundle).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        entries.push((path, bytes));
    }
    let out = dirs[2].path().join("crafted.bundle");
    Genuine {
        evidence_sha: added.sha256,
        _dirs: dirs,
        entries,
        out,
    }
}

/// One entry of a crafted tar: plain bytes, or a GNU sparse header claiming `real_size` bytes.
enum Entry<'a> {
    Plain(&'a str, &'a [u8]),
    /// A plain-file header whose size claims more than the bytes that follow.
    Claims(&'a str, u64, &'a [u8]),
    Sparse(&'a str, u64),
}

fn write_tar(path: &Path, entries: &[Entry<'_>]) {
    let mut tar = tar::Builder::new(std::fs::File::create(path).unwrap());
    for e in entries {
        match e {
            Entry::Plain(name, bytes) => {
                let mut h = tar::Header::new_gnu();
                h.set_size(bytes.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                tar.append_data(&mut h, name, *bytes).unwrap();
            }
            Entry::Claims(name, size, bytes) => {
                let mut h = tar::Header::new_gnu();
                h.set_path(name).unwrap();
                h.set_size(*size);
                h.set_mode(0o644);
                h.set_cksum();
                let inner = tar.get_mut();
                std::io::Write::write_all(inner, h.as_bytes()).unwrap();
                std::io::Write::write_all(inner, bytes).unwrap();
            }
            Entry::Sparse(name, real_size) => {
                // One data block of one byte at the very end: the tar crate fills the rest with zeros on read.
                let mut h = tar::Header::new_gnu();
                h.set_path(name).unwrap();
                h.set_entry_type(tar::EntryType::GNUSparse);
                h.set_size(512);
                h.set_mode(0o644);
                let gnu = h.as_gnu_mut().unwrap();
                gnu.set_real_size(*real_size);
                gnu.sparse[0].set_offset(real_size - 1);
                gnu.sparse[0].set_length(1);
                h.set_cksum();
                tar.append(&h, &[b'{'; 512][..]).unwrap();
            }
        }
    }
    tar.finish().unwrap();
}

const GIB: u64 = 1024 * 1024 * 1024;

/// Imports `bundle` into a fresh data directory, measuring the memory it takes, and checks that it was refused
/// with nothing written.
fn refused(bundle: &Path, why: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cb = open(dir.path());
    cb.init("Ben", Role::Lead, None).unwrap();
    let before = cb.incidents(&Default::default(), 100).unwrap().len();
    let (result, growth) = measure(|| cb.import_bundle(bundle, &[], &mut |_| {}));
    let err = match result {
        Ok(r) => panic!("{why}: the bundle must be refused, but it imported: {r:?}"),
        Err(e) => e,
    };
    assert!(
        growth < MAX_GROWTH,
        "{why}: refusing took {growth} bytes of memory, more than {MAX_GROWTH}"
    );
    eprintln!("{why}: refused with {growth} bytes of memory growth: {err}");
    assert_eq!(
        cb.incidents(&Default::default(), 100).unwrap().len(),
        before,
        "{why}: a refused bundle adds no incident"
    );
    let blobs = dir.path().join("blobs");
    let files = walk(&blobs);
    assert!(
        files.is_empty(),
        "{why}: a refused bundle leaves no file in the blob store: {files:?}"
    );
    err.to_string()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

fn entry<'a>(g: &'a Genuine, name: &str) -> &'a [u8] {
    &g.entries.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn a_sparse_manifest_claiming_8_gib_is_refused_in_bounded_memory() {
    let _one = serial();
    let g = genuine();
    write_tar(&g.out, &[Entry::Sparse("casebook-bundle.json", 8 * GIB)]);
    assert!(
        std::fs::metadata(&g.out).unwrap().len() < 4096,
        "the bomb is a few kilobytes"
    );
    let message = refused(&g.out, "sparse manifest");
    assert!(
        message.contains("sparse"),
        "the refusal says why: {message}"
    );
}

#[test]
fn a_sparse_event_log_claiming_4_gib_is_refused_in_bounded_memory() {
    let _one = serial();
    let g = genuine();
    write_tar(
        &g.out,
        &[
            Entry::Plain("casebook-bundle.json", entry(&g, "casebook-bundle.json")),
            Entry::Sparse("events.jsonl", 4 * GIB),
        ],
    );
    let message = refused(&g.out, "sparse events.jsonl");
    assert!(
        message.contains("sparse"),
        "the refusal says why: {message}"
    );
}

#[test]
fn sparse_evidence_that_the_manifest_says_is_small_is_refused_before_any_byte_is_written() {
    let _one = serial();
    let g = genuine();
    let blob = format!("blobs/{}", g.evidence_sha);
    write_tar(
        &g.out,
        &[
            Entry::Plain("casebook-bundle.json", entry(&g, "casebook-bundle.json")),
            Entry::Plain("events.jsonl", entry(&g, "events.jsonl")),
            Entry::Sparse(&blob, 8 * GIB),
        ],
    );
    refused(&g.out, "sparse evidence");
}

#[test]
fn evidence_larger_than_the_manifest_declares_is_refused_unread() {
    let _one = serial();
    let g = genuine();
    let blob = format!("blobs/{}", g.evidence_sha);
    let big = vec![b'x'; 3 * 1024 * 1024];
    write_tar(
        &g.out,
        &[
            Entry::Plain("casebook-bundle.json", entry(&g, "casebook-bundle.json")),
            Entry::Plain("events.jsonl", entry(&g, "events.jsonl")),
            Entry::Plain(&blob, &big),
        ],
    );
    let message = refused(&g.out, "oversized evidence");
    assert!(
        message.contains("declares"),
        "the refusal names the declared size: {message}"
    );
}

#[test]
fn a_manifest_header_claiming_8_gib_is_refused_by_its_cap() {
    let _one = serial();
    let g = genuine();
    write_tar(
        &g.out,
        &[Entry::Claims("casebook-bundle.json", 8 * GIB, b"{}")],
    );
    let message = refused(&g.out, "huge manifest header");
    assert!(message.contains("manifest"), "{message}");
}

#[test]
fn an_endless_event_line_is_refused_at_its_cap() {
    let _one = serial();
    let g = genuine();
    let line = vec![b'['; casebook_api::bundle::reader::MAX_EVENT_LINE + 4096];
    write_tar(
        &g.out,
        &[
            Entry::Plain("casebook-bundle.json", entry(&g, "casebook-bundle.json")),
            Entry::Plain("events.jsonl", &line),
        ],
    );
    let message = refused(&g.out, "endless event line");
    assert!(message.contains("event line 1"), "{message}");
}

#[test]
fn damaged_evidence_after_good_evidence_leaves_nothing_behind() {
    let _one = serial();
    let g = genuine();
    // A manifest declaring a second blob that an event names is not craftable without re-signing, so the damaged
    // copy here is the one real evidence entry: its bytes differ from its hash, at the declared size.
    let blob = format!("blobs/{}", g.evidence_sha);
    let good = entry(&g, &blob);
    let damaged = vec![b'!'; good.len()];
    write_tar(
        &g.out,
        &[
            Entry::Plain("casebook-bundle.json", entry(&g, "casebook-bundle.json")),
            Entry::Plain("events.jsonl", entry(&g, "events.jsonl")),
            Entry::Plain(&blob, &damaged),
        ],
    );
    let message = refused(&g.out, "damaged evidence");
    assert!(message.contains("damaged"), "{message}");
}

#[test]
fn evidence_no_event_names_is_not_kept() {
    let _one = serial();
    let g = genuine();
    let orphan = b"nobody's evidence".to_vec();
    let orphan_sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&orphan));
    let mut manifest: serde_json::Value =
        serde_json::from_slice(entry(&g, "casebook-bundle.json")).unwrap();
    manifest["blobs"].as_array_mut().unwrap().push(
        serde_json::json!({"sha256": orphan_sha, "size": orphan.len(), "name": "orphan.bin"}),
    );
    let manifest = serde_json::to_vec(&manifest).unwrap();
    let blob = format!("blobs/{}", g.evidence_sha);
    let orphan_path = format!("blobs/{orphan_sha}");
    write_tar(
        &g.out,
        &[
            Entry::Plain("casebook-bundle.json", &manifest),
            Entry::Plain("events.jsonl", entry(&g, "events.jsonl")),
            Entry::Plain(&blob, entry(&g, &blob)),
            Entry::Plain(&orphan_path, &orphan),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let mut cb = open(dir.path());
    cb.init("Ben", Role::Lead, None).unwrap();
    let report = cb.import_bundle(&g.out, &[], &mut |_| {}).unwrap();
    assert_eq!(
        report.blobs, 1,
        "only the named evidence came in: {report:?}"
    );
    let files: Vec<String> = walk(&dir.path().join("blobs"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.contains(&g.evidence_sha),
        "the named evidence is stored: {files:?}"
    );
    assert!(
        !files.contains(&orphan_sha),
        "evidence no event names must not be kept: {files:?}"
    );
}
