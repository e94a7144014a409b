//! Checking a report: is it unmodified, does it match its data, is the evidence it lists still the same?
//!
//! Each check adds one [`Finding`]; every way a report can fail has its own variant, so the CLI and the UI can
//! branch on the kind and show the message as is. The [`Verdict`] needs positive proof: a report is verified only
//! when every page was re-rendered byte for byte; a check that could not run is listed ([`Unchecked`]), never
//! counted as a pass. Reports come from outside, so the file's size, every stream's inflation and the re-render's
//! page count are capped ([`MAX_REPORT_BYTES`], [`MAX_STREAM_BYTES`], [`MAX_RERENDER_PAGES`]).

use std::fmt;

use crate::bundle::{
    canonical_case_json, sha256_hex, ReportBundle, BUNDLE_FORMAT, RENDERER_VERSION,
};
use crate::model::ReportCase;
use crate::pdf_file::read_back;

/// Largest report file that is checked: far above a 10,000-entry report (a few megabytes), far below what would
/// strain a laptop.
pub const MAX_REPORT_BYTES: usize = 128 * 1024 * 1024;
/// Largest any one stream of a report (the attached case data included) may inflate to while it is checked, so a
/// crafted stream cannot exhaust memory: a 50,000-entry case's data is about a third of it.
pub const MAX_STREAM_BYTES: usize = 32 * 1024 * 1024;
/// Most pages a re-render lays out and draws: a 50,000-entry report has about 2,200.
pub const MAX_RERENDER_PAGES: usize = 2_500;

/// What the evidence store says about one hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceCheck {
    /// The stored file still hashes to the recorded SHA-256.
    Matches,
    /// The stored file now hashes to `actual`.
    Differs {
        /// SHA-256 of the file as stored now.
        actual: String,
    },
    /// No file is stored under this hash.
    Missing,
    /// This evidence store does not hold the case (the report is checked away from its data directory).
    NotAvailable,
}

/// Inputs to [`verify`] besides the PDF.
pub struct VerifyInputs<'a> {
    /// Re-hashes the evidence file recorded with this SHA-256.
    pub evidence: &'a dyn Fn(&str) -> EvidenceCheck,
    /// The live case, mapped to a [`ReportCase`], to tell whether it changed since the report was exported.
    pub live_case: Option<&'a ReportCase>,
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingSeverity {
    /// A check passed.
    Ok,
    /// A check could not be done; the report is not proven wrong.
    Notice,
    /// A check failed.
    Failure,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The PDF could not be parsed at all.
    Unreadable {
        /// Parser error.
        reason: String,
    },
    /// The PDF carries no case bundle; it was not made by Casebook or the attachment was removed.
    BundleMissing,
    /// The bundle is there but is not a readable Casebook bundle.
    BundleUnreadable {
        /// What is wrong with it.
        reason: String,
    },
    /// The bundle is intact: its bytes and case data hash to what the PDF records.
    BundleIntact {
        /// The content digest of the attached case.
        content_digest: String,
    },
    /// The attachment was changed after export.
    AttachmentTampered {
        /// Which hash disagrees with which record.
        detail: String,
    },
    /// The digest stored in the PDF metadata matches the bundle.
    DigestMatches,
    /// The digest stored in the PDF metadata does not match the attached data.
    DigestMismatch {
        /// Digest found in the PDF info dictionary, if any.
        recorded: Option<String>,
        /// Digest of the attached case data.
        computed: String,
    },
    /// Re-rendering from the bundle gave exactly the same bytes.
    RerenderIdentical,
    /// Re-rendering gave different bytes: some part of the PDF was changed after export.
    PdfModified {
        /// Offset of the first differing byte.
        first_difference_at: usize,
        /// Size of the checked file.
        report_len: usize,
        /// Size of the re-rendered file.
        rerender_len: usize,
    },
    /// The exact re-render was not attempted.
    RerenderSkipped {
        /// Why, in words for the reader.
        reason: String,
    },
    /// An evidence file still has its recorded hash.
    EvidenceMatches {
        /// Evidence name.
        name: String,
        /// Its SHA-256.
        sha256: String,
    },
    /// An evidence file changed since the report.
    EvidenceChanged {
        /// Evidence name.
        name: String,
        /// SHA-256 recorded in the report.
        recorded: String,
        /// SHA-256 of the stored file now.
        actual: String,
    },
    /// An evidence file is no longer stored.
    EvidenceMissing {
        /// Evidence name.
        name: String,
        /// SHA-256 recorded in the report.
        sha256: String,
    },
    /// The evidence store of the case is not at hand, so the evidence hash was not re-checked.
    EvidenceNotChecked {
        /// Evidence name.
        name: String,
    },
    /// The live case is the same as the reported one.
    CaseUnchanged,
    /// The live case could not be compared with the reported one.
    CaseNotCompared {
        /// Why, in words for the reader.
        reason: String,
    },
    /// The live case changed since the report was exported.
    CaseChangedSinceReport {
        /// Content digest in the report.
        report_digest: String,
        /// Content digest of the live case.
        live_digest: String,
    },
}

