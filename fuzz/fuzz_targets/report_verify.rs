//! A report PDF from outside: verification answers with findings, never a panic, within the memory and time
//! libFuzzer allows (see scripts/fuzz).
#![no_main]

use casebook_report::{verify, EvidenceCheck, VerifyInputs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let outcome = verify(
        data,
        &VerifyInputs {
            evidence: &|_| EvidenceCheck::NotAvailable,
            live_case: None,
        },
    );
    // Whatever the file, a verdict of "verified" needs the exact re-render.
    if outcome.is_verified() {
        assert!(outcome
            .findings
            .iter()
            .any(|f| matches!(f, casebook_report::Finding::RerenderIdentical)));
    }
});
