//! Native micro-benchmark of the hot path: the parser, the encoder, the connection's input
//! path on a corpus of mixed operations, and the request round trip. `cargo bench -p nats-core
//! --bench proto` prints MB/s and ops/s; under `cargo test` it runs each once, as a smoke test.

use std::hint::black_box;
use std::time::{Duration, Instant};

use nats_core::conn::{ConnectOptions, Connection, ServerPool};
use nats_core::proto::{
    parse_server_op, ClientOp, HeaderMap, MsgOp, ParseLimits, Parsed, ServerInfo, ServerOp,
    StatusCode,
};

/// Server ops as a busy request-reply client sees them.
fn corpus() -> (Vec<u8>, usize) {
    let mut no_responders = HeaderMap::new();
    no_responders.set_status(StatusCode::NO_RESPONDERS, None);
    let mut traced = HeaderMap::new();
    traced.append("Nats-Msg-Id", "abc-123").unwrap();
    let msg = |subject: &str, reply: Option<&str>, headers: Option<HeaderMap>, size: usize| {
        ServerOp::Msg(MsgOp {
            subject: subject.into(),
            sid: 7,
            reply: reply.map(Into::into),
            headers,
            raw_headers: None,
            header_error: None,
            payload: vec![b'x'; size],
        })
    };
    let ops = [
        msg(
            "greet.joe",
            Some("_INBOX.Yf3kq0aT9b2ZxW8mN4pQrs.12"),
            None,
            0,
        ),
        msg("_INBOX.Yf3kq0aT9b2ZxW8mN4pQrs.12", None, None, 10),
        msg("bench.pub", None, None, 16),
        msg("orders.eu.created", None, Some(traced), 256),
        msg(
            "_INBOX.Yf3kq0aT9b2ZxW8mN4pQrs.13",
            None,
            Some(no_responders),
            0,
        ),
        msg("files.chunk", None, None, 8192),
        ServerOp::Ping,
    ];
    let mut wire = Vec::new();
    for _ in 0..200 {
        for op in &ops {
            op.encode(&mut wire);
        }
    }
    (wire, 200 * ops.len())
}

/// Runs `f` at least once and then for about `budget`; returns iterations per second.
fn measure(budget: Duration, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut iterations = 0u64;
    loop {
        f();
        iterations += 1;
        if start.elapsed() >= budget {
            break;
        }
    }
    iterations as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let budget = if benchmarking {
        Duration::from_secs(2)
    } else {
        Duration::ZERO
    };
    let (wire, ops) = corpus();
    let limits = ParseLimits::default();

    let parse = measure(budget, || {
        let mut at = 0;
        while let Ok(Parsed::Complete { op, len }) = parse_server_op(&wire[at..], &limits) {
            black_box(op);
            at += len;
        }
        assert_eq!(at, wire.len());
    });
    report("parse (mixed ops)", parse, wire.len(), ops);

    let payload = [b'x'; 16];
    let mut out = Vec::with_capacity(1 << 20);
    let encode = measure(budget, || {
        out.clear();
        for i in 0..10_000 {
            let op = ClientOp::Pub {
                subject: "bench.pub",
                reply: (i % 2 == 0).then_some("_INBOX.Yf3kq0aT9b2ZxW8mN4pQrs.12"),
                payload: &payload,
            };
            op.encode(&mut out);
        }
        black_box(&out);
    });
    report("encode (PUB, 16 B)", encode, out.len(), 10_000);

    // The whole input path: bytes in 4 KiB frames -> parser -> connection -> events.
    let info = ServerInfo {
        server_id: "S".into(),
        headers: true,
        max_payload: 1 << 20,
        ..Default::default()
    };
    let mut handshake = Vec::new();
    ServerOp::Info(Box::new(info)).encode(&mut handshake);
    handshake.extend_from_slice(b"PONG\r\n");
    let input = measure(budget, || {
        let now = nats_core::Instant::ORIGIN;
        let mut conn = Connection::new(now, ConnectOptions::new(), [1; 32]);
        conn.handle_input(now, &handshake);
        conn.subscribe(">", None).unwrap();
        for frame in wire.chunks(4096) {
            conn.handle_input(now, frame);
            while let Some(event) = conn.poll_event() {
                black_box(event);
            }
        }
        let mut sink = Vec::new();
        conn.poll_transmit(&mut sink);
    });
    report("connection input (4 KiB frames)", input, wire.len(), ops);

    // The request path: request -> PUB with a reply subject out -> the reply's MSG in -> the
    // Response event, 1,000 times with 100 in flight.
    const REQUESTS: usize = 1_000;
    let mut wire_out = 0;
    let requests = measure(budget, || {
        let now = nats_core::Instant::ORIGIN;
        let mut conn = Connection::new(now, ConnectOptions::new(), [1; 32]);
        conn.handle_input(now, &handshake);
        let mut out = Vec::new();
        let mut replies = Vec::new();
        let timeout = Duration::from_secs(5);
        for i in 0..REQUESTS {
            conn.request(now, "svc.echo", None, b"ping", timeout)
                .unwrap();
            out.clear();
            conn.poll_transmit(&mut out);
            wire_out += out.len();
            // The reply subject is the PUB's second token.
            let reply = out
                .split(|b| *b == b' ')
                .nth(2)
                .map(|r| String::from_utf8_lossy(r).into_owned())
                .unwrap_or_default();
            replies.push(reply);
            if i % 100 == 99 {
                let mut input = Vec::new();
                for reply in replies.drain(..) {
                    input.extend_from_slice(format!("MSG {reply} 1 4\r\npong\r\n").as_bytes());
                }
                conn.handle_input(now, &input);
                while let Some(event) = conn.poll_event() {
                    black_box(event);
                }
            }
        }
    });
    report("request round trip (100 in flight)", requests, 0, REQUESTS);
    black_box(wire_out);

    // An INFO that announces 3,599 servers (64,988 bytes), taken into a fresh pool and then
    // again (the server may resend INFO at any time).
    let announced: Vec<String> = (0..3_599)
        .map(|i| format!("10.{}.{}.{}:4222", i / 65_536, (i / 256) % 256, i % 256))
        .collect();
    let pools = measure(budget, || {
        let mut pool = ServerPool::new(
            &["ws://10.0.0.1:4222".to_owned()],
            Some(nats_core::Random::from_seed([2; 32])),
        );
        pool.advance();
        black_box(pool.update_discovered(&announced));
        black_box(pool.update_discovered(&announced));
    });
    println!(
        "{:34} {:>9.2} ms per INFO with 3,599 connect_urls",
        "server pool update",
        1e3 / pools / 2.0
    );
}

/// Prints one line; `bytes` 0 leaves the MB/s column empty.
fn report(name: &str, per_second: f64, bytes: usize, ops: usize) {
    let rate = if bytes == 0 {
        "-".to_owned()
    } else {
        format!("{:.1}", per_second * bytes as f64 / 1e6)
    };
    println!(
        "{name:34} {rate:>9} MB/s {:>12.0} ops/s",
        per_second * ops as f64
    );
}