impl Finding {
    /// Whether this finding is a pass, a notice or a failure.
    pub fn severity(&self) -> FindingSeverity {
        match self {
            Finding::BundleIntact { .. }
            | Finding::DigestMatches
            | Finding::RerenderIdentical
            | Finding::EvidenceMatches { .. }
            | Finding::CaseUnchanged => FindingSeverity::Ok,
            Finding::RerenderSkipped { .. }
            | Finding::EvidenceNotChecked { .. }
            | Finding::CaseNotCompared { .. } => FindingSeverity::Notice,
            _ => FindingSeverity::Failure,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Unreadable { reason } => write!(f, "The file is not a readable PDF ({reason})."),
            Finding::BundleMissing => write!(
                f,
                "The PDF has no attached case bundle, so it cannot be checked. It was not exported by Casebook, or \
                 the attachment was removed."
            ),
            Finding::BundleUnreadable { reason } => {
                write!(f, "The attached case bundle cannot be read ({reason}); it was damaged or replaced.")
            }
            Finding::BundleIntact { content_digest } => {
                write!(f, "The attached case data is intact (content digest {content_digest}).")
            }
            Finding::AttachmentTampered { detail } => {
                write!(f, "The attached case data was changed after the report was exported: {detail}.")
            }
            Finding::DigestMatches => write!(f, "The content digest stored in the PDF matches the attached case data."),
            Finding::DigestMismatch { recorded, computed } => write!(
                f,
                "The content digest stored in the PDF ({}) is not the digest of the attached case data ({computed}).",
                recorded.as_deref().unwrap_or("none")
            ),
            Finding::RerenderIdentical => {
                write!(f, "Re-rendering the report from its data gives this file byte for byte: no page was edited.")
            }
            Finding::PdfModified { first_difference_at, report_len, rerender_len } => write!(
                f,
                "The PDF was modified after export: re-rendering it from its data differs from byte \
                 {first_difference_at} on ({report_len} bytes in the file, {rerender_len} re-rendered)."
            ),
            Finding::RerenderSkipped { reason } => write!(
                f,
                "The pages were NOT checked: the exact re-render was skipped ({reason}), so an edit of the page \
                 text would not show."
            ),
            Finding::EvidenceMatches { name, .. } => write!(f, "Evidence “{name}” still has its recorded SHA-256."),
            Finding::EvidenceChanged { name, recorded, actual } => write!(
                f,
                "Evidence “{name}” changed since the report: recorded SHA-256 {recorded}, stored file now {actual}."
            ),
            Finding::EvidenceMissing { name, sha256 } => {
                write!(f, "Evidence “{name}” (SHA-256 {sha256}) is no longer in the evidence store.")
            }
            Finding::EvidenceNotChecked { name } => write!(
                f,
                "Evidence “{name}” was not re-hashed: this data directory does not hold the case's evidence."
            ),
            Finding::CaseUnchanged => write!(f, "The case has not changed since the report was exported."),
            Finding::CaseNotCompared { reason } => {
                write!(f, "The live case was not compared with the report: {reason}.")
            }
            Finding::CaseChangedSinceReport { report_digest, live_digest } => write!(
                f,
                "The case changed since the report was exported (report digest {report_digest}, case now \
                 {live_digest}); export a new report to include the changes."
            ),
        }
    }
}

/// All findings for one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOutcome {
    /// Findings in the order the checks ran.
    pub findings: Vec<Finding>,
}

/// The overall answer about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every page was re-rendered byte for byte from the attached data and no check failed.
    Verified,
    /// No check failed, but the pages were not re-rendered: the report may have been edited, so it is not verified.
    PartlyChecked,
    /// A check failed.
    Failed,
}

/// A part of a report that verification did not check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unchecked {
    /// The pages: the exact re-render was skipped.
    Pages,
    /// Evidence hashes: the evidence store of the case is not at hand.
    Evidence,
    /// Whether the case changed since the report.
    LiveCase,
}

