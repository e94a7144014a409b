//! The team server in-process, with the network in between: the server library's own admission and storage called
//! directly (what the push and pull routes do, without HTTP), behind a [`Remote`] per laptop that loses requests and
//! answers, applies pushes twice, serves short pages, cuts a laptop off, and crashes it at the k-th request of a sync;
//! and a restore of the server from an older backup.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use casebook_api::{Clock, FixedClock};
use casebook_core::admission;
use casebook_core::event::WireEvent;
use casebook_core::{DeviceId, Event, Payload, UserId};
use casebook_protocol::routes::Access;
use casebook_protocol::{limits, BlobStatus, Frontier, Frontiers, Page, PushResult, Relayed};
use casebook_server::auth::Caller;
use casebook_server::{push, ApiError};
use casebook_server_sqlite::SqliteStorage;
use casebook_server_storage::{EventRow, NewEvent, Storage, TeamRow};
use casebook_sync::{Remote, SyncError};
use chrono::DateTime;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::team::{runtime, start};
use super::{Tally, SERVER_URL};

/// How often each fault strikes in one schedule (each schedule draws its own mix).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Faults {
    pub(super) lose_request: f64,
    pub(super) lose_answer: f64,
    pub(super) duplicate_push: f64,
    pub(super) short_page: f64,
}

/// What the network does to one laptop.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct LinkState {
    /// Steps left cut off from the server.
    pub(super) partitioned: u32,
    /// The laptop crashes at this request of its current sync (counting down); `true`: after the server applied it.
    pub(super) crash_at: Option<(u32, bool)>,
}

/// The server in-process, with the network between it and the laptops.
pub(super) struct Net {
    pub(super) rt: tokio::runtime::Runtime,
    pub(super) dir: PathBuf,
    pub(super) storage: RefCell<Arc<SqliteStorage>>,
    pub(super) team: TeamRow,
    pub(super) clock: Arc<FixedClock>,
    pub(super) rng: RefCell<StdRng>,
    pub(super) faults: Cell<Faults>,
    pub(super) links: RefCell<Vec<LinkState>>,
    pub(super) tally: RefCell<Tally>,
    pub(super) restores: Cell<u32>,
}

pub(super) fn offline(detail: &str) -> SyncError {
    SyncError::Offline {
        url: SERVER_URL.into(),
        detail: detail.into(),
    }
}

pub(super) fn refused(e: ApiError) -> SyncError {
    SyncError::Server(e.0)
}

impl Net {
    pub(super) fn new(dir: &Path, db: &Path, team: TeamRow, seed: u64, faults: Faults) -> Net {
        Net {
            rt: runtime(),
            storage: RefCell::new(Arc::new(SqliteStorage::open(db).unwrap())),
            dir: dir.to_path_buf(),
            team,
            clock: Arc::new(FixedClock::new(start())),
            rng: RefCell::new(StdRng::seed_from_u64(seed ^ 0x5eed)),
            faults: Cell::new(faults),
            links: RefCell::new(Vec::new()),
            tally: RefCell::new(Tally::default()),
            restores: Cell::new(0),
        }
    }

    pub(super) fn storage(&self) -> Arc<SqliteStorage> {
        self.storage.borrow().clone()
    }

    pub(super) fn now_us(&self) -> i64 {
        self.clock.now().timestamp_micros()
    }

    pub(super) fn chance(&self, p: f64) -> bool {
        p > 0.0 && self.rng.borrow_mut().random_bool(p.min(1.0))
    }

    pub(super) fn count(&self, f: impl FnOnce(&mut Tally)) {
        f(&mut self.tally.borrow_mut());
    }

    /// Who is calling, read afresh like the real server does from a token: the device and account rows.
    pub(super) fn caller(&self, device: DeviceId, user: UserId) -> Result<Caller, SyncError> {
        let s = self.storage();
        let id = self.team.id;
        let (device, account) = self
            .rt
            .block_on(async { (s.device(id, device).await, s.account(id, user).await) });
        match (device.unwrap(), account.unwrap()) {
            (Some(device), Some(account)) => Ok(Caller {
                team: id,
                device,
                account,
                token_hash: String::new(),
            }),
            _ => Err(refused(ApiError::unauthenticated(
                "this device is not signed in to this server",
            ))),
        }
    }

