//! The admission rule for alerts, cell by cell: the four alert payloads × admin, lead, tier 1, 2, 3, auditor and an
//! integration; then the attacks an integration's key or a forged alert could try, and malformed values.

use uuid::Uuid;

use super::*;
use crate::alert::{alert_id, AlertObservable, AlertVerdict, NewAlert};
use crate::model::{ObservableKind, Severity};
use crate::{AlertId, Hlc, IncidentId};

const ME: UserId = UserId(Uuid::from_u128(1));
const OTHER: UserId = UserId(Uuid::from_u128(2));
const DEVICE: DeviceId = DeviceId(Uuid::from_u128(10));
const INCIDENT: IncidentId = IncidentId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_1234_5678));

struct Nothing;
impl Lookup for Nothing {
    fn incident_of(&self, _: Ref) -> Option<IncidentId> {
        None
    }
}

const PERSONAS: [(&str, Role, Option<Tier>); 7] = [
    ("admin", Role::Admin, None),
    ("lead", Role::Lead, None),
    ("tier1", Role::Responder, Some(Tier::ONE)),
    ("tier2", Role::Responder, Some(Tier::TWO)),
    ("tier3", Role::Responder, Some(Tier::THREE)),
    ("auditor", Role::Auditor, None),
    ("integration", Role::Integration, None),
];

fn alert() -> NewAlert {
    NewAlert {
        alert: alert_id("wazuh", "1700000000.1234"),
        source: "wazuh".into(),
        source_id: "1700000000.1234".into(),
        format: "wazuh".into(),
        rule_name: Some("sshd: brute force".into()),
        rule_id: Some("5712".into()),
        severity: Severity::Sev2,
        source_severity: Some("level 10".into()),
        event_time: chrono::DateTime::from_timestamp(1_800_000_000, 0),
        raised_at: None,
        received_at: chrono::DateTime::from_timestamp(1_800_000_060, 0).unwrap(),
        // Markup is text to Casebook: kept as given, never rendered.
        title: "<script>alert(1)</script> brute force".into(),
        description: String::new(),
        host: Some("web-1".into()),
        user: Some("root".into()),
        source_ip: Some("203.0.113.7".into()),
        source_port: Some(51_000),
        destination_ip: None,
        destination_port: None,
        observables: vec![AlertObservable {
            kind: ObservableKind::Ipv4,
            value: "203.0.113.7".into(),
        }],
        raw: "{\"id\":\"1700000000.1234\"}".into(),
    }
}

const ALERT: AlertId = AlertId(Uuid::from_u128(40));

fn body(payload: Payload) -> EventBody {
    EventBody {
        id: EventId(Uuid::from_u128(77)),
        incident: (!payload.is_global()).then_some(INCIDENT),
        author: ME,
        device: DEVICE,
        device_seq: 5,
        hlc: Hlc {
            wall_micros: 1_000,
            counter: 0,
            device: DEVICE,
        },
        payload,
    }
}

fn cx(author: Author, authority: bool, scope: IncidentScope) -> Context<'static> {
    Context {
        author,
        directory_authority: authority,
        outside_of: Some(OTHER),
        incident: Some(IncidentFacts {
            opened: true,
            foreign: false,
            scope,
        }),
        minted_here: false,
        lookup: &Nothing,
    }
}

/// Admitted and in scope at its place (`true`), or refused or out of scope.
fn judge(payload: &Payload, role: Role, tier: Option<Tier>, scope: IncidentScope) -> bool {
    let e = body(payload.clone());
    let author = Author::Verified { role, tier };
    admit(&e, &cx(author, role == Role::Admin, scope)).is_ok()
        && in_scope(
            payload,
            &Actor {
                user: ME,
                role,
                tier,
            },
            scope,
        )
        .is_ok()
}

