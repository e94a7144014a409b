//! A case bundle from outside: whatever the bytes, `import_bundle` answers (imports or refuses) without panicking,
//! and within the memory and time libFuzzer allows (see scripts/fuzz).
#![no_main]

use std::sync::Mutex;

use casebook_api::Casebook;
use casebook_core::model::Role;
use libfuzzer_sys::fuzz_target;

struct Scene {
    _dir: tempfile::TempDir,
    casebook: Casebook,
    file: std::path::PathBuf,
}

static SCENE: Mutex<Option<Scene>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut scene = SCENE.lock().unwrap_or_else(|p| p.into_inner());
    let scene = scene.get_or_insert_with(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut casebook = Casebook::open(&dir.path().join("data")).expect("a data directory");
        casebook.init("Fuzz", Role::Lead, None).expect("a profile");
        let file = dir.path().join("input.bundle");
        Scene {
            _dir: dir,
            casebook,
            file,
        }
    });
    std::fs::write(&scene.file, data).expect("writing the input");
    let _ = scene.casebook.import_bundle(&scene.file, &[], &mut |_| {});
});
