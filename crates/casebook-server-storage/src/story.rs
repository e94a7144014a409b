//! The storage contract as one story, run by each implementation's tests against a real database (a SQLite file,
//! a PostgreSQL started by the test script), so both databases are held to the same behaviour.

use std::sync::Arc;

use casebook_core::model::{Role, Tier};
use casebook_core::{DeviceId, EventId, IncidentId, UserId};
use casebook_protocol::TeamId;
use uuid::Uuid;

use crate::*;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// A team with a fresh name (tests share one database).
pub fn team(name: &str) -> TeamRow {
    TeamRow {
        id: TeamId(Uuid::now_v7()),
        name: format!("{name} {}", Uuid::now_v7()),
        epoch: Uuid::now_v7(),
        directory_device: DeviceId(Uuid::now_v7()),
        directory_secret: "00".repeat(32),
        created_us: 1,
    }
}

/// An event of `device` at `seq` in `incident`, with a raw body whose bytes a re-encoding would change.
pub fn event(device: DeviceId, seq: u64, incident: Option<IncidentId>) -> NewEvent {
    let id = EventId(Uuid::now_v7());
    NewEvent {
        id,
        incident,
        author: UserId(id.0),
        device,
        device_seq: seq,
        hash: format!("{:064x}", id.0.as_u128()),
        // Spacing and key order as a client wrote them: kept byte for byte.
        raw: format!("{{\"id\":\"{id}\",  \"z\":1,\"a\":\"é\\u00e9\"}}"),
        received_us: 10,
        objects: vec![id.0],
        opens_incident: false,
        blob: None,
        alert: None,
    }
}

