//! The log's own checks: hash chains per device, and rebuilding the projections to prove they follow from the log.

use std::collections::BTreeMap;

use casebook_core::DeviceId;
use casebook_store::append::read_events;
use serde::Serialize;

use crate::{Casebook, Result};

/// What `log verify` found on one device's chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainReport {
    pub device: DeviceId,
    pub events: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    /// Sequence numbers missing here (a partial history, e.g. from a one-incident bundle): not an error.
    pub gaps: u64,
    /// Events whose hash does not match their content, or whose predecessor's hash does not match, or whose
    /// signature does not verify with the device's key.
    pub broken: Vec<String>,
    /// Events with a verified signature.
    pub signed: u64,
    /// Events without a signature (made before devices had keys): verifiable by their hash chain alone.
    pub unsigned: u64,
    /// Signed events whose device key this replica does not know: chained, not yet verifiable.
    pub unknown_key: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogReport {
    pub events: u64,
    pub chains: Vec<ChainReport>,
    /// Events kept aside because their device sequence held another event (a fork, e.g. a restored backup).
    pub forks: u64,
    /// Events kept aside because their id named an event with other content.
    pub reused_ids: u64,
    /// Events from elsewhere refused by the admission rule (`casebook log refused` lists them).
    pub refused: u64,
    /// Events whose clock ran far ahead of when they were received: by the team server when they came through it,
    /// else by this replica (they rank below ordinary edits and never move the local clock).
    pub clock_ahead: u64,
    pub integrity_check: String,
}

impl LogReport {
    pub fn ok(&self) -> bool {
        self.integrity_check == "ok" && self.chains.iter().all(|c| c.broken.is_empty())
    }
}

/// The result of a rebuild.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RebuildReport {
    pub events: u64,
    /// Whether the rebuilt projections equal those before the rebuild.
    pub identical: bool,
}

impl Casebook {
    /// Re-hashes every event and checks each device's chain links.
    pub fn verify_log(&self, progress: &mut dyn FnMut(u64)) -> Result<LogReport> {
        let conn = self.store.conn();
        // Per device: (sequence, hash, previous hash, whether the hash matches the content, signature).
        type Link = (u64, String, Option<String>, bool, Option<String>);
        let mut chains: BTreeMap<DeviceId, Vec<Link>> = BTreeMap::new();
        let mut after = 0;
        let mut total = 0u64;
        loop {
            let batch = read_events(conn, None, after, 5_000)?;
            let Some((last, _)) = batch.last() else { break };
            after = *last;
            for (_, e) in batch {
                let intact = e.recompute_hash() == e.hash;
                chains.entry(e.body.device).or_default().push((
                    e.body.device_seq,
                    e.hash.clone(),
                    e.prev_hash.clone(),
                    intact,
                    e.signature.clone(),
                ));
                total += 1;
            }
            progress(total);
        }
        let mut reports = Vec::new();
        for (device, mut events) in chains {
            events.sort_by_key(|e| e.0);
            let mut broken = Vec::new();
            let mut gaps = 0;
            let key = casebook_store::trust::device_key(conn, device)?;
            let (mut signed, mut unsigned, mut unknown_key) = (0, 0, 0);
            for (i, (seq, hash, prev, intact, signature)) in events.iter().enumerate() {
                match (signature, &key) {
                    (None, _) => unsigned += 1,
                    (Some(_), None) => unknown_key += 1,
                    (Some(sig), Some(k)) => match k.verify(hash, sig) {
                        Ok(()) => signed += 1,
                        Err(_) => broken.push(format!(
                            "event #{seq} carries a signature that does not verify with the device's key"
                        )),
                    },
                }
                if !intact {
                    broken.push(format!(
                        "event #{seq} does not match its hash: it was changed after it was written"
                    ));
                }
                if i == 0 {
                    if *seq == 1 && prev.is_some() {
                        broken.push("event #1 claims a predecessor".to_string());
                    }
                    continue;
                }
                let (pseq, phash, _, _, _) = &events[i - 1];
                if *seq == pseq + 1 {
                    if prev.as_deref() != Some(phash.as_str()) {
                        broken.push(format!("event #{seq} does not follow event #{pseq}: the chain was cut or reordered"));
                    }
                } else {
                    gaps += seq - pseq - 1;
                }
            }
            reports.push(ChainReport {
                device,
                events: events.len() as u64,
                first_seq: events.first().map(|e| e.0).unwrap_or(0),
                last_seq: events.last().map(|e| e.0).unwrap_or(0),
                gaps,
                broken,
                signed,
                unsigned,
                unknown_key,
            });
        }
        let (forks, reused_ids, refused, clock_ahead) = casebook_store::trust::aside_counts(conn)?;
        Ok(LogReport {
            events: total,
            chains: reports,
            forks,
            reused_ids,
            refused,
            clock_ahead,
            integrity_check: self.store.integrity_check()?,
        })
    }

    /// Events from elsewhere that the admission rule refused, newest first.
    pub fn refused_events(&self, limit: u32) -> Result<Vec<casebook_store::trust::RefusedEvent>> {
        Ok(casebook_store::trust::refused_events(
            self.store.conn(),
            i64::from(limit),
        )?)
    }

    /// Rebuilds every projection from the log and says whether the result equals what was there.
    pub fn rebuild(&mut self, progress: &mut dyn FnMut(u64)) -> Result<RebuildReport> {
        let before = casebook_store::dump::dump(self.store.conn())?;
        let events = casebook_store::rebuild::rebuild(&mut self.store, progress)?;
        let after = casebook_store::dump::dump(self.store.conn())?;
        Ok(RebuildReport {
            events,
            identical: before == after,
        })
    }
}