impl Unchecked {
    /// In words, for a list of what was not checked.
    pub fn describe(self) -> &'static str {
        match self {
            Unchecked::Pages => "the pages (not re-rendered)",
            Unchecked::Evidence => {
                "the evidence hashes (the case's evidence is not in this data directory)"
            }
            Unchecked::LiveCase => "whether the case changed since the report",
        }
    }
}

impl VerifyOutcome {
    /// The overall answer. Verified needs positive proof of every page, an exact re-render; a skipped check is
    /// never a pass, so a report whose pages were not re-rendered is at best partly checked.
    pub fn verdict(&self) -> Verdict {
        if self.failures().next().is_some() {
            Verdict::Failed
        } else if self
            .findings
            .iter()
            .any(|f| matches!(f, Finding::RerenderIdentical))
        {
            Verdict::Verified
        } else {
            Verdict::PartlyChecked
        }
    }

    /// True only for [`Verdict::Verified`].
    pub fn is_verified(&self) -> bool {
        self.verdict() == Verdict::Verified
    }

    /// What was not checked, each part once, in the order the checks ran.
    pub fn not_checked(&self) -> Vec<Unchecked> {
        let mut parts = Vec::new();
        for f in &self.findings {
            let part = match f {
                Finding::RerenderSkipped { .. } => Unchecked::Pages,
                Finding::EvidenceNotChecked { .. } => Unchecked::Evidence,
                Finding::CaseNotCompared { .. } => Unchecked::LiveCase,
                _ => continue,
            };
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        parts
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity() == FindingSeverity::Failure)
    }
}

/// The case bundle attached to a report, if it has a readable one: tells the application which case a report is
/// about, before it gathers the inputs of [`verify`]. Trust nothing in it until [`verify`] has passed.
pub fn attached_bundle(pdf: &[u8]) -> Option<ReportBundle> {
    let bytes = read_back(pdf).ok()?.bundle?;
    serde_json::from_slice(&bytes).ok()
}

/// Checks a report PDF; see the module documentation for what each check means.
pub fn verify(pdf: &[u8], inputs: &VerifyInputs<'_>) -> VerifyOutcome {
    verify_with_renderer(pdf, inputs, RENDERER_VERSION)
}

fn verify_with_renderer(
    pdf: &[u8],
    inputs: &VerifyInputs<'_>,
    renderer_version: &str,
) -> VerifyOutcome {
    let mut findings = Vec::new();
    if pdf.len() > MAX_REPORT_BYTES {
        findings.push(Finding::Unreadable {
            reason: format!(
                "it has {} bytes, more than the {MAX_REPORT_BYTES} a report may have",
                pdf.len()
            ),
        });
        return VerifyOutcome { findings };
    }
    let read = match read_back(pdf) {
        Ok(read) => read,
        Err(e) => {
            findings.push(Finding::Unreadable {
                reason: e.to_string(),
            });
            return VerifyOutcome { findings };
        }
    };
    let Some(bundle_bytes) = read.bundle else {
        findings.push(Finding::BundleMissing);
        return VerifyOutcome { findings };
    };
    let bundle: ReportBundle = match serde_json::from_slice(&bundle_bytes) {
        Ok(bundle) => bundle,
        Err(e) => {
            findings.push(Finding::BundleUnreadable {
                reason: e.to_string(),
            });
            return VerifyOutcome { findings };
        }
    };
    if bundle.format != BUNDLE_FORMAT {
        findings.push(Finding::BundleUnreadable {
            reason: format!("unknown bundle format {:?}", bundle.format),
        });
        return VerifyOutcome { findings };
    }

    let computed = match canonical_case_json(&bundle.case) {
        Ok(json) => sha256_hex(json.as_bytes()),
        Err(e) => {
            findings.push(Finding::BundleUnreadable {
                reason: e.to_string(),
            });
            return VerifyOutcome { findings };
        }
    };
    let bytes_digest = sha256_hex(&bundle_bytes);
    let mut intact = true;
    if computed != bundle.content_digest {
        intact = false;
        findings.push(Finding::AttachmentTampered {
            detail: format!(
                "its case data hashes to {computed}, but the bundle records {}",
                bundle.content_digest
            ),
        });
    } else if read.bundle_digest.as_deref() != Some(bytes_digest.as_str()) {
        intact = false;
        findings.push(Finding::AttachmentTampered {
            detail: format!(
                "the attachment hashes to {bytes_digest}, but the PDF records {}",
                read.bundle_digest.as_deref().unwrap_or("no bundle digest")
            ),
        });
    } else {
        findings.push(Finding::BundleIntact {
            content_digest: computed.clone(),
        });
    }

    if read.content_digest.as_deref() == Some(computed.as_str()) {
        findings.push(Finding::DigestMatches);
    } else {
        findings.push(Finding::DigestMismatch {
            recorded: read.content_digest.clone(),
            computed: computed.clone(),
        });
    }

    findings.push(rerender_check(
        pdf,
        &bundle,
        &bundle_bytes,
        intact,
        renderer_version,
    ));

    for item in &bundle.case.evidence {
        findings.push(match (inputs.evidence)(&item.sha256) {
            EvidenceCheck::Matches => Finding::EvidenceMatches {
                name: item.name.clone(),
                sha256: item.sha256.clone(),
            },
            EvidenceCheck::Differs { actual } => Finding::EvidenceChanged {
                name: item.name.clone(),
                recorded: item.sha256.clone(),
                actual,
            },
            EvidenceCheck::Missing => Finding::EvidenceMissing {
                name: item.name.clone(),
                sha256: item.sha256.clone(),
            },
            EvidenceCheck::NotAvailable => Finding::EvidenceNotChecked {
                name: item.name.clone(),
            },
        });
    }

    let Some(live) = inputs.live_case else {
        findings.push(Finding::CaseNotCompared {
            reason: "the case is not in this data directory".into(),
        });
        return VerifyOutcome { findings };
    };
    findings.push(match canonical_case_json(live) {
        Ok(json) => {
            let live_digest = sha256_hex(json.as_bytes());
            if live_digest == computed {
                Finding::CaseUnchanged
            } else {
                Finding::CaseChangedSinceReport {
                    report_digest: computed,
                    live_digest,
                }
            }
        }
        Err(e) => Finding::CaseNotCompared {
            reason: format!("it could not be serialised for comparison ({e})"),
        },
    });
    VerifyOutcome { findings }
}

