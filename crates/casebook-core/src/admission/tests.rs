//! The admission rule, cell by cell: every payload type × admin, lead, tier 1, 2, 3, auditor × an incident in the
//! author's scope (tier 1, assigned to them) and out of it (tier 3, assigned to someone else). For directory events
//! "out of scope" means a change of the receiver's own account, or a binding of someone else's device.

use uuid::Uuid;

use super::*;
use crate::escalation::ResponseTarget;
use crate::event::{EntrySource, NewEntry};
use crate::model::*;
use crate::{Hlc, IncidentId};

const ME: UserId = UserId(Uuid::from_u128(1));
const OTHER: UserId = UserId(Uuid::from_u128(2));
const DEVICE: DeviceId = DeviceId(Uuid::from_u128(10));
const INCIDENT: IncidentId = IncidentId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_1234_5678));

/// What a persona's event comes to: `A` decides the directory, `C` is kept as a claim only, `Y` admitted and in scope,
/// `N` refused or out of scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    A,
    C,
    Y,
    N,
}
use Outcome::*;

struct Nothing;
impl Lookup for Nothing {
    fn incident_of(&self, _: Ref) -> Option<IncidentId> {
        None
    }
}

/// Everything lives in another incident.
struct Elsewhere;
impl Lookup for Elsewhere {
    fn incident_of(&self, _: Ref) -> Option<IncidentId> {
        Some(IncidentId(Uuid::from_u128(99)))
    }
}

/// The six personas, in the issue's order: admin, lead, tier 1, tier 2, tier 3, auditor.
fn personas() -> [(Role, Option<Tier>); 6] {
    [
        (Role::Admin, None),
        (Role::Lead, None),
        (Role::Responder, Some(Tier::ONE)),
        (Role::Responder, Some(Tier::TWO)),
        (Role::Responder, Some(Tier::THREE)),
        (Role::Auditor, None),
    ]
}