/// Runs the whole contract. Panics (with the reason) at the first broken promise.
pub async fn story(s: Arc<dyn Storage>) {
    // Teams and accounts.
    let acme = team("Acme SOC");
    let other = team("Other SOC");
    s.create_team(&acme).await.unwrap();
    s.create_team(&other).await.unwrap();
    assert!(
        matches!(
            s.create_team(&TeamRow {
                id: TeamId(Uuid::now_v7()),
                ..acme.clone()
            })
            .await,
            Err(StorageError::Conflict(_))
        ),
        "a team name is unique"
    );
    assert_eq!(s.team(acme.id).await.unwrap().as_ref(), Some(&acme));
    assert_eq!(
        s.team_by_name(&acme.name).await.unwrap().as_ref(),
        Some(&acme)
    );
    let epoch = Uuid::now_v7();
    s.set_epoch(acme.id, epoch).await.unwrap();
    assert_eq!(s.team(acme.id).await.unwrap().unwrap().epoch, epoch);

    let email = format!("ana-{}@acme.example", Uuid::now_v7());
    let ana = AccountRow {
        team: acme.id,
        user: UserId(Uuid::now_v7()),
        email: email.clone(),
        name: "Ana Silva".into(),
        role: Role::Responder,
        tier: Some(Tier::ONE),
        password_hash: "$argon2id$stub".into(),
        disabled: false,
        created_us: 2,
    };
    s.create_account(&ana).await.unwrap();
    assert!(
        matches!(
            s.create_account(&AccountRow {
                user: UserId(Uuid::now_v7()),
                team: other.id,
                ..ana.clone()
            })
            .await,
            Err(StorageError::Conflict(_))
        ),
        "an e-mail address is unique across the server"
    );
    assert_eq!(
        s.account_by_email(&email).await.unwrap().as_ref(),
        Some(&ana)
    );
    assert_eq!(
        s.account(other.id, ana.user).await.unwrap(),
        None,
        "another team's account does not exist"
    );
    let lead = AccountRow {
        role: Role::Lead,
        tier: None,
        ..ana.clone()
    };
    s.update_account(&lead).await.unwrap();
    assert_eq!(s.accounts(acme.id).await.unwrap(), vec![lead.clone()]);
    assert!(matches!(
        s.update_account(&AccountRow {
            team: other.id,
            ..lead.clone()
        })
        .await,
        Err(StorageError::NotFound(_))
    ));

    // Devices and tokens.
    let laptop = DeviceRow {
        team: acme.id,
        device: DeviceId(Uuid::now_v7()),
        user: ana.user,
        alias: Some(UserId(Uuid::now_v7())),
        name: "ana's laptop".into(),
        public_key: "ab".repeat(32),
        revoked: false,
        created_us: 3,
        last_seen_us: None,
    };
    s.put_device(&laptop).await.unwrap();
    s.touch_device(acme.id, laptop.device, 99).await.unwrap();
    let seen = s.device(acme.id, laptop.device).await.unwrap().unwrap();
    assert_eq!(seen.last_seen_us, Some(99));
    s.put_device(&DeviceRow {
        revoked: true,
        ..seen.clone()
    })
    .await
    .unwrap();
    assert!(s.devices(acme.id).await.unwrap()[0].revoked);
    assert_eq!(s.device(other.id, laptop.device).await.unwrap(), None);
    let token = TokenRow {
        token_hash: format!("{:064x}", Uuid::now_v7().as_u128()),
        team: acme.id,
        device: laptop.device,
        user: ana.user,
        created_us: 4,
        expires_us: 5,
    };
    s.put_token(&token).await.unwrap();
    assert_eq!(
        s.token(&token.token_hash).await.unwrap().as_ref(),
        Some(&token)
    );
    s.delete_device_tokens(acme.id, laptop.device)
        .await
        .unwrap();
    assert_eq!(
        s.token(&token.token_hash).await.unwrap(),
        None,
        "revoking a device drops its tokens"
    );

    // The log: positions, bytes, frontiers, objects, isolation.
    let mut watch = s.watch();
    let incident = IncidentId(id(7));
    let dev = DeviceId(Uuid::now_v7());
    assert_eq!(s.head(acme.id).await.unwrap(), 0);
    // A push for a team that does not exist is refused, and leaves the writer free for the next one.
    let missing = TeamId(Uuid::now_v7());
    assert!(matches!(
        s.begin(missing).await.err(),
        Some(StorageError::NotFound(_))
    ));
    let mut tx = s.begin(acme.id).await.unwrap();
    let mut first = event(dev, 1, Some(incident));
    first.opens_incident = true;
    first.objects.push(id(70));
    first.blob = Some(("c".repeat(64), 5));
    assert_eq!(tx.append(&first).await.unwrap(), 1);
    let second = event(dev, 2, Some(incident));
    assert_eq!(
        tx.append(&second).await.unwrap(),
        2,
        "positions follow one another"
    );
    assert_eq!(
        tx.event_hash(first.id).await.unwrap(),
        Some(first.hash.clone())
    );
    assert_eq!(
        tx.seq_hash(dev, 2).await.unwrap(),
        Some(second.hash.clone())
    );
    assert!(tx.incident_opened(incident).await.unwrap());
    let objects = tx.objects(&[id(70), id(71)]).await.unwrap();
    assert_eq!(objects.get(&id(70)), Some(&Some(incident)));
    assert_eq!(objects.get(&id(71)), None, "an unknown object is absent");
    tx.set_frontier(dev, 2).await.unwrap();
    tx.commit().await.unwrap();
    // Other tests may share the database: skip their teams' wake-ups.
    let woke = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match watch.recv().await {
                Ok(t) if t != acme.id => continue,
                other => return other,
            }
        }
    })
    .await;
    assert!(
        matches!(woke, Ok(Ok(t)) if t == acme.id),
        "a commit wakes the watchers: {woke:?}"
    );

    // A rolled-back push takes no position.
    let mut tx = s.begin(acme.id).await.unwrap();
    tx.append(&event(dev, 3, Some(incident))).await.unwrap();
    drop(tx);
    assert_eq!(
        s.head(acme.id).await.unwrap(),
        2,
        "a dropped transaction rolls back"
    );
    let mut tx = s.begin(acme.id).await.unwrap();
    let third = event(dev, 3, Some(incident));
    assert_eq!(
        tx.append(&third).await.unwrap(),
        3,
        "no gap after a rollback"
    );
    let aside = AsideEvent {
        id: EventId(Uuid::now_v7()),
        device: dev,
        device_seq: 4,
        hash: "d".repeat(64),
        raw: "{\"x\": 1}".into(),
        reason: "refused".into(),
        code: Some("forbidden".into()),
        detail: "auditors change nothing".into(),
        pushed_by: ana.user,
        received_us: 11,
    };
    tx.set_aside(&aside).await.unwrap();
    assert!(
        tx.seq_settled(dev, 4).await.unwrap(),
        "an event kept aside settles its sequence"
    );
    assert!(tx.seq_settled(dev, 3).await.unwrap());
    assert!(!tx.seq_settled(dev, 5).await.unwrap());
    assert_eq!(tx.frontier(dev).await.unwrap(), 2);
    tx.set_frontier(dev, 4).await.unwrap();
    tx.commit().await.unwrap();

    let page = s.pull(acme.id, 1, 7).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert_eq!(
        page[0].raw, second.raw,
        "event bytes come back exactly as pushed"
    );
    assert_eq!(
        (page[0].id, page[0].device_seq, page[0].incident),
        (second.id, 2, Some(incident))
    );
    assert_eq!(
        s.pull(other.id, 0, 7).await.unwrap(),
        vec![],
        "another team's log is empty"
    );
    assert_eq!(s.frontiers(acme.id).await.unwrap(), vec![(dev, 4)]);
    let mut held = s.incident_events(acme.id, incident).await.unwrap();
    held.sort();
    let mut want = vec![
        (first.id, first.hash.clone()),
        (second.id, second.hash.clone()),
        (third.id, third.hash.clone()),
    ];
    want.sort();
    assert_eq!(held, want);
    assert_eq!(s.aside(acme.id, 10).await.unwrap(), vec![aside]);

    // Evidence: only a named blob, appended in order, read back, verified or dropped.
    let sha = "c".repeat(64);
    assert_eq!(
        s.blob(acme.id, &sha).await.unwrap(),
        Some(BlobState {
            size: 5,
            received: 0,
            complete: false
        })
    );
    assert!(
        matches!(
            s.blob_append(acme.id, &"e".repeat(64), 0, b"x").await,
            Err(StorageError::NotFound(_))
        ),
        "an unnamed blob cannot be uploaded"
    );
    assert!(
        matches!(
            s.blob_append(other.id, &sha, 0, b"x").await,
            Err(StorageError::NotFound(_))
        ),
        "nor one named in another team"
    );
    assert_eq!(s.blob_append(acme.id, &sha, 0, b"he").await.unwrap(), 2);
    assert!(
        matches!(
            s.blob_append(acme.id, &sha, 0, b"he").await,
            Err(StorageError::Conflict(_))
        ),
        "an append must resume where the last ended"
    );
    assert_eq!(s.blob_append(acme.id, &sha, 2, b"llo").await.unwrap(), 5);
    assert_eq!(s.blob_read(acme.id, &sha, 1, 3).await.unwrap(), b"ell");
    s.blob_finish(acme.id, &sha, false).await.unwrap();
    assert_eq!(
        s.blob(acme.id, &sha).await.unwrap().unwrap().received,
        0,
        "a bad upload is dropped"
    );
    s.blob_append(acme.id, &sha, 0, b"hello").await.unwrap();
    s.blob_finish(acme.id, &sha, true).await.unwrap();
    assert_eq!(
        s.blob(acme.id, &sha).await.unwrap(),
        Some(BlobState {
            size: 5,
            received: 5,
            complete: true
        })
    );
    s.ping().await.unwrap();
    integrations(s, &acme, &other).await;
}

