//! A hostile colleague's crafted bundles, made from a genuine export with the event hash recomputed (and signed with
//! the colleague's own device key) exactly as Casebook does. Each test is one attack from issue 7; before trusted
//! events, each of them succeeded.

use std::io::Read;
use std::path::Path;

use casebook_api::incidents::NewIncident;
use casebook_api::timeline::EntryInput;
use casebook_api::Casebook;
use casebook_core::event::{EventBody, FieldChange, WireEvent};
use casebook_core::model::{Resolution, Role, Severity, Tier, Tlp};
use casebook_core::{Event, EventId, EvidenceId, Hlc, IncidentId, Payload, UserId};
use uuid::Uuid;

use crate::{at, open};

/// Ana (the importer, tier 1) holds an incident; Mallory (a hostile tier-1 colleague) has her own laptop.
struct Scene {
    _dirs: Vec<tempfile::TempDir>,
    ana: Casebook,
    mallory: Casebook,
    key: String,
    out: std::path::PathBuf,
}

fn scene() -> Scene {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (mut ana, _) = open(dirs[0].path(), "2026-11-20T10:00:00Z");
    let (mut mallory, _) = open(dirs[1].path(), "2026-11-20T10:00:00Z");
    ana.init("Ana Silva", Role::Responder, Some(Tier::ONE))
        .unwrap();
    mallory
        .init("Mallory", Role::Responder, Some(Tier::ONE))
        .unwrap();
    let key = ana
        .new_incident(NewIncident::titled(
            "Phishing wave",
            Severity::Sev2,
            Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    // Mallory got Ana's case earlier and holds it too (trusting Ana's device).
    let first = dirs[2].path().join("from-ana.bundle");
    ana.export_bundle(&key, &first, &mut |_| {}).unwrap();
    mallory
        .import_bundle(&first, &[ana.device_fingerprint().unwrap()], &mut |_| {})
        .unwrap();
    let out = dirs[2].path().to_path_buf();
    Scene {
        _dirs: dirs,
        ana,
        mallory,
        key,
        out,
    }
}

/// Mallory exports the case and appends forged events, sealed and signed with her device's key as Casebook would.
fn craft(s: &Scene, name: &str, forge: impl FnOnce(&mut Forger)) -> std::path::PathBuf {
    let genuine = s.out.join(format!("{name}.genuine"));
    s.mallory
        .export_bundle(&s.key, &genuine, &mut |_| {})
        .unwrap();
    let profile = casebook_store::trust::profile(s.mallory.store().conn())
        .unwrap()
        .unwrap();
    let mut archive = tar::Archive::new(std::fs::File::open(&genuine).unwrap());
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.push((path, bytes));
    }
    let events_file = files.iter_mut().find(|(p, _)| p == "events.jsonl").unwrap();
    let mut events: Vec<WireEvent> = String::from_utf8(events_file.1.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let head = events
        .iter()
        .filter(|e| e.device == profile.device)
        .max_by_key(|e| e.device_seq)
        .cloned()
        .unwrap();
    let incident = events.iter().find_map(|e| e.incident).unwrap();
    let mut forger = Forger {
        device: profile.device,
        author: profile.owner,
        key: profile.key.unwrap(),
        seq: head.device_seq,
        prev: Some(head.hash.clone()),
        wall: head.hlc.wall_micros,
        incident,
        forged: Vec::new(),
    };
    forge(&mut forger);
    events.extend(forger.forged.iter().map(WireEvent::from));
    let mut lines = Vec::new();
    for e in &events {
        serde_json::to_writer(&mut lines, e).unwrap();
        lines.push(b'\n');
    }
    events_file.1 = lines;
    let path = s.out.join(name);
    let mut tar = tar::Builder::new(std::fs::File::create(&path).unwrap());
    for (p, bytes) in &files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, p, bytes.as_slice()).unwrap();
    }
    tar.finish().unwrap();
    path
}

struct Forger {
    device: casebook_core::DeviceId,
    author: UserId,
    key: casebook_core::signing::DeviceKey,
    seq: u64,
    prev: Option<String>,
    wall: i64,
    incident: IncidentId,
    forged: Vec<Event>,
}

impl Forger {
    /// Seals the next event of Mallory's device, as her Casebook would.
    fn next(
        &mut self,
        author: Option<UserId>,
        incident: Option<IncidentId>,
        payload: Payload,
    ) -> Event {
        self.seq += 1;
        self.wall += 1_000_000;
        let body = EventBody {
            id: EventId(Uuid::now_v7()),
            incident,
            author: author.unwrap_or(self.author),
            device: self.device,
            device_seq: self.seq,
            hlc: Hlc {
                wall_micros: self.wall,
                counter: 0,
                device: self.device,
            },
            payload,
        };
        let e = Event::seal_signed(body, self.prev.clone(), &self.key);
        self.prev = Some(e.hash.clone());
        self.forged.push(e.clone());
        e
    }
}

