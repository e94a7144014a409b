//! Every route of the server against every kind of caller, each cell's status checked; plus the attacks the
//! checks stop: an oversize body, an event whose author is not the caller, a forged signature, password guessing.

use std::collections::BTreeMap;
use std::io::Write;

use casebook_api::evidence::EvidenceInput;
use casebook_api::incidents::NewIncident;
use casebook_core::event::WireEvent;
use casebook_core::model::{Role, Severity, Tlp};
use casebook_core::signing::DeviceKey;
use casebook_core::{Event, EventBody, EventId, Hlc, Payload, UserId};
use casebook_protocol::routes::{self, Access};
use casebook_protocol::Verdict;
use casebook_server_storage::TokenRow;
use casebook_sync::Remote;
use serde_json::value::RawValue;
use ureq::tls::{RootCerts, TlsConfig};
use uuid::Uuid;

use crate::harness::{now, Server, PASSWORD};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    Expired,
    Revoked,
    Tier1,
    Tier2,
    Lead,
    Auditor,
    Admin,
    OtherTeamAdmin,
    /// A SIEM's account: it posts alerts and nothing else.
    Integration,
}

const CALLERS: [Caller; 10] = [
    Caller::Anonymous,
    Caller::Expired,
    Caller::Revoked,
    Caller::Tier1,
    Caller::Tier2,
    Caller::Lead,
    Caller::Auditor,
    Caller::Admin,
    Caller::OtherTeamAdmin,
    Caller::Integration,
];

pub(crate) fn agent(server: &Server) -> ureq::Agent {
    let pem = std::fs::read(&server.cert).unwrap();
    let certs = casebook_sync::client::certificates(&pem).unwrap();
    ureq::Agent::config_builder()
        .tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::Specific(std::sync::Arc::new(certs)))
                .build(),
        )
        .http_status_as_error(false)
        .build()
        .into()
}

/// The status a route must answer a caller, by the role table of DESIGN.md.
fn expected(route: &routes::Route, caller: Caller) -> u16 {
    use Caller::*;
    if route.access == Access::Public {
        // Signing in with a wrong password is refused the same way for everyone.
        return if route.path == routes::SESSION {
            401
        } else {
            200
        };
    }
    if matches!(caller, Anonymous | Expired | Revoked) {
        return 401;
    }
    if caller == Integration || route.access == Access::Integration {
        return if (caller == Integration) == (route.access == Access::Integration) {
            200
        } else {
            403
        };
    }
    let created = if route.method == "POST"
        && [routes::ACCOUNTS, routes::INTEGRATIONS].contains(&route.path)
    {
        201
    } else {
        200
    };
    let no_content = if route.method == "DELETE" && route.path == routes::SESSION {
        204
    } else {
        created
    };
    match route.access {
        Access::Public | Access::Integration => unreachable!(),
        Access::Member => {
            // Another team's objects answer as if they did not exist.
            let names_ours =
                [routes::DIGEST, routes::BLOB, routes::BLOB_STATUS].contains(&route.path);
            if caller == OtherTeamAdmin && names_ours {
                404
            } else {
                no_content
            }
        }
        Access::Writer => match caller {
            Tier1 | Tier2 | Lead => 200,
            _ => 403,
        },
        Access::Admin => match caller {
            Admin => created,
            OtherTeamAdmin
                if [routes::ACCOUNT, routes::DEVICE, routes::INTEGRATION].contains(&route.path) =>
            {
                404
            }
            OtherTeamAdmin => created,
            _ => 403,
        },
    }
}

