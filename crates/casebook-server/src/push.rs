//! Admission of pushed events: each event passes the core's rule against the team directory, with the author taken
//! from the signed-in account, inside the team's write lock so its position is the next one.
//!
//! Before the rule, what only the server can check: the bytes hash to the event's hash, the device is the signed-in
//! device and the author its account (or the offline profile bound to it), and the signature verifies with the key
//! the device signed in with. A retry is a duplicate; another event already holding the id or the device sequence
//! makes this one a fork, kept aside and reported. Refused events are kept aside with their reason, so the device's
//! frontier passes them and the client shows the reason instead of pushing them forever.

use std::collections::{BTreeSet, HashMap};

use casebook_core::admission::{self, Author, Context, IncidentFacts, Lookup, Ref, RefusalCode};
use casebook_core::authz::IncidentScope;
use casebook_core::event::WireEvent;
use casebook_core::model::Tier;
use casebook_core::signing::PublicKey;
use casebook_core::{DeviceId, Event, IncidentId, Payload};
use casebook_protocol::{PushOutcome, Verdict};
use casebook_server_storage::{AsideEvent, LogTx, NewEvent, Storage};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::auth::Caller;
use crate::{ApiError, ApiResult};

/// The answers the rule's reference check needs: what the log holds, plus what this push introduced so far.
struct Objects(HashMap<Uuid, Option<IncidentId>>);

impl Lookup for Objects {
    fn incident_of(&self, r: Ref) -> Option<IncidentId> {
        self.0.get(&r.uuid()).copied().flatten()
    }
}

/// One pushed event, read: its bytes as pushed and the event they decode to.
pub struct Pushed {
    pub raw: String,
    pub event: Event,
}

/// Reads a push's events; a body that is not events at all is refused whole (nothing of it was admitted).
pub fn read(raw: Vec<Box<RawValue>>) -> ApiResult<Vec<Pushed>> {
    raw.into_iter()
        .enumerate()
        .map(|(i, r)| {
            let wire: WireEvent = serde_json::from_str(r.get()).map_err(|e| {
                ApiError::invalid(format!("event {} of the push is not an event: {e}", i + 1))
            })?;
            let event = Event::try_from(wire)
                .map_err(|e| ApiError::invalid(format!("event {} of the push: {e}", i + 1)))?;
            Ok(Pushed {
                raw: r.get().to_string(),
                event,
            })
        })
        .collect()
}

/// What the server decides for one event, before it is written.
enum Judged {
    Admit,
    Duplicate,
    /// `aside` is the reason kept with it: `fork` (same device sequence) or `reused_id`.
    Fork {
        reason: String,
        aside: &'static str,
    },
    Refuse {
        code: RefusalCode,
        reason: String,
    },
}

fn refused(code: RefusalCode, reason: impl Into<String>) -> Judged {
    Judged::Refuse {
        code,
        reason: reason.into(),
    }
}

