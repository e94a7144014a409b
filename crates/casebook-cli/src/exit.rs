//! Outcomes that are not plain errors and have an exit code of their own, so scripts can tell them apart.

use std::path::PathBuf;

/// `casebook verify` found nothing wrong but could not check every page: not verified, and not a failure either.
#[derive(Debug, thiserror::Error)]
#[error("{} is only partly checked: its pages were not re-rendered, so it is not verified", .0.display())]
pub struct PartlyChecked(pub PathBuf);

/// The exit code of a partly checked report.
pub const PARTLY_CHECKED: u8 = 3;

/// The exit code for an error: 3 for a partly checked report, 1 for everything else.
pub fn code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<PartlyChecked>().is_some() {
        PARTLY_CHECKED
    } else {
        1
    }
}
