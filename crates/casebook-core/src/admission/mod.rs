//! The admission rule: whether an event may enter the log, judged by one pure function wherever it arrives (typed
//! on this laptop, read from a case bundle, pushed to or pulled from the team server).
//!
//! Admission is split in two, after what each part can know:
//! - [`admit`] decides at arrival what does not depend on where the event falls among concurrent work: the author's
//!   standing (verified by a device key the receiver trusts, or not), what the author's role may do at all, every
//!   reference inside the event's own incident, values that are valid and of sane size, and that nothing from outside
//!   touches the receiver's own account. A refused event never enters the shared log.
//! - [`in_scope`] decides what depends on the incident's state at the event's place in HLC order (a tier-1 edit after
//!   a concurrent escalation moved the incident to tier 2). The projection asks it with the state at that place, on
//!   every replica alike; an event out of scope is kept in the log and shown to leads as a conflict, never applied.

use crate::authz::{self, Action, Actor, IncidentScope};
use crate::event::{EventBody, NewEntry, Payload};
use crate::model::{Role, Tier};
use crate::signing::PublicKey;
use crate::*;

/// Sizes no genuine event comes near; anything larger is refused before it can fill a disk or a screen.
pub mod limits {
    /// Titles, names, tags, categories, hosts, media types: one line of text.
    pub const SHORT_TEXT: usize = 4 * 1024;
    /// Summaries, details, comments, notes, reasons.
    pub const LONG_TEXT: usize = 1024 * 1024;
    /// Entries in one import event (imports write one event per 1,000 rows).
    pub const ENTRIES_PER_EVENT: usize = 10_000;
    /// Items in a list field (affected assets, links, removed tag additions, resolved versions).
    pub const LIST_ITEMS: usize = 10_000;
    /// An imported row's extra attributes, as JSON.
    pub const ATTRIBUTES_JSON: usize = 64 * 1024;
}

/// What the receiver knows of the event's author on the event's device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// A device key the receiver trusts signed the event, and the directory gives the author this role.
    Verified { role: Role, tier: Option<Tier> },
    /// Nobody the receiver trusts vouches for the device: the event may add to a case that came from outside, for
    /// reading, but never change what the receiver already holds or its directory.
    Unverified,
}

/// The incident an event belongs to, as the receiver holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentFacts {
    /// Its opening event has arrived.
    pub opened: bool,
    /// It was opened by an author the receiver could not verify: a case imported for reading.
    pub foreign: bool,
    pub scope: IncidentScope,
}

/// Something an event refers to by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ref {
    /// An earlier event (a tag addition, a text version).
    Event(EventId),
    Entry(EntryId),
    Evidence(EvidenceId),
    Observable(ObservableId),
    Task(TaskId),
    Comment(CommentId),
    Escalation(EscalationId),
}

impl Ref {
    /// The bare id: every id is a UUIDv7, so objects of all kinds can share one index by id.
    pub fn uuid(&self) -> uuid::Uuid {
        match *self {
            Ref::Event(x) => x.0,
            Ref::Entry(x) => x.0,
            Ref::Evidence(x) => x.0,
            Ref::Observable(x) => x.0,
            Ref::Task(x) => x.0,
            Ref::Comment(x) => x.0,
            Ref::Escalation(x) => x.0,
        }
    }
}

/// Where the receiver's referenced objects live.
pub trait Lookup {
    /// The incident that holds `r`, when the receiver holds it.
    fn incident_of(&self, r: Ref) -> Option<IncidentId>;
}

/// Everything besides the event that the rule reads.
pub struct Context<'a> {
    pub author: Author,
    /// The author may change the directory: a verified admin, or the owner of a standalone profile on their own
    /// device (a laptop outside any team is its own directory).
    pub directory_authority: bool,
    /// The receiver's own account, when the event comes from outside: nothing from elsewhere may change it.
    pub outside_of: Option<UserId>,
    pub incident: Option<IncidentFacts>,
    /// The ids the event introduces (a new entry's, evidence's, task's…) were minted on this device for this very
    /// change, so they cannot name anything else: a local change skips looking them up (an import of 100,000 rows
    /// would otherwise ask the database 100,000 times). Everything from outside is checked.
    pub minted_here: bool,
    pub lookup: &'a dyn Lookup,
}

/// How an admitted event counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A directory change by the directory's authority: it decides accounts, roles and device keys.
    Authority,
    /// A verified author's change; a directory event at this standing is only a claim about its author.
    Verified,
    /// An unverified author's event: part of a case imported for reading; its directory events are claims.
    Unverified,
}

