//! Rebuilding every projection from the event log alone, in one transaction: the proof that the log is the truth.
//!
//! Events are replayed in HLC order, the order in which the projection judges whether an event was in scope at its
//! place, so a rebuild judges every event exactly as every replica does, whatever order they arrived in here.

use rusqlite::Transaction;

use crate::append::read_in_clock_order;
use crate::dump::projection_tables;
use crate::{project, Result, Store};

/// Drops every projection and re-applies every event; returns how many events were applied.
pub fn rebuild(store: &mut Store, progress: impl FnMut(u64)) -> Result<u64> {
    let tx = store.write()?;
    let applied = rebuild_in(&tx, progress)?;
    tx.commit()?;
    Ok(applied)
}

/// The same, inside the caller's transaction (an arrival batch that changed earlier judgements replays this way).
pub fn rebuild_in(tx: &Transaction, mut progress: impl FnMut(u64)) -> Result<u64> {
    for table in projection_tables() {
        // Table names come from the constant list in `dump`.
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    tx.execute("DELETE FROM search_backlog", [])?;
    // Entries' places go with the index's rows, which they name by rowid (local, so not in the dump).
    tx.execute("DELETE FROM search_places", [])?;
    let mut after = (String::new(), String::new());
    let mut applied = 0u64;
    let search = project::SearchRows::default();
    loop {
        let batch = read_in_clock_order(tx, (&after.0, &after.1), 2_000)?;
        let Some(last) = batch.last() else { break };
        after = (last.event.body.hlc.encode(), last.event.body.id.to_string());
        for stored in &batch {
            project::apply_with(tx, &stored.event, stored.standing, &search)?;
            applied += 1;
        }
        search.write(tx)?;
        progress(applied);
    }
    Ok(applied)
}
