//! Events from elsewhere (a case bundle, the team server): each one is checked for its hash, for arrival safety
//! (this device's own events, reused ids, forks), for its signature and then by the core's admission rule, before it
//! is stored and applied. Refused events are kept aside with their reason, never silently dropped.
//!
//! Arrival order must not matter: of two events that claim one id, or one device sequence, the one with the smaller
//! hash is kept in the log and the other aside, whichever came first; an event whose place in HLC order changes how
//! earlier-judged events stand (a late reassignment, a displaced fork) makes the batch replay the log in HLC order
//! when it finishes. A clock far ahead is judged against the team server's receipt time once the server has relayed
//! the event (`hlc::is_far_ahead_on_arrival`), so the flag is the same on every replica, the author's included.

use casebook_core::admission::{self, Author, Refusal, RefusalCode};
use casebook_core::event::WireEvent;
use casebook_core::{hlc, DeviceId, Event, Payload};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::append::{insert, Standing};
use crate::trust::{self, Profile};
use crate::{project, rebuild, Result};

/// What became of an event from elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// Admitted, stored and applied.
    Applied(Standing),
    /// Already here, byte for byte.
    Duplicate,
    /// Its device sequence holds another event: the one with the larger hash is kept aside and reported.
    Fork { device: DeviceId, device_seq: u64 },
    /// Its id names an event with other bytes: the one with the larger hash is kept aside and reported.
    ReusedId,
    /// Refused by the admission rule or arrival safety; kept aside with the reason.
    Refused(Refusal),
}

/// A batch of arrivals in one transaction; `finish` writes their full-text rows and replays the log when an arrival
/// changed earlier judgements.
#[must_use = "`finish` writes the batch's full-text rows"]
pub struct Arrivals<'a, 't> {
    tx: &'a Transaction<'t>,
    /// This replica's profile; `None` for a data directory that only reads what it is given (no `init` yet).
    profile: Option<Profile>,
    now_us: i64,
    origin: String,
    replay: bool,
    /// Held events that lost their place to an arrival with a smaller hash: (same device sequence, same id).
    displaced: (u64, u64),
    /// The applied events' full-text rows, written together by `finish`.
    search: project::SearchRows,
}

impl<'a, 't> Arrivals<'a, 't> {
    /// Starts a batch; `origin` says where the events come from ("bundle case.bundle"), for the list of refusals.
    pub fn new(tx: &'a Transaction<'t>, now_us: i64, origin: &str) -> Result<Self> {
        let profile = trust::profile(tx)?;
        Ok(Arrivals {
            tx,
            profile,
            now_us,
            origin: origin.to_string(),
            replay: false,
            displaced: (0, 0),
            search: project::SearchRows::default(),
        })
    }

    /// Checks, admits and applies one event known only from where it came (a bundle): its clock is judged against
    /// this replica's until the team server relays it.
    pub fn append(&mut self, e: &Event) -> Result<Arrival> {
        self.arrive(e, None)
    }

    /// Checks, admits and applies one event the team server relayed, which the server received at
    /// `server_received_us` (its envelope's `received_at`). An event held already, this device's own included, is
    /// judged again against that time.
    pub fn append_relayed(&mut self, e: &Event, server_received_us: i64) -> Result<Arrival> {
        self.arrive(e, Some(server_received_us))
    }