crate::string_enum! {
    /// Why an event was refused; a closed set that front ends and the server branch on.
    pub enum RefusalCode ("refusal code") {
        Forbidden => "forbidden",
        UnverifiedAuthor => "unverified_author",
        BadSignature => "bad_signature",
        ForeignReference => "foreign_reference",
        InvalidValue => "invalid_value",
        OwnDevice => "own_device",
        OwnAccount => "own_account",
        BadHash => "bad_hash",
        KeyConflict => "key_conflict",
    }
}

/// A refused event's code and the reason, worded for the person who reads the list of refused events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refusal {
    pub code: RefusalCode,
    pub reason: String,
}

impl Refusal {
    pub fn new(code: RefusalCode, reason: impl Into<String>) -> Refusal {
        Refusal {
            code,
            reason: reason.into(),
        }
    }
}

fn invalid(reason: impl Into<String>) -> Refusal {
    Refusal::new(RefusalCode::InvalidValue, reason)
}

fn forbidden(d: authz::Denied) -> Refusal {
    Refusal::new(RefusalCode::Forbidden, d.to_string())
}

/// Whether the directory gives a role and tier that fit together.
fn tier_fits(role: Role, tier: Option<Tier>) -> bool {
    matches!(
        (role, tier),
        (Role::Responder, Some(_))
            | (
                Role::Lead | Role::Auditor | Role::Admin | Role::Integration,
                None
            )
    )
}

/// Decides at arrival whether an event may enter the log, and how it counts.
pub fn admit(e: &EventBody, cx: &Context) -> Result<Standing, Refusal> {
    check_values(e)?;
    // An integration's device key lives on the team server, which signs what a SIEM posts: whatever else such a
    // key signs (a directory change, an incident, a triage) is refused, so a leaked token can only add alerts.
    if matches!(
        cx.author,
        Author::Verified {
            role: Role::Integration,
            ..
        }
    ) && !matches!(e.payload, Payload::AlertRaised(_))
    {
        return Err(Refusal::new(
            RefusalCode::Forbidden,
            format!(
                "an integration may only raise alerts, not make a {} event",
                e.payload.kind()
            ),
        ));
    }
    match &e.payload {
        Payload::UserRegistered { user, .. } => admit_directory(e, cx, *user),
        Payload::DeviceBound {
            device,
            user,
            public_key,
        } => {
            PublicKey::from_hex(public_key).map_err(|err| invalid(err.to_string()))?;
            if !cx.directory_authority && (*device != e.device || *user != e.author) {
                // Anyone but the directory's authority may only introduce their own key, from the device it is on.
                return Err(Refusal::new(
                    RefusalCode::Forbidden,
                    "only an admin binds a device to someone else; a device introduces only its own key for its own user",
                ));
            }
            admit_directory(e, cx, *user)
        }
        Payload::ResponseTargetsSet { .. } => match cx.author {
            Author::Unverified => Err(unverified("set response targets")),
            Author::Verified { role, tier } => {
                let actor = actor(e, role, tier);
                authz::authorize(&actor, Action::SetResponseTargets).map_err(forbidden)?;
                Ok(Standing::Verified)
            }
        },
        Payload::AlertRaised(_) | Payload::AlertTriaged { .. } => match cx.author {
            Author::Unverified => Err(unverified("raise or triage alerts")),
            Author::Verified { role, tier } => {
                let action = match e.payload {
                    Payload::AlertRaised(_) => Action::RaiseAlert,
                    _ => Action::TriageAlert,
                };
                authz::authorize(&actor(e, role, tier), action).map_err(forbidden)?;
                Ok(Standing::Verified)
            }
        },
        _ => admit_incident_event(e, cx),
    }
}

fn actor(e: &EventBody, role: Role, tier: Option<Tier>) -> Actor {
    Actor {
        user: e.author,
        role,
        tier,
    }
}

fn unverified(what: &str) -> Refusal {
    Refusal::new(
        RefusalCode::UnverifiedAuthor,
        format!("it was made on a device you have not trusted, and such a device may not {what}"),
    )
}