fn import(
    cb: &mut Casebook,
    bundle: &Path,
    trust: &[String],
) -> casebook_api::bundle::ImportReport {
    cb.import_bundle(bundle, trust, &mut |_| {}).unwrap()
}

#[test]
fn a_bundle_cannot_demote_the_importer_even_from_a_trusted_device() {
    let mut s = scene();
    let ana_id = s.ana.me().unwrap().user.id;
    let bundle = craft(&s, "demote.bundle", |f| {
        f.next(
            None,
            None,
            Payload::UserRegistered {
                user: ana_id,
                name: "Ana Silva".into(),
                role: Role::Auditor,
                tier: None,
            },
        );
    });
    let fp = s.mallory.device_fingerprint().unwrap();
    let report = import(&mut s.ana, &bundle, &[fp]);
    assert_eq!(
        report.refused, 1,
        "the registration of Ana's own account must be refused: {report:?}"
    );
    assert_eq!(report.refusals[0].code, "own_account");
    assert_eq!(
        s.ana.me().unwrap().user.role,
        Role::Responder,
        "Ana keeps her role"
    );
    s.ana
        .new_incident(NewIncident::titled(
            "Still allowed",
            Severity::Sev4,
            Tlp::Green,
        ))
        .expect("Ana can still open incidents");
    let refused = s.ana.refused_events(10).unwrap();
    assert_eq!(
        refused.len(),
        1,
        "the refusal is kept aside with its reason, not dropped"
    );
}

#[test]
fn a_made_up_lead_cannot_close_the_importers_incident() {
    let mut s = scene();
    let lead = UserId(Uuid::now_v7());
    let bundle = craft(&s, "lead.bundle", |f| {
        f.next(
            Some(lead),
            None,
            Payload::UserRegistered {
                user: lead,
                name: "Totally A Lead".into(),
                role: Role::Lead,
                tier: None,
            },
        );
        let inc = f.incident;
        f.next(
            Some(lead),
            Some(inc),
            Payload::IncidentClosed {
                resolution: Resolution::TruePositive,
                note: "closed by a lead".into(),
            },
        );
    });
    for trust in [vec![], vec![s.mallory.device_fingerprint().unwrap()]] {
        let report = import(&mut s.ana, &bundle, &trust);
        assert!(
            report.refused >= 1,
            "the forged close must be refused (trust {trust:?}): {report:?}"
        );
        let status = s.ana.incident(&s.key).unwrap().row.status;
        assert_ne!(
            status,
            casebook_core::model::Status::Closed,
            "a self-registered lead must never close Ana's incident (trust {trust:?})"
        );
    }
}

#[test]
fn a_clock_from_2400_neither_wins_every_edit_nor_drags_the_local_clock() {
    let mut s = scene();
    let bundle = craft(&s, "future.bundle", |f| {
        f.wall = 13_569_465_600_000_000; // 2400-01-01
        let inc = f.incident;
        f.next(
            None,
            Some(inc),
            Payload::FieldSet {
                change: FieldChange::Title("Title from the year 2400".into()),
            },
        );
    });
    let fp = s.mallory.device_fingerprint().unwrap();
    let report = import(&mut s.ana, &bundle, &[fp]);
    assert_eq!(
        report.refused, 0,
        "a clock is never a reason to refuse: {report:?}"
    );
    s.ana
        .set_fields(&s.key, vec![FieldChange::Title("Ana's later title".into())])
        .unwrap();
    assert_eq!(
        s.ana.incident(&s.key).unwrap().row.title,
        "Ana's later title",
        "a far-ahead clock must not win every later edit"
    );
    let entry = s
        .ana
        .add_entry(
            &s.key,
            EntryInput {
                summary: "written now".into(),
                details: String::new(),
                at: None,
                kind: None,
                source: Default::default(),
                key_event: false,
            },
        )
        .unwrap();
    assert!(
        entry.recorded_at < at("2027-01-01T00:00:00Z"),
        "a local entry must be recorded now, not in 2400: {}",
        entry.recorded_at
    );
    assert_eq!(
        s.ana.verify_log(&mut |_| {}).unwrap().clock_ahead,
        1,
        "the fast clock is flagged"
    );
}

