//! Team sync, told through the real server on a loopback port (TLS, the real router, a real SQLite file or, when
//! `CASEBOOK_TEST_DATABASE_URL` is set by `scripts/with-postgres`, a real PostgreSQL too) and real laptops (the
//! application API on data directories of their own, syncing with the real client).

mod agent;
mod alerts;
mod clocks;
mod evidence_fetch;
mod harness;
mod matrix;
mod membership;
mod pinning;
mod simulation;
mod story;
mod team_admin;