fn rerender_check(
    pdf: &[u8],
    bundle: &ReportBundle,
    bundle_bytes: &[u8],
    intact: bool,
    renderer_version: &str,
) -> Finding {
    if !intact {
        return Finding::RerenderSkipped {
            reason:
                "the attached data was changed, so re-rendering it would not reproduce the original"
                    .into(),
        };
    }
    if bundle.renderer_version != renderer_version {
        return Finding::RerenderSkipped {
            reason: format!(
                "the report was made by casebook-report {} and this is {renderer_version}; layout may differ \
                 between versions, so only the digests and evidence were checked",
                bundle.renderer_version
            ),
        };
    }
    let mut ignore = |_| {};
    match crate::render_bundle(bundle, bundle_bytes, Some(MAX_RERENDER_PAGES), &mut ignore) {
        Ok(rendered) if rendered.pdf == pdf => Finding::RerenderIdentical,
        Ok(rendered) => Finding::PdfModified {
            first_difference_at: rendered
                .pdf
                .iter()
                .zip(pdf)
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| {
                    // Equal on the common prefix: the shorter one ends where they differ.
                    rendered.pdf.len().min(pdf.len())
                }),
            report_len: pdf.len(),
            rerender_len: rendered.pdf.len(),
        },
        Err(e) => Finding::RerenderSkipped {
            reason: format!("re-rendering failed: {e}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{ReportOptions, ReportTemplate};

    #[test]
    fn a_report_from_another_version_is_only_partly_checked_and_says_why() {
        let case: ReportCase =
            serde_json::from_str(include_str!("../tests/report/small_case.json"))
                .expect("the small fixture case parses");
        let options = ReportOptions {
            template: ReportTemplate::Executive,
            key_events_only: true,
            exported_at: case.times.reported,
        };
        let mut ignore = |_| {};
        let old =
            crate::render_with_version(&case, &options, "0.0.1-old", &mut ignore).expect("renders");
        let inputs = VerifyInputs {
            evidence: &|_| EvidenceCheck::Matches,
            live_case: None,
        };
        let outcome = verify(&old.pdf, &inputs);
        let skipped = outcome.findings.iter().find_map(|f| match f {
            Finding::RerenderSkipped { reason } => Some(reason.clone()),
            _ => None,
        });
        let reason =
            skipped.expect("a report from another version must say the re-render was skipped");
        assert!(
            reason.contains("0.0.1-old"),
            "the reason names the version that made the report: {reason}"
        );
        assert_eq!(
            outcome.verdict(),
            Verdict::PartlyChecked,
            "a skipped re-render fails nothing, but a report whose pages were not re-rendered is never verified: \
             {:?}",
            outcome.findings
        );
        assert_eq!(
            outcome.not_checked(),
            [Unchecked::Pages, Unchecked::LiveCase],
            "the pages are listed as not checked (and, with no live case given, the comparison with it)"
        );
    }
}
