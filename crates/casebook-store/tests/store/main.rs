//! Integration tests of the store on real SQLite files: the merge contract (any order of the same events gives the
//! same state), rebuild equals live, and idempotent arrival.

mod convergence;
mod search;