#[test]
fn every_alert_payload_by_every_persona_in_and_out_of_scope() {
    let inside = IncidentScope {
        tier: Tier::ONE,
        assignee: Some(ME),
    };
    let outside = IncidentScope {
        tier: Tier::THREE,
        assignee: Some(OTHER),
    };
    let t = true;
    let f = false;
    // Columns: admin, lead, tier 1, 2, 3, auditor, integration.
    let rows: Vec<(Payload, [bool; 7], [bool; 7])> = vec![
        (
            Payload::AlertRaised(alert()),
            [t, t, t, t, t, f, t],
            [t, t, t, t, t, f, t],
        ),
        (
            Payload::AlertTriaged {
                alerts: vec![ALERT],
                verdict: AlertVerdict::FalsePositive,
                reason: "scanner".into(),
            },
            [t, t, t, t, t, f, f],
            [t, t, t, t, t, f, f],
        ),
        // Promoting or merging adds to the incident: an admin triages but never edits a case, and a tier-1
        // responder may not merge into a tier-3 incident of someone else.
        (
            Payload::AlertPromoted { alert: ALERT },
            [f, t, t, t, t, f, f],
            [f, t, f, f, t, f, f],
        ),
        (
            Payload::AlertMerged { alert: ALERT },
            [f, t, t, t, t, f, f],
            [f, t, f, f, t, f, f],
        ),
    ];
    for (payload, want_in, want_out) in &rows {
        for (i, (name, role, tier)) in PERSONAS.into_iter().enumerate() {
            assert_eq!(
                judge(payload, role, tier, inside),
                want_in[i],
                "cell ({}, {name}, in scope)",
                payload.kind()
            );
            assert_eq!(
                judge(payload, role, tier, outside),
                want_out[i],
                "cell ({}, {name}, out of scope)",
                payload.kind()
            );
        }
    }
}

#[test]
fn an_integration_raises_alerts_and_nothing_else() {
    let integration = Author::Verified {
        role: Role::Integration,
        tier: None,
    };
    let scope = IncidentScope {
        tier: Tier::ONE,
        assignee: Some(ME),
    };
    let key = crate::signing::DeviceKey::from_secret([1; 32])
        .public()
        .to_hex();
    let attempts = [
        Payload::IncidentOpened {
            key: crate::key::incident_key(INCIDENT),
            title: "t".into(),
            summary: String::new(),
            severity: Severity::Sev1,
            tlp: crate::model::Tlp::Amber,
            category: String::new(),
            tier: Tier::ONE,
            detection_source: String::new(),
            affected_assets: vec![],
            tags: vec![],
            occurred_at: None,
            detected_at: None,
            reported_at: None,
        },
        Payload::TagAdded { tag: "x".into() },
        Payload::AlertTriaged {
            alerts: vec![ALERT],
            verdict: AlertVerdict::Benign,
            reason: String::new(),
        },
        Payload::AlertPromoted { alert: ALERT },
        Payload::AlertMerged { alert: ALERT },
        Payload::UserRegistered {
            user: OTHER,
            name: "x".into(),
            role: Role::Admin,
            tier: None,
        },
        Payload::DeviceBound {
            device: DEVICE,
            user: ME,
            public_key: key,
        },
        Payload::ResponseTargetsSet { targets: vec![] },
    ];
    for p in attempts {
        let mut cx = cx(integration, false, scope);
        cx.incident = cx.incident.map(|f| IncidentFacts {
            opened: !matches!(p, Payload::IncidentOpened { .. }),
            ..f
        });
        assert_eq!(
            admit(&body(p.clone()), &cx).map_err(|r| r.code),
            Err(RefusalCode::Forbidden),
            "an integration must not make a {} event",
            p.kind()
        );
    }
    assert_eq!(
        admit(
            &body(Payload::AlertRaised(alert())),
            &cx(integration, false, scope)
        ),
        Ok(Standing::Verified),
        "an integration signed by a device key the directory binds to it raises alerts"
    );
}

#[test]
fn nobody_gives_themselves_the_integration_role() {
    let scope = IncidentScope {
        tier: Tier::ONE,
        assignee: None,
    };
    let register = |user| {
        body(Payload::UserRegistered {
            user,
            name: "siem".into(),
            role: Role::Integration,
            tier: None,
        })
    };
    let admin = Author::Verified {
        role: Role::Admin,
        tier: None,
    };
    let lead = Author::Verified {
        role: Role::Lead,
        tier: None,
    };
    let mut standalone = cx(lead, true, scope);
    standalone.outside_of = None;
    for (who, context, user) in [
        ("an admin, for themselves", cx(admin, true, scope), ME),
        (
            "a standalone laptop's owner, for themselves",
            standalone,
            ME,
        ),
        (
            "a lead, as a claim about another",
            cx(lead, false, scope),
            OTHER,
        ),
        (
            "a lead, as a claim about themselves",
            cx(lead, false, scope),
            ME,
        ),
    ] {
        assert_eq!(
            admit(&register(user), &context).map_err(|r| r.code),
            Err(RefusalCode::Forbidden),
            "{who} must not register an integration"
        );
    }
    let mut team_admin = cx(admin, true, scope);
    team_admin.outside_of = None;
    assert_eq!(
        admit(&register(OTHER), &team_admin),
        Ok(Standing::Authority),
        "the directory's authority registers an integration account for a SIEM"
    );
    let mut with_tier = register(OTHER);
    if let Payload::UserRegistered { tier, .. } = &mut with_tier.payload {
        *tier = Some(Tier::ONE);
    }
    assert_eq!(
        admit(&with_tier, &team_admin).map_err(|r| r.code),
        Err(RefusalCode::InvalidValue),
        "an integration has no tier"
    );
}

