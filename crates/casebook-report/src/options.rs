//! What a caller chooses when exporting a report: template, timeline filter, export time, and progress events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which sections a report contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportTemplate {
    /// Everything: contents, timeline, evidence with custody, observables, escalations, tasks, root cause, sign-off.
    Technical,
    /// For management: cover, summary, metrics, key events and evidence totals.
    Executive,
}

/// Export settings. Together with the case and the crate version they determine the PDF byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Which sections to include.
    pub template: ReportTemplate,
    /// Show only key events in the timeline (the executive template always does).
    pub key_events_only: bool,
    /// When the report was exported; printed on the cover and stored as the PDF creation date. Passed in, never read
    /// from the clock, so a re-render reproduces the same bytes.
    pub exported_at: DateTime<Utc>,
}

/// Which stage of generation a [`ReportProgress`] event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStage {
    /// Placing text on pages; `done`/`total` count timeline entries.
    Layout,
    /// Turning laid-out pages into PDF drawing operations; counts pages.
    Drawing,
    /// Subsetting fonts, compressing and writing the file; 0 of 1, then 1 of 1.
    Writing,
}

/// A progress event, for a progress bar on large cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportProgress {
    /// Current stage.
    pub stage: ReportStage,
    /// Units finished in this stage.
    pub done: usize,
    /// Units in this stage.
    pub total: usize,
}