/// Accounts and device keys: decided by the directory's authority; anyone else's are claims about themselves.
fn admit_directory(e: &EventBody, cx: &Context, subject: UserId) -> Result<Standing, Refusal> {
    if let Payload::UserRegistered { role, tier, .. } = &e.payload {
        if !tier_fits(*role, *tier) {
            return Err(invalid(
                "a responder needs a tier and only responders have one",
            ));
        }
        // Even as a claim: an integration is an account the directory's authority makes for a SIEM, never a role
        // anyone takes for themselves.
        if *role == Role::Integration && (!cx.directory_authority || subject == e.author) {
            return Err(Refusal::new(
                RefusalCode::Forbidden,
                "only an admin registers an integration, and never as their own account",
            ));
        }
    }
    if cx.outside_of == Some(subject) && !cx.directory_authority {
        return Err(Refusal::new(
            RefusalCode::OwnAccount,
            "it would change your own account, which only your team's admins may do",
        ));
    }
    if cx.directory_authority {
        return Ok(Standing::Authority);
    }
    // A claim: kept so names can be shown, never deciding a role the directory already gives.
    Ok(match cx.author {
        Author::Verified { .. } => Standing::Verified,
        Author::Unverified => Standing::Unverified,
    })
}

fn admit_incident_event(e: &EventBody, cx: &Context) -> Result<Standing, Refusal> {
    let Some(incident) = e.incident else {
        return Err(invalid(format!(
            "a {} event must belong to an incident",
            e.payload.kind()
        )));
    };
    check_references(e, incident, cx.minted_here, cx.lookup)?;
    if let (Payload::IncidentOpened { .. }, Some(held)) = (&e.payload, cx.incident) {
        if held.opened {
            return Err(invalid("this incident was already opened by another event"));
        }
    }
    match cx.author {
        Author::Unverified => match cx.incident {
            Some(held) if !held.foreign && held.opened => {
                Err(unverified("change an incident you already hold"))
            }
            _ => Ok(Standing::Unverified),
        },
        Author::Verified { role, tier } => {
            let actor = actor(e, role, tier);
            // The most permissive scope: what the role may do at all. The scope at the event's place is judged by
            // `in_scope` in the projection.
            let open = IncidentScope {
                tier: Tier::ONE,
                assignee: Some(e.author),
            };
            let action = match &e.payload {
                Payload::IncidentOpened { .. } => Action::CreateIncident,
                Payload::IncidentAssigned { tier, assignee, .. } => {
                    if *assignee == Some(e.author) && actor.tier == Some(*tier) {
                        Action::TakeFromQueue { tier: *tier }
                    } else {
                        Action::Assign
                    }
                }
                Payload::IncidentClosed { resolution, .. } => Action::Close {
                    scope: open,
                    resolution: *resolution,
                },
                Payload::EscalationRequested { .. } => Action::RequestEscalation,
                Payload::EscalationAcknowledged { .. }
                | Payload::EscalationAccepted { .. }
                | Payload::EscalationDeclined { .. } => Action::RespondToEscalation {
                    to_tier: tier.unwrap_or(Tier::ONE),
                    assignee: Some(e.author),
                },
                Payload::EscalationAssigned { .. } => Action::Assign,
                Payload::AlertPromoted { .. } | Payload::AlertMerged { .. } => {
                    // Triaging the alert, and adding it to the incident (judged at its place by `in_scope`).
                    authz::authorize(&actor, Action::TriageAlert).map_err(forbidden)?;
                    Action::Edit(open)
                }
                _ => Action::Edit(open),
            };
            authz::authorize(&actor, action).map_err(forbidden)?;
            Ok(Standing::Verified)
        }
    }
}

/// The state-dependent half: may this author make this change to the incident as it stood at the event's place in
/// HLC order? Escalation answers are judged by the escalation fold, which knows the escalation's target there.
pub fn in_scope(
    payload: &Payload,
    actor: &Actor,
    scope: IncidentScope,
) -> Result<(), authz::Denied> {
    let action = match payload {
        Payload::UserRegistered { .. }
        | Payload::DeviceBound { .. }
        | Payload::ResponseTargetsSet { .. }
        | Payload::IncidentOpened { .. }
        | Payload::EscalationRequested { .. }
        | Payload::EscalationAcknowledged { .. }
        | Payload::EscalationAccepted { .. }
        | Payload::EscalationDeclined { .. }
        | Payload::EscalationAssigned { .. }
        | Payload::AlertRaised(_)
        | Payload::AlertTriaged { .. } => return Ok(()),
        Payload::IncidentAssigned { tier, assignee, .. } => {
            if actor.role == Role::Lead {
                return Ok(());
            }
            // Taking from a queue: the incident must still be in that queue.
            if *assignee == Some(actor.user) && scope.tier == *tier {
                return Ok(());
            }
            Action::TakeFromQueue { tier: scope.tier }
        }
        Payload::IncidentClosed { resolution, .. } => Action::Close {
            scope,
            resolution: *resolution,
        },
        _ => Action::Edit(scope),
    };
    authz::authorize(actor, action)
}

