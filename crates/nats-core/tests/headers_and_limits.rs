//! Headers and payload limits against a real nats-server.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use nats_core::conn::{CommandError, ConnectOptions, Event, Message};
use nats_core::proto::validate::ValidationError;
use nats_core::proto::HeaderMap;
use support::driver::{Driver, PATIENCE};
use support::server::{wait_for_mesh, NatsServer};

#[test]
fn headers_round_trip_with_repeats_and_case_preserved() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let sid = nc.conn.subscribe("h", None).unwrap();
    let mut headers = HeaderMap::new();
    headers.append("X-Trace", "abc").unwrap();
    headers.append("X-Multi", "1").unwrap();
    headers.append("x-multi", "2").unwrap();
    nc.conn.publish("h", None, Some(&headers), b"body").unwrap();
    let msg = nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: s, message } if s == sid => Some(message),
        _ => None,
    });
    let got = msg.headers.expect("headers arrive");
    assert_eq!(got, headers);
    assert_eq!(got.get_all("X-MULTI").collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(msg.payload, b"body");
}

#[test]
fn a_payload_of_exactly_max_payload_passes_and_one_byte_more_is_refused_before_sending() {
    let server = NatsServer::start_with("max_payload: 4096");
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let max = nc.conn.server_info().unwrap().max_payload;
    assert_eq!(max, 4096);
    let sid = nc.conn.subscribe("big", None).unwrap();
    nc.conn.publish("big", None, None, &vec![7u8; max]).unwrap();
    let msg = nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: s, message } if s == sid => Some(message),
        _ => None,
    });
    assert_eq!(msg.payload.len(), max);

    let before = nc.conn.statistics().out_messages;
    assert_eq!(
        nc.conn.publish("big", None, None, &vec![7u8; max + 1]),
        Err(CommandError::Invalid(ValidationError::MaxPayloadExceeded {
            size: max + 1,
            max
        }))
    );
    assert_eq!(
        nc.conn.statistics().out_messages,
        before,
        "nothing was sent"
    );
    // The connection is still usable: the server never saw the oversized message.
    nc.conn.publish("big", None, None, b"small").unwrap();
    nc.flush();
    assert!(!nc.conn.is_closed());
    let reply = nc.request("nobody.home", b"", Duration::from_millis(500));
    assert!(reply.is_err());
}

/// A publisher that writes protocol bytes itself, as a peer using another (or a broken) client
/// library would: the server forwards what it sends to our subscribers.
struct RawPeer {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
}

impl RawPeer {
    /// Connects to `addr` and finishes the handshake (headers on, not verbose).
    fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).expect("peer connects");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut peer = RawPeer {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        };
        let info = peer.line();
        assert!(info.starts_with("INFO "), "{info}");
        peer.send(
            b"CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\n",
        );
        peer
    }

    /// Writes `bytes`, then a PING, and returns once the server's PONG shows it processed them.
    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
        self.stream.write_all(b"PING\r\n").unwrap();
        loop {
            match self.line().as_str() {
                "PONG" => return,
                "PING" => self.stream.write_all(b"PONG\r\n").unwrap(),
                // Newer servers (2.10+) send INFO again right after CONNECT.
                info if info.starts_with("INFO ") => {}
                other => panic!("the server answered the peer with {other:?}"),
            }
        }
    }

    /// `HPUB subject` with `block` as the header block, sent verbatim.
    fn hpub(&mut self, subject: &str, block: &[u8], payload: &[u8]) {
        let total = block.len() + payload.len();
        let mut op = format!("HPUB {subject} {} {total}\r\n", block.len()).into_bytes();
        op.extend_from_slice(block);
        op.extend_from_slice(payload);
        op.extend_from_slice(b"\r\n");
        self.send(&op);
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("server line");
        line.trim_end().to_owned()
    }
}

/// Waits for the next message on `sid`; fails the test if the connection drops meanwhile.
fn next_message(nc: &mut Driver, sid: u64) -> Message {
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: s, message } if s == sid => Some(message),
        Event::Disconnected { reason, .. } | Event::Closed(reason) => {
            panic!("the connection dropped: {reason}")
        }
        _ => None,
    })
}

#[test]
fn header_blocks_the_server_forwards_unchanged_are_delivered_and_the_connection_stays_up() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let sid = nc.conn.subscribe("x", None).unwrap();
    nc.flush();
    let mut peer = RawPeer::connect(server.tcp_addr());
    let blocks: [&[u8]; 6] = [
        b"NATS/1.0\r\nmy key: v\r\n\r\n",
        b"NATS/1.0\r\nX-Bin: \xff\xfe\r\n\r\n",
        b"NATS/1.0\r\nnocolon\r\n\r\n",
        b"NATS/1.0 5x3\r\n\r\n",
        b"HTTP/1.1\r\n\r\n",
        b"",
    ];
    for (i, block) in blocks.iter().enumerate() {
        let payload = format!("odd {i}");
        peer.hpub("x", block, payload.as_bytes());
        let msg = next_message(&mut nc, sid);
        assert_eq!(msg.payload, payload.as_bytes(), "{block:?}");
        if block.is_empty() {
            assert_eq!((msg.headers, msg.raw_headers), (None, None));
        } else {
            assert_eq!(msg.raw_headers.as_deref(), Some(*block), "kept as received");
            assert!(msg.header_error.is_some(), "{block:?} is reported");
        }
    }
    peer.send(b"PUB x 5\r\nafter\r\n");
    assert_eq!(next_message(&mut nc, sid).payload, b"after");
    assert!(!nc.conn.is_closed());
}