#[test]
fn an_event_claiming_the_importers_own_device_is_refused_and_local_writes_go_on() {
    let mut s = scene();
    let ana_device = s.ana.me().unwrap().device;
    let ana_id = s.ana.me().unwrap().user.id;
    for seq in [i64::MAX as u64, 1 << 40] {
        let bundle = craft(&s, &format!("own-{seq}.bundle"), |f| {
            f.device = ana_device;
            f.author = ana_id;
            f.seq = seq - 1;
            f.prev = None;
            let inc = f.incident;
            f.next(
                None,
                Some(inc),
                Payload::TagAdded {
                    tag: "forged".into(),
                },
            );
        });
        let report = import(&mut s.ana, &bundle, &[]);
        assert_eq!(report.refused, 1, "seq {seq}: {report:?}");
        assert_eq!(report.refusals[0].code, "own_device");
        for n in 0..2 {
            s.ana
                .add_tag(&s.key, &format!("local-{seq}-{n}"))
                .expect("local writes must go on after the forged event");
        }
    }
    let log = s.ana.verify_log(&mut |_| {}).unwrap();
    let own = log.chains.iter().find(|c| c.device == ana_device).unwrap();
    assert!(
        own.broken.is_empty(),
        "Ana's own chain stays intact: {:?}",
        own.broken
    );
    assert!(
        own.last_seq < 1000,
        "Ana's chain continues from her own events, not a forged one"
    );
}

#[test]
fn an_evidence_hash_that_is_a_path_is_refused() {
    let mut s = scene();
    for bad in ["/dev/zero", "../../etc/passwd", &"A".repeat(64)] {
        let bundle = craft(&s, "evidence.bundle", |f| {
            let inc = f.incident;
            f.next(
                None,
                Some(inc),
                Payload::EvidenceAdded {
                    evidence: EvidenceId(Uuid::now_v7()),
                    name: "innocent.txt".into(),
                    sha256: bad.to_string(),
                    size: 14,
                    media_type: "text/plain".into(),
                    acquired_at: at("2026-11-20T10:00:00Z"),
                    acquired_by: "Mallory".into(),
                    source_host: String::new(),
                    source_path: String::new(),
                    description: String::new(),
                },
            );
        });
        let fp = s.mallory.device_fingerprint().unwrap();
        let report = import(&mut s.ana, &bundle, &[fp]);
        assert_eq!(
            report.refused, 1,
            "sha256 `{bad}` must be refused: {report:?}"
        );
        assert_eq!(report.refusals[0].code, "invalid_value");
    }
    assert!(
        s.ana.evidence(&s.key).unwrap().is_empty(),
        "no evidence record names a file outside the store"
    );
}

#[test]
fn an_event_id_resent_with_other_content_is_reported() {
    let mut s = scene();
    let fp = s.mallory.device_fingerprint().unwrap();
    let tag = craft(&s, "tag.bundle", |f| {
        let inc = f.incident;
        f.next(
            None,
            Some(inc),
            Payload::TagAdded {
                tag: "original".into(),
            },
        );
    });
    import(&mut s.ana, &tag, std::slice::from_ref(&fp));
    let original = s.ana.incident(&s.key).unwrap();
    assert!(original.row.tags.contains(&"original".to_string()));
    // The same event id again, other bytes: a later device sequence, another tag.
    let forged = craft(&s, "reuse.bundle", |f| {
        let inc = f.incident;
        f.seq += 5;
        let first = f.next(None, Some(inc), Payload::TagAdded { tag: "x".into() });
        f.forged.clear();
        let mut body = first.body.clone();
        body.id = original_tag_event(&s.ana, &s.key);
        body.payload = Payload::TagAdded {
            tag: "replaced".into(),
        };
        let e = Event::seal_signed(body, first.prev_hash.clone(), &f.key);
        f.forged.push(e);
    });
    let report = import(&mut s.ana, &forged, &[fp]);
    assert_eq!(
        report.reused_ids + report.forks,
        1,
        "an id seen again with other bytes is reported, not counted as already present: {report:?}"
    );
    let log = s.ana.verify_log(&mut |_| {}).unwrap();
    assert_eq!(log.reused_ids + log.forks, 1, "`log verify` reports it");
}

/// The id of the event that added the tag "original" on Ana's laptop.
fn original_tag_event(ana: &Casebook, key: &str) -> EventId {
    let id = ana.resolve(key).unwrap();
    let mut found = None;
    let mut after = 0;
    loop {
        let batch =
            casebook_store::append::read_events(ana.store().conn(), Some(id), after, 1000).unwrap();
        let Some((last, _)) = batch.last() else { break };
        after = *last;
        for (_, e) in batch {
            if matches!(e.payload(), Payload::TagAdded { tag } if tag == "original") {
                found = Some(e.id());
            }
        }
    }
    found.unwrap()
}
