//! Casebook's sync client, in two halves that never mix: [`plan`] is a pure function from what each side holds to
//! what to push and where to pull from; [`client::Client`] does the HTTP. The application API runs one, then the
//! other, and holds no database lock across a network call.

mod admin;
pub mod certificate;
pub mod client;
mod plan;

pub use client::{Client, Remote, SyncError};
pub use plan::{plan, Cursor, Plan, PushRange};
