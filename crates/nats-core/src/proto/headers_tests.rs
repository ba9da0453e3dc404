//! The header block's specification: strict decoding of what we send, lenient decoding of what
//! a server forwards, and the validation that keeps what we send strict.

use super::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn lenient(block: &[u8]) -> (HeaderMap, String) {
    let (map, problem) = HeaderMap::decode_lenient(block);
    let problem = problem.map(|p| p.to_string()).unwrap_or_default();
    (map, problem)
}

#[test]
fn lenient_decoding_keeps_what_can_be_read_and_names_the_first_problem() {
    let (h, problem) = lenient(b"NATS/1.0\r\nmy key: v\r\nGood: 1\r\n\r\n");
    assert_eq!(h.iter().collect::<Vec<_>>(), [("Good", "1")]);
    assert!(
        problem.contains("invalid header name \"my key\""),
        "{problem}"
    );

    let (h, problem) = lenient(b"NATS/1.0\r\nX-Bin: a\xff\r\n\r\n");
    assert_eq!(h.get("x-bin"), Some("a\u{fffd}"));
    assert!(problem.contains("not UTF-8"), "{problem}");

    let (h, problem) = lenient(b"NATS/1.0\r\nnocolon\r\nA: 1\r\nB: x\ry\r\n\r\n");
    assert_eq!(h.iter().collect::<Vec<_>>(), [("A", "1")]);
    assert!(
        problem.contains("line without ':' \"nocolon\""),
        "{problem}"
    );

    let (h, problem) = lenient(b"NATS/1.0 5x3 Odd\r\nA: 1\r\n\r\n");
    assert_eq!((h.status(), h.get("a")), (None, Some("1")));
    assert!(problem.contains("bad status \"5x3\""), "{problem}");

    let (h, problem) = lenient(b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n");
    assert_eq!((h.status(), h.get("a")), (None, Some("1")));
    assert!(problem.contains("bad version line"), "{problem}");

    let (h, problem) = lenient(b"NATS/1.0 503");
    assert_eq!(h.status(), Some(StatusCode::NO_RESPONDERS));
    assert!(problem.contains("missing the blank line"), "{problem}");
}

#[test]
fn a_status_survives_bad_lines_after_it() {
    let (h, problem) = lenient(b"NATS/1.0 503\r\nNats-Subject: a b\r\nbroken\r\n\r\n");
    assert_eq!(h.status(), Some(StatusCode::NO_RESPONDERS));
    assert_eq!(h.get("nats-subject"), Some("a b"));
    assert!(!problem.is_empty());
}

#[test]
fn a_block_without_its_final_blank_line_is_read_quietly() {
    assert_eq!(decode("NATS/1.0\r\nA: 1\r\n").get("a"), Some("1"));
}

#[test]
fn what_lenient_decoding_keeps_may_be_sent_again() {
    let blocks: [&[u8]; 5] = [
        b"NATS/1.0\r\nmy key: v\r\nk: \xff\r\n\r\n",
        b"NATS/1.0 100 a\rb\r\nA: x\ry\r\n\r\n",
        b"NATS/1.0\r\n\x01: v\r\nx\ty: 1\r\n\r\n",
        b"NATS/1.0\r\nA: a\nB: b\r\n\r\n",
        b"NATS/1.0 408 \xc3\r\nz:\r\n\r\n",
    ];
    for block in blocks {
        let (h, _) = HeaderMap::decode_lenient(block);
        let mut again = HeaderMap::new();
        for (n, v) in h.iter() {
            again.append(n, v).expect("a valid entry");
        }
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(HeaderMap::decode(&out).as_ref(), Ok(&h), "{block:?}");
    }
}

fn decode(s: &str) -> HeaderMap {
    HeaderMap::decode(s.as_bytes()).expect("valid block")
}

#[test]
fn a_bare_version_line_has_no_status_and_no_entries() {
    let h = decode("NATS/1.0\r\n\r\n");
    assert_eq!(h.status(), None);
    assert!(h.is_empty());
}

#[test]
fn status_lines_carry_code_and_description() {
    assert_eq!(
        decode("NATS/1.0 503\r\n\r\n").status(),
        Some(StatusCode::NO_RESPONDERS)
    );
    let timeout = decode("NATS/1.0 408 Request Timeout\r\n\r\n");
    assert_eq!(timeout.status(), Some(StatusCode::TIMEOUT));
    assert_eq!(timeout.description(), Some("Request Timeout"));
    let hb = decode("NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 0\r\n\r\n");
    assert_eq!(hb.status(), Some(StatusCode::IDLE_HEARTBEAT));
    assert_eq!(hb.get("nats-last-consumer"), Some("0"));
}

#[test]
fn repeated_names_keep_every_value_in_order_and_case() {
    let h = decode("NATS/1.0\r\nX-Id: 1\r\nx-id: 2\r\nOther: a: b\r\n\r\n");
    assert_eq!(h.get_all("X-ID").collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(h.get("other"), Some("a: b"));
    assert_eq!(h.iter().next(), Some(("X-Id", "1")));
}

#[test]
fn encode_then_decode_is_identity() {
    let mut h = HeaderMap::new();
    h.append("A", "1").unwrap();
    h.append("A", "2").unwrap();
    h.append("Content-Type", "text/plain").unwrap();
    h.set_status(StatusCode::TIMEOUT, Some("Request Timeout".into()));
    let mut out = Vec::new();
    h.encode(&mut out);
    assert_eq!(out.len(), h.encoded_len());
    assert_eq!(HeaderMap::decode(&out), Ok(h));
}

#[test]
fn names_and_values_that_would_inject_protocol_are_refused() {
    let mut h = HeaderMap::new();
    assert!(matches!(
        h.append("Bad Name", "v"),
        Err(HeaderError::InvalidName(_))
    ));
    assert!(matches!(
        h.append("a:b", "v"),
        Err(HeaderError::InvalidName(_))
    ));
    assert!(matches!(
        h.append("", "v"),
        Err(HeaderError::InvalidName(_))
    ));
    assert!(matches!(
        h.append("Ok", "v\r\nPUB x 1"),
        Err(HeaderError::InvalidValue { .. })
    ));
    assert!(h.is_empty());
}

#[test]
fn insert_replaces_values_case_insensitively() {
    let mut h = HeaderMap::new();
    h.append("k", "1").unwrap();
    h.insert("K", "2").unwrap();
    assert_eq!(h.get_all("k").collect::<Vec<_>>(), ["2"]);
}

#[test]
fn malformed_blocks_are_errors() {
    for bad in [
        "HTTP/1.1\r\n\r\n",
        "NATS/1.0 5x3\r\n\r\n",
        "NATS/1.0\r\nnocolon\r\n\r\n",
        "NATS/1.0",
    ] {
        assert!(HeaderMap::decode(bad.as_bytes()).is_err(), "{bad:?}");
    }
}

#[test]
fn status_codes_are_three_digits_by_either_name() {
    assert_eq!(StatusCode::from_u16(503), Some(StatusCode::NO_RESPONDERS));
    assert_eq!(StatusCode::from_u16(503), StatusCode::new(503));
    assert_eq!(StatusCode::from_u16(99), None);
    assert_eq!(StatusCode::from_u16(1000), None);
}