    pub(super) fn frontiers(&self) -> Result<Frontiers, SyncError> {
        let s = self.storage();
        let id = self.team.id;
        self.rt
            .block_on(async {
                let team = s
                    .team(id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("the team"))?;
                let head = s.head(id).await?;
                let devices = s
                    .frontiers(id)
                    .await?
                    .into_iter()
                    .map(|(device, contiguous)| Frontier { device, contiguous })
                    .collect();
                Ok(Frontiers {
                    epoch: team.epoch,
                    head,
                    devices,
                })
            })
            .map_err(refused)
    }

    /// `POST /v1/sync/push` without the HTTP: the role check, reading, admission, the epoch.
    pub(super) fn push(
        &self,
        caller: &Caller,
        events: Vec<Box<RawValue>>,
    ) -> Result<PushResult, SyncError> {
        caller.require(Access::Writer).map_err(refused)?;
        let s = self.storage();
        let now = self.now_us();
        let result = self.rt.block_on(async {
            let events = push::read(events)?;
            let outcomes = push::admit(&*s, caller, events, now).await?;
            let epoch = s
                .team(caller.team)
                .await?
                .map(|t| t.epoch)
                .unwrap_or_default();
            Ok::<_, ApiError>(PushResult { epoch, outcomes })
        });
        let result = result.map_err(refused)?;
        let admitted = result
            .outcomes
            .iter()
            .filter(|o| matches!(o.verdict, casebook_protocol::Verdict::Admitted { .. }));
        let admitted = admitted.count() as u64;
        self.count(|t| t.admitted += admitted);
        Ok(result)
    }

    /// `GET /v1/sync/pull` without the HTTP: events after `after` in their envelopes, with the epoch and the head.
    pub(super) fn pull(&self, after: u64, limit: u32) -> Result<Page, SyncError> {
        let s = self.storage();
        let id = self.team.id;
        let limit = limit.clamp(1, limits::PULL_PAGE);
        self.rt
            .block_on(async {
                let team = s
                    .team(id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("the team"))?;
                let rows = s.pull(id, after, limit).await?;
                let head = s.head(id).await?;
                let events = rows
                    .into_iter()
                    .map(|row| Relayed {
                        position: row.position,
                        received_at: DateTime::from_timestamp_micros(row.received_us)
                            .unwrap_or_default(),
                        event: RawValue::from_string(row.raw).unwrap(),
                    })
                    .collect();
                Ok(Page {
                    epoch: team.epoch,
                    head,
                    events,
                })
            })
            .map_err(refused)
    }

    /// The whole log, in position order.
    pub(super) fn log(&self) -> Vec<EventRow> {
        let s = self.storage();
        self.rt.block_on(s.pull(self.team.id, 0, u32::MAX)).unwrap()
    }

    pub(super) fn head(&self) -> u64 {
        let s = self.storage();
        self.rt.block_on(s.head(self.team.id)).unwrap()
    }

    /// The server restored from a backup that holds the team, its accounts and devices, and the first `keep` events
    /// of the log: a new database written the way the server writes (each event appended with its bytes and the
    /// objects it introduces, frontiers recomputed), then a fresh epoch, as an operator's restore sets.
    pub(super) fn restore(&self, keep: u64) {
        let old = self.storage();
        let n = self.restores.get() + 1;
        self.restores.set(n);
        let new = Arc::new(SqliteStorage::open(&self.dir.join(format!("server-{n}.db"))).unwrap());
        let id = self.team.id;
        self.rt.block_on(async {
            let team = old.team(id).await.unwrap().unwrap();
            new.create_team(&team).await.unwrap();
            for a in old.accounts(id).await.unwrap() {
                new.create_account(&a).await.unwrap();
            }
            for d in old.devices(id).await.unwrap() {
                new.put_device(&d).await.unwrap();
            }
            let rows = old.pull(id, 0, keep as u32).await.unwrap();
            let mut held: BTreeMap<DeviceId, Vec<u64>> = BTreeMap::new();
            let mut tx = new.begin(id).await.unwrap();
            for row in rows {
                let event =
                    Event::try_from(serde_json::from_str::<WireEvent>(&row.raw).unwrap()).unwrap();
                let mut objects = vec![row.id.0];
                let introduced = admission::references(event.payload())
                    .into_iter()
                    .filter(|r| r.introduced);
                objects.extend(introduced.map(|r| r.target.uuid()));
                let blob = match event.payload() {
                    Payload::EvidenceAdded { sha256, size, .. } => Some((sha256.clone(), *size)),
                    _ => None,
                };
                let position = tx
                    .append(&NewEvent {
                        id: row.id,
                        incident: row.incident,
                        author: row.author,
                        device: row.device,
                        device_seq: row.device_seq,
                        hash: row.hash.clone(),
                        raw: row.raw.clone(),
                        received_us: row.received_us,
                        objects,
                        opens_incident: matches!(event.payload(), Payload::IncidentOpened { .. }),
                        blob,
                        alert: match event.payload() {
                            Payload::AlertRaised(a) => Some(a.alert.0),
                            _ => None,
                        },
                    })
                    .await
                    .unwrap();
                assert_eq!(position, row.position, "the backup keeps every position");
                held.entry(row.device).or_default().push(row.device_seq);
            }
            for (device, mut seqs) in held {
                seqs.sort_unstable();
                let contiguous = seqs
                    .iter()
                    .enumerate()
                    .take_while(|(i, s)| **s == *i as u64 + 1)
                    .count() as u64;
                tx.set_frontier(device, contiguous).await.unwrap();
            }
            tx.commit().await.unwrap();
            new.set_epoch(id, Uuid::now_v7()).await.unwrap();
        });
        *self.storage.borrow_mut() = new;
        self.count(|t| t.restores += 1);
    }

