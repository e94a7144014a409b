//! What the acting person may do, asked of the core's role matrix (`casebook_core::authz`, the rule the admission
//! of their events applies): in general, and in one incident as it stands now. Front ends show the controls that
//! would work and no others, instead of keeping a copy of the matrix.

use casebook_core::authz::{self, Action};
use casebook_core::model::{Resolution, Role};
use serde::Serialize;

use crate::{Casebook, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Allowed {
    /// Open incidents and request escalations (responders and leads; auditors and admins read).
    pub change_cases: bool,
    pub set_response_targets: bool,
    pub manage_accounts: bool,
    /// Put alerts in the queue from a file (everyone but auditors).
    pub import_alerts: bool,
    /// Dismiss alerts and merge them into incidents (responders of every tier, leads and admins).
    pub triage_alerts: bool,
    /// Promote an alert to a new incident: triage it and open an incident.
    pub promote_alerts: bool,
    /// Assign or reassign incidents and escalations to a tier or a person (leads).
    pub assign: bool,
    /// Change the incident asked about: its fields, timeline, evidence, observables, tasks and comments.
    pub edit: bool,
    /// Take it from its tier's queue (it is unassigned and in the person's tier).
    pub take: bool,
    /// The resolutions the person may close it with; empty when they may not close it.
    pub close_as: Vec<Resolution>,
}

impl Casebook {
    /// What the acting person may do, and in the incident `key_or_id` when one is given (without one, `edit`,
    /// `take` and `close_as` say no).
    pub fn allowed(&self, key_or_id: Option<&str>) -> Result<Allowed> {
        let (actor, _) = self.actor()?;
        let may = |action| authz::authorize(&actor, action).is_ok();
        let mut allowed = Allowed {
            change_cases: may(Action::CreateIncident),
            set_response_targets: may(Action::SetResponseTargets),
            manage_accounts: may(Action::ManageAccounts),
            import_alerts: may(Action::RaiseAlert),
            triage_alerts: may(Action::TriageAlert),
            promote_alerts: may(Action::TriageAlert) && may(Action::CreateIncident),
            assign: may(Action::Assign),
            edit: false,
            take: false,
            close_as: Vec::new(),
        };
        if let Some(key) = key_or_id {
            let scope = self.scope(self.resolve(key)?)?;
            allowed.edit = may(Action::Edit(scope));
            allowed.take = scope.assignee.is_none()
                && actor.role == Role::Responder
                && may(Action::TakeFromQueue { tier: scope.tier });
            allowed.close_as = Resolution::ALL
                .iter()
                .copied()
                .filter(|&resolution| may(Action::Close { scope, resolution }))
                .collect();
        }
        Ok(allowed)
    }
}
