//! Which files the page may hand to a command.
//!
//! The page is the least trusted part of the app: it renders text from bundles, imports and colleagues. Were a script
//! ever injected into it, a command that took any path would let it read `~/.ssh/id_ed25519` into a case (and sync it
//! to the team) or overwrite any file with a report. So a path reaches a command only if the person chose it:
//! - in the system's file dialog, opened by the shell (`pick_open`, `pick_save`), never by the page;
//! - by dropping it on the window (the shell sees the drop before the page does);
//! - by typing it, confirmed in a native dialog that the page cannot draw or answer;
//! - or under a folder named in `CASEBOOK_ALLOWED_DIRS` when the app was started (scripted and test runs). When that
//!   variable is set the app never asks: other paths are refused.
//!
//! Grants last until the app quits. Writing a file implies reading it back (verifying a report just exported).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use casebook_api::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The environment variable listing folders whose files the app may use without asking (`:`-separated).
pub const ALLOWED_DIRS_ENV: &str = "CASEBOOK_ALLOWED_DIRS";

/// What a command does with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
}

/// What [`Grants::check`] decided about a path.
#[derive(Debug, PartialEq)]
pub enum Decision {
    Granted(PathBuf),
    /// Typed by someone (or made up by the page): the person must confirm it.
    Ask(PathBuf),
}

/// The paths this session may use. Cheap to clone: every clone shares one set.
#[derive(Clone, Default)]
pub struct Grants {
    chosen: Arc<Mutex<HashMap<PathBuf, Access>>>,
    allowed_dirs: Arc<Vec<PathBuf>>,
    /// True when the app was started with `CASEBOOK_ALLOWED_DIRS`: nothing is asked, other paths are refused.
    scripted: bool,
}

impl Grants {
    /// Grants read from the environment the app was started with.
    pub fn from_env() -> Grants {
        match std::env::var_os(ALLOWED_DIRS_ENV) {
            Some(dirs) if !dirs.is_empty() => {
                Grants::scripted(std::env::split_paths(&dirs).collect())
            }
            _ => Grants::default(),
        }
    }

    /// Grants that never ask: only files under `dirs` (and those chosen in dialogs) are allowed.
    pub fn scripted(dirs: Vec<PathBuf>) -> Grants {
        let dirs = dirs
            .into_iter()
            .filter(|d| d.is_absolute())
            .map(|d| d.canonicalize().unwrap_or(d))
            .collect();
        Grants {
            chosen: Arc::default(),
            allowed_dirs: Arc::new(dirs),
            scripted: true,
        }
    }

    /// Records paths the person chose in a dialog or dropped on the window.
    pub fn grant<'a>(&self, paths: impl IntoIterator<Item = &'a Path>, access: Access) {
        let mut chosen = self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        for path in paths {
            let held = chosen.entry(path.to_path_buf()).or_insert(access);
            *held = (*held).max(access);
        }
    }

    /// Whether `path` may be used for `access` as it stands, must be confirmed, or is refused.
    pub fn check(&self, path: &str, access: Access) -> Result<Decision, Error> {
        let path = Path::new(path);
        if !path.is_absolute() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!(
                    "\"{}\" is not a full path: give the whole path, starting with /",
                    path.display()
                ),
            ));
        }
        if path.components().any(|c| c == Component::ParentDir) {
            return Err(Error::new(
                ErrorCode::Forbidden,
                format!(
                    "\"{}\" goes up a folder with \"..\": give the file's own path",
                    path.display()
                ),
            ));
        }
        let chosen = self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        if chosen.get(path).is_some_and(|held| *held >= access) {
            return Ok(Decision::Granted(path.to_path_buf()));
        }
        drop(chosen);
        if self.under_allowed_dir(path) {
            return Ok(Decision::Granted(path.to_path_buf()));
        }
        if self.scripted {
            return Err(not_chosen(
                path,
                "it is outside the folders this app was started with",
            ));
        }
        Ok(Decision::Ask(path.to_path_buf()))
    }

    /// Whether the file (or, for one not written yet, its folder) resolves, links followed, under an allowed folder.
    fn under_allowed_dir(&self, path: &Path) -> bool {
        if self.allowed_dirs.is_empty() {
            return false;
        }
        let resolved = path.canonicalize().or_else(|_| {
            let parent = path.parent().unwrap_or(path).canonicalize()?;
            Ok::<_, std::io::Error>(parent.join(path.file_name().unwrap_or_default()))
        });
        resolved.is_ok_and(|p| self.allowed_dirs.iter().any(|d| p.starts_with(d)))
    }
}

