//! Alert intake through the real server: an integration (a SIEM's account) posts the vendored real samples, a
//! re-post adds nothing, and tier-1 laptops receive the alerts by ordinary sync and admit them by their own rule;
//! hostile and malformed posts are refused whole with `{code, message}`; nobody can pass for the integration.
//!
//! (The laptop's alert queue, and so triage and its conflicts, come with the store's alert projections: until
//! then these stories read what the laptops' logs hold.)

use std::collections::BTreeSet;

use casebook_core::event::WireEvent;
use casebook_core::model::Role;
use casebook_core::{Event, EventBody, EventId, Hlc, Payload};
use casebook_protocol::routes;
use casebook_protocol::Verdict;
use casebook_sync::Remote;
use serde_json::value::RawValue;
use serde_json::Value;
use uuid::Uuid;

use crate::harness::{databases, now, Server};
use crate::matrix::agent;

const SAMPLES: [&str; 4] = [
    "wazuh/alerts.json",
    "elastic/threat-match-alert.json",
    "splunk/search_one_result.json",
    "suricata/eve-alert.json",
];

/// Every vendored sample, one after another: JSON lines and pretty-printed objects, four formats, one post.
fn samples() -> Vec<u8> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/casebook-alerts/tests/samples/"
    );
    let mut body = Vec::new();
    for s in SAMPLES {
        body.extend(std::fs::read(format!("{dir}{s}")).unwrap());
        body.push(b'\n');
    }
    body
}

fn integration(server: &Server, name: &str) -> casebook_protocol::IntegrationToken {
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
}

/// Posts `body` to the intake as `token`; the status and the JSON answer.
fn post(server: &Server, token: &str, query: &str, body: &[u8]) -> (u16, Value) {
    let response = agent(server)
        .post(format!("{}{}{query}", server.url, routes::ALERTS))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    let status = response.status().as_u16();
    let text = response.into_body().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The alerts a laptop's log holds, by id, and who raised them.
fn laptop_alerts(dir: &std::path::Path) -> BTreeSet<(String, String)> {
    let db = rusqlite::Connection::open(dir.join(casebook_api::DATABASE_FILE)).unwrap();
    let mut stmt = db
        .prepare("SELECT json_extract(payload, '$.alert'), author FROM events WHERE kind = 'alert_raised'")
        .unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn an_integration_posts_the_real_samples_once_and_every_laptop_receives_them() {
    for db in databases() {
        let server = Server::start(db.as_deref());
        let wazuh = integration(&server, "wazuh-prod");
        let body = samples();
        let expected = casebook_alerts::read_alerts(&body[..], None).unwrap().len();
        assert!(expected >= SAMPLES.len(), "every sample holds an alert");

        let (status, first) = post(&server, &wazuh.token, "", &body);
        assert_eq!(status, 200, "the samples are taken: {first}");
        assert_eq!(
            (first["new"].as_u64(), first["duplicates"].as_u64()),
            (Some(expected as u64), Some(0)),
            "every alert of the first post is new: {first}"
        );
        let head = server
            .runtime
            .block_on(server.storage.head(server.team.id))
            .unwrap();
        let (status, again) = post(&server, &wazuh.token, "", &body);
        assert_eq!(status, 200);
        assert_eq!(
            (again["new"].as_u64(), again["duplicates"].as_u64()),
            (Some(0), Some(expected as u64)),
            "a re-sent post is acknowledged as duplicates: {again}"
        );
        assert_eq!(
            server
                .runtime
                .block_on(server.storage.head(server.team.id))
                .unwrap(),
            head,
            "a re-sent post appends nothing"
        );

        let ids: BTreeSet<(String, String)> = first["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["alert"].as_str().unwrap().to_string(),
                    wazuh.integration.user.to_string(),
                )
            })
            .collect();
        for name in ["Ana Silva", "Bo Lindqvist"] {
            let mut laptop = server.laptop(&server.account(name, Role::Responder, Some(1)));
            let report = laptop.sync();
            assert_eq!(
                report.refused_here, 0,
                "{name}'s laptop admits the alerts the server signed for the integration"
            );
            assert_eq!(
                laptop_alerts(laptop.dir()),
                ids,
                "{name}'s laptop holds every posted alert, raised by the integration"
            );
        }
    }
}