const NEW_ENTRY: &str = "new timeline entry's id";
const NEW_ID: &str = "new object's id";

/// An id an event names, what it is to the event (for the refusal's wording), and whether the event introduces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub target: Ref,
    pub what: &'static str,
    /// The event creates the object (a new entry, evidence, task…): it must not name anything already held.
    pub introduced: bool,
}

/// Every id a payload names, in one list: what the rule checks and what a replica records as the event's objects.
pub fn references(payload: &Payload) -> Vec<Reference> {
    let mut refs: Vec<(Ref, &'static str)> = Vec::new();
    let entry_refs = |n: &NewEntry, refs: &mut Vec<(Ref, &'static str)>| {
        refs.push((Ref::Entry(n.entry), NEW_ENTRY));
        if let Some(s) = n.supersedes {
            refs.push((Ref::Entry(s), "corrected entry"));
        }
        refs.extend(
            n.evidence
                .iter()
                .map(|x| (Ref::Evidence(*x), "linked evidence")),
        );
        refs.extend(
            n.observables
                .iter()
                .map(|x| (Ref::Observable(*x), "linked observable")),
        );
    };
    match payload {
        Payload::EntryAdded(n) => entry_refs(n, &mut refs),
        Payload::EntriesImported { entries, .. } => {
            entries.iter().for_each(|n| entry_refs(n, &mut refs))
        }
        Payload::TextEdited { base, resolves, .. } => {
            refs.extend(
                base.iter()
                    .map(|b| (Ref::Event(*b), "text version it was based on")),
            );
            refs.extend(
                resolves
                    .iter()
                    .map(|r| (Ref::Event(*r), "text version it settles")),
            );
        }
        Payload::TagRemoved { removes, .. } => {
            refs.extend(
                removes
                    .iter()
                    .map(|r| (Ref::Event(*r), "tag addition it removes")),
            );
        }
        Payload::EntryKeyEventSet { entry, .. } => refs.push((Ref::Entry(*entry), "flagged entry")),
        Payload::EvidenceAdded { evidence, .. } => refs.push((Ref::Evidence(*evidence), NEW_ID)),
        Payload::CustodyRecorded { evidence, .. } => {
            refs.push((Ref::Evidence(*evidence), "evidence"))
        }
        Payload::ObservableAdded { observable, .. } => {
            refs.push((Ref::Observable(*observable), NEW_ID))
        }
        Payload::TaskAdded { task, .. } => refs.push((Ref::Task(*task), NEW_ID)),
        Payload::TaskStatusSet { task, .. } => refs.push((Ref::Task(*task), "task")),
        Payload::CommentAdded { comment, .. } => refs.push((Ref::Comment(*comment), NEW_ID)),
        Payload::EscalationRequested { escalation, .. } => {
            refs.push((Ref::Escalation(*escalation), NEW_ID))
        }
        p => {
            if let Some(x) = p.escalation() {
                refs.push((Ref::Escalation(x), "escalation"));
            }
        }
    }
    refs.into_iter()
        .map(|(target, what)| Reference {
            target,
            what,
            introduced: what == NEW_ENTRY || what == NEW_ID,
        })
        .collect()
}

/// Every id an event names must belong to the event's own incident (or be new).
fn check_references(
    e: &EventBody,
    incident: IncidentId,
    minted_here: bool,
    lookup: &dyn Lookup,
) -> Result<(), Refusal> {
    for r in references(&e.payload) {
        // Ids minted here for this very change cannot name anything else (see `Context::minted_here`).
        if minted_here && r.introduced {
            continue;
        }
        if let Some(owner) = lookup.incident_of(r.target) {
            if owner != incident {
                return Err(Refusal::new(
                    RefusalCode::ForeignReference,
                    format!("the {} it names belongs to another incident", r.what),
                ));
            }
        }
    }
    Ok(())
}

mod values;
use values::check_values;
pub use values::is_sha256;

#[cfg(test)]
mod alert_tests;
#[cfg(test)]
mod tests;
