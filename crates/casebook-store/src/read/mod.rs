//! Read handles over `&Connection`: the views the application shows. They are transfer types (plain data with
//! `Serialize`), separate from the core's domain types.

mod activity;
mod alerts;
mod escalations;
mod hits;
mod incidents;
mod paging;
mod records;
mod search;
mod timeline;

pub use activity::*;
pub use alerts::*;
pub use escalations::*;
pub use incidents::*;
pub use paging::*;
pub use records::*;
pub use search::*;
pub use timeline::*;

use casebook_core::{Hlc, UserId};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::sql::parse;
use crate::Result;

/// A person in the directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserView {
    pub id: UserId,
    pub name: String,
    pub role: casebook_core::model::Role,
    pub tier: Option<casebook_core::model::Tier>,
}

pub fn users(conn: &Connection) -> Result<Vec<UserView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, role, tier FROM users ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows: Vec<UserRow> = stmt.query_map([], user_row)?.collect::<Result<_, _>>()?;
    rows.into_iter().map(user_view).collect()
}

/// One person, by id: every change checks who acts, so this is one indexed row, not the directory.
pub fn user(conn: &Connection, id: UserId) -> Result<Option<UserView>> {
    conn.prepare_cached("SELECT id, name, role, tier FROM users WHERE id = ?1")?
        .query_row([id.to_string()], user_row)
        .optional()?
        .map(user_view)
        .transpose()
}

type UserRow = (String, String, String, Option<u8>);

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn user_view((id, name, role, tier): UserRow) -> Result<UserView> {
    Ok(UserView {
        id: parse("user id", &id)?,
        name,
        role: parse("role", &role)?,
        tier: tier.map(|t| parse("tier", &t.to_string())).transpose()?,
    })
}

/// Finds users by name, case-insensitively (a name may be shared: all matches are returned).
pub fn users_named(conn: &Connection, name: &str) -> Result<Vec<UserView>> {
    Ok(users(conn)?
        .into_iter()
        .filter(|u| u.name.eq_ignore_ascii_case(name.trim()))
        .collect())
}

/// The response targets a lead has set, per severity.
pub fn response_targets(
    conn: &Connection,
) -> Result<Vec<casebook_core::escalation::ResponseTarget>> {
    let mut stmt = conn.prepare_cached(
        "SELECT severity, acknowledge_minutes, accept_minutes FROM response_targets",
    )?;
    let rows: Vec<(String, u32, u32)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(s, a, c)| {
            Ok(casebook_core::escalation::ResponseTarget {
                severity: parse("severity", &s)?,
                acknowledge_minutes: a,
                accept_minutes: c,
            })
        })
        .collect()
}

/// Who this installation is.
pub fn profile(conn: &Connection) -> Result<Option<(casebook_core::DeviceId, UserId)>> {
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT device_id, user_id FROM profile WHERE singleton = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(d, u)| Ok((parse("device id", &d)?, parse("user id", &u)?)))
        .transpose()
}

pub(crate) fn hlc_time(s: &str) -> Result<DateTime<Utc>> {
    Ok(parse::<Hlc>("hlc", s)?.wall_time())
}

pub(crate) fn opt_hlc_time(s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.filter(|s| !s.is_empty())
        .map(|s| hlc_time(&s))
        .transpose()
}

/// How many forked events (same device sequence, other hash) have been set aside.
pub fn fork_count(conn: &Connection) -> Result<u64> {
    Ok(
        conn.query_row("SELECT count(*) FROM forked_events", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}