    pub(super) fn heal(&self) {
        self.faults.set(Faults::default());
        for l in self.links.borrow_mut().iter_mut() {
            *l = LinkState::default();
        }
    }
}

/// One laptop's line to the server, with the faults in between.
pub(super) struct Link<'a> {
    pub(super) net: &'a Net,
    pub(super) laptop: usize,
    pub(super) device: DeviceId,
    pub(super) user: UserId,
}

/// Whether a request reaches the server and whether its answer comes back.
pub(super) enum Fate {
    Delivered,
    Lost,
    AnswerLost,
}

impl Link<'_> {
    pub(super) fn fate(&self) -> Fate {
        let mut links = self.net.links.borrow_mut();
        let link = &mut links[self.laptop];
        if link.partitioned > 0 {
            return Fate::Lost;
        }
        if let Some((n, applied)) = link.crash_at {
            if n <= 1 {
                link.crash_at = Some((0, applied));
                return if applied {
                    Fate::AnswerLost
                } else {
                    Fate::Lost
                };
            }
            link.crash_at = Some((n - 1, applied));
        }
        drop(links);
        let faults = self.net.faults.get();
        if self.net.chance(faults.lose_request) {
            self.net.count(|t| t.lost_requests += 1);
            return Fate::Lost;
        }
        if self.net.chance(faults.lose_answer) {
            self.net.count(|t| t.lost_answers += 1);
            return Fate::AnswerLost;
        }
        Fate::Delivered
    }

    /// Runs a request under its fate: never sent, or sent and its answer lost, or answered.
    pub(super) fn request<T>(
        &self,
        serve: impl FnOnce() -> Result<T, SyncError>,
    ) -> Result<T, SyncError> {
        match self.fate() {
            Fate::Lost => Err(offline("the request was lost")),
            Fate::AnswerLost => {
                let _ = serve();
                Err(offline("the answer was lost"))
            }
            Fate::Delivered => serve(),
        }
    }
}

impl Remote for Link<'_> {
    fn frontiers(&self) -> Result<Frontiers, SyncError> {
        self.request(|| self.net.frontiers())
    }

    fn push(&self, events: Vec<Box<RawValue>>) -> Result<PushResult, SyncError> {
        self.request(|| {
            let caller = self.net.caller(self.device, self.user)?;
            if self.net.chance(self.net.faults.get().duplicate_push) {
                self.net.count(|t| t.duplicated_pushes += 1);
                // The first answer goes nowhere; the laptop reads the second, which must say "already held".
                let _ = self.net.push(&caller, events.clone());
            }
            self.net.push(&caller, events)
        })
    }

    fn pull(&self, after: u64, limit: u32) -> Result<Page, SyncError> {
        self.request(|| {
            let limit = if self.net.chance(self.net.faults.get().short_page) {
                self.net.count(|t| t.short_pages += 1);
                self.net.rng.borrow_mut().random_range(1..=limit.min(4))
            } else {
                limit
            };
            self.net.pull(after, limit)
        })
    }

    fn blob_status(&self, _sha256: &str) -> Result<BlobStatus, SyncError> {
        Err(SyncError::Protocol(
            "the simulation adds no evidence files".into(),
        ))
    }

    fn blob_upload(
        &self,
        _sha256: &str,
        _offset: u64,
        _chunk: &[u8],
    ) -> Result<BlobStatus, SyncError> {
        Err(SyncError::Protocol(
            "the simulation adds no evidence files".into(),
        ))
    }
}