/// The refusal of a path the person did not choose.
pub fn not_chosen(path: &Path, why: &str) -> Error {
    Error::new(
        ErrorCode::Forbidden,
        format!(
            "Casebook did not use {}: it was not chosen in a file dialog or dropped on the window, and {why}",
            path.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_str(p: &Path) -> &str {
        p.to_str().unwrap()
    }

    #[test]
    fn a_path_the_page_made_up_must_be_confirmed() {
        let grants = Grants::default();
        assert_eq!(
            grants
                .check("/home/someone/.ssh/id_ed25519", Access::Read)
                .unwrap(),
            Decision::Ask(PathBuf::from("/home/someone/.ssh/id_ed25519"))
        );
    }

    #[test]
    fn a_chosen_file_is_granted_for_what_it_was_chosen_for() {
        let grants = Grants::default();
        grants.grant([Path::new("/cases/in.csv")], Access::Read);
        grants.grant([Path::new("/cases/out.pdf")], Access::Write);
        assert!(matches!(
            grants.check("/cases/in.csv", Access::Read).unwrap(),
            Decision::Granted(_)
        ));
        // Chosen to be read, not to be overwritten.
        assert!(matches!(
            grants.check("/cases/in.csv", Access::Write).unwrap(),
            Decision::Ask(_)
        ));
        // A report just written may be verified.
        assert!(matches!(
            grants.check("/cases/out.pdf", Access::Read).unwrap(),
            Decision::Granted(_)
        ));
        // A later read grant does not take the write back.
        grants.grant([Path::new("/cases/out.pdf")], Access::Read);
        assert!(matches!(
            grants.check("/cases/out.pdf", Access::Write).unwrap(),
            Decision::Granted(_)
        ));
    }

    #[test]
    fn relative_paths_and_dot_dot_are_refused_even_when_granted_around_them() {
        let grants = Grants::default();
        grants.grant([Path::new("/cases/in.csv")], Access::Read);
        assert_eq!(
            grants.check("in.csv", Access::Read).unwrap_err().code,
            ErrorCode::InvalidInput
        );
        assert_eq!(
            grants
                .check("/cases/../etc/passwd", Access::Read)
                .unwrap_err()
                .code,
            ErrorCode::Forbidden
        );
    }

    #[test]
    #[cfg(unix)]
    fn a_scripted_app_grants_its_folders_and_refuses_the_rest_without_asking() {
        let allowed = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(allowed.path().join("in.csv"), "x").unwrap();
        // A link inside the allowed folder that leads out of it.
        std::os::unix::fs::symlink(outside.path(), allowed.path().join("escape")).unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        let grants = Grants::scripted(vec![allowed.path().to_path_buf()]);

        let inside = allowed.path().join("in.csv");
        assert!(matches!(
            grants.check(path_str(&inside), Access::Read).unwrap(),
            Decision::Granted(_)
        ));
        let new_file = allowed.path().join("report.pdf");
        assert!(matches!(
            grants.check(path_str(&new_file), Access::Write).unwrap(),
            Decision::Granted(_)
        ));

        for refused in [
            outside.path().join("secret"),
            allowed.path().join("escape/secret"),
        ] {
            let e = grants.check(path_str(&refused), Access::Read).unwrap_err();
            assert_eq!(e.code, ErrorCode::Forbidden, "{}", refused.display());
            assert!(
                e.message.contains("not chosen in a file dialog"),
                "{}",
                e.message
            );
        }
    }
}
