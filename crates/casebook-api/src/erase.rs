//! Erasing this laptop's Casebook data ("Forget this laptop" with "and erase its data"): the database and the
//! evidence store go; the folder itself and anything else in it stay.
//!
//! A database cannot be deleted safely under the connections that hold it open (the desktop app's and its sync
//! agent's), so erasing is asked for first ([`request_erase`], which leaves a marker file) and done by
//! the next start, before anything opens the directory ([`finish_erase`]). While the marker is there,
//! [`crate::Casebook::open`] refuses the directory: nothing can be added to data that is about to go.

use std::io::ErrorKind;
use std::path::Path;

use crate::error::{self, Error, ErrorCode, Result};
use crate::DATABASE_FILE;

/// The marker file in a data directory whose data is to be erased.
pub const ERASE_MARKER: &str = "erase-requested";

/// Marks the data of `data_dir` to be erased when the desktop app next starts; the caller then closes what it has
/// open and restarts. The marker is written atomically (a temporary file renamed into place), so a crash leaves
/// either no request or a whole one.
pub fn request_erase(data_dir: &Path) -> Result<()> {
    let marker = data_dir.join(ERASE_MARKER);
    let temp = data_dir.join(format!("{ERASE_MARKER}.tmp"));
    std::fs::write(
        &temp,
        "Casebook erases this folder's database and evidence files the next time the desktop app starts.\n\
         Delete this file before then to keep them.\n",
    )
    .and_then(|()| std::fs::rename(&temp, &marker))
    .map_err(error::io(format!("cannot mark {} for erasing", data_dir.display())))
}

/// Whether `data_dir` is marked to be erased.
pub fn erase_requested(data_dir: &Path) -> bool {
    data_dir.join(ERASE_MARKER).exists()
}

/// Erases the data of `data_dir` if it is marked ([`request_erase`]): the database with its journal
/// files and the evidence store; the marker goes last, so an interrupted erase is finished by the next call.
/// `true` when something was erased. Call it before anything opens the directory.
pub fn finish_erase(data_dir: &Path) -> Result<bool> {
    if !erase_requested(data_dir) {
        return Ok(false);
    }
    for name in database_files() {
        remove(&data_dir.join(name), |p| std::fs::remove_file(p))?;
    }
    remove(&data_dir.join("blobs"), |p| std::fs::remove_dir_all(p))?;
    // A key kept for the erased database opens nothing now; without a keyring there is nothing to remove.
    let _ = crate::system_keyring::forget(data_dir);
    remove(&data_dir.join(ERASE_MARKER), |p| std::fs::remove_file(p))?;
    Ok(true)
}

/// The refusal [`crate::Casebook::open`] gives a directory marked for erasing.
pub(crate) fn refuse_marked(data_dir: &Path) -> Error {
    Error::new(
        ErrorCode::Conflict,
        format!(
            "the Casebook data in {} is set to be erased when the desktop app next starts; start the app to \
             finish, or delete the file {} to keep the data",
            data_dir.display(),
            data_dir.join(ERASE_MARKER).display()
        ),
    )
}

fn database_files() -> Vec<String> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| format!("{DATABASE_FILE}{suffix}"))
        .chain(crate::encryption::key_files())
        .collect()
}

fn remove(path: &Path, how: fn(&Path) -> std::io::Result<()>) -> Result<()> {
    match how(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(error::io(format!("cannot erase {}", path.display()))(e)),
    }
}
