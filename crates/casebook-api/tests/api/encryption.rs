//! Encryption at rest through the API, as the desktop's unlock screen will call it: the typed codes for a locked
//! directory and a wrong passphrase, a second `Casebook` opened with the first one's data key, the erase of an
//! encrypted directory, and what `create_encrypted` refuses.

use std::sync::Arc;

use casebook_api::encryption::{self, Encrypted, Protection};
use casebook_api::{Casebook, ErrorCode, FixedClock, Hint, Unlock};
use casebook_core::model::Role;

const PASSPHRASE: &str = "violet anchor 42 lantern";

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(crate::at("2026-12-02T05:00:00Z")))
}

#[test]
fn a_locked_directory_and_a_wrong_passphrase_have_their_own_codes_and_the_data_key_opens_a_second_casebook(
) {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Casebook::create_encrypted(dir.path(), PASSPHRASE, clock()).unwrap();
    first.init("Ana Silva", Role::Lead, None).unwrap();
    assert!(first.is_encrypted());
    assert_eq!(
        encryption::protection(dir.path()).unwrap(),
        Protection::Encrypted
    );

    let locked = Casebook::open(dir.path()).err().expect("locked");
    assert_eq!(locked.code, ErrorCode::Locked, "{locked}");
    assert_eq!(
        locked.hint,
        Some(Hint::Unlock),
        "the front end is told to ask for the passphrase"
    );
    let wrong = Casebook::open_unlocked(dir.path(), &Unlock::Passphrase("not it at all".into()))
        .err()
        .expect("wrong passphrase");
    assert_eq!(wrong.code, ErrorCode::WrongPassphrase, "{wrong}");

    let key = first
        .data_key()
        .cloned()
        .expect("an encrypted Casebook has its key");
    let second = Casebook::open_unlocked(dir.path(), &Unlock::Key(key))
        .expect("the data key opens a second Casebook without the passphrase");
    assert_eq!(second.me().unwrap().user.name, "Ana Silva");
}

#[test]
fn a_new_passphrase_replaces_the_old_one_and_a_plain_profile_is_not_encrypted_behind_its_back() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        encryption::encrypt_directory(dir.path(), PASSPHRASE, Default::default()).unwrap(),
        Encrypted::Created
    );
    drop(Casebook::open_unlocked(dir.path(), &Unlock::Passphrase(PASSPHRASE.into())).unwrap());
    encryption::change_passphrase(dir.path(), PASSPHRASE, "a second long passphrase").unwrap();
    let old = encryption::check_passphrase(dir.path(), PASSPHRASE).unwrap_err();
    assert_eq!(old.code, ErrorCode::WrongPassphrase);
    encryption::check_passphrase(dir.path(), "a second long passphrase").unwrap();
    let short =
        encryption::change_passphrase(dir.path(), "a second long passphrase", "short").unwrap_err();
    assert_eq!(short.code, ErrorCode::InvalidInput, "{short}");

    let plain = tempfile::tempdir().unwrap();
    let (mut cb, _) = crate::open(plain.path(), "2026-12-02T05:00:00Z");
    cb.init("Ben Okafor", Role::Lead, None).unwrap();
    drop(cb);
    let refused = Casebook::create_encrypted(plain.path(), PASSPHRASE, clock())
        .err()
        .expect("refused");
    assert_eq!(refused.code, ErrorCode::Conflict, "{refused}");
    assert_eq!(refused.hint, Some(Hint::EncryptDirectory));
    assert_eq!(
        encryption::protection(plain.path()).unwrap(),
        Protection::Plain,
        "a refused init leaves the directory as it was"
    );
}

#[test]
fn erasing_an_encrypted_directory_removes_its_key_file_too() {
    let dir = tempfile::tempdir().unwrap();
    drop(Casebook::create_encrypted(dir.path(), PASSPHRASE, clock()).unwrap());
    casebook_api::erase::request_erase(dir.path()).unwrap();
    assert!(casebook_api::erase::finish_erase(dir.path()).unwrap());
    assert!(
        !dir.path().join(casebook_api::keys::KEY_FILE).exists(),
        "the key file goes with the database"
    );
    assert_eq!(encryption::protection(dir.path()).unwrap(), Protection::New);
}

#[test]
fn the_sync_agent_works_on_an_encrypted_directory_with_the_unlocked_key() {
    use casebook_api::agent::{AgentConfig, SyncAgent};
    let dir = tempfile::tempdir().unwrap();
    let mut cb = Casebook::create_encrypted(dir.path(), PASSPHRASE, clock()).unwrap();
    cb.init("Ana Silva", Role::Lead, None).unwrap();
    let key = cb.data_key().cloned();
    let agent = SyncAgent::start_unlocked(dir.path(), key, AgentConfig::default(), |_| {}).unwrap();
    // The agent's first look reads the sync status through its own connection: with the key it gets one.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let state = loop {
        let s = agent.state();
        if s.status.is_some() || s.error_code.is_some() || std::time::Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(state.error_code, None, "{:?}", state.error);
    assert!(
        state.status.is_some(),
        "the agent read the encrypted directory"
    );
}
