//! Post-incident reports: the case mapped into the report crate's model, rendered to a verifiable PDF, and checked
//! again later against the PDF's own attachment, the evidence store and the live case.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use casebook_core::model::Tlp;
use casebook_core::IncidentId;
use casebook_report::{self as report, EvidenceCheck, ReportCase, ReportOptions};

/// What front ends pass and receive about a report's rendering, named through the API.
pub use casebook_report::{ReportProgress, ReportStage, ReportTemplate};
use casebook_store::blobs::BlobCheck;
use casebook_store::read::{self, EntryFilter};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{io, ErrorCode};
use crate::{Casebook, Error, Result};

/// What an export produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportSummary {
    pub incident_key: String,
    pub path: PathBuf,
    pub content_digest: String,
    pub pages: usize,
    pub bytes: usize,
}

/// How one check of a report came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    Ok,
    /// Worth knowing, not a failure (e.g. the case changed since the export).
    Notice,
    Failure,
}

/// One check of a report, for people and scripts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportCheck {
    pub result: CheckResult,
    pub message: String,
}

/// The overall answer about a report file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// Every page re-rendered byte for byte and no check failed.
    Verified,
    /// Nothing failed, but the pages were not re-rendered: not verified.
    PartlyChecked,
    /// A check failed.
    Failed,
}

/// The verdict on a report file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportVerdict {
    pub verdict: VerdictKind,
    /// True only when `verdict` is `verified`.
    pub verified: bool,
    /// What was not checked, in words (the pages, the evidence hashes, the comparison with the live case).
    pub not_checked: Vec<String>,
    pub incident_key: Option<String>,
    /// Whether the case is in this data directory (so evidence and changes were checked against it).
    pub case_present: bool,
    pub checks: Vec<ReportCheck>,
}

fn tlp(t: Tlp) -> report::Tlp {
    match t {
        Tlp::Clear => report::Tlp::Clear,
        Tlp::Green => report::Tlp::Green,
        Tlp::Amber => report::Tlp::Amber,
        Tlp::AmberStrict => report::Tlp::AmberStrict,
        Tlp::Red => report::Tlp::Red,
    }
}

impl Casebook {
    /// Renders the incident's report to `dest` (written beside it and renamed, so a failure leaves no half file).
    pub fn export_report(
        &self,
        key_or_id: &str,
        dest: &Path,
        template: ReportTemplate,
        key_events_only: bool,
        progress: &mut dyn FnMut(ReportProgress),
    ) -> Result<ReportSummary> {
        self.authorize(casebook_core::authz::Action::Read)?;
        let id = self.resolve(key_or_id)?;
        let case = self.report_case(id)?;
        let options = ReportOptions {
            template,
            key_events_only,
            exported_at: self.now(),
        };
        let rendered = report::render_report(&case, &options, Some(progress))?;
        let tmp = dest.with_extension("pdf.partial");
        std::fs::write(&tmp, &rendered.pdf)
            .map_err(io(format!("cannot write {}", tmp.display())))?;
        std::fs::rename(&tmp, dest)
            .map_err(io(format!("cannot move the report to {}", dest.display())))?;
        Ok(ReportSummary {
            incident_key: case.key,
            path: dest.to_path_buf(),
            content_digest: rendered.content_digest,
            pages: rendered.page_count,
            bytes: rendered.pdf.len(),
        })
    }

