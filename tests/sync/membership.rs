//! Leaving a team and following it: a laptop that forgets its team keeps every case and says what never reached
//! the server; a laptop watching the change stream hears when another laptop pushes.

use std::sync::mpsc;
use std::time::Duration;

use casebook_api::incidents::NewIncident;
use casebook_api::sync::ServerTrust;
use casebook_api::ErrorCode;
use casebook_core::model::{Role, Severity, Tlp};

use crate::harness::{Server, PASSWORD};

#[test]
fn forgetting_the_team_keeps_local_work_and_counts_what_never_went_up() {
    let server = Server::start(None);
    let ana = server.account("Ana Silva", Role::Responder, Some(1));
    let mut laptop = server.laptop(&ana);
    let key = laptop
        .cb
        .new_incident(NewIncident::titled(
            "Stolen laptop",
            Severity::Sev2,
            Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    laptop.sync();
    // Offline work that never reaches the server.
    laptop.cb.add_tag(&key, "device-loss").unwrap();
    laptop.cb.add_tag(&key, "finance").unwrap();
    let events_before = laptop.cb.verify_log(&mut |_| {}).unwrap().events;

    let report = laptop.cb.forget_team().unwrap();
    assert_eq!(report.unsynced, 2, "the two tags never went up: {report:?}");
    assert!(report.told_server, "the server was reachable and told");

    let status = laptop.cb.sync_status(true).unwrap();
    assert!(
        status.server.is_none() && !status.signed_in,
        "no longer a member: {status:?}"
    );
    let not_joined = laptop.cb.sync(&|_| {}).unwrap_err();
    assert_eq!(
        not_joined.code,
        ErrorCode::NotFound,
        "{}",
        not_joined.message
    );
    let tags = laptop.cb.incident(&key).unwrap().row.tags;
    assert!(
        tags.contains(&"device-loss".to_string()) && tags.contains(&"finance".to_string()),
        "local data is kept: {tags:?}"
    );
    assert_eq!(
        laptop.cb.verify_log(&mut |_| {}).unwrap().events,
        events_before
    );
    assert!(
        laptop.cb.rebuild(&mut |_| {}).unwrap().identical,
        "a rebuild after forgetting gives the same state as before"
    );
    // Still usable offline, as the same person.
    laptop.cb.add_tag(&key, "insurance").unwrap();

    // Another team is refused: this data directory holds the first team's cases and directory.
    let other = Server::start(None);
    let other_ana = other.account("Ana Silva", Role::Responder, Some(1));
    let refused = laptop
        .cb
        .login(
            &other.url,
            &other_ana,
            PASSWORD,
            &ServerTrust::CaFile(other.cert.clone()),
            &|_| {},
        )
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Conflict, "{}", refused.message);
    assert!(laptop.cb.sync_status(false).unwrap().server.is_none());

    // The same team takes it back, and what waited goes up.
    let back = laptop
        .cb
        .login(
            &server.url,
            &ana,
            PASSWORD,
            &ServerTrust::CaFile(server.cert.clone()),
            &|_| {},
        )
        .unwrap();
    let first = back
        .first_sync
        .expect("the first sync after rejoining runs");
    assert_eq!(
        first.pushed, 3,
        "the three tags made meanwhile went up: {first:?}"
    );
    let (id, here) = laptop.cb.incident_digest(&key).unwrap();
    assert_eq!(
        here,
        laptop.cb.server_digest(id).unwrap(),
        "converged again"
    );
}

#[test]
fn the_change_stream_tells_a_watching_laptop_when_another_pushes() {
    let mut server = Server::start(None);
    let ana = server.account("Ana Silva", Role::Responder, Some(1));
    let lena = server.account("Lena Park", Role::Lead, None);
    let mut watcher = server.laptop(&ana);
    let mut other = server.laptop(&lena);
    other.sync();
    watcher.sync();

    // Up to date: the stream waits for news. Another laptop pushes, and the watcher hears it.
    let stream = watcher.cb.team_watcher().unwrap();
    let (done, heard) = mpsc::channel();
    let watching = std::thread::spawn(move || {
        let mut ticks = 0;
        let result = stream.watch(&mut || {
            ticks += 1;
            false
        });
        let _ = done.send((result, ticks));
    });
    other
        .cb
        .new_incident(NewIncident::titled("Phishing", Severity::Sev3, Tlp::Green))
        .unwrap();
    other.sync();
    let (result, ticks) = heard
        .recv_timeout(Duration::from_secs(60))
        .expect("the watcher hears the push");
    watching.join().unwrap();
    result.unwrap();
    assert_eq!(ticks, 1, "one tick, and watching stops when asked");

    // Behind the server: the first tick comes at once.
    let mut ticks = 0;
    watcher
        .cb
        .watch_team(&mut || {
            ticks += 1;
            false
        })
        .unwrap();
    assert_eq!(ticks, 1);
    watcher.sync();

    server.stop();
    let offline = watcher.cb.watch_team(&mut || true).unwrap_err();
    assert_eq!(offline.code, ErrorCode::Offline, "{}", offline.message);
}
