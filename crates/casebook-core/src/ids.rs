//! Typed ids. Every id is a UUIDv7 minted by the caller (the core reads no clock); the newtypes keep an evidence id
//! from being passed where an incident id is expected, and serialize as the bare UUID.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map($name)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                $name(u)
            }
        }
    )+};
}

id_type!(
    /// One event of the log.
    EventId,
    /// An incident (case).
    IncidentId,
    /// A person with an account (responder, lead, auditor, admin).
    UserId,
    /// One installation of Casebook (a laptop or a server); events are numbered and chained per device.
    DeviceId,
    /// A timeline entry.
    EntryId,
    /// An evidence item.
    EvidenceId,
    /// An observable (IOC) of one incident.
    ObservableId,
    /// A task.
    TaskId,
    /// A comment.
    CommentId,
    /// An escalation request and its life.
    EscalationId,
    /// An alert from a SIEM or IDS; derived from its source and the source's id (`alert::alert_id`).
    AlertId,
);
