//! Clocks lie (DESIGN.md, Trust): a laptop whose clock is set a day ahead stamps its edits a day late, which would
//! win every edit made before then. The server admits such an event as it is (a clock is never a reason to refuse
//! one), and every replica, the fast laptop included, judges its clock against the server's receipt time: flagged,
//! it ranks below ordinary edits everywhere, so a colleague's later edit wins on every laptop alike.

use std::sync::Arc;

use casebook_api::incidents::NewIncident;
use casebook_api::{Clock, SystemClock};
use casebook_core::event::FieldChange;
use casebook_core::model::{Role, Severity, Tlp};
use chrono::{DateTime, Duration, Utc};

use crate::harness::{databases, Laptop, Server};

/// The computer's clock, set wrong by `skew`.
struct WrongClock {
    skew: Duration,
}

impl Clock for WrongClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now() + self.skew
    }
}

fn wrong_by(days: i64) -> Arc<dyn Clock> {
    Arc::new(WrongClock {
        skew: Duration::days(days),
    })
}

fn title(l: &Laptop, key: &str) -> String {
    l.cb.incident(key).unwrap().row.title
}

#[test]
fn a_laptop_a_day_ahead_loses_to_a_colleagues_later_edit_on_every_replica() {
    for db in databases() {
        let server = Server::start(db.as_deref());
        let ana = server.account("Ana Silva", Role::Responder, Some(1));
        let mallory = server.account("Mallory Fast", Role::Responder, Some(1));
        let lena = server.account("Lena Park", Role::Lead, None);
        let mut colleague = server.laptop(&ana);
        let mut fast = server.laptop_with_clock(&mallory, wrong_by(1));
        // A replica whose clock has long passed the fast one: by its own clock nothing from the fast laptop is ahead.
        let mut later = server.laptop_with_clock(&lena, wrong_by(2));

        let new = NewIncident::titled("Phishing wave", Severity::Sev3, Tlp::Amber);
        let key = colleague.cb.new_incident(new).unwrap().row.key;
        colleague.sync();
        fast.sync();
        fast.cb
            .set_fields(
                &key,
                vec![FieldChange::Title("Title from a day ahead".into())],
            )
            .unwrap();
        let pushed = fast.sync();
        assert_eq!(
            (pushed.pushed, pushed.refused),
            (1, 0),
            "the server takes the fast edit as it is: a clock is never a reason to refuse"
        );
        assert_eq!(
            title(&fast, &key),
            "Phishing wave",
            "once its edit came back from the server, the fast laptop ranks it below ordinary edits too"
        );
        colleague.sync();
        colleague
            .cb
            .set_fields(&key, vec![FieldChange::Title("Ana's later title".into())])
            .unwrap();
        for _ in 0..2 {
            colleague.sync();
            fast.sync();
            later.sync();
        }

        let (id, _) = colleague.cb.incident_digest(&key).unwrap();
        let server_digest = colleague.cb.server_digest(id).unwrap();
        let flagged = fast.cb.verify_log(&mut |_| {}).unwrap().clock_ahead;
        assert!(
            flagged >= 1,
            "the fast laptop's own log flags its edit once the server's receipt time is known"
        );
        let mut dumps = Vec::new();
        for (name, l) in [("Ana", &colleague), ("Mallory", &fast), ("Lena", &later)] {
            assert_eq!(
                title(l, &key),
                "Ana's later title",
                "on {name}'s laptop the colleague's later edit wins over the clock a day ahead"
            );
            assert_eq!(
                l.cb.incident_digest(&key).unwrap().1,
                server_digest,
                "{name} holds the incident's events as the server does"
            );
            assert_eq!(
                l.cb.verify_log(&mut |_| {}).unwrap().clock_ahead,
                flagged,
                "{name}'s laptop flags the same events as the fast laptop: those the server received long before \
                 their clock"
            );
            dumps.push((
                name,
                casebook_store::dump::dump_replicated(l.cb.store().conn()).unwrap(),
            ));
        }
        for (name, dump) in &dumps[1..] {
            assert!(
                dump == &dumps[0].1,
                "{name}'s laptop and {}'s hold the same state",
                dumps[0].0
            );
        }
    }
}
