//! How far each person has seen each incident on this laptop, so a changed incident can show what arrived since.
//!
//! A mark is the local arrival number (`events.seq`) of the newest event in the log when the person last opened
//! the incident. Arrival order, not the HLC: an event pulled today from a laptop that made it offline last week
//! carries last week's clock, and it is still news here. Marks are local bookkeeping, not events: they never sync,
//! never travel in a bundle, and a rebuild keeps them.

use casebook_core::{IncidentId, UserId};
use rusqlite::{params, Connection, OptionalExtension};

use crate::Result;

/// The newest local arrival number in the log (0 for an empty log).
pub fn latest_seq(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COALESCE(max(seq), 0) FROM events")?
        .query_row([], |r| r.get(0))?)
}

/// Records that `user` has seen `incident` up to `seq`. A mark never moves back.
pub fn mark(
    tx: &Connection,
    incident: IncidentId,
    user: UserId,
    seq: i64,
    now_us: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO seen_marks (incident_id, user_id, seq, seen_us) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (incident_id, user_id) DO UPDATE SET seq = max(seq, excluded.seq), seen_us = excluded.seen_us",
    )?
    .execute(params![incident.to_string(), user.to_string(), seq, now_us])?;
    Ok(())
}

/// Where `user` last saw `incident`, or `None` if they never opened it here.
pub fn mark_of(conn: &Connection, incident: IncidentId, user: UserId) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT seq FROM seen_marks WHERE incident_id = ?1 AND user_id = ?2")?
        .query_row(params![incident.to_string(), user.to_string()], |r| {
            r.get(0)
        })
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn marks_are_per_person_and_incident_and_never_move_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::Store::open(&dir.path().join("casebook.db")).unwrap();
        let (x, y) = (IncidentId(Uuid::now_v7()), IncidentId(Uuid::now_v7()));
        let (ana, ben) = (UserId(Uuid::now_v7()), UserId(Uuid::now_v7()));
        let tx = store.write().unwrap();
        assert_eq!(latest_seq(&tx).unwrap(), 0, "an empty log");
        mark(&tx, x, ana, 7, 1).unwrap();
        mark(&tx, x, ana, 3, 2).unwrap();
        tx.commit().unwrap();
        let conn = store.conn();
        assert_eq!(
            mark_of(conn, x, ana).unwrap(),
            Some(7),
            "an older mark never replaces a newer one"
        );
        assert_eq!(mark_of(conn, x, ben).unwrap(), None, "marks are per person");
        assert_eq!(mark_of(conn, y, ana).unwrap(), None, "and per incident");
    }
}
