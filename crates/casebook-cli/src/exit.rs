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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partly_checked_report_has_its_own_exit_code_and_other_errors_exit_1() {
        let partly = anyhow::Error::new(PartlyChecked(PathBuf::from("r.pdf")));
        assert_eq!(
            code(&partly),
            3,
            "scripts tell 'not verified, nothing failed' apart"
        );
        let context = partly.context("verifying r.pdf");
        assert_eq!(code(&context), 3, "context added on the way keeps the code");
        assert_eq!(
            code(&anyhow::anyhow!("r.pdf does not verify")),
            1,
            "a failure is an error"
        );
    }
}