#[test]
fn hostile_and_malformed_posts_are_refused_whole_with_clear_errors() {
    let server = Server::start(None);
    let probe = integration(&server, "probe");
    let head = || {
        server
            .runtime
            .block_on(server.storage.head(server.team.id))
            .unwrap()
    };

    // A script tag is text: taken, and kept as the very characters it was.
    let script = "<script>alert(document.cookie)</script>";
    let doc = serde_json::json!({"title": script, "time": "2026-12-01T10:00:00Z", "source": "probe",
        "source_id": "s-1", "description": "<img src=x onerror=alert(1)>"});
    let (status, answer) = post(&server, &probe.token, "", doc.to_string().as_bytes());
    assert_eq!(status, 200, "{answer}");
    let page = server
        .runtime
        .block_on(server.storage.pull(server.team.id, 0, 1_000))
        .unwrap();
    let titles: Vec<String> = page
        .iter()
        .filter_map(|row| {
            let e = Event::try_from(serde_json::from_str::<WireEvent>(&row.raw).unwrap()).unwrap();
            match e.payload() {
                Payload::AlertRaised(a) => Some(a.title.clone()),
                _ => None,
            }
        })
        .collect();
    assert_eq!(
        titles,
        vec![script.to_string()],
        "the title is stored as the text it was"
    );
    let before = head();

    // What is sent, with what query, and the status and words the answer must have.
    type Refusal<'a> = (&'a str, Vec<u8>, &'a str, u16, &'a [&'a str]);
    let refusals: Vec<Refusal> = vec![
        (
            "a 10 MB field",
            serde_json::json!({"title": "big", "time": "2026-12-01T10:00:00Z", "description": "x".repeat(10 << 20)})
                .to_string()
                .into_bytes(),
            "",
            413,
            &["line 1", "larger than"],
        ),
        (
            "deep nesting",
            format!("{{\"title\": \"deep\", \"time\": \"2026-12-01T10:00:00Z\", \"x\": {}{}}}", "[".repeat(5_000), "]".repeat(5_000))
                .into_bytes(),
            "",
            400,
            &["line 1", "nested deeper"],
        ),
        (
            "malformed JSON on the second line",
            format!("{doc}\n{{\"title\": \"cut\", \"time\": ,}}\n{doc}\n").into_bytes(),
            "",
            400,
            &["line 2", "not valid JSON"],
        ),
        (
            "a missing field",
            br#"[{"title": "ok", "time": "2026-12-01T10:00:00Z"}, {"title": "no time"}]"#.to_vec(),
            "?format=generic",
            400,
            &["array element 2", "`time`"],
        ),
        ("an unknown format", doc.to_string().into_bytes(), "?format=qradar", 400, &["not an alert format"]),
        (
            "an oversize body",
            vec![b' '; casebook_protocol::limits::ALERTS_BODY + 1024],
            "",
            413,
            &["larger than this route accepts"],
        ),
    ];
    for (what, body, query, want, words) in refusals {
        let (status, answer) = post(&server, &probe.token, query, &body);
        assert_eq!(status, want, "{what}: {answer}");
        let message = answer["message"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no {{code, message}}: {answer}"));
        assert!(answer["code"].is_string(), "{what}: {answer}");
        for w in words {
            assert!(
                message.contains(w),
                "{what}: the message should say {w:?}: {message}"
            );
        }
    }
    assert_eq!(head(), before, "a refused post appends nothing");
}

#[test]
fn only_admins_add_integrations_and_nobody_passes_for_one() {
    let server = Server::start(None);
    let http = agent(&server);
    let ana = server.account("Ana Silva", Role::Responder, Some(1));
    let (session, key, device) = server.session(&ana);
    let add = |token: &str| {
        let r = http
            .post(format!("{}{}", server.url, routes::INTEGRATIONS))
            .header("Authorization", &format!("Bearer {token}"))
            .send_json(serde_json::json!({"name": "splunk-prod"}))
            .unwrap();
        let status = r.status().as_u16();
        (
            status,
            serde_json::from_str::<Value>(&r.into_body().read_to_string().unwrap()).unwrap(),
        )
    };
    let (status, answer) = add(&session.token);
    assert_eq!(
        (status, answer["code"].as_str()),
        (403, Some("forbidden")),
        "a tier-1 account cannot add an integration"
    );
    let admin = server.session(&server.admin.email).0;
    let (status, made) = add(&admin.token);
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap();
    let user: casebook_core::UserId = made["integration"]["user"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // A laptop signs an alert as if the integration had raised it: refused, whatever the alert says.
    let alert = casebook_alerts::read_alerts(&samples()[..], None)
        .unwrap()
        .remove(0)
        .into_new_alert(chrono::DateTime::from_timestamp_micros(now()).unwrap());
    let forged = Event::seal_signed(
        EventBody {
            id: EventId(Uuid::now_v7()),
            incident: None,
            author: user,
            device,
            device_seq: 1,
            hlc: Hlc {
                wall_micros: now(),
                counter: 0,
                device,
            },
            payload: Payload::AlertRaised(alert.clone()),
        },
        None,
        &key,
    );
    let raw =
        RawValue::from_string(serde_json::to_string(&WireEvent::from(&forged)).unwrap()).unwrap();
    let result = server
        .client(Some(session.token.clone()))
        .push(vec![raw])
        .unwrap();
    assert!(
        matches!(&result.outcomes[0].verdict, Verdict::Refused { code, .. } if code.as_str() == "forbidden"),
        "an alert claiming the integration as author is refused: {:?}",
        result.outcomes
    );

    // The integration posts; once revoked, its token stops at once.
    let (status, _) = post(&server, token, "", alert.raw.as_bytes());
    assert_eq!(status, 200);
    let r = http
        .delete(format!(
            "{}{}",
            server.url,
            routes::INTEGRATION.replace("{name}", "splunk-prod")
        ))
        .header("Authorization", &format!("Bearer {}", admin.token))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, answer) = post(&server, token, "", alert.raw.as_bytes());
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some("unauthenticated")),
        "a revoked integration's token: {answer}"
    );
}

