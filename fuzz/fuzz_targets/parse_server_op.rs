//! Feeds arbitrary bytes to `parse_server_op` the way `Connection::handle_input` does: parse,
//! consume `len` on `Complete`, stop on `Partial` or an error. Checks for each complete op:
//!
//! * `0 < len <= buf.len()`;
//! * every strict prefix of the op's bytes is `Partial` (checked at `len - 1` and `len / 2`),
//!   which is what lets a connection feed input split anywhere;
//! * round trip: `parse(encode(op))` is `Complete` with the same op, using all of the encoded
//!   bytes. Ops are compared, not bytes, because the parser normalizes harmless differences
//!   (op name case, runs of spaces and tabs, `-ERR` quotes, INFO JSON with unknown fields...).
//!   The re-parse uses generous limits: normalization may make a line longer (lossy UTF-8 in
//!   `-ERR`, INFO fields written out with their defaults), which is not a parser bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_core::proto::{parse_server_op, ParseLimits, Parsed, ServerOp};

/// Limits for re-parsing an encoded op: large enough that no normalization can hit them.
const ROUND_TRIP_LIMITS: ParseLimits = ParseLimits {
    max_control_line: 1 << 24,
    max_info_line: 1 << 24,
    max_body: 1 << 28,
};

fuzz_target!(|data: &[u8]| {
    let limits = ParseLimits::default();
    let mut used = 0;
    while used < data.len() {
        let buf = &data[used..];
        match parse_server_op(buf, &limits) {
            Ok(Parsed::Complete { op, len }) => {
                assert!(len > 0, "Complete with len 0 for {buf:?}");
                assert!(
                    len <= buf.len(),
                    "Complete with len {len} > buf.len() {} for {buf:?}",
                    buf.len()
                );
                check_prefixes_are_partial(&buf[..len], &limits);
                check_round_trip(&op);
                used += len;
            }
            Ok(Parsed::Partial) | Err(_) => break,
        }
    }
});

fn check_prefixes_are_partial(op_bytes: &[u8], limits: &ParseLimits) {
    for cut in [op_bytes.len() - 1, op_bytes.len() / 2] {
        let prefix = &op_bytes[..cut];
        let got = parse_server_op(prefix, limits);
        assert!(
            matches!(got, Ok(Parsed::Partial)),
            "prefix of {cut} bytes of complete op {op_bytes:?} parsed as {got:?}"
        );
    }
}

fn check_round_trip(op: &ServerOp) {
    let mut encoded = Vec::new();
    op.encode(&mut encoded);
    match parse_server_op(&encoded, &ROUND_TRIP_LIMITS) {
        Ok(Parsed::Complete { op: again, len }) => {
            assert_eq!(
                &again,
                op,
                "round trip changed the op; encoded as {:?}",
                String::from_utf8_lossy(&encoded)
            );
            assert_eq!(
                len,
                encoded.len(),
                "re-parse used {len} of {} encoded bytes {:?}",
                encoded.len(),
                String::from_utf8_lossy(&encoded)
            );
        }
        other => panic!(
            "encoded op {op:?} as {:?}, which parses as {other:?}",
            String::from_utf8_lossy(&encoded)
        ),
    }
}
