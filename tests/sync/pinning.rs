//! Trust on first use: a laptop reads the server's certificate before trusting it, shows the fingerprint that
//! `casebook-server init` printed, pins it when the person accepts it, refuses a server presenting another one
//! before any password leaves, and notices when the certificate is later replaced.

use casebook_api::sync::ServerTrust;
use casebook_api::{Casebook, ErrorCode};
use casebook_core::model::Role;

use crate::harness::{Server, PASSWORD};

#[test]
fn a_pinned_certificate_is_the_only_one_trusted_from_first_use_on() {
    let mut server = Server::start(None);
    let ana = server.account("Ana Silva", Role::Responder, Some(1));
    let printed = server.fingerprint();
    let dir = tempfile::tempdir().unwrap();
    let mut cb = Casebook::open(dir.path()).unwrap();

    let cert = cb.server_certificate(&format!("{}/", server.url)).unwrap();
    assert_eq!(
        cert.fingerprint, printed,
        "the laptop shows the fingerprint the server printed at init"
    );
    assert_eq!(cert.server, server.url, "the address is kept normalized");
    assert!(
        !cert.trusted_by_system && !cert.trusted_here && cert.known_trust().is_none(),
        "a self-signed certificate nobody accepted yet must be asked about: {cert:?}"
    );
    assert!(cert.not_after.is_some() && !cert.subject.is_empty());
    assert_eq!(
        casebook_sync::certificate::fingerprints(cert.pem.as_bytes()).unwrap(),
        vec![printed.clone()],
        "the PEM shown is the certificate fingerprinted"
    );

    // A fingerprint that is not the server's: refused before the password is sent, and nothing is stored.
    let other = printed.replace(
        &printed[..2],
        if &printed[..2] == "00" { "01" } else { "00" },
    );
    let refused = cb
        .login(
            &server.url,
            &ana,
            PASSWORD,
            &ServerTrust::Pinned {
                fingerprint: other.clone(),
            },
            &|_| {},
        )
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Integrity, "{}", refused.message);
    assert!(
        refused.message.contains(&printed) && refused.message.contains(&other),
        "the refusal names both fingerprints: {}",
        refused.message
    );
    let status = cb.sync_status(false).unwrap();
    assert!(
        status.server.is_none() && !cb.is_initialized().unwrap(),
        "a refused pin stores nothing: {status:?}"
    );
    let garbled = cb
        .login(
            &server.url,
            &ana,
            PASSWORD,
            &ServerTrust::Pinned {
                fingerprint: "AB:CD".into(),
            },
            &|_| {},
        )
        .unwrap_err();
    assert_eq!(garbled.code, ErrorCode::InvalidInput, "{}", garbled.message);

    // The right one, typed as people paste it.
    let typed = printed.replace(':', "").to_lowercase();
    let report = cb
        .login(
            &server.url,
            &ana,
            PASSWORD,
            &ServerTrust::Pinned { fingerprint: typed },
            &|_| {},
        )
        .unwrap();
    assert!(report.first_sync.is_some(), "{:?}", report.first_sync_error);
    assert_eq!(
        cb.sync_status(false).unwrap().fingerprint.as_deref(),
        Some(printed.as_str()),
        "sync status names the pinned certificate"
    );
    let again = cb.server_certificate(&server.url).unwrap();
    assert!(again.trusted_here, "a pinned certificate is known here");
    assert_eq!(
        again.known_trust(),
        Some(ServerTrust::Pinned {
            fingerprint: printed.clone()
        }),
        "signing in again asks nothing"
    );
    let key = cb
        .new_incident(casebook_api::incidents::NewIncident::titled(
            "Beaconing host",
            casebook_core::model::Severity::Sev3,
            casebook_core::model::Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    cb.sync(&|_| {}).unwrap();

    // The operator replaces the certificate: every connection now says so, and the sync changes nothing.
    server.replace_certificate();
    let replaced = server.fingerprint();
    assert_ne!(replaced, printed);
    cb.add_tag(&key, "c2").unwrap();
    let waiting = cb.sync_status(false).unwrap().waiting;
    let head = server
        .runtime
        .block_on(server.storage.head(server.team.id))
        .unwrap();
    let changed = cb.sync(&|_| {}).unwrap_err();
    assert_eq!(changed.code, ErrorCode::Integrity, "{}", changed.message);
    for part in [
        "the server's certificate changed",
        replaced.as_str(),
        printed.as_str(),
        "if your admin replaced it, sign in again and check the new fingerprint",
    ] {
        assert!(
            changed.message.contains(part),
            "the message says {part:?}: {}",
            changed.message
        );
    }
    assert_eq!(
        server
            .runtime
            .block_on(server.storage.head(server.team.id))
            .unwrap(),
        head,
        "nothing reached the server"
    );
    let after = cb.sync_status(false).unwrap();
    assert_eq!(after.waiting, waiting, "the work still waits here");
    assert_eq!(
        after.fingerprint.as_deref(),
        Some(printed.as_str()),
        "the pin is not replaced behind the person's back"
    );

    // Once the admin confirms the new fingerprint, signing in again pins it and the work goes up.
    let report = cb
        .login(
            &server.url,
            &ana,
            PASSWORD,
            &ServerTrust::Pinned {
                fingerprint: replaced.clone(),
            },
            &|_| {},
        )
        .unwrap();
    let first = report.first_sync.expect("the sync after re-pinning runs");
    assert!(first.pushed >= 1, "the waiting tag went up: {first:?}");
    assert_eq!(
        cb.sync_status(false).unwrap().fingerprint.as_deref(),
        Some(replaced.as_str())
    );
}

#[test]
fn a_certificate_file_and_the_system_roots_keep_working_as_before() {
    let server = Server::start(None);
    let ana = server.account("Ana Silva", Role::Responder, Some(1));
    // The harness signs in with the server's cert.pem as the CA file.
    let laptop = server.laptop(&ana);
    assert_eq!(
        laptop.cb.sync_status(false).unwrap().fingerprint,
        Some(server.fingerprint()),
        "a CA file's certificate is named too"
    );
    // The bundled web roots do not know a self-signed certificate: refused, and nothing stored.
    let dir = tempfile::tempdir().unwrap();
    let mut cb = Casebook::open(dir.path()).unwrap();
    let err = cb
        .login(&server.url, &ana, PASSWORD, &ServerTrust::System, &|_| {})
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{}", err.message);
    assert!(cb.sync_status(false).unwrap().server.is_none());
}