/// Integrations (live names unique per team, found by token, revoked for good) and the index of raised alerts
/// (kept with the event's commit, per team).
async fn integrations(s: Arc<dyn Storage>, acme: &TeamRow, other: &TeamRow) {
    let wazuh = IntegrationRow {
        team: acme.id,
        name: "wazuh-prod".into(),
        user: UserId(Uuid::now_v7()),
        device: DeviceId(Uuid::now_v7()),
        device_secret: "11".repeat(32),
        token_hash: format!("{:064x}", Uuid::now_v7().as_u128()),
        revoked: false,
        created_us: 20,
    };
    s.create_integration(&wazuh).await.unwrap();
    let again = IntegrationRow {
        device: DeviceId(Uuid::now_v7()),
        token_hash: format!("{:064x}", Uuid::now_v7().as_u128()),
        ..wazuh.clone()
    };
    assert!(
        matches!(
            s.create_integration(&again).await,
            Err(StorageError::Conflict(_))
        ),
        "a live integration's name is unique in its team"
    );
    s.create_integration(&IntegrationRow {
        team: other.id,
        token_hash: format!("{:064x}", Uuid::now_v7().as_u128()),
        ..again.clone()
    })
    .await
    .expect("another team may use the same name");
    assert_eq!(
        s.integration_by_token(&wazuh.token_hash)
            .await
            .unwrap()
            .as_ref(),
        Some(&wazuh)
    );
    assert_eq!(s.integrations(acme.id).await.unwrap(), vec![wazuh.clone()]);
    let revoked = s.revoke_integration(acme.id, "wazuh-prod").await.unwrap();
    assert!(revoked.revoked && revoked.device == wazuh.device);
    assert!(
        s.integration_by_token(&wazuh.token_hash)
            .await
            .unwrap()
            .unwrap()
            .revoked,
        "a revoked integration's token is known to be revoked"
    );
    assert!(matches!(
        s.revoke_integration(acme.id, "wazuh-prod").await,
        Err(StorageError::NotFound(_))
    ));
    s.create_integration(&again)
        .await
        .expect("a revoked integration's name may be given again");
    assert_eq!(s.integrations(acme.id).await.unwrap().len(), 2);

    // The index of raised alerts: filled by appends that raise one, rolled back with them, per team.
    let (raised, rolled_back) = (Uuid::now_v7(), Uuid::now_v7());
    let dev = again.device;
    let mut tx = s.begin(acme.id).await.unwrap();
    let mut e = event(dev, 1, None);
    e.alert = Some(raised);
    tx.append(&e).await.unwrap();
    assert_eq!(
        tx.alerts_known(&[raised, rolled_back]).await.unwrap(),
        [raised].into_iter().collect(),
        "an alert raised in this transaction is known inside it"
    );
    tx.commit().await.unwrap();
    let mut tx = s.begin(acme.id).await.unwrap();
    let mut e = event(dev, 2, None);
    e.alert = Some(rolled_back);
    tx.append(&e).await.unwrap();
    drop(tx);
    let mut tx = s.begin(acme.id).await.unwrap();
    assert_eq!(
        tx.alerts_known(&[raised, rolled_back]).await.unwrap(),
        [raised].into_iter().collect(),
        "a rolled-back raise is not known"
    );
    drop(tx);
    let mut tx = s.begin(other.id).await.unwrap();
    assert!(
        tx.alerts_known(&[raised]).await.unwrap().is_empty(),
        "another team's alerts are its own"
    );
}

