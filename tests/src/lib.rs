//! Intentionally empty: this package exists for its `stories` integration test, which drives the `casebook` binary.