    /// Checks a report file: its attachment and digests, an exact re-render, and, when this data directory holds
    /// the case, every evidence hash and whether the case changed since.
    pub fn verify_report(&self, pdf: &Path) -> Result<ReportVerdict> {
        let cannot_read = |e: std::io::Error| {
            Error::with_source(
                ErrorCode::InvalidInput,
                format!("cannot read {}: {e}", pdf.display()),
                e,
            )
        };
        // Read at most one byte past the cap: `verify` then refuses the file without it ever being whole in memory.
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(
                std::fs::File::open(pdf).map_err(cannot_read)?,
                report::MAX_REPORT_BYTES as u64 + 1,
            ),
            &mut bytes,
        )
        .map_err(cannot_read)?;
        let bundle = report::attached_bundle(&bytes);
        let local = bundle
            .as_ref()
            .and_then(|b| b.case.id.parse::<IncidentId>().ok())
            .filter(|id| read::incident(self.store.conn(), *id).is_ok());
        let live = local.map(|id| self.report_case(id)).transpose()?;
        let evidence = |sha: &str| -> EvidenceCheck {
            if local.is_none() {
                return EvidenceCheck::NotAvailable;
            }
            match self.blobs.check(sha, &mut |_| {}) {
                Ok(BlobCheck::Matches) => EvidenceCheck::Matches,
                Ok(BlobCheck::Differs { actual }) => EvidenceCheck::Differs { actual },
                Ok(BlobCheck::Damaged { .. }) => EvidenceCheck::Differs {
                    actual: "unreadable (its encrypted copy was altered or cut short)".into(),
                },
                Ok(BlobCheck::Missing) | Err(_) => EvidenceCheck::Missing,
            }
        };
        let outcome = report::verify(
            &bytes,
            &report::VerifyInputs {
                evidence: &evidence,
                live_case: live.as_ref(),
            },
        );
        let checks = outcome
            .findings
            .iter()
            .map(|f| ReportCheck {
                result: match f.severity() {
                    report::FindingSeverity::Ok => CheckResult::Ok,
                    report::FindingSeverity::Notice => CheckResult::Notice,
                    report::FindingSeverity::Failure => CheckResult::Failure,
                },
                message: f.to_string(),
            })
            .collect();
        Ok(ReportVerdict {
            verdict: match outcome.verdict() {
                report::Verdict::Verified => VerdictKind::Verified,
                report::Verdict::PartlyChecked => VerdictKind::PartlyChecked,
                report::Verdict::Failed => VerdictKind::Failed,
            },
            verified: outcome.is_verified(),
            not_checked: outcome
                .not_checked()
                .into_iter()
                .map(|u| u.describe().to_string())
                .collect(),
            incident_key: bundle.map(|b| b.case.key),
            case_present: local.is_some(),
            checks,
        })
    }

    /// The case as the report shows it. Deterministic for a given database state: response clocks of escalations
    /// still pending are evaluated at the incident's last change, not at "now", so verifying later compares like
    /// with like.
    pub fn report_case(&self, id: IncidentId) -> Result<ReportCase> {
        let conn = self.store.conn();
        let d = read::incident(conn, id)?;
        let names: HashMap<_, _> = read::users(conn)?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let name = |u: &casebook_core::UserId| {
            names.get(u).cloned().unwrap_or_else(|| format!("user {u}"))
        };
        let as_of = d.row.updated_at.unwrap_or(DateTime::<Utc>::MIN_UTC);
        let total = read::entry_count(conn, id, &EntryFilter::default())?;
        let entries = read::entries(conn, id, &EntryFilter::default(), 0, total)?;
        let mut authors: BTreeSet<String> = entries.iter().map(|e| name(&e.author)).collect();
        authors.extend(d.created_by.as_ref().map(name));
        let times = crate::metrics::key_times(&d);
        let m = times.metrics();
        let targets = read::response_targets(conn)?;
        let escalations = read::escalations(conn, Some(id), false)?;
        let mut metric_rows = Vec::new();
        let mut escalation_rows = Vec::new();
        for e in &escalations {
            let target = casebook_core::escalation::target_for(&targets, e.severity);
            let folded = casebook_core::escalation::Folded {
                state: e.state,
                to_tier: e.to_tier,
                assignee: e.assignee,
                clock_start: e.clock_start,
                acknowledged: e.acknowledged,
                settled: e
                    .settled
                    .map(|(h, u)| (h, u, casebook_core::EventId(uuid::Uuid::nil()))),
                decline_reason: e.decline_reason.clone(),
                applied: vec![],
                conflicts: vec![],
            };
            let clocks = casebook_core::escalation::clocks(&folded, &target, as_of);
            metric_rows.push(report::EscalationMetric {
                from_tier: format!("Tier {}", e.from_tier),
                to_tier: format!("Tier {}", e.to_tier),
                requested_at: e.requested_at,
                ack_secs: clocks.acknowledge_secs,
                accept_secs: clocks.accept_secs,
                breached: clocks.breached(),
            });
            let mut history = vec![report::EscalationStep {
                state: "requested".into(),
                by: name(&e.requested_by),
                at: e.requested_at,
                note: e.reason.clone(),
            }];
            if let Some((h, u)) = e.acknowledged {
                history.push(report::EscalationStep {
                    state: "acknowledged".into(),
                    by: name(&u),
                    at: h.wall_time(),
                    note: String::new(),
                });
            }
            if let Some((h, u)) = e.settled {
                history.push(report::EscalationStep {
                    state: e.state.as_str().into(),
                    by: name(&u),
                    at: h.wall_time(),
                    note: e.decline_reason.clone().unwrap_or_default(),
                });
            }
            escalation_rows.push(report::Escalation {
                from_tier: format!("Tier {}", e.from_tier),
                to_tier: format!("Tier {}", e.to_tier),
                state: e.state.as_str().into(),
                target: e
                    .assignee
                    .as_ref()
                    .map(name)
                    .unwrap_or_else(|| format!("Tier {} queue", e.to_tier)),
                requested_by: name(&e.requested_by),
                requested_at: e.requested_at,
                reason: e.reason.clone(),
                handoff_note: e.handoff.clone(),
                history,
            });
        }
        let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Ok(ReportCase {
            key: d.row.key.clone(),
            id: d.row.id.to_string(),
            title: d.row.title.clone(),
            severity: d.row.severity.as_str().to_uppercase(),
            status: d.row.status.as_str().into(),
            resolution: d.row.resolution.map(|r| r.as_str().to_string()),
            tlp: tlp(d.row.tlp),
            category: d.row.category.clone(),
            tier: format!("Tier {}", d.row.tier),
            assignee: d.row.assignee_name.clone(),
            tags: d.row.tags.clone(),
            detection_source: d.detection_source.clone(),
            affected_assets: d.affected_assets.clone(),
            summary_markdown: d.summary.clone(),
            root_cause: d.root_cause.clone(),
            lessons_learned: d.lessons.clone(),
            times: report::CaseTimes {
                occurred: d.occurred_at,
                detected: d.detected_at,
                reported: d
                    .reported_at
                    .or(d.row.created_at)
                    .or(d.detected_at)
                    .unwrap_or(as_of),
                contained: times.contained,
                resolved: times.resolved,
            },
            metrics: report::CaseMetrics {
                time_to_detect_secs: m.time_to_detect,
                time_to_contain_secs: m.time_to_contain,
                time_to_resolve_secs: m.time_to_resolve,
                escalations: metric_rows,
            },
            authors: authors.into_iter().collect(),
            timeline: entries
                .iter()
                .map(|e| report::TimelineEntry {
                    id: e.id.to_string(),
                    event_time: e.event_time,
                    recorded_at: e.recorded_at,
                    author: name(&e.author),
                    kind: e.kind.as_str().into(),
                    summary: e.summary.clone(),
                    details: e.details.clone(),
                    source_host: e.source_host.clone(),
                    source_tool: e.source_tool.clone(),
                    key_event: e.key_event,
                    superseded: e.superseded_by.is_some(),
                })
                .collect(),
            evidence: read::evidence(conn, Some(id))?
                .into_iter()
                .map(|e| report::EvidenceItem {
                    id: e.id.to_string(),
                    name: e.name,
                    sha256: e.sha256,
                    size_bytes: e.size,
                    media_type: e.media_type,
                    acquired_at: e.acquired_at,
                    acquired_by: e.acquired_by,
                    source_host: nonempty(&e.source_host),
                    source_path: nonempty(&e.source_path),
                    custody: e
                        .custody
                        .into_iter()
                        .map(|c| report::CustodyRecord {
                            action: c.action.as_str().into(),
                            who: c.who,
                            at: c.at,
                            location: c.location,
                            reason: c.reason,
                        })
                        .collect(),
                })
                .collect(),
            observables: read::observables(conn, id)?
                .into_iter()
                .map(|o| report::Observable {
                    kind: o.kind.as_str().into(),
                    value: o.value,
                    tlp: tlp(o.tlp),
                    ioc: o.ioc,
                    seen_in_incidents: o.seen_in_other_incidents.len() as u32,
                })
                .collect(),
            escalations: escalation_rows,
            tasks: read::tasks(conn, id)?
                .into_iter()
                .map(|t| report::CaseTask {
                    title: t.title,
                    owner: t.owner_name,
                    status: t.status.as_str().into(),
                    due: t.due,
                })
                .collect(),
            sign_off: vec![],
        })
    }
}

impl From<report::ReportError> for Error {
    fn from(e: report::ReportError) -> Self {
        Error::with_source(
            ErrorCode::Internal,
            format!("cannot render the report: {e}"),
            e,
        )
    }
}
