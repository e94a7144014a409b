//! Rebuilding every projection from the event log alone, in one transaction: the proof that the log is the truth.

use crate::append::read_events;
use crate::dump::projection_tables;
use crate::{project, Result, Store};

/// Drops every projection and re-applies every event; returns how many events were applied.
pub fn rebuild(store: &mut Store, mut progress: impl FnMut(u64)) -> Result<u64> {
    let tx = store.write()?;
    for table in projection_tables() {
        // Table names come from the constant list in `dump`.
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    let mut after = 0;
    let mut applied = 0u64;
    loop {
        let batch = read_events(&tx, None, after, 2_000)?;
        let Some((last, _)) = batch.last() else { break };
        after = *last;
        for (_, event) in &batch {
            project::apply(&tx, event)?;
            applied += 1;
        }
        progress(applied);
    }
    tx.commit()?;
    Ok(applied)
}