#[test]
fn a_subject_as_long_as_the_server_accepts_is_delivered() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    // 4096 bytes of PUB arguments, the most the server takes; its MSG line adds the sid.
    let subject = format!("long.{}", "s".repeat(4096 - "long. reply.to 2".len()));
    assert_eq!(format!("{subject} reply.to 2").len(), 4096);
    let sid = nc.conn.subscribe(&subject, None).unwrap();
    nc.flush();
    let mut peer = RawPeer::connect(server.tcp_addr());
    peer.send(format!("PUB {subject} reply.to 2\r\nhi\r\n").as_bytes());
    let msg = next_message(&mut nc, sid);
    assert_eq!(
        (msg.subject.len(), msg.payload.as_slice()),
        (subject.len(), &b"hi"[..])
    );
    peer.send(format!("PUB {subject} 5\r\nafter\r\n").as_bytes());
    assert_eq!(next_message(&mut nc, sid).payload, b"after");
}

#[test]
fn a_message_routed_from_a_server_with_a_larger_max_payload_is_delivered() {
    let mut cluster = NatsServer::cluster(2);
    cluster[0].restart_with("max_payload: 4096");
    wait_for_mesh(&cluster.iter().collect::<Vec<_>>());
    let mut nc = Driver::connect(cluster[0].tcp_addr(), ConnectOptions::new()).unwrap();
    assert_eq!(nc.conn.server_info().unwrap().max_payload, 4096);
    let sid = nc.conn.subscribe("routed", None).unwrap();
    nc.flush();
    // The other server must know of the subscription before the peer publishes there.
    let deadline = std::time::Instant::now() + PATIENCE;
    while !cluster[1]
        .monitor_get("/routez?subs=1")
        .contains("\"routed\"")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "interest never reached the peer's server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut peer = RawPeer::connect(cluster[1].tcp_addr());
    let big = vec![b'b'; 3 * 4096];
    let mut op = format!("PUB routed {}\r\n", big.len()).into_bytes();
    op.extend_from_slice(&big);
    op.extend_from_slice(b"\r\n");
    peer.send(&op);
    assert_eq!(next_message(&mut nc, sid).payload, big);
    peer.send(b"PUB routed 5\r\nafter\r\n");
    assert_eq!(next_message(&mut nc, sid).payload, b"after");
}

#[test]
fn tokens_with_wildcard_characters_inside_are_literal_for_publish_and_subscribe() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let literal = nc.conn.subscribe("metrics.cpu*", None).unwrap();
    let one_token = nc.conn.subscribe("metrics.*", None).unwrap();
    let odd = nc.conn.subscribe("a>b.*a", None).unwrap();
    nc.flush();
    // Were `cpu*` a wildcard, `metrics.cpu1` would reach `literal` before `metrics.cpu*` does.
    nc.conn.publish("metrics.cpu1", None, None, b"1").unwrap();
    nc.conn.publish("metrics.cpu*", None, None, b"*").unwrap();
    nc.conn.publish("a>b.*a", None, None, b"odd").unwrap();
    let mut got = Vec::new();
    while got.len() < 4 {
        got.push(nc.run_until(PATIENCE, |_, e| match e {
            Event::Message { sid, message } => Some((sid, message.subject)),
            _ => None,
        }));
    }
    got.sort();
    let mut expected = vec![
        (literal, "metrics.cpu*".to_owned()),
        (one_token, "metrics.cpu1".to_owned()),
        (one_token, "metrics.cpu*".to_owned()),
        (odd, "a>b.*a".to_owned()),
    ];
    expected.sort();
    assert_eq!(got, expected);
}

#[test]
fn a_subject_that_is_not_utf8_is_delivered_and_the_connection_stays_up() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let sid = nc.conn.subscribe("bytes.>", None).unwrap();
    nc.flush();
    let mut peer = RawPeer::connect(server.tcp_addr());
    peer.send(b"PUB bytes.\xff\xfe 2\r\nhi\r\n");
    let msg = next_message(&mut nc, sid);
    assert_eq!(
        (msg.subject.as_str(), msg.payload.as_slice()),
        ("bytes.\u{fffd}\u{fffd}", &b"hi"[..])
    );
    peer.send(b"PUB bytes.ok 5\r\nafter\r\n");
    assert_eq!(next_message(&mut nc, sid).payload, b"after");
}