/// Many pushes at once on one team's log, read concurrently: `writers` tasks each make `pushes` transactions of 1 to
/// 20 events, pausing 0–2 ms inside each transaction (where a sequence-numbered log would let another writer commit
/// a larger position first) and between them, and dropping one in ten without commit; three readers page through
/// the log 7 events at a time until they have seen it all. Panics unless no committed event is lost, none is
/// duplicated, none of a dropped transaction appears, positions are exactly 1..=N, and each reader saw them in
/// order without a gap.
pub async fn stress(s: Arc<dyn Storage>, writers: usize, pushes: usize) {
    let stressed = team("Stress");
    s.create_team(&stressed).await.unwrap();
    let (total, total_seen) = tokio::sync::watch::channel(None::<u64>);
    let readers: Vec<_> = (0..3)
        .map(|_| tokio::spawn(read_all(s.clone(), stressed.id, total_seen.clone())))
        .collect();
    let writers: Vec<_> = (0..writers as u64)
        .map(|w| tokio::spawn(write_many(s.clone(), stressed.id, w, pushes)))
        .collect();

    let mut committed: HashMap<EventId, (u64, String)> = HashMap::new();
    for writer in writers {
        for (id, position, raw) in writer.await.unwrap() {
            assert!(
                committed.insert(id, (position, raw)).is_none(),
                "an event is committed once"
            );
        }
    }
    let n = committed.len() as u64;
    let mut positions: Vec<u64> = committed.values().map(|(p, _)| *p).collect();
    positions.sort_unstable();
    assert_eq!(
        positions,
        (1..=n).collect::<Vec<_>>(),
        "the committed pushes hold positions 1..=N, each once: rolled-back pushes leave no gap"
    );
    // Every commit is visible now; the readers may finish once they have caught up.
    total.send(Some(n)).unwrap();

    for reader in readers {
        let seen = reader.await.unwrap();
        assert_eq!(seen.len() as u64, n, "a reader sees every committed event");
        for row in &seen {
            let (position, raw) = committed
                .get(&row.id)
                .unwrap_or_else(|| panic!("a reader saw {}, which was never committed", row.id));
            assert_eq!(
                row.position, *position,
                "an event keeps the position its push was given"
            );
            assert_eq!(&row.raw, raw, "event bytes come back exactly as pushed");
        }
    }
    assert_eq!(s.head(stressed.id).await.unwrap(), n);
}

