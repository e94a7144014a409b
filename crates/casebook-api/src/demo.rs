//! `casebook demo`: fills an empty data directory with a realistic case (a credential-phishing wave, with timeline,
//! evidence, observables, tasks and an escalation in progress) and a second, closed false positive, from the sample
//! data under `assets/demo/`. Everything goes through the same use cases a person would call.

use casebook_core::event::EntrySource;
use casebook_core::model::{
    EntryKind, ObservableKind, Resolution, Role, Severity, TextField, Tier, Tlp,
};
use casebook_import::Format;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::escalations::Answer;
use crate::evidence::EvidenceInput;
use crate::incidents::NewIncident;
use crate::records::ObservableInput;
use crate::timeline::EntryInput;
use crate::{Casebook, Error, Hint, Result};

const TIMELINE: &[u8] = include_bytes!("../../../assets/demo/mail-gateway.jsonl");
const LURE: &[u8] = include_bytes!("../../../assets/demo/invoice-lure.eml");
const PROXY_LOG: &[u8] = include_bytes!("../../../assets/demo/proxy-excerpt.log");

/// What the demo created.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DemoSummary {
    pub profile: String,
    pub incidents: Vec<String>,
}

fn at(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| Error::invalid(format!("demo time {s}: {e}")))
}

impl Casebook {
    /// Loads the demo case. Refuses a data directory that already holds incidents.
    pub fn demo(&mut self) -> Result<DemoSummary> {
        if !self.incidents(&Default::default(), 1)?.is_empty() {
            return Err(Error::conflict(
                "this data directory already holds incidents; the demo loads only into an empty one",
            )
            .hint(Hint::OtherDataDirectory));
        }
        if !self.is_initialized()? {
            self.init("Ana Silva", Role::Responder, Some(Tier::ONE))?;
        }
        let owner = self.me()?.user.name;
        for (name, role, tier) in [
            ("Ben Okafor", Role::Responder, Some(Tier::TWO)),
            ("Chen Wei", Role::Responder, Some(Tier::THREE)),
            ("Grace Lee", Role::Lead, None),
            ("Ines Duarte", Role::Auditor, None),
        ] {
            if self.find_user(name).is_err() {
                self.register_user(name, role, tier)?;
            }
        }
        let mut n = NewIncident::titled(
            "Credential phishing wave targeting finance",
            Severity::Sev2,
            Tlp::Amber,
        );
        n.summary = "A lure posing as an overdue supplier invoice reached 14 finance mailboxes. Two users submitted \
                     credentials to a look-alike portal; one account was then used from an unfamiliar IP to create a \
                     hiding inbox rule.\n\n**Scope so far:** 2 credential submissions, 1 confirmed account takeover."
            .into();
        n.category = "phishing".into();
        n.tier = Some(Tier::ONE);
        n.detection_source = "Mail gateway alert + user report".into();
        n.affected_assets = vec![
            "WKS-FIN-014".into(),
            "WKS-FIN-022".into(),
            "m.kowalski@northwind.test".into(),
        ];
        n.tags = vec![
            "phishing".into(),
            "finance".into(),
            "credential-theft".into(),
        ];
        n.occurred_at = Some(at("2026-11-17T08:12:44Z")?);
        n.detected_at = Some(at("2026-11-17T09:05:00Z")?);
        n.reported_at = Some(at("2026-11-17T09:20:00Z")?);
        let key = self.new_incident(n)?.row.key;

        self.import_timeline(
            &key,
            TIMELINE,
            Format::Jsonl,
            "mail-gateway.jsonl",
            EntryKind::Finding,
            &mut |_| {},
        )?;
        let hand = [
            (
                "2026-11-17T09:05:00Z",
                EntryKind::Alert,
                "Mail gateway flagged the sender domain as newly registered (2 days old)",
                true,
            ),
            (
                "2026-11-17T09:20:00Z",
                EntryKind::Communication,
                "User in finance reported the invoice e-mail via the phish button",
                false,
            ),
            (
                "2026-11-17T09:41:00Z",
                EntryKind::Finding,
                "Proxy logs show credential POSTs from WKS-FIN-014 and WKS-FIN-022",
                true,
            ),
            (
                "2026-11-17T09:58:00Z",
                EntryKind::Containment,
                "Blocked sender domain and portal URL at the mail gateway and proxy",
                true,
            ),
            (
                "2026-11-17T10:04:00Z",
                EntryKind::Action,
                "Purged the lure from all 14 mailboxes",
                false,
            ),
            (
                "2026-11-17T10:15:00Z",
                EntryKind::Containment,
                "Reset passwords and revoked sessions for the two affected accounts",
                true,
            ),
        ];
        for (when, kind, summary, key_event) in hand {
            self.add_entry(
                &key,
                EntryInput {
                    summary: summary.into(),
                    at: Some(at(when)?),
                    kind: Some(kind),
                    key_event,
                    source: EntrySource {
                        host: None,
                        tool: Some("manual".into()),
                        file: None,
                    },
                    ..Default::default()
                },
            )?;
        }

        let dir = self.data_dir().join("tmp-demo");
        std::fs::create_dir_all(&dir).map_err(crate::error::io("cannot write the demo files"))?;
        for (name, bytes, host, desc) in [
            (
                "invoice-lure.eml",
                LURE,
                "MX-01",
                "The lure as delivered, exported from the mail gateway quarantine",
            ),
            (
                "proxy-excerpt.log",
                PROXY_LOG,
                "PRX-02",
                "Proxy log lines for the portal domain, 08:00-10:00 UTC",
            ),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, bytes)
                .map_err(crate::error::io("cannot write the demo files"))?;
            self.add_evidence(
                &key,
                &path,
                EvidenceInput {
                    description: desc.into(),
                    source_host: host.into(),
                    source_path: Some(format!("quarantine://{host}/{name}")),
                    acquired_at: Some(at("2026-11-17T10:30:00Z")?),
                    ..Default::default()
                },
                &mut |_| {},
            )?;
        }
        let _ = std::fs::remove_dir_all(&dir);

