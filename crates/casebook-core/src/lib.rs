//! Casebook's pure core: the domain nouns, the event log's semantics (hybrid logical clock, hash chain,
//! versioned payloads), the merge rules and the authorization matrix.
//!
//! Architecture invariant: this crate does no I/O and reads no clock. Time and fresh ids are passed in by the
//! caller, so every rule here is testable with fixed values. SQLite, the network, Tauri and PDF live elsewhere.

pub mod admission;
pub mod alert;
pub mod authz;
pub mod digest;
pub mod escalation;
pub mod event;
pub mod hlc;
pub mod ids;
pub mod key;
pub mod metrics;
pub mod model;
pub mod observable;
pub mod signing;
mod string_enum;
mod wire;

pub use event::{Event, EventBody, Payload};
pub use hlc::Hlc;
pub use ids::*;