/// One writer's pushes; returns `(id, position, raw)` of every event it committed.
async fn write_many(
    s: Arc<dyn Storage>,
    team: TeamId,
    writer: u64,
    pushes: usize,
) -> Vec<(EventId, u64, String)> {
    let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(writer + 1));
    let device = DeviceId(Uuid::now_v7());
    let mut seq = 0;
    let mut committed = Vec::new();
    for _ in 0..pushes {
        let count = 1 + rng.below(20);
        let keep = rng.below(10) != 0;
        let mut tx = s.begin(team).await.unwrap();
        let mut batch = Vec::new();
        for i in 1..=count {
            let e = event(device, seq + i, None);
            let position = tx.append(&e).await.unwrap();
            if let Some((_, previous, _)) = batch.last() {
                assert_eq!(
                    position,
                    previous + 1,
                    "positions within a push follow one another"
                );
            }
            batch.push((e.id, position, e.raw));
        }
        rng.pause().await;
        if keep {
            tx.commit().await.unwrap();
            seq += count;
            committed.extend(batch);
        } else {
            drop(tx);
        }
        rng.pause().await;
    }
    committed
}

/// Pages through the log 7 events at a time, checking each page continues the last without a gap, until
/// `total` says every writer is done and the reader has caught up; waits on `watch` when there is nothing new.
async fn read_all(
    s: Arc<dyn Storage>,
    team: TeamId,
    mut total: tokio::sync::watch::Receiver<Option<u64>>,
) -> Vec<EventRow> {
    let mut wake = s.watch();
    let mut seen: Vec<EventRow> = Vec::new();
    let mut cursor = 0;
    loop {
        // Read before pulling: once it says done, every commit was visible to the pull that follows.
        let done = *total.borrow_and_update();
        let page = s.pull(team, cursor, 7).await.unwrap();
        assert!(page.len() <= 7, "a pull returns at most its limit");
        for row in &page {
            assert_eq!(
                row.position,
                cursor + 1,
                "a reader's positions increase one by one: it never sees a later position before an earlier one"
            );
            cursor = row.position;
        }
        if !page.is_empty() {
            seen.extend(page);
            continue;
        }
        if let Some(n) = done {
            assert_eq!(
                cursor, n,
                "once every writer is done, a reader that has caught up has seen every event"
            );
            return seen;
        }
        // Lagging behind the wake-ups is fine: the next pull catches up all the same.
        tokio::select! {
            _ = wake.recv() => {}
            _ = total.changed() => {}
        }
    }
}

/// A small deterministic generator, so the stress schedule needs no dependency.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    /// 0 to 2 ms: shuffles the writers' interleaving (it orders nothing).
    async fn pause(&mut self) {
        let micros = self.below(2_001);
        tokio::time::sleep(std::time::Duration::from_micros(micros)).await;
    }
}