        for (value, kind, ioc, note) in [
            (
                "northwind-ledger-payments.example",
                Some(ObservableKind::Domain),
                true,
                "sender and portal domain",
            ),
            (
                "hxxps://portal.northwind-ledger-payments[.]example/sso/login",
                None,
                true,
                "credential harvesting page",
            ),
            ("203.0.113.45", None, true, "sending relay"),
            ("198.51.100.23", None, true, "sign-in after takeover"),
            (
                "m.kowalski@northwind.test",
                None,
                false,
                "compromised account",
            ),
        ] {
            self.add_observable(
                &key,
                ObservableInput {
                    value: value.into(),
                    kind,
                    tlp: None,
                    ioc,
                    note: note.into(),
                    first_seen: Some(at("2026-11-17T08:12:44Z")?),
                    last_seen: None,
                },
            )?;
        }
        self.add_task(
            &key,
            "Search all mailboxes for the sender domain since 2026-11-15",
            Some(&owner),
            None,
        )?;
        self.add_task(
            &key,
            "Review sign-ins from 198.51.100.23 across the tenant",
            None,
            None,
        )?;
        self.add_task(&key, "Brief finance leadership on the lure", None, None)?;
        self.add_comment(
            &key,
            "Second submitter (WKS-FIN-022) has MFA; no sign-in seen from the attacker IP yet.",
        )?;
        self.edit_text(&key, TextField::RootCause, "Look-alike supplier domain registered two days before the campaign; URL \
            rewriting gave no verdict for a new domain, and the user trusted the familiar invoice wording.", vec![])?;
        self.escalate(&key, Tier::TWO, None, "Credential theft confirmed and one account taken over",
            "Both accounts reset and sessions revoked at 10:15. Open question: mail forwarding and OAuth grants on m.kowalski.")?;
        self.act_as("Ben Okafor")?;
        self.answer_escalation(&key, None, Answer::Acknowledge)?;
        self.acting_as = None;

        let mut fp = NewIncident::titled(
            "Impossible travel alert for j.doe",
            Severity::Sev4,
            Tlp::Green,
        );
        fp.category = "identity".into();
        fp.occurred_at = Some(at("2026-11-16T22:10:00Z")?);
        fp.detected_at = Some(at("2026-11-16T22:14:00Z")?);
        fp.detection_source = "Identity provider risk alert".into();
        let fp_key = self.new_incident(fp)?.row.key;
        self.add_observable(
            &fp_key,
            ObservableInput {
                value: "198.51.100.23".into(),
                kind: None,
                tlp: None,
                ioc: false,
                note: "VPN egress seen in the alert".into(),
                first_seen: None,
                last_seen: None,
            },
        )?;
        self.add_entry(
            &fp_key,
            EntryInput {
                summary: "Confirmed with j.doe: travelling, signed in through the corporate VPN"
                    .into(),
                at: Some(at("2026-11-16T22:40:00Z")?),
                kind: Some(EntryKind::Finding),
                ..Default::default()
            },
        )?;
        self.close(
            &fp_key,
            Resolution::FalsePositive,
            "Corporate VPN egress; user confirmed travel",
        )?;
        Ok(DemoSummary {
            profile: owner,
            incidents: vec![key, fp_key],
        })
    }
}
