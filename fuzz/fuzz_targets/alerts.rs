//! Alerts from a SIEM or IDS: reading never panics, whatever the bytes, and every alert keeps its document as raw text.
#![no_main]

use casebook_alerts::read_alerts;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(alerts) = read_alerts(data, None) {
        for alert in alerts {
            assert!(
                serde_json::from_str::<serde_json::Value>(&alert.raw).is_ok(),
                "the raw payload of an accepted alert is the JSON it was read from"
            );
        }
    }
});
