//! The parser's specification: a table of good and bad inputs, every split point of a corpus,
//! and property tests for round trips and arbitrary bytes.

use super::*;
#[cfg(not(target_arch = "wasm32"))]
use crate::proto::ServerInfo;
use crate::proto::{HeaderError, StatusCode};
#[cfg(not(target_arch = "wasm32"))]
use proptest::prelude::*;
// The table and split tests run in the browser too (`wasm-pack test -- --lib`): wasm32 is
// where the parser ships. Property tests stay native.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn parse(input: &str) -> Result<Parsed<ServerOp>, ParseError> {
    parse_server_op(input.as_bytes(), &ParseLimits::default())
}

fn complete(input: &str) -> ServerOp {
    match parse(input) {
        Ok(Parsed::Complete { op, len }) => {
            assert_eq!(len, input.len(), "whole input used for {input:?}");
            op
        }
        other => panic!("{input:?} gave {other:?}"),
    }
}

fn msg(subject: &str, sid: u64, reply: Option<&str>, payload: &[u8]) -> ServerOp {
    ServerOp::Msg(MsgOp {
        subject: subject.into(),
        sid,
        reply: reply.map(Into::into),
        headers: None,
        raw_headers: None,
        header_error: None,
        payload: payload.into(),
    })
}

#[test]
fn simple_ops_in_any_case() {
    for (input, op) in [
        ("PING\r\n", ServerOp::Ping),
        ("ping\r\n", ServerOp::Ping),
        ("PONG\r\n", ServerOp::Pong),
        ("pOnG\r\n", ServerOp::Pong),
        ("+OK\r\n", ServerOp::Ok),
        ("+ok\r\n", ServerOp::Ok),
    ] {
        assert_eq!(complete(input), op, "{input:?}");
    }
}

#[test]
fn err_text_loses_its_quotes() {
    assert_eq!(
        complete("-ERR 'Authorization Violation'\r\n"),
        ServerOp::Err("Authorization Violation".into())
    );
    assert_eq!(
        complete("-err  'Permissions Violation for Publish to \"secret.x\"'\r\n"),
        ServerOp::Err("Permissions Violation for Publish to \"secret.x\"".into())
    );
}

#[test]
fn info_with_the_space_before_crlf() {
    let op = complete(
        "INFO {\"server_id\":\"S1\",\"version\":\"2.9.10\",\"headers\":true,\"max_payload\":1048576,\
         \"connect_urls\":[\"10.0.0.2:4223\"],\"ldm\":true,\"extra\":{\"x\":1}} \r\n",
    );
    let ServerOp::Info(info) = op else {
        panic!("{op:?}")
    };
    assert_eq!(info.server_id, "S1");
    assert!(info.headers && info.ldm);
    assert_eq!(info.max_payload, 1_048_576);
    assert_eq!(info.connect_urls, ["10.0.0.2:4223"]);
}

#[test]
fn msg_with_three_or_four_arguments_and_any_whitespace() {
    assert_eq!(
        complete("MSG greet.joe 1 5\r\nhello\r\n"),
        msg("greet.joe", 1, None, b"hello")
    );
    assert_eq!(
        complete("MSG greet.joe 1 _INBOX.a.1 5\r\nhello\r\n"),
        msg("greet.joe", 1, Some("_INBOX.a.1"), b"hello")
    );
    assert_eq!(
        complete("msg\tgreet.joe  \t 22   _INBOX.a.1\t0\r\n\r\n"),
        msg("greet.joe", 22, Some("_INBOX.a.1"), b"")
    );
    assert_eq!(
        complete("MSG a 1 4\r\n\r\n\r\n\r\n"),
        msg("a", 1, None, b"\r\n\r\n"),
        "a payload may contain CRLF"
    );
}