/// Three alerts of one rule and key observable within a day: one group on every laptop.
fn one_group() -> Vec<u8> {
    ["g-1", "g-2", "g-3"]
        .iter()
        .enumerate()
        .map(|(hour, id)| {
            format!(
                r#"{{"title":"Beacon from 203.0.113.50","time":"2026-11-19T0{hour}:00:00Z","severity":"high","rule":{{"id":"R-7","name":"C2 beacon"}},"source":"zeek","source_id":"{id}","host":"ws-042","observables":["203.0.113.50"]}}"#
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

#[test]
fn one_laptop_dismisses_a_group_another_promotes_one_of_its_alerts_and_both_converge_through_the_server(
) {
    use casebook_api::alerts::AlertListQuery;
    use casebook_api::conflicts::ConflictKind;
    use casebook_core::alert::{alert_id, AlertState, AlertVerdict};

    for db in databases() {
        let server = Server::start(db.as_deref());
        let siem = integration(&server, "zeek");
        let (status, answer) = post(&server, &siem.token, "", &one_group());
        assert_eq!(status, 200, "the SIEM's post is taken: {answer}");

        let mut ana = server.laptop(&server.account("Ana Silva", Role::Responder, Some(1)));
        let mut bo = server.laptop(&server.account("Bo Lindqvist", Role::Responder, Some(1)));
        ana.sync();
        bo.sync();
        let queue = ana.cb.alerts(&AlertListQuery::default()).unwrap();
        assert_eq!(
            (queue.len(), queue[0].alerts),
            (1, 3),
            "the posted alerts reach the laptop as one group of three: {queue:?}"
        );
        let group = queue[0].id.to_string();
        assert_eq!(
            bo.cb.alert(&group).unwrap().group_alerts,
            3,
            "the other laptop groups them alike"
        );

        // Both offline: Ana dismisses the whole group, Bo promotes its first alert.
        ana.cb
            .dismiss_alerts(
                std::slice::from_ref(&group),
                true,
                AlertVerdict::FalsePositive,
                "lab traffic",
            )
            .unwrap();
        let promoted = bo.cb.promote_alert(&group, None).unwrap();
        ana.sync();
        bo.sync();
        ana.sync();

        for (name, laptop) in [("Ana", &ana), ("Bo", &bo)] {
            let states: Vec<AlertState> = ["g-1", "g-2", "g-3"]
                .iter()
                .map(|id| {
                    let alert = alert_id("zeek", id).to_string();
                    laptop.cb.alert(&alert).unwrap().alert.state
                })
                .collect();
            assert_eq!(
                states,
                [
                    AlertState::Promoted,
                    AlertState::FalsePositive,
                    AlertState::FalsePositive
                ],
                "{name}: the promotion wins over the concurrent dismissal"
            );
            let conflicts: Vec<_> = laptop
                .cb
                .open_conflicts()
                .unwrap()
                .into_iter()
                .filter(|c| c.kind == ConflictKind::Alert)
                .collect();
            assert_eq!(
                conflicts.len(),
                1,
                "{name}: the dismissal that lost is shown: {conflicts:?}"
            );
            assert_eq!(conflicts[0].key, promoted.incident_key);
        }
        let alerts_of = |laptop: &crate::harness::Laptop| {
            casebook_store::dump::dump_replicated(laptop.cb.store().conn())
                .unwrap()
                .split("## alerts")
                .nth(1)
                .map(str::to_string)
        };
        assert_eq!(
            alerts_of(&ana),
            alerts_of(&bo),
            "both laptops hold the same alert projections"
        );
    }
}
