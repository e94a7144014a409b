//! A Timesketch CSV from outside: reading every row never panics, whatever the bytes.
#![no_main]

use casebook_import::{read_timeline, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = read_timeline(data, Format::Csv) {
        for entry in entries {
            let _ = entry;
        }
    }
});
