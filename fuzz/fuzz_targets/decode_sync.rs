//! Fuzz target: decoding hostile sync messages (both directions) must never
//! panic, and whatever decodes must re-encode to the same bytes.
#![no_main]

use doorstep_sync::codec::{decode_any, encode_request, encode_response, Decoded};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(decoded) = decode_any(data) {
        let again = match &decoded {
            Decoded::Request(r) => encode_request(r),
            Decoded::Response(r) => encode_response(r),
        };
        assert_eq!(again, data, "decode then encode must round-trip");
    }
});