#[test]
fn every_route_answers_every_caller_as_the_role_table_says() {
    let server = Server::start(None);
    let http = agent(&server);
    let mut tokens: BTreeMap<Caller, Option<String>> = BTreeMap::new();
    tokens.insert(Caller::Anonymous, None);
    for (caller, role, tier) in [
        (Caller::Tier1, Role::Responder, Some(1)),
        (Caller::Tier2, Role::Responder, Some(2)),
        (Caller::Lead, Role::Lead, None),
        (Caller::Auditor, Role::Auditor, None),
    ] {
        let email = server.account(&format!("{caller:?}"), role, tier);
        tokens.insert(caller, Some(server.session(&email).0.token));
    }
    tokens.insert(
        Caller::Admin,
        Some(server.session(&server.admin.email).0.token),
    );
    // Another team hosted by the same server: isolation means its admin sees none of this team's objects.
    let (other_team, other_admin) = server
        .runtime
        .block_on(casebook_server::directory::create_team(
            &*server.storage,
            &format!("Other SOC {}", Uuid::now_v7()),
            &format!("boss-{}@other.example", Uuid::now_v7().simple()),
            "Other Boss",
            PASSWORD,
            now(),
        ))
        .unwrap();
    let _ = other_team;
    tokens.insert(
        Caller::OtherTeamAdmin,
        Some(server.session(&other_admin.email).0.token),
    );
    // An expired token: a real token row whose time has passed.
    let expired = "e".repeat(64);
    let (session, _, device) =
        server.session(&server.account("Old Laptop", Role::Responder, Some(1)));
    server
        .runtime
        .block_on(server.storage.put_token(&TokenRow {
            token_hash: casebook_server::auth::token_hash(&expired),
            team: server.team.id,
            device,
            user: session.account.user,
            created_us: 0,
            expires_us: 1,
        }))
        .unwrap();
    tokens.insert(Caller::Expired, Some(expired));
    // A revoked device: signed in, then revoked by an admin.
    let (session, _, device) =
        server.session(&server.account("Lost Laptop", Role::Responder, Some(1)));
    server
        .runtime
        .block_on(casebook_server::directory::revoke_device(
            &*server.storage,
            server.team.id,
            device,
        ))
        .unwrap();
    tokens.insert(Caller::Revoked, Some(session.token));
    let integration = |name: &str| {
        server
            .runtime
            .block_on(casebook_server::integrations::add_integration(
                &*server.storage,
                server.team.id,
                server.admin.user,
                name,
                now(),
            ))
            .unwrap()
    };
    tokens.insert(Caller::Integration, Some(integration("matrix-siem").token));

    // Something for the parameterised routes to name: an incident and an evidence file of the team.
    let mut t1 = server.laptop(&server.account("Evidence Owner", Role::Responder, Some(1)));
    let key = t1
        .cb
        .new_incident(NewIncident::titled(
            "Matrix case",
            Severity::Sev3,
            Tlp::Green,
        ))
        .unwrap()
        .row
        .key;
    let file_dir = tempfile::tempdir().unwrap();
    let file = file_dir.path().join("proxy.log");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(b"GET /login 200\n")
        .unwrap();
    let evidence = t1
        .cb
        .add_evidence(&key, &file, EvidenceInput::default(), &mut |_| {})
        .unwrap();
    t1.sync();
    let incident = t1.cb.incident(&key).unwrap().row.id;

    let mut failures = Vec::new();
    for route in routes::ALL {
        for caller in CALLERS {
            let token = tokens[&caller].clone();
            let path = route
                .path
                .replace("{incident}", &incident.to_string())
                .replace("{sha256}", &evidence.sha256);
            let mut path = path;
            let mut body: Option<(String, Vec<u8>)> = None;
            match (route.method, route.path) {
                ("POST", routes::SESSION) => {
                    body = Some(("application/json".into(), serde_json::to_vec(&serde_json::json!({
                        "email": format!("nobody-{}@acme.example", Uuid::now_v7().simple()), "password": "wrong wrong wrong",
                        "device": Uuid::now_v7(), "public_key": DeviceKey::from_secret([7; 32]).public().to_hex(), "device_name": "x"
                    })).unwrap()))
                }
                ("POST", routes::PUSH) => body = Some(("application/json".into(), b"{\"events\":[]}".to_vec())),
                ("PUT", routes::BLOB) => {
                    path.push_str("?offset=0");
                    body = Some(("application/octet-stream".into(), b"GET /login 200\n".to_vec()))
                }
                ("POST", routes::ACCOUNTS) => {
                    body = Some(("application/json".into(), serde_json::to_vec(&serde_json::json!({
                        "email": format!("new-{}@acme.example", Uuid::now_v7().simple()), "name": "New Person",
                        "role": "auditor", "tier": null, "password": PASSWORD
                    })).unwrap()))
                }
                ("PATCH", routes::ACCOUNT) => {
                    let target = server.runtime.block_on(server.storage.account_by_email(&server.account("Target", Role::Auditor, None))).unwrap().unwrap();
                    path = routes::ACCOUNT.replace("{user}", &target.user.to_string());
                    body = Some(("application/json".into(), b"{\"disabled\":true}".to_vec()))
                }
                ("POST", routes::ALERTS) => {
                    body = Some(("application/json".into(), br#"{"title": "Matrix alert", "time": "2026-12-01T10:00:00Z", "source": "matrix", "source_id": "1"}"#.to_vec()))
                }
                ("POST", routes::INTEGRATIONS) => {
                    body = Some(("application/json".into(), serde_json::to_vec(&serde_json::json!({"name": format!("siem-{}", Uuid::now_v7().simple())})).unwrap()))
                }
                ("DELETE", routes::INTEGRATION) => {
                    let name = format!("spare-{}", Uuid::now_v7().simple());
                    integration(&name);
                    path = routes::INTEGRATION.replace("{name}", &name);
                }
                ("DELETE", routes::DEVICE) => {
                    let (_, _, d) = server.session(&server.account("Spare", Role::Responder, Some(3)));
                    path = routes::DEVICE.replace("{device}", &d.to_string());
                }
                _ => {}
            }
            // Signing out ends the session: use a fresh one for that cell, so the other cells keep theirs.
            let token = if route.method == "DELETE"
                && route.path == routes::SESSION
                && token.is_some()
                && !matches!(
                    caller,
                    Caller::Expired | Caller::Revoked | Caller::Integration
                ) {
                let email = match caller {
                    Caller::Admin => server.admin.email.clone(),
                    Caller::OtherTeamAdmin => other_admin.email.clone(),
                    _ => server.account("Signer", Role::Responder, Some(1)),
                };
                Some(server.session(&email).0.token)
            } else {
                token
            };
            let url = format!("{}{path}", server.url);
            let status = send(&http, route.method, &url, token.as_deref(), body);
            let want = expected(route, caller);
            if status != want {
                failures.push(format!(
                    "{} {} as {caller:?}: {status}, expected {want}",
                    route.method, route.path
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "cells that answered otherwise:\n{}",
        failures.join("\n")
    );
}

fn send(
    http: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<(String, Vec<u8>)>,
) -> u16 {
    let auth = token.map(|t| format!("Bearer {t}"));
    let response = match body {
        Some((kind, bytes)) => {
            let mut req = match method {
                "POST" => http.post(url),
                "PUT" => http.put(url),
                _ => http.patch(url),
            }
            .header("Content-Type", &kind);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.send(&bytes[..])
        }
        None => {
            let mut req = match method {
                "GET" => http.get(url),
                _ => http.delete(url),
            }
            .force_send_body();
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.send_empty()
        }
    };
    response.unwrap().status().as_u16()
}

#[test]
fn the_attacks_the_server_stops() {
    let server = Server::start(None);
    let http = agent(&server);
    let ana = server.account("Ana Silva", Role::Responder, Some(1));
    let (session, key, device) = server.session(&ana);

    // An oversize body is refused before it is read: 413.
    let huge = vec![b' '; casebook_protocol::limits::PUSH_BODY + 1024];
    let status = send(
        &http,
        "POST",
        &format!("{}{}", server.url, routes::PUSH),
        Some(&session.token),
        Some(("application/json".into(), huge)),
    );
    assert_eq!(status, 413, "a push larger than the limit gets 413");

    // An event whose author is not the signed-in account, properly signed by the device: refused.
    let someone_else = UserId(Uuid::now_v7());
    let forged = Event::seal_signed(
        EventBody {
            id: EventId(Uuid::now_v7()),
            incident: Some(casebook_core::IncidentId(Uuid::now_v7())),
            author: someone_else,
            device,
            device_seq: 1,
            hlc: Hlc {
                wall_micros: now(),
                counter: 0,
                device,
            },
            payload: Payload::IncidentOpened {
                key: "INC-AAAAAA".into(),
                title: "Made up".into(),
                severity: Severity::Sev4,
                tlp: Tlp::Clear,
                category: String::new(),
                summary: String::new(),
                tags: vec![],
                detection_source: String::new(),
                affected_assets: vec![],
                occurred_at: None,
                detected_at: None,
                reported_at: None,
                tier: casebook_core::model::Tier::ONE,
            },
        },
        None,
        &key,
    );
    let client = server.client(Some(session.token.clone()));
    let raw = |e: &Event| {
        RawValue::from_string(serde_json::to_string(&WireEvent::from(e)).unwrap()).unwrap()
    };
    let result = client.push(vec![raw(&forged)]).unwrap();
    assert!(
        matches!(&result.outcomes[0].verdict, Verdict::Refused { code, .. } if code.as_str() == "forbidden"),
        "an event authored by someone else than the account is refused: {:?}",
        result.outcomes
    );

    // The same event by the account but signed with another key: refused as a bad signature.
    let mut body = forged.body.clone();
    body.author = session.account.user;
    body.id = EventId(Uuid::now_v7());
    body.device_seq = 2;
    let wrong_key = Event::seal_signed(body, None, &DeviceKey::from_secret([9; 32]));
    let result = client.push(vec![raw(&wrong_key)]).unwrap();
    assert!(
        matches!(&result.outcomes[0].verdict, Verdict::Refused { code, .. } if code.as_str() == "bad_signature"),
        "a signature that does not verify with the device's key is refused: {:?}",
        result.outcomes
    );

    // Guessing a password: after a few wrong tries, 429.
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let body = serde_json::json!({
            "email": ana, "password": "guess guess guess", "device": Uuid::now_v7(),
            "public_key": DeviceKey::from_secret([3; 32]).public().to_hex(), "device_name": "attacker"
        });
        statuses.push(send(
            &http,
            "POST",
            &format!("{}{}", server.url, routes::SESSION),
            None,
            Some((
                "application/json".into(),
                serde_json::to_vec(&body).unwrap(),
            )),
        ));
    }
    assert_eq!(&statuses[..5], &[401; 5], "wrong passwords are refused");
    assert_eq!(
        &statuses[5..],
        &[429, 429],
        "then sign-in for that address is slowed down: {statuses:?}"
    );
}
