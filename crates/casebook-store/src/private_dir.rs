//! Directories only their owner may enter: a data directory holds the case log, evidence and the device's signing
//! key, so other accounts on a shared machine must not even list it.

use std::io;
use std::path::Path;

/// Creates `dir` (and missing parents) readable by its owner only (mode 0700 on Unix). A directory that already
/// exists keeps its mode, unless it is a data directory of ours (it holds `marker`) that older builds left open to
/// others: that one is closed.
pub fn create_private_dir(dir: &Path, marker: &str) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if dir.is_dir() {
            let mode = std::fs::metadata(dir)?.permissions().mode();
            if mode & 0o077 != 0 && dir.join(marker).is_file() {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700))?;
            }
            return Ok(());
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        let _ = marker;
        std::fs::create_dir_all(dir)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_directories_are_for_their_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b/data");
        create_private_dir(&dir, "casebook.db").unwrap();
        assert_eq!(
            mode(&dir),
            0o700,
            "other accounts must not list a data directory"
        );
    }

    #[test]
    fn an_old_open_data_directory_is_closed_but_a_foreign_one_is_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let ours = root.path().join("ours");
        let theirs = root.path().join("theirs");
        for d in [&ours, &theirs] {
            std::fs::create_dir(d).unwrap();
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(ours.join("casebook.db"), b"").unwrap();
        create_private_dir(&ours, "casebook.db").unwrap();
        create_private_dir(&theirs, "casebook.db").unwrap();
        assert_eq!(
            mode(&ours),
            0o700,
            "our data directory from an older build is closed"
        );
        assert_eq!(
            mode(&theirs),
            0o755,
            "a folder that is not a data directory keeps the mode its owner gave it"
        );
    }
}