#[test]
fn an_unverified_device_neither_raises_nor_triages_alerts() {
    let scope = IncidentScope {
        tier: Tier::ONE,
        assignee: None,
    };
    for p in [
        Payload::AlertRaised(alert()),
        Payload::AlertTriaged {
            alerts: vec![ALERT],
            verdict: AlertVerdict::Duplicate,
            reason: String::new(),
        },
    ] {
        assert_eq!(
            admit(&body(p), &cx(Author::Unverified, false, scope)).map_err(|r| r.code),
            Err(RefusalCode::UnverifiedAuthor)
        );
    }
}

/// A change that spoils a well-formed alert.
type Change = Box<dyn Fn(&mut NewAlert)>;

#[test]
fn forged_oversized_and_malformed_alerts_are_refused() {
    let lead = Author::Verified {
        role: Role::Lead,
        tier: None,
    };
    let scope = IncidentScope {
        tier: Tier::ONE,
        assignee: None,
    };
    let refused = |payload: Payload, incident: Option<IncidentId>| {
        let mut e = body(payload);
        e.incident = incident;
        admit(&e, &cx(lead, false, scope)).map_err(|r| r.code)
    };
    let bad = |change: &dyn Fn(&mut NewAlert)| {
        let mut a = alert();
        change(&mut a);
        refused(Payload::AlertRaised(a), None)
    };
    let hash = |value: String| {
        move |a: &mut NewAlert| {
            a.observables = vec![AlertObservable {
                kind: ObservableKind::Sha256,
                value: value.clone(),
            }]
        }
    };
    let cases: Vec<(&str, Change)> = vec![
        ("another alert's id", Box::new(|a| a.alert = ALERT)),
        (
            "a source id that is not its id's",
            Box::new(|a| a.source_id = "other".into()),
        ),
        ("no title", Box::new(|a| a.title = "  ".into())),
        ("no source", Box::new(|a| a.source = String::new())),
        (
            "a raw payload over the cap",
            Box::new(|a| a.raw = "x".repeat(crate::alert::MAX_RAW_BYTES + 1)),
        ),
        (
            "a 10 MB description",
            Box::new(|a| a.description = "x".repeat(10 * 1024 * 1024)),
        ),
        (
            "a title over the cap",
            Box::new(|a| a.title = "x".repeat(limits::SHORT_TEXT + 1)),
        ),
        (
            "a path passing for a hash",
            Box::new(hash("../../etc/passwd".into())),
        ),
        ("an upper-case hash", Box::new(hash("A".repeat(64)))),
        (
            "too many observables",
            Box::new(|a| {
                a.observables = (0..=crate::alert::MAX_OBSERVABLES)
                    .map(|i| AlertObservable {
                        kind: ObservableKind::FileName,
                        value: format!("f{i}"),
                    })
                    .collect()
            }),
        ),
    ];
    for (what, change) in cases {
        let mut a = alert();
        change(&mut a);
        // Re-derive the id where the change was not about it, so only the named fault is judged.
        if !what.contains("id") {
            a.alert = alert_id(&a.source, &a.source_id);
        }
        assert_eq!(
            refused(Payload::AlertRaised(a), None),
            Err(RefusalCode::InvalidValue),
            "an alert with {what} must be refused"
        );
    }
    assert_eq!(
        bad(&|_| {}),
        Ok(Standing::Verified),
        "the well-formed alert is admitted"
    );
    assert_eq!(
        refused(Payload::AlertRaised(alert()), Some(INCIDENT)),
        Err(RefusalCode::InvalidValue),
        "a raised alert belongs to no incident"
    );
    assert_eq!(
        refused(Payload::AlertPromoted { alert: ALERT }, None),
        Err(RefusalCode::InvalidValue),
        "a promotion belongs to the incident it made"
    );
    let triage = |alerts: Vec<AlertId>, reason: String| Payload::AlertTriaged {
        alerts,
        verdict: AlertVerdict::FalsePositive,
        reason,
    };
    assert_eq!(
        refused(triage(vec![], String::new()), None),
        Err(RefusalCode::InvalidValue)
    );
    assert_eq!(
        refused(
            triage(vec![ALERT; limits::LIST_ITEMS + 1], String::new()),
            None
        ),
        Err(RefusalCode::InvalidValue)
    );
    assert_eq!(
        refused(triage(vec![ALERT], "x".repeat(limits::LONG_TEXT + 1)), None),
        Err(RefusalCode::InvalidValue)
    );
}