#[test]
fn hmsg_with_status_lines_and_repeated_headers() {
    let ServerOp::Msg(m) = complete("HMSG _INBOX.a.1 2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n") else {
        panic!()
    };
    let h = m.headers.expect("headers");
    assert_eq!(h.status(), Some(StatusCode::NO_RESPONDERS));
    assert!(m.payload.is_empty());
    assert_eq!(m.reply, None);

    let block = "NATS/1.0 408 Request Timeout\r\n\r\n";
    let input = format!("HMSG s 3 r {} {}\r\n{block}\r\n", block.len(), block.len());
    let ServerOp::Msg(m) = complete(&input) else {
        panic!()
    };
    let h = m.headers.unwrap();
    assert_eq!(h.status(), Some(StatusCode::TIMEOUT));
    assert_eq!(h.description(), Some("Request Timeout"));
    assert_eq!(m.reply.as_deref(), Some("r"));

    let block = "NATS/1.0 100 Idle Heartbeat\r\nA: 1\r\nA: 2\r\n\r\n";
    let input = format!(
        "HMSG s 3 {} {}\r\n{block}body\r\n",
        block.len(),
        block.len() + 4
    );
    let ServerOp::Msg(m) = complete(&input) else {
        panic!()
    };
    let h = m.headers.unwrap();
    assert_eq!(h.status(), Some(StatusCode::IDLE_HEARTBEAT));
    assert_eq!(h.get_all("a").collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(m.payload, b"body");
}

#[test]
fn partial_input_asks_for_more() {
    for input in [
        "",
        "P",
        "PING",
        "PING\r",
        "MSG a 1 5\r\nhel",
        "MSG a 1 5\r\nhello",
        "MSG a 1 5\r\nhello\r",
        "INFO {\"a\":",
    ] {
        assert_eq!(parse(input), Ok(Parsed::Partial), "{input:?}");
    }
}

#[test]
fn only_the_first_op_is_used() {
    assert_eq!(
        parse("PING\r\nPONG\r\n"),
        Ok(Parsed::Complete {
            op: ServerOp::Ping,
            len: 6
        })
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    use ParseError::*;
    let too_long = format!("MSG {} 1 0\r\n\r\n", "a".repeat(70_000));
    type Expectation = fn(&ParseError) -> bool;
    let cases: Vec<(String, Expectation)> = vec![
        (
            "FOO bar\r\n".into(),
            |e| matches!(e, UnknownOp(op) if op == "FOO"),
        ),
        ("MSG a 1\r\n".into(), |e| {
            matches!(e, InvalidArguments { op: "MSG", .. })
        }),
        ("MSG a 1 b c 5\r\n".into(), |e| {
            matches!(e, InvalidArguments { .. })
        }),
        ("HMSG a 1 5\r\n".into(), |e| {
            matches!(e, InvalidArguments { op: "HMSG", .. })
        }),
        (
            "MSG a 1 -5\r\n".into(),
            |e| matches!(e, InvalidSize(s) if s == "-5"),
        ),
        ("MSG a 1 +5\r\n".into(), |e| matches!(e, InvalidSize(_))),
        ("MSG a 1 five\r\n".into(), |e| matches!(e, InvalidSize(_))),
        (
            "MSG a x 5\r\n".into(),
            |e| matches!(e, InvalidSid(s) if s == "x"),
        ),
        ("MSG a 99999999999999999999 5\r\n".into(), |e| {
            matches!(e, InvalidSid(_))
        }),
        (
            "MSG a 1 99999999999999999999\r\n".into(),
            |e| matches!(e, PayloadTooLarge { size, .. } if size == "99999999999999999999"),
        ),
        ("HMSG a 1 10 5\r\n".into(), |e| {
            matches!(e, HeaderLongerThanTotal { hdr: 10, total: 5 })
        }),
        ("MSG a 1 70000000\r\n".into(), |e| {
            matches!(
                e,
                PayloadTooLarge {
                    limit: 67_108_864,
                    ..
                }
            )
        }),
        ("MSG a 1 2\r\nabcd\r\n".into(), |e| {
            matches!(e, MissingPayloadTerminator)
        }),
        ("INFO {nope} \r\n".into(), |e| matches!(e, InvalidInfo(_))),
        (too_long, |e| {
            matches!(e, ControlLineTooLong { limit: 65_536 })
        }),
    ];
    for (input, expected) in cases {
        match parse(&input) {
            Err(e) => assert!(expected(&e), "{input:?} gave {e:?}"),
            other => panic!("{input:?} gave {other:?}"),
        }
    }
}

#[test]
fn a_subject_that_is_not_utf8_is_delivered_with_replacement_characters() {
    // The server forwards subjects as bytes: a publisher's bad subject is not a broken stream.
    let input = b"MSG a.\xff 1 r\xfe 2\r\nhi\r\n";
    assert_eq!(
        parse_server_op(input, &ParseLimits::default()),
        Ok(Parsed::Complete {
            op: msg("a.\u{fffd}", 1, Some("r\u{fffd}"), b"hi"),
            len: input.len()
        })
    );
}

#[test]
fn a_long_line_without_crlf_is_refused_before_it_is_complete() {
    let limits = ParseLimits::default();
    let partial = vec![b'x'; limits.max_control_line + 2];
    assert_eq!(
        parse_server_op(&partial, &limits),
        Err(ParseError::ControlLineTooLong {
            limit: limits.max_control_line
        })
    );
    let just_fits = vec![b'x'; limits.max_control_line + 1];
    assert_eq!(parse_server_op(&just_fits, &limits), Ok(Parsed::Partial));
    let info = format!("INFO {}", " ".repeat(limits.max_info_line + 10));
    assert!(matches!(
        parse_server_op(info.as_bytes(), &limits),
        Err(ParseError::ControlLineTooLong { .. })
    ));
}

/// Every op the server can send, with every shape of argument.
fn corpus() -> Vec<u8> {
    let mut c = Vec::new();
    c.extend_from_slice(
        b"INFO {\"server_id\":\"S\",\"headers\":true,\"max_payload\":1048576} \r\n",
    );
    c.extend_from_slice(b"+OK\r\nPING\r\npong\r\n");
    c.extend_from_slice(b"MSG greet.joe 1 _INBOX.abc.1 0\r\n\r\n");
    c.extend_from_slice(b"MSG greet.sue\t1 3\r\nsue\r\n");
    c.extend_from_slice(b"HMSG _INBOX.abc.2 2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
    c.extend_from_slice(
        b"HMSG a 3 r 43 45\r\nNATS/1.0 100 Idle Heartbeat\r\nX: 1\r\nX: 2\r\n\r\nhi\r\n",
    );
    c.extend_from_slice(b"-ERR 'Permissions Violation for Publish to \"secret.x\"'\r\n");
    c.extend_from_slice(b"MSG big 9 5000\r\n");
    c.extend(std::iter::repeat_n(b'z', 5000));
    c.extend_from_slice(b"\r\n");
    c
}

/// Feeds `chunks` one after another the way a connection does: append, parse until partial.
fn parse_chunks<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> Result<Vec<ServerOp>, ParseError> {
    let limits = ParseLimits::default();
    let mut pending = Vec::new();
    let mut ops = Vec::new();
    for chunk in chunks {
        pending.extend_from_slice(chunk);
        while let Parsed::Complete { op, len } = parse_server_op(&pending, &limits)? {
            pending.drain(..len);
            ops.push(op);
        }
    }
    assert!(pending.is_empty(), "bytes left over: {pending:?}");
    Ok(ops)
}

#[test]
fn the_corpus_parses_the_same_in_chunks_of_every_size() {
    let corpus = corpus();
    let whole = parse_chunks(std::iter::once(corpus.as_slice())).unwrap();
    assert_eq!(whole.len(), 10);
    for size in 1..=corpus.len() {
        assert_eq!(
            parse_chunks(corpus.chunks(size)).unwrap(),
            whole,
            "chunk size {size}"
        );
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn arb_subject() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_$-]{1,8}(\\.[a-zA-Z0-9_*>-]{1,8}){0,3}"
}

#[cfg(not(target_arch = "wasm32"))]
fn arb_headers() -> impl Strategy<Value = HeaderMap> {
    let entry = ("[A-Za-z][A-Za-z0-9-]{0,10}", "[ -~]{0,20}");
    (
        proptest::collection::vec(entry, 0..4),
        proptest::option::of(100u16..1000),
    )
        .prop_map(|(entries, status)| {
            let mut h = HeaderMap::new();
            for (n, v) in entries {
                h.append(n, v.trim_start()).unwrap();
            }
            if let Some(code) = status.and_then(StatusCode::new) {
                h.set_status(code, None);
            }
            h
        })
}

#[cfg(not(target_arch = "wasm32"))]
fn arb_server_op() -> impl Strategy<Value = ServerOp> {
    let msg = (
        arb_subject(),
        1u64..10_000,
        proptest::option::of(arb_subject()),
        proptest::option::of(arb_headers()),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(subject, sid, reply, headers, payload)| {
            let raw_headers = headers.as_ref().map(|h| {
                let mut block = Vec::new();
                h.encode(&mut block);
                block
            });
            ServerOp::Msg(MsgOp {
                subject,
                sid,
                reply,
                headers,
                raw_headers,
                header_error: None,
                payload,
            })
        });
    prop_oneof![
        Just(ServerOp::Ping),
        Just(ServerOp::Pong),
        Just(ServerOp::Ok),
        "[a-zA-Z .\"]{0,40}".prop_map(|t| ServerOp::Err(t.trim().to_owned())),
        ("[a-z0-9]{1,10}", 0usize..10_000_000).prop_map(|(id, max)| {
            ServerOp::Info(Box::new(ServerInfo {
                server_id: id,
                max_payload: max,
                ..Default::default()
            }))
        }),
        msg,
    ]
}

#[cfg(not(target_arch = "wasm32"))]
proptest! {
    #[test]
    fn encoded_ops_parse_back_under_any_split(
        ops in proptest::collection::vec(arb_server_op(), 1..20),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..10),
    ) {
        let mut wire = Vec::new();
        for op in &ops {
            op.encode(&mut wire);
        }
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        points.extend([0, wire.len()]);
        points.sort_unstable();
        let chunks = points.windows(2).map(|w| &wire[w[0]..w[1]]);
        prop_assert_eq!(parse_chunks(chunks).unwrap(), ops);
    }

    #[test]
    fn any_header_block_is_delivered_and_re_encodes_to_the_same_op(
        block in proptest::collection::vec(any::<u8>(), 0..120),
        subject in proptest::collection::vec(any::<u8>().prop_filter("no blank", |b| !b" \t\r\n".contains(b)), 1..12),
        payload in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        // What the fuzz target checks, for the shape a bad publisher controls.
        let mut input = b"HMSG ".to_vec();
        input.extend_from_slice(&subject);
        input.extend_from_slice(format!(" 9 {} {}\r\n", block.len(), block.len() + payload.len()).as_bytes());
        input.extend_from_slice(&block);
        input.extend_from_slice(&payload);
        input.extend_from_slice(b"\r\n");
        let limits = ParseLimits::default();
        let Ok(Parsed::Complete { op, len }) = parse_server_op(&input, &limits) else {
            return Err(TestCaseError::fail(format!("{input:?} was not delivered")));
        };
        prop_assert_eq!(len, input.len());
        for cut in [len - 1, len / 2] {
            prop_assert_eq!(parse_server_op(&input[..cut], &limits), Ok(Parsed::Partial));
        }
        let mut again = Vec::new();
        op.encode(&mut again);
        prop_assert_eq!(
            parse_server_op(&again, &limits),
            Ok(Parsed::Complete { op, len: again.len() })
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_server_op(&bytes, &ParseLimits::default());
    }

    #[test]
    fn arbitrary_lines_after_a_known_verb_never_panic(
        verb in prop::sample::select(vec!["MSG ", "HMSG ", "INFO ", "-ERR ", "PING", "hmsg\t"]),
        rest in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut input = verb.as_bytes().to_vec();
        input.extend(rest);
        let _ = parse_server_op(&input, &ParseLimits::default());
    }
}

/// Header blocks a real nats-server forwards unchanged from a publisher (checked against
/// 2.9.10): none of them is a reason to drop the message or distrust the stream.
const ODD_HEADER_BLOCKS: &[&[u8]] = &[
    b"NATS/1.0\r\nmy key: v\r\n\r\n",
    b"NATS/1.0\r\nX-Bin: \xff\xfe\r\n\r\n",
    b"NATS/1.0\r\nnocolon\r\n\r\n",
    b"NATS/1.0 5x3\r\n\r\n",
    b"NATS/1.0 1000 Too Long\r\n\r\n",
    b"NATS/1.0x\r\n\r\n",
    b"HTTP/1.1\r\n\r\n",
    b"nats/1.0\r\nA: 1\r\n\r\n",
    b"NATS/1.0",
    b"NATS/1.0\r\n: empty name\r\n\r\n",
    b"NATS/1.0\r\nA: x\ry\r\n\r\n",
    b"NATS/1.0\r\n\xc3(: v\r\n\r\n",
    b"NATS/1.0 503 \xff\r\n\r\n",
    b"\r\n\r\n",
    b"x",
];

/// `HMSG x 1 <block> <block + "hi">` with `block` as its header block.
fn hmsg_with_block(block: &[u8]) -> Vec<u8> {
    let mut input = format!("HMSG x 1 {} {}\r\n", block.len(), block.len() + 2).into_bytes();
    input.extend_from_slice(block);
    input.extend_from_slice(b"hi\r\n");
    input
}

#[test]
fn header_blocks_the_server_forwards_unchanged_are_delivered_not_fatal() {
    for block in ODD_HEADER_BLOCKS {
        let input = hmsg_with_block(block);
        match parse_server_op(&input, &ParseLimits::default()) {
            Ok(Parsed::Complete {
                op: ServerOp::Msg(m),
                len,
            }) => {
                assert_eq!(len, input.len(), "{block:?}");
                assert_eq!(m.payload, b"hi", "{block:?}");
                assert_eq!(m.raw_headers.as_deref(), Some(*block), "kept as received");
                assert!(
                    matches!(m.header_error, Some(HeaderError::Malformed(_))),
                    "{block:?} gave {:?}",
                    m.header_error
                );
                assert!(m.headers.is_some(), "{block:?}");
            }
            other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(block)),
        }
    }
}

#[test]
fn a_msg_line_for_the_longest_pub_line_the_server_accepts_is_read() {
    // The server takes 4096 bytes of PUB arguments and adds the sid when it delivers.
    let subject = "s".repeat(4096 - " reply.to 2".len());
    let input = format!("MSG {subject} 123456 reply.to 2\r\nhi\r\n");
    assert!(input.len() > 4096 + 8);
    assert_eq!(
        complete(&input),
        msg(&subject, 123_456, Some("reply.to"), b"hi")
    );
}

#[test]
fn a_long_permissions_violation_is_read_whole() {
    let subject = "p".repeat(4090);
    let text = format!(
        "Permissions Violation for Subscription to \"{subject}\" using queue \"{}\"",
        "q".repeat(300)
    );
    assert_eq!(complete(&format!("-ERR '{text}'\r\n")), ServerOp::Err(text));
}

#[test]
fn a_body_larger_than_one_servers_max_payload_is_read() {
    // In a cluster a server delivers messages routed from a peer with a larger max_payload.
    let size = 3 * 1024 * 1024;
    let mut input = format!("MSG routed 1 {size}\r\n").into_bytes();
    input.resize(input.len() + size, b'r');
    input.extend_from_slice(b"\r\n");
    match parse_server_op(&input, &ParseLimits::default()) {
        Ok(Parsed::Complete {
            op: ServerOp::Msg(m),
            len,
        }) => {
            assert_eq!(len, input.len());
            assert_eq!(m.payload.len(), size);
        }
        other => panic!("gave {other:?}"),
    }
}

#[test]
fn a_size_too_large_for_memory_says_it_exceeds_the_limit() {
    let limit = ParseLimits::default().max_body;
    for size in [
        "99999999999",
        "99999999999999999999",
        "340282366920938463463374607431768211456",
    ] {
        for input in [
            format!("MSG a 1 {size}\r\n"),
            format!("HMSG a 1 {size} {size}\r\n"),
            format!("HMSG a 1 {size} 5\r\n"),
        ] {
            let err = parse(&input).expect_err(&input);
            let text = err.to_string();
            assert!(
                text.contains("exceeds the limit") && text.contains(&limit.to_string()),
                "{input:?} gave {text:?}"
            );
        }
    }
}

#[test]
fn no_responders_is_recognised_with_the_subject_header_newer_servers_add() {
    let block = "NATS/1.0 503\r\nNats-Subject: greet.joe\r\n\r\n";
    let input = format!(
        "HMSG _INBOX.a.1 2 {} {}\r\n{block}\r\n",
        block.len(),
        block.len()
    );
    let ServerOp::Msg(m) = complete(&input) else {
        panic!()
    };
    let h = m.headers.expect("headers");
    assert_eq!(h.status(), Some(StatusCode::NO_RESPONDERS));
    assert_eq!(h.get("nats-subject"), Some("greet.joe"));
    assert!(m.payload.is_empty());
}