fn body(payload: Payload) -> EventBody {
    let global = matches!(
        payload,
        Payload::UserRegistered { .. }
            | Payload::DeviceBound { .. }
            | Payload::ResponseTargetsSet { .. }
    );
    EventBody {
        id: EventId(Uuid::from_u128(77)),
        incident: (!global).then_some(INCIDENT),
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

fn entry() -> NewEntry {
    NewEntry {
        entry: EntryId(Uuid::from_u128(20)),
        event_time: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        time_zone: None,
        kind: EntryKind::Finding,
        summary: "s".into(),
        details: String::new(),
        source: EntrySource::default(),
        key_event: false,
        evidence: vec![],
        observables: vec![],
        attributes: Default::default(),
        supersedes: None,
    }
}

fn judge(payload: &Payload, (role, tier): (Role, Option<Tier>), in_scope_case: bool) -> Outcome {
    let e = body(payload.clone());
    let scope = if in_scope_case {
        IncidentScope {
            tier: Tier::ONE,
            assignee: Some(ME),
        }
    } else {
        IncidentScope {
            tier: Tier::THREE,
            assignee: Some(OTHER),
        }
    };
    let cx = Context {
        author: Author::Verified { role, tier },
        // The store makes an admin (registered by an authority) the directory's authority.
        directory_authority: role == Role::Admin,
        // Out of scope, the receiver is OTHER, whom the directory rows below register.
        outside_of: Some(if in_scope_case {
            UserId(Uuid::from_u128(3))
        } else {
            OTHER
        }),
        incident: e.incident.map(|_| IncidentFacts {
            opened: !matches!(payload, Payload::IncidentOpened { .. }),
            foreign: false,
            scope,
        }),
        minted_here: false,
        lookup: &Nothing,
    };
    match admit(&e, &cx) {
        Err(_) => N,
        Ok(Standing::Authority) => A,
        Ok(Standing::Verified)
            if matches!(
                payload,
                Payload::UserRegistered { .. } | Payload::DeviceBound { .. }
            ) =>
        {
            C
        }
        Ok(Standing::Unverified) => N,
        Ok(Standing::Verified) => {
            let actor = Actor {
                user: ME,
                role,
                tier,
            };
            if super::in_scope(payload, &actor, scope).is_ok() {
                Y
            } else {
                N
            }
        }
    }
}

#[test]
fn every_payload_type_by_every_persona_in_and_out_of_scope() {
    let esc = EscalationId(Uuid::from_u128(30));
    let edit_in = [N, Y, Y, Y, Y, N];
    let edit_out = [N, Y, N, N, Y, N];
    let anyone_working = [N, Y, Y, Y, Y, N];
    let lead_only = [N, Y, N, N, N, N];
    let directory = [A, C, C, C, C, C];
    let rows: Vec<(&str, Payload, [Outcome; 6], [Outcome; 6])> = vec![
        (
            "user_registered",
            Payload::UserRegistered {
                user: OTHER,
                name: "New Colleague".into(),
                role: Role::Responder,
                tier: Some(Tier::ONE),
            },
            directory,
            // Out of scope: the receiver's own account, which only an authority changes.
            [A, N, N, N, N, N],
        ),
        (
            "device_bound",
            Payload::DeviceBound {
                device: DEVICE,
                user: ME,
                public_key: crate::signing::DeviceKey::from_secret([1; 32])
                    .public()
                    .to_hex(),
            },
            directory,
            [A, C, C, C, C, C],
        ),
        (
            "response_targets_set",
            Payload::ResponseTargetsSet {
                targets: vec![ResponseTarget {
                    severity: Severity::Sev1,
                    acknowledge_minutes: 15,
                    accept_minutes: 30,
                }],
            },
            lead_only,
            lead_only,
        ),
        (
            "incident_opened",
            Payload::IncidentOpened {
                key: crate::key::incident_key(INCIDENT),
                title: "t".into(),
                summary: String::new(),
                severity: Severity::Sev3,
                tlp: Tlp::Amber,
                category: String::new(),
                tier: Tier::ONE,
                detection_source: String::new(),
                affected_assets: vec![],
                tags: vec![],
                occurred_at: None,
                detected_at: None,
                reported_at: None,
            },
            anyone_working,
            anyone_working,
        ),
        (
            "field_set",
            Payload::FieldSet {
                change: crate::event::FieldChange::Title("t".into()),
            },
            edit_in,
            edit_out,
        ),
        (
            "text_edited",
            Payload::TextEdited {
                field: TextField::Summary,
                text: "x".into(),
                base: None,
                resolves: vec![],
            },
            edit_in,
            edit_out,
        ),
        (
            "tag_added",
            Payload::TagAdded { tag: "t".into() },
            edit_in,
            edit_out,
        ),
        (
            "tag_removed",
            Payload::TagRemoved {
                tag: "t".into(),
                removes: vec![],
            },
            edit_in,
            edit_out,
        ),
        (
            "incident_assigned (take from tier 1's queue)",
            Payload::IncidentAssigned {
                tier: Tier::ONE,
                assignee: Some(ME),
                note: String::new(),
            },
            [N, Y, Y, N, N, N],
            // The incident left tier 1's queue meanwhile.
            [N, Y, N, N, N, N],
        ),
        (
            "incident_assigned (to someone else)",
            Payload::IncidentAssigned {
                tier: Tier::TWO,
                assignee: Some(OTHER),
                note: String::new(),
            },
            lead_only,
            lead_only,
        ),
        (
            "incident_closed as false positive",
            Payload::IncidentClosed {
                resolution: Resolution::FalsePositive,
                note: String::new(),
            },
            edit_in,
            edit_out,
        ),
        (
            "incident_closed as true positive",
            Payload::IncidentClosed {
                resolution: Resolution::TruePositive,
                note: String::new(),
            },
            [N, Y, N, Y, Y, N],
            [N, Y, N, N, Y, N],
        ),
        (
            "entry_added",
            Payload::EntryAdded(entry()),
            edit_in,
            edit_out,
        ),
        (
            "entries_imported",
            Payload::EntriesImported {
                label: "plaso".into(),
                entries: vec![entry()],
            },
            edit_in,
            edit_out,
        ),
        (
            "entry_key_event_set",
            Payload::EntryKeyEventSet {
                entry: EntryId(Uuid::from_u128(20)),
                key_event: true,
            },
            edit_in,
            edit_out,
        ),
        (
            "evidence_added",
            Payload::EvidenceAdded {
                evidence: EvidenceId(Uuid::from_u128(21)),
                name: "mail.eml".into(),
                sha256: "a".repeat(64),
                size: 1,
                media_type: "message/rfc822".into(),
                acquired_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                acquired_by: "Ana".into(),
                source_host: String::new(),
                source_path: String::new(),
                description: String::new(),
            },
            edit_in,
            edit_out,
        ),
        (
            "custody_recorded",
            Payload::CustodyRecorded {
                evidence: EvidenceId(Uuid::from_u128(21)),
                action: CustodyAction::Transferred,
                who: "Ana".into(),
                at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                location: String::new(),
                reason: String::new(),
            },
            edit_in,
            edit_out,
        ),
        (
            "observable_added",
            Payload::ObservableAdded {
                observable: ObservableId(Uuid::from_u128(22)),
                observable_kind: ObservableKind::Domain,
                value: "evil.example".into(),
                tlp: Tlp::Amber,
                ioc: true,
                first_seen: None,
                last_seen: None,
                note: String::new(),
            },
            edit_in,
            edit_out,
        ),
        (
            "task_added",
            Payload::TaskAdded {
                task: TaskId(Uuid::from_u128(23)),
                title: "Reset passwords".into(),
                owner: None,
                due: None,
            },
            edit_in,
            edit_out,
        ),
        (
            "task_status_set",
            Payload::TaskStatusSet {
                task: TaskId(Uuid::from_u128(23)),
                status: TaskStatus::Done,
            },
            edit_in,
            edit_out,
        ),
        (
            "comment_added",
            Payload::CommentAdded {
                comment: CommentId(Uuid::from_u128(24)),
                body: "b".into(),
            },
            edit_in,
            edit_out,
        ),
        (
            "escalation_requested",
            Payload::EscalationRequested {
                escalation: esc,
                from_tier: Tier::ONE,
                to_tier: Tier::TWO,
                assignee: None,
                reason: "r".into(),
                handoff: String::new(),
            },
            anyone_working,
            anyone_working,
        ),
        // Who may answer an escalation depends on its target at the answer's place: the escalation fold judges
        // that (see `escalation::tests`); admission keeps out the roles that never answer.
        (
            "escalation_acknowledged",
            Payload::EscalationAcknowledged { escalation: esc },
            anyone_working,
            anyone_working,
        ),
        (
            "escalation_accepted",
            Payload::EscalationAccepted { escalation: esc },
            anyone_working,
            anyone_working,
        ),
        (
            "escalation_declined",
            Payload::EscalationDeclined {
                escalation: esc,
                reason: "no".into(),
            },
            anyone_working,
            anyone_working,
        ),
        (
            "escalation_assigned",
            Payload::EscalationAssigned {
                escalation: esc,
                to_tier: Tier::THREE,
                assignee: None,
                note: String::new(),
            },
            lead_only,
            lead_only,
        ),
    ];
    let names = ["admin", "lead", "tier1", "tier2", "tier3", "auditor"];
    let mut kinds: Vec<&str> = rows.iter().map(|(_, p, _, _)| p.kind()).collect();
    kinds.dedup();
    // The four alert payloads have their own matrix, with the integration persona (`alert_tests`).
    assert_eq!(kinds.len(), 24, "every payload type has a row: {kinds:?}");
    for (row, payload, inside, outside) in &rows {
        for (i, persona) in personas().into_iter().enumerate() {
            assert_eq!(
                judge(payload, persona, true),
                inside[i],
                "cell ({row}, {}, in scope)",
                names[i]
            );
            assert_eq!(
                judge(payload, persona, false),
                outside[i],
                "cell ({row}, {}, out of scope)",
                names[i]
            );
        }
    }
}

#[test]
fn an_unverified_author_adds_to_a_foreign_case_but_never_changes_one_held_here() {
    let e = body(Payload::TagAdded { tag: "t".into() });
    let cx = |held: Option<IncidentFacts>| Context {
        author: Author::Unverified,
        directory_authority: false,
        outside_of: Some(OTHER),
        incident: held,
        minted_here: false,
        lookup: &Nothing,
    };
    let scope = IncidentScope {
        tier: Tier::ONE,
        assignee: None,
    };
    assert_eq!(
        admit(&e, &cx(None)),
        Ok(Standing::Unverified),
        "a case new here imports for reading"
    );
    let foreign = IncidentFacts {
        opened: true,
        foreign: true,
        scope,
    };
    assert_eq!(admit(&e, &cx(Some(foreign))), Ok(Standing::Unverified));
    let held = IncidentFacts {
        opened: true,
        foreign: false,
        scope,
    };
    assert_eq!(
        admit(&e, &cx(Some(held))).map_err(|r| r.code),
        Err(RefusalCode::UnverifiedAuthor),
        "an unverified author must not change an incident the receiver holds"
    );
    let targets = body(Payload::ResponseTargetsSet { targets: vec![] });
    assert_eq!(
        admit(&targets, &cx(None)).map_err(|r| r.code),
        Err(RefusalCode::UnverifiedAuthor)
    );
}

#[test]
fn references_into_another_incident_and_malformed_values_are_refused() {
    let lead = Author::Verified {
        role: Role::Lead,
        tier: None,
    };
    let cx = |lookup: &'static dyn Lookup| Context {
        author: lead,
        directory_authority: false,
        outside_of: None,
        incident: None,
        minted_here: false,
        lookup,
    };
    let superseding = NewEntry {
        supersedes: Some(EntryId(Uuid::from_u128(5))),
        ..entry()
    };
    let e = body(Payload::EntryAdded(superseding));
    assert_eq!(
        admit(&e, &cx(&Elsewhere)).map_err(|r| r.code),
        Err(RefusalCode::ForeignReference)
    );
    assert_eq!(admit(&e, &cx(&Nothing)), Ok(Standing::Verified));
    // A change made here skips looking up the ids it mints, never the ones it refers to.
    let here = |e: &EventBody| {
        admit(
            e,
            &Context {
                minted_here: true,
                ..cx(&Elsewhere)
            },
        )
        .map_err(|r| r.code)
    };
    assert_eq!(
        here(&body(Payload::EntryAdded(entry()))),
        Ok(Standing::Verified)
    );
    assert_eq!(here(&e), Err(RefusalCode::ForeignReference));
    let fresh = body(Payload::EntryAdded(entry()));
    assert_eq!(
        admit(&fresh, &cx(&Elsewhere)).map_err(|r| r.code),
        Err(RefusalCode::ForeignReference),
        "from outside, a new entry id that already names another incident's entry is refused"
    );
    for bad in ["/dev/zero", "../x", &"A".repeat(64), &"a".repeat(63)] {
        let e = body(Payload::EvidenceAdded {
            evidence: EvidenceId(Uuid::from_u128(21)),
            name: "n".into(),
            sha256: bad.to_string(),
            size: 1,
            media_type: "x".into(),
            acquired_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            acquired_by: "a".into(),
            source_host: String::new(),
            source_path: String::new(),
            description: String::new(),
        });
        assert_eq!(
            admit(&e, &cx(&Nothing)).map_err(|r| r.code),
            Err(RefusalCode::InvalidValue),
            "sha256 `{bad}` must be refused"
        );
    }
    let mut overflow = body(Payload::TagAdded { tag: "t".into() });
    overflow.device_seq = u64::MAX;
    assert_eq!(
        admit(&overflow, &cx(&Nothing)).map_err(|r| r.code),
        Err(RefusalCode::InvalidValue)
    );
    let long = body(Payload::TagAdded {
        tag: "x".repeat(limits::SHORT_TEXT + 1),
    });
    assert_eq!(
        admit(&long, &cx(&Nothing)).map_err(|r| r.code),
        Err(RefusalCode::InvalidValue)
    );
}