/// Admits a push's events in order, in one transaction.
pub async fn admit(
    storage: &dyn Storage,
    caller: &Caller,
    events: Vec<Pushed>,
    now_us: i64,
) -> ApiResult<Vec<PushOutcome>> {
    let key = PublicKey::from_hex(&caller.device.public_key).map_err(|_| {
        ApiError::forbidden("this device's key on the server is unreadable; sign in again")
    })?;
    let mut tx = storage.begin(caller.team).await?;
    // Every id the push names, looked up once.
    let ids: Vec<Uuid> = events
        .iter()
        .flat_map(|p| {
            admission::references(p.event.payload())
                .into_iter()
                .map(|r| r.target.uuid())
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut objects = Objects(tx.objects(&ids).await?);
    let mut opened: HashMap<IncidentId, bool> = HashMap::new();
    let mut touched: BTreeSet<DeviceId> = BTreeSet::new();
    let mut outcomes = Vec::with_capacity(events.len());
    for p in events {
        let judged = judge(&mut *tx, caller, &key, &p, &mut objects, &mut opened).await?;
        let e = &p.event;
        // Only the caller's own events are kept aside: another device's sequence must never be settled by someone
        // else's push, or that device's real events would look already delivered.
        let own = e.body.device == caller.device.device;
        let verdict = match judged {
            Judged::Admit => Verdict::Admitted {
                position: append(&mut *tx, &p, now_us, &mut objects).await?,
            },
            Judged::Duplicate => Verdict::Duplicate,
            Judged::Fork { reason, aside } => {
                if own {
                    set_aside(&mut *tx, caller, &p, aside, None, &reason, now_us).await?;
                }
                Verdict::Fork { reason }
            }
            Judged::Refuse { code, reason } => {
                if own {
                    set_aside(
                        &mut *tx,
                        caller,
                        &p,
                        "refused",
                        Some(code.as_str()),
                        &reason,
                        now_us,
                    )
                    .await?;
                }
                Verdict::Refused { code, reason }
            }
        };
        outcomes.push(PushOutcome {
            id: e.id(),
            verdict,
        });
        if own {
            touched.insert(e.body.device);
        }
    }
    for device in touched {
        advance_frontier(&mut *tx, device).await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

async fn judge(
    tx: &mut dyn LogTx,
    caller: &Caller,
    key: &PublicKey,
    p: &Pushed,
    objects: &mut Objects,
    opened: &mut HashMap<IncidentId, bool>,
) -> ApiResult<Judged> {
    let e = &p.event;
    let b = &e.body;
    if e.recompute_hash() != e.hash {
        return Ok(refused(
            RefusalCode::BadHash,
            "its bytes do not match its hash: it was changed after it was made",
        ));
    }
    if let Some(held) = tx.event_hash(b.id).await? {
        return Ok(if held == e.hash {
            Judged::Duplicate
        } else {
            Judged::Fork {
                reason: format!("another event already has the id {}", b.id),
                aside: "reused_id",
            }
        });
    }
    if tx.seq_hash(b.device, b.device_seq).await?.is_some() {
        return Ok(Judged::Fork {
            reason: format!(
                "device {} already has another event at sequence {}",
                b.device, b.device_seq
            ),
            aside: "fork",
        });
    }
    if b.device != caller.device.device {
        return Ok(refused(
            RefusalCode::Forbidden,
            "a device pushes only the events it made itself",
        ));
    }
    if b.author != caller.user() && Some(b.author) != caller.device.alias {
        return Ok(refused(
            RefusalCode::Forbidden,
            "its author is not the signed-in account: a device pushes only its own person's work",
        ));
    }
    let Some(signature) = &e.signature else {
        return Ok(refused(
            RefusalCode::UnverifiedAuthor,
            "it is not signed; the team admits only signed events",
        ));
    };
    if key.verify(&e.hash, signature).is_err() {
        return Ok(refused(
            RefusalCode::BadSignature,
            "its signature does not verify with the key this device signed in with",
        ));
    }
    let incident = match b.incident {
        Some(id) => {
            let is_open = match opened.get(&id) {
                Some(o) => *o,
                None => {
                    let o = tx.incident_opened(id).await?;
                    opened.insert(id, o);
                    o
                }
            };
            Some(IncidentFacts {
                opened: is_open,
                foreign: false,
                // Scope at the event's place is judged by every replica's projection, not at arrival.
                scope: IncidentScope {
                    tier: Tier::ONE,
                    assignee: None,
                },
            })
        }
        None => None,
    };
    let cx = Context {
        author: Author::Verified {
            role: caller.role(),
            tier: caller.tier(),
        },
        // Pushed events never decide the directory: only the server's own directory events do.
        directory_authority: false,
        outside_of: None,
        incident,
        minted_here: false,
        lookup: objects,
    };
    Ok(match admission::admit(&e.body, &cx) {
        Ok(_) => {
            if let (Payload::IncidentOpened { .. }, Some(id)) = (e.payload(), b.incident) {
                opened.insert(id, true);
            }
            Judged::Admit
        }
        Err(r) => Judged::Refuse {
            code: r.code,
            reason: r.reason,
        },
    })
}

async fn append(
    tx: &mut dyn LogTx,
    p: &Pushed,
    now_us: i64,
    objects: &mut Objects,
) -> ApiResult<u64> {
    let e = &p.event;
    let b = &e.body;
    let mut ids = vec![b.id.0];
    ids.extend(
        admission::references(e.payload())
            .into_iter()
            .filter(|r| r.introduced)
            .map(|r| r.target.uuid()),
    );
    for id in &ids {
        objects.0.entry(*id).or_insert(b.incident);
    }
    let blob = match e.payload() {
        Payload::EvidenceAdded { sha256, size, .. } => Some((sha256.clone(), *size)),
        _ => None,
    };
    Ok(tx
        .append(&NewEvent {
            id: b.id,
            incident: b.incident,
            author: b.author,
            device: b.device,
            device_seq: b.device_seq,
            hash: e.hash.clone(),
            raw: p.raw.clone(),
            received_us: now_us,
            objects: ids,
            opens_incident: matches!(e.payload(), Payload::IncidentOpened { .. }),
            blob,
            alert: match e.payload() {
                Payload::AlertRaised(a) => Some(a.alert.0),
                _ => None,
            },
        })
        .await?)
}

async fn set_aside(
    tx: &mut dyn LogTx,
    caller: &Caller,
    p: &Pushed,
    reason: &str,
    code: Option<&str>,
    detail: &str,
    now_us: i64,
) -> ApiResult<()> {
    let b = &p.event.body;
    tx.set_aside(&AsideEvent {
        id: b.id,
        device: b.device,
        device_seq: b.device_seq,
        hash: p.event.hash.clone(),
        raw: p.raw.clone(),
        reason: reason.into(),
        code: code.map(str::to_string),
        detail: detail.into(),
        pushed_by: caller.user(),
        received_us: now_us,
    })
    .await?;
    Ok(())
}

/// Moves a device's frontier past every sequence now settled (in the log or kept aside), stopping at a hole.
async fn advance_frontier(tx: &mut dyn LogTx, device: DeviceId) -> ApiResult<()> {
    let start = tx.frontier(device).await?;
    let mut at = start;
    while tx.seq_settled(device, at + 1).await? {
        at += 1;
    }
    if at != start {
        tx.set_frontier(device, at).await?;
    }
    Ok(())
}
