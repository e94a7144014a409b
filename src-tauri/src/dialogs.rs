//! The system's dialogs, opened by the shell so that what the person chooses is granted (see `grants`): file
//! choosers, the confirmation of a path that was typed, and of erasing this laptop's data. Each call blocks its
//! (worker) thread until the person answers; none holds the Casebook.

use std::path::{Path, PathBuf};

use casebook_api::{Error, ErrorCode};
use tauri::AppHandle;
use tauri_plugin_dialog::{
    DialogExt, FileDialogBuilder, FilePath, MessageDialogButtons, MessageDialogKind,
};

use crate::dto::FileFilter;
use crate::grants::{not_chosen, Access, Decision, Grants};

/// Files the person chose to open (none if they cancelled), granted for reading.
pub fn pick_open(
    app: &AppHandle,
    grants: &Grants,
    multiple: bool,
    filters: &[FileFilter],
) -> Result<Vec<String>, Error> {
    let dialog = with_filters(app.dialog().file(), filters);
    let picked = if multiple {
        dialog.blocking_pick_files().unwrap_or_default()
    } else {
        dialog.blocking_pick_file().into_iter().collect()
    };
    let paths = picked
        .into_iter()
        .map(local_path)
        .collect::<Result<Vec<_>, _>>()?;
    grants.grant(paths.iter().map(PathBuf::as_path), Access::Read);
    Ok(paths.iter().map(|p| p.display().to_string()).collect())
}

/// Where the person chose to save (none if they cancelled), granted for writing.
pub fn pick_save(
    app: &AppHandle,
    grants: &Grants,
    file_name: &str,
    filters: &[FileFilter],
) -> Result<Option<String>, Error> {
    let dialog = with_filters(app.dialog().file(), filters).set_file_name(file_name);
    let Some(picked) = dialog.blocking_save_file() else {
        return Ok(None);
    };
    let path = local_path(picked)?;
    grants.grant([path.as_path()], Access::Write);
    Ok(Some(path.display().to_string()))
}

/// `path` if the person chose it for `access`; a typed one is first confirmed in a native dialog.
pub fn require(
    app: &AppHandle,
    grants: &Grants,
    path: &str,
    access: Access,
) -> Result<PathBuf, Error> {
    match grants.check(path, access)? {
        Decision::Granted(path) => Ok(path),
        Decision::Ask(path) => {
            if confirm_typed(app, &path, access) {
                grants.grant([path.as_path()], access);
                Ok(path)
            } else {
                Err(not_chosen(&path, "using it was not confirmed"))
            }
        }
    }
}

fn confirm_typed(app: &AppHandle, path: &Path, access: Access) -> bool {
    let (verb, button) = match access {
        Access::Read => ("read", "Read it"),
        Access::Write => ("write", "Write it"),
    };
    app.dialog()
        .message(format!(
            "Casebook was asked to {verb} this file:\n\n{}\n\nIt was typed, not chosen in a file dialog. Allow it only \
             if you typed this path yourself.",
            path.display()
        ))
        .title("Use a typed path?")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(button.to_string(), "Cancel".to_string()))
        .blocking_show()
}

/// Whether the person confirms erasing this laptop's Casebook data, asked in a dialog of the system's.
pub fn confirm_erase(app: &AppHandle) -> bool {
    app.dialog()
        .message(
            "Erase every case, timeline and evidence file Casebook keeps on this laptop?\n\nChanges that never \
             reached the team server are lost for good. Casebook restarts empty.",
        )
        .title("Erase Casebook's data?")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom("Erase".to_string(), "Keep the data".to_string()))
        .blocking_show()
}

fn with_filters(
    mut dialog: FileDialogBuilder<tauri::Wry>,
    filters: &[FileFilter],
) -> FileDialogBuilder<tauri::Wry> {
    for f in filters {
        let extensions: Vec<&str> = f.extensions.iter().map(String::as_str).collect();
        dialog = dialog.add_filter(&f.name, &extensions);
    }
    dialog
}

fn local_path(picked: FilePath) -> Result<PathBuf, Error> {
    picked.into_path().map_err(|e| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("the chosen file is not on this computer's disk ({e})"),
        )
    })
}
