//! Conversions between domain values and their SQL columns. They live here, not in the core, so the core stays free
//! of SQLite.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;

use crate::{Result, StoreError};

pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn opt_micros(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(micros)
}

pub(crate) fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub(crate) fn opt_from_micros(us: Option<i64>) -> Option<DateTime<Utc>> {
    us.map(from_micros)
}

/// Parses a column written by this crate (an id, an HLC, a vocabulary word).
pub(crate) fn parse<T: std::str::FromStr>(what: &str, s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>()
        .map_err(|e| StoreError::Corrupt(format!("{what} `{s}`: {e}")))
}

pub(crate) fn opt_parse<T: std::str::FromStr>(what: &str, s: Option<String>) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    s.map(|s| parse(what, &s)).transpose()
}

pub(crate) fn text(s: impl ToString) -> Value {
    Value::Text(s.to_string())
}

pub(crate) fn opt_text<T: ToString>(s: Option<T>) -> Value {
    s.map(|s| Value::Text(s.to_string())).unwrap_or(Value::Null)
}

pub(crate) fn opt_int(v: Option<i64>) -> Value {
    v.map(Value::Integer).unwrap_or(Value::Null)
}

/// `execute` through the connection's statement cache: the hot write paths (projections, arrivals) run the same
/// statements for every event.
pub(crate) trait Cached {
    fn exec_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
}

impl Cached for rusqlite::Connection {
    fn exec_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
}