    fn arrive(&mut self, e: &Event, received: Option<i64>) -> Result<Arrival> {
        let tx = self.tx;
        let b = &e.body;
        if e.recompute_hash() != e.hash {
            return self.refuse(
                e,
                received,
                RefusalCode::BadHash,
                "it does not match its hash: it was changed after it was written".into(),
            );
        }
        if b.device_seq == 0 || b.device_seq > i64::MAX as u64 {
            return self.refuse(
                e,
                received,
                RefusalCode::InvalidValue,
                "its device sequence number is out of range".into(),
            );
        }
        // Held events the newcomer wins over (same id, or same device sequence, and a larger hash): they go aside.
        let mut displace: Vec<(bool, String)> = Vec::new();
        let same_id: Option<(String, String)> = tx
            .prepare_cached("SELECT hash, device FROM events WHERE id = ?1")?
            .query_row([b.id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((held_hash, held_device)) = same_id {
            if held_hash == e.hash {
                if let Some(received) = received {
                    self.judge_clock_again(e, received)?;
                }
                return Ok(Arrival::Duplicate);
            }
            // This device's own events are never displaced by anything from outside.
            if e.hash > held_hash || self.own_device() == Some(held_device) {
                self.keep_aside(e, "reused_id", received)?;
                return Ok(Arrival::ReusedId);
            }
            displace.push((false, b.id.to_string()));
        }
        if self.own_device() == Some(b.device.to_string()) {
            return self.refuse(
                e,
                received,
                RefusalCode::OwnDevice,
                "it claims to be this device's own event but is not one this device holds".into(),
            );
        }
        let same_seq: Option<(String, String)> = tx
            .prepare_cached("SELECT id, hash FROM events WHERE device = ?1 AND device_seq = ?2")?
            .query_row(params![b.device.to_string(), b.device_seq as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((held_id, held_hash)) = same_seq {
            if held_id != b.id.to_string() {
                if e.hash > held_hash {
                    self.keep_aside(e, "fork", received)?;
                    return Ok(Arrival::Fork {
                        device: b.device,
                        device_seq: b.device_seq,
                    });
                }
                displace.push((true, held_id));
            }
        }
        let author = match trust::author_of(tx, self.profile.as_ref(), e)? {
            Ok(a) => a,
            Err(reason) => {
                let code = if reason.contains("another key") {
                    RefusalCode::KeyConflict
                } else {
                    RefusalCode::BadSignature
                };
                return self.refuse(e, received, code, reason);
            }
        };
        let authority = trust::is_directory_authority(tx, self.profile.as_ref(), e, author)?;
        let incident = match b.incident {
            Some(i) => trust::incident_facts(tx, i)?,
            None => None,
        };
        let lookup = trust::DbLookup(tx);
        let cx = admission::Context {
            author,
            directory_authority: authority,
            outside_of: self.profile.as_ref().map(|p| p.owner),
            incident,
            minted_here: false,
            lookup: &lookup,
        };
        let standing = match admission::admit(b, &cx) {
            Ok(s) => s,
            Err(mut refusal) => {
                if refusal.code == RefusalCode::UnverifiedAuthor {
                    refusal.reason.push_str(&self.trust_hint(e)?);
                }
                return self.refuse_with(e, received, refusal);
            }
        };
        for (by_seq, held) in displace {
            self.displace(&held)?;
            if by_seq {
                self.displaced.0 += 1;
            } else {
                self.displaced.1 += 1;
            }
        }
        let standing = Standing {
            standing,
            clock_ahead: hlc::is_far_ahead_on_arrival(b.hlc, received, self.now_us),
        };
        if self.changes_earlier_judgements(e, author)? {
            self.replay = true;
        }
        insert(tx, e, standing, received)?;
        project::apply_with(tx, e, standing, &self.search)?;
        clear_refusal(tx, e)?;
        Ok(Arrival::Applied(standing))
    }

    fn own_device(&self) -> Option<String> {
        self.profile.as_ref().map(|p| p.device.to_string())
    }

    /// How many held events lost their place to an arrival so far: (forks, reused ids).
    pub fn displaced(&self) -> (u64, u64) {
        self.displaced
    }

    /// Ends the batch. Trust only grows within a batch (a device's key, a person's registration, the person's own
    /// trust in a device), so events judged before their author could be verified are judged again: refused ones may
    /// now be admitted, unverified ones may now count as their author's. Then the log is replayed in HLC order if
    /// anything changed how earlier events stand. The result depends on the set of events, not their order.
    pub fn finish(mut self) -> Result<bool> {
        for _round in 0..8 {
            if !self.reconsider()? {
                break;
            }
        }
        // Before a replay, which empties the index and fills it again.
        self.search.write(self.tx)?;
        if self.replay {
            rebuild::rebuild_in(self.tx, |_| {})?;
        }
        Ok(self.replay)
    }

    /// One pass over what was judged with less trust than there is now; true when something changed.
    fn reconsider(&mut self) -> Result<bool> {
        let mut changed = false;
        let refused: Vec<(String, Option<i64>)> = self
            .tx
            .prepare_cached(
                "SELECT event_json, server_received_us FROM refused_events WHERE code = 'unverified_author'",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (json, received) in refused {
            let wire: WireEvent = serde_json::from_str(&json)?;
            let Ok(e) = Event::try_from(wire) else {
                continue;
            };
            match self.arrive(&e, received)? {
                Arrival::Applied(_) => changed = true,
                Arrival::Refused(_) => {}
                // Decided otherwise now (a duplicate, or kept aside as a fork): no longer a refusal.
                _ => clear_refusal(self.tx, &e)?,
            }
        }
        // An event kept aside (a fork, a displaced one, an id reuser) whose rivals have all left the log since: with
        // the smaller hash winning every conflict, it belongs in the log again, whatever order things came in.
        let freed: Vec<(String, String, String, Option<i64>)> = self
            .tx
            .prepare_cached(
                "SELECT f.id, f.hash, f.event_json, f.server_received_us FROM forked_events f
                 WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = f.id)
                 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.device = f.device AND e.device_seq = f.device_seq)",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        for (id, hash, json, received) in freed {
            let wire: WireEvent = serde_json::from_str(&json)?;
            let Ok(e) = Event::try_from(wire) else {
                continue;
            };
            if let Arrival::Applied(_) = self.arrive(&e, received)? {
                self.tx.execute(
                    "DELETE FROM forked_events WHERE id = ?1 AND hash = ?2",
                    params![id, hash],
                )?;
                changed = true;
            }
        }
        let unverified: Vec<String> = self
            .tx
            .prepare_cached("SELECT id FROM events WHERE standing = 'unverified'")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in unverified {
            let Some(e) = crate::append::read_one(self.tx, &id)? else {
                continue;
            };
            let author = match trust::author_of(self.tx, self.profile.as_ref(), &e)? {
                Ok(a @ Author::Verified { .. }) => a,
                _ => continue,
            };
            let authority =
                trust::is_directory_authority(self.tx, self.profile.as_ref(), &e, author)?;
            let lookup = trust::DbLookup(self.tx);
            let cx = admission::Context {
                author,
                directory_authority: authority,
                outside_of: self.profile.as_ref().map(|p| p.owner),
                // Judged as on arrival into a case it was already part of.
                incident: None,
                minted_here: false,
                lookup: &lookup,
            };
            if let Ok(standing) = admission::admit(&e.body, &cx) {
                if standing != admission::Standing::Unverified {
                    let s = Standing {
                        standing,
                        clock_ahead: false,
                    };
                    self.tx.execute(
                        "UPDATE events SET standing = ?2 WHERE id = ?1",
                        params![id, s.as_str()],
                    )?;
                    self.replay = true;
                    changed = true;
                }
            }
        }
        Ok(changed)
    }

    /// Whether events already applied may now stand differently: a late change of who may edit an incident (its
    /// opening, an assignment, an escalation step) or of someone's role, with later events already judged.
    fn changes_earlier_judgements(&self, e: &Event, author: Author) -> Result<bool> {
        let b = &e.body;
        let hlc = b.hlc.encode();
        let later = |sql: &str, key: String| -> Result<bool> {
            Ok(self
                .tx
                .prepare_cached(sql)?
                .query_row(params![key, hlc], |_| Ok(()))
                .optional()?
                .is_some())
        };
        match &b.payload {
            Payload::UserRegistered { user, .. } => later(
                "SELECT 1 FROM events WHERE author = ?1 AND hlc > ?2 LIMIT 1",
                user.to_string(),
            ),
            Payload::IncidentOpened { .. }
            | Payload::IncidentAssigned { .. }
            | Payload::EscalationRequested { .. }
            | Payload::EscalationAcknowledged { .. }
            | Payload::EscalationAccepted { .. }
            | Payload::EscalationDeclined { .. }
            | Payload::EscalationAssigned { .. } => match (b.incident, author) {
                (Some(i), _) => later(
                    "SELECT 1 FROM events WHERE incident_id = ?1 AND hlc > ?2 LIMIT 1",
                    i.to_string(),
                ),
                (None, _) => Ok(false),
            },
            _ => Ok(false),
        }
    }

    /// Judges a held event's clock again, now that the team server's receipt time of it is known: the server's copy
    /// of an event known so far only here (this device's own, or one read from a bundle), or its new receipt time
    /// after the server was restored from a backup and the event pushed again. The last time the server gave wins,
    /// which is the time its log holds now, so replicas that pulled that log agree.
    fn judge_clock_again(&mut self, e: &Event, received: i64) -> Result<()> {
        let id = e.body.id.to_string();
        let (ahead, known): (bool, Option<i64>) = self
            .tx
            .prepare_cached("SELECT clock_ahead, server_received_us FROM events WHERE id = ?1")?
            .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if known == Some(received) {
            return Ok(());
        }
        let now_ahead = hlc::is_far_ahead_on_arrival(e.body.hlc, Some(received), self.now_us);
        self.tx.execute(
            "UPDATE events SET server_received_us = ?2, clock_ahead = ?3 WHERE id = ?1",
            params![id, received, now_ahead],
        )?;
        // The flag reaches the projections only through the event's last-writer-wins claims (their rank, and the
        // scope later events are judged in): an event that made none changes nothing by it.
        if now_ahead != ahead {
            let claimed = self
                .tx
                .prepare_cached("SELECT 1 FROM field_claims WHERE event_id = ?1 LIMIT 1")?
                .query_row([&id], |_| Ok(()))
                .optional()?
                .is_some();
            self.replay |= claimed;
        }
        Ok(())
    }

    /// Moves a held event out of the log (it lost to an event with the same id or device sequence and a smaller
    /// hash) and marks the batch for a replay.
    fn displace(&mut self, held_id: &str) -> Result<()> {
        let stored = crate::append::read_one(self.tx, held_id)?;
        if let Some(held) = stored {
            let received: Option<i64> = self.tx.query_row(
                "SELECT server_received_us FROM events WHERE id = ?1",
                [held_id],
                |r| r.get(0),
            )?;
            self.keep_aside(&held, "displaced", received)?;
            self.tx
                .execute("DELETE FROM events WHERE id = ?1", [held_id])?;
        }
        self.replay = true;
        Ok(())
    }

    /// Keeps an event aside with why, and the server's receipt time of it when known (so that judging it again
    /// later, should it come back into the log, flags its clock as every other replica does).
    fn keep_aside(&self, e: &Event, reason: &str, received: Option<i64>) -> Result<()> {
        let b = &e.body;
        let json = serde_json::to_string(&WireEvent::from(e))?;
        self.tx.execute(
            "INSERT INTO forked_events (id, device, device_seq, hash, event_json, reason, server_received_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id, hash) DO UPDATE SET
             server_received_us = coalesce(excluded.server_received_us, forked_events.server_received_us)",
            params![
                b.id.to_string(),
                b.device.to_string(),
                b.device_seq as i64,
                e.hash,
                json,
                reason,
                received
            ],
        )?;
        Ok(())
    }

    fn refuse(
        &self,
        e: &Event,
        received: Option<i64>,
        code: RefusalCode,
        reason: String,
    ) -> Result<Arrival> {
        self.refuse_with(e, received, Refusal::new(code, reason))
    }

    fn refuse_with(&self, e: &Event, received: Option<i64>, refusal: Refusal) -> Result<Arrival> {
        let b = &e.body;
        let json = serde_json::to_string(&WireEvent::from(e))?;
        self.tx.execute(
            "INSERT INTO refused_events (id, hash, device, author, incident_id, kind, code, reason, origin, refused_us, event_json,
             server_received_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (id, hash) DO UPDATE SET code = excluded.code, reason = excluded.reason,
             origin = excluded.origin, refused_us = excluded.refused_us,
             server_received_us = coalesce(excluded.server_received_us, refused_events.server_received_us)",
            params![
                b.id.to_string(),
                e.hash,
                b.device.to_string(),
                b.author.to_string(),
                b.incident.map(|i| i.to_string()),
                b.payload.kind(),
                refusal.code.as_str(),
                refusal.reason,
                self.origin,
                self.now_us,
                json,
                received
            ],
        )?;
        Ok(Arrival::Refused(refusal))
    }

    /// How the person can let this device's events in, when its key is known.
    fn trust_hint(&self, e: &Event) -> Result<String> {
        Ok(match trust::device_trust(self.tx, e.body.device)? {
            Some(t) => format!(
                ". If its owner confirms the device fingerprint {}, import again trusting it",
                t.key.fingerprint()
            ),
            None => String::new(),
        })
    }
}

/// Forgets a refusal once the event was admitted after all (say, after the person trusted its device).
pub fn clear_refusal(tx: &Transaction, e: &Event) -> Result<()> {
    tx.execute(
        "DELETE FROM refused_events WHERE id = ?1 AND hash = ?2",
        params![e.body.id.to_string(), e.hash],
    )?;
    Ok(())
}
