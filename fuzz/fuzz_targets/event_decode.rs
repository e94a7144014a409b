//! One line of a bundle's `events.jsonl`: decoding never panics, and an event that decodes encodes back to a wire
//! event that decodes to the same event.
#![no_main]

use casebook_core::event::WireEvent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = casebook_api::bundle::decode_event(data) else {
        return;
    };
    let again = serde_json::to_vec(&WireEvent::from(&event)).expect("an event encodes");
    let back = casebook_api::bundle::decode_event(&again).expect("an encoded event decodes");
    assert_eq!(back, event, "decode(encode(e)) must be e");
});
