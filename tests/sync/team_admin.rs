//! An admin manages the team's accounts and devices from a laptop, through the server's admin routes; the server
//! refuses everyone else, whatever their laptop believes, and an unreachable server is `Offline`.

use casebook_api::team_admin::{AccountChange, NewTeamAccount};
use casebook_api::ErrorCode;
use casebook_core::model::{Role, Tier};

use crate::harness::{Server, PASSWORD};

#[test]
fn an_admin_adds_changes_and_revokes_and_nobody_else_may() {
    let mut server = Server::start(None);
    let admin = server.laptop(&server.admin.email.clone());
    let ana = server.account("Ana Silva", Role::Responder, Some(1));
    let audrey = server.account("Audrey Auditor", Role::Auditor, None);

    let accounts = admin.cb.team_accounts().unwrap();
    assert!(
        accounts
            .iter()
            .any(|a| a.email == server.admin.email && a.role == Role::Admin),
        "the admin sees the team's accounts: {accounts:?}"
    );
    let kim_email = format!("kim-{}@acme.example", uuid::Uuid::now_v7().simple());
    let kim = admin
        .cb
        .add_team_account(NewTeamAccount {
            email: format!("  {kim_email} "),
            name: "Kim Lee".into(),
            role: Role::Responder,
            tier: Some(Tier::TWO),
            password: PASSWORD.into(),
        })
        .unwrap();
    assert_eq!(
        (kim.email.as_str(), kim.role, kim.tier),
        (kim_email.as_str(), Role::Responder, Some(Tier::TWO))
    );
    // The account is real: Kim signs in with it.
    let mut kims_laptop = server.laptop(&kim_email);
    let kims_device = kims_laptop.cb.me().unwrap().device;

    let lead = admin
        .cb
        .change_team_account(
            &kim_email.to_uppercase(),
            AccountChange {
                role: Some(Role::Lead),
                tier: Some(None),
                disabled: None,
            },
        )
        .unwrap();
    assert_eq!((lead.role, lead.tier), (Role::Lead, None), "{lead:?}");
    kims_laptop.sync();
    assert_eq!(
        kims_laptop.cb.me().unwrap().user.role,
        Role::Lead,
        "the change reaches Kim's laptop as a directory event at its next sync"
    );
    let missing = admin
        .cb
        .change_team_account("nobody@acme.example", AccountChange::default())
        .unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound, "{}", missing.message);

    let devices = admin.cb.team_devices().unwrap();
    let listed = devices
        .iter()
        .find(|d| d.device == kims_device)
        .expect("Kim's laptop is listed");
    assert_eq!(listed.email.as_deref(), Some(kim_email.as_str()));
    assert!(!listed.revoked && !listed.this_device);
    assert!(
        devices
            .iter()
            .any(|d| d.this_device && d.device == admin.cb.me().unwrap().device),
        "the admin's own laptop is marked: {devices:?}"
    );
    let revoked = admin.cb.revoke_team_device(kims_device).unwrap();
    assert!(revoked.revoked);
    let shut_out = kims_laptop.cb.sync(&|_| {}).unwrap_err();
    assert_eq!(
        shut_out.code,
        ErrorCode::Unauthenticated,
        "a revoked laptop is signed out at once: {}",
        shut_out.message
    );

    // A responder and an auditor are refused by the server, for every admin operation.
    for email in [&ana, &audrey] {
        let laptop = server.laptop(email);
        let me = laptop.cb.me().unwrap().device;
        let attempts = [
            laptop.cb.team_accounts().map(|_| ()),
            laptop
                .cb
                .add_team_account(NewTeamAccount {
                    email: "mallory@acme.example".into(),
                    name: "Mallory".into(),
                    role: Role::Admin,
                    tier: None,
                    password: PASSWORD.into(),
                })
                .map(|_| ()),
            laptop
                .cb
                .change_team_account(
                    email,
                    AccountChange {
                        role: Some(Role::Admin),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            laptop.cb.team_devices().map(|_| ()),
            laptop.cb.revoke_team_device(kims_device).map(|_| ()),
            laptop.cb.revoke_team_device(me).map(|_| ()),
        ];
        for (i, attempt) in attempts.into_iter().enumerate() {
            let err = attempt.expect_err("only admins manage the team");
            assert_eq!(
                err.code,
                ErrorCode::Forbidden,
                "{email}, attempt {i}: {}",
                err.message
            );
            assert!(
                err.message.contains("admins"),
                "a plain message: {}",
                err.message
            );
        }
    }
    assert!(
        !admin
            .cb
            .team_accounts()
            .unwrap()
            .iter()
            .any(|a| a.email == "mallory@acme.example" || (a.email == ana && a.role == Role::Admin)),
        "nothing the refused attempts asked for happened"
    );

    server.stop();
    let offline = admin.cb.team_accounts().unwrap_err();
    assert_eq!(offline.code, ErrorCode::Offline, "{}", offline.message);
}
