//! Events the server makes and signs itself, on a device whose key it holds (a team's directory device, an
//! integration's device): each chained to that device's previous event and clocked after it.

use casebook_core::event::WireEvent;
use casebook_core::signing::DeviceKey;
use casebook_core::{DeviceId, Event, EventBody, EventId, Hlc, Payload, UserId};
use casebook_server_storage::{LogTx, NewEvent, StorageError};
use uuid::Uuid;

use crate::ApiResult;

/// A server-held device's chain, read once under the team's write lock and extended in memory.
pub(crate) struct Chain {
    device: DeviceId,
    key: DeviceKey,
    seq: u64,
    prev_hash: Option<String>,
    prev_hlc: Hlc,
}

impl Chain {
    /// The device's last event in the log (its frontier: the server writes this device's events itself, so there
    /// is never a hole).
    pub(crate) async fn load(
        tx: &mut dyn LogTx,
        device: DeviceId,
        key: DeviceKey,
    ) -> ApiResult<Chain> {
        let seq = tx.frontier(device).await?;
        let (prev_hash, prev_hlc) = match seq {
            0 => (None, Hlc::zero(device)),
            n => {
                let raw = tx.seq_raw(device, n).await?.ok_or_else(|| {
                    StorageError::Corrupt(format!(
                        "event {n} of server-held device {device} is missing"
                    ))
                })?;
                let prev: WireEvent = serde_json::from_str(&raw).map_err(|e| {
                    StorageError::Corrupt(format!("event {n} of device {device}: {e}"))
                })?;
                (Some(prev.hash), prev.hlc)
            }
        };
        Ok(Chain {
            device,
            key,
            seq,
            prev_hash,
            prev_hlc,
        })
    }

    pub(crate) fn device(&self) -> DeviceId {
        self.device
    }

    /// The device's last sequence number so far.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    /// The next event of the chain, sealed and signed, with its bytes as they go into the log.
    pub(crate) fn seal(
        &mut self,
        author: UserId,
        payload: Payload,
        now_us: i64,
    ) -> ApiResult<(Event, String)> {
        let body = EventBody {
            id: EventId(Uuid::now_v7()),
            incident: None,
            author,
            device: self.device,
            device_seq: self.seq + 1,
            hlc: Hlc::tick(self.prev_hlc, now_us),
            payload,
        };
        let event = Event::seal_signed(body, self.prev_hash.take(), &self.key);
        let raw = serde_json::to_string(&WireEvent::from(&event))
            .map_err(|e| StorageError::Corrupt(format!("encoding an event: {e}")))?;
        self.seq += 1;
        self.prev_hash = Some(event.hash.clone());
        self.prev_hlc = event.body.hlc;
        Ok((event, raw))
    }
}

/// The log's row of a global event the server made (no incident, no evidence file).
pub(crate) fn global_row(event: &Event, raw: String, now_us: i64) -> NewEvent {
    let b = &event.body;
    NewEvent {
        id: b.id,
        incident: None,
        author: b.author,
        device: b.device,
        device_seq: b.device_seq,
        hash: event.hash.clone(),
        raw,
        received_us: now_us,
        objects: vec![b.id.0],
        opens_incident: false,
        blob: None,
        alert: match event.payload() {
            Payload::AlertRaised(a) => Some(a.alert.0),
            _ => None,
        },
    }
}
