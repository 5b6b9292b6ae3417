//! Fuzz target: decoding hostile sync messages (both directions) must never
//! panic, and whatever decodes must re-encode to the same bytes (a request
//! of codec version 1, which has no audit section, re-encodes as version 2
//! with an empty one).
#![no_main]

use doorstep_sync::codec::{decode_any, encode_request, encode_response, Decoded};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(decoded) = decode_any(data) {
        let again = match &decoded {
            Decoded::Request(r) => encode_request(r),
            Decoded::Response(r) => encode_response(r),
        };
        let mut expected = data.to_vec();
        if matches!(decoded, Decoded::Request(_)) && data[3] == 1 {
            expected[3] = 2;
            expected.push(0);
        }
        assert_eq!(again, expected, "decode then encode must round-trip");
    }
});
