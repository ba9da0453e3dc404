//! `request_many` (scatter-gather, nats.js `requestMany`) against a real nats-server over TCP,
//! with real responders: several subscriptions answer one request, and each end condition
//! (count, total wait, stall, sentinel), no responders and a connection drain are checked.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use nats_core::conn::{
    CloseReason, ConnectOptions, Event, RequestId, RequestManyOptions, ResponsesEnd,
};
use nats_core::Instant;
use support::driver::{Driver, PATIENCE};
use support::server::NatsServer;

/// A connection with `n` subscriptions to `subject`, each answering every request with
/// `r<i>`.
fn with_responders(server: &NatsServer, subject: &str, n: usize) -> Driver {
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    for i in 0..n {
        let sid = nc.conn.subscribe(subject, None).unwrap();
        nc.respond_on(sid, move |_| format!("r{i}").into_bytes());
    }
    nc.flush(); // every SUB has reached the server
    nc
}

/// Starts a request_many to `subject` with `options`.
fn request_many(nc: &mut Driver, subject: &str, options: RequestManyOptions) -> RequestId {
    nc.conn
        .request_many(Instant::now(), subject, None, b"q", &options)
        .expect("request_many accepted")
}

/// Every reply of request `id`, as text, and how it ended.
fn gather(nc: &mut Driver, id: RequestId) -> (Vec<String>, ResponsesEnd) {
    let mut replies = Vec::new();
    let end = nc.run_until(PATIENCE, |_, event| match event {
        Event::RequestManyResponse { id: got, message } if got == id => {
            replies.push(String::from_utf8_lossy(&message.payload).into_owned());
            None
        }
        Event::RequestManyEnded { id: got, end } if got == id => Some(end),
        _ => None,
    });
    replies.sort();
    (replies, end)
}

/// Replies of `id` that arrive until a flush is confirmed: the server has delivered everything
/// it had for this connection by then.
fn replies_until_flushed(nc: &mut Driver, id: RequestId) -> usize {
    let flush = nc.conn.flush().unwrap();
    let mut late = 0;
    nc.run_until(PATIENCE, |_, event| match event {
        Event::RequestManyResponse { id: got, .. } | Event::RequestManyEnded { id: got, .. }
            if got == id =>
        {
            late += 1;
            None
        }
        Event::Flushed(got) if got == flush => Some(()),
        _ => None,
    });
    late
}

#[test]
fn request_many_ends_after_max_messages_of_five_responders_and_drops_the_rest() {
    let server = NatsServer::start();
    let mut nc = with_responders(&server, "svc", 5);
    let options = RequestManyOptions {
        max_messages: Some(3),
        ..RequestManyOptions::new(PATIENCE)
    };
    let id = request_many(&mut nc, "svc", options);
    let (replies, end) = gather(&mut nc, id);
    assert_eq!((replies.len(), end), (3, ResponsesEnd::MaxMessages));
    assert_eq!(
        replies_until_flushed(&mut nc, id),
        0,
        "the other two are dropped"
    );
    assert_eq!(nc.drain(), CloseReason::Drained);
}

#[test]
fn request_many_gathers_every_responder_until_max_wait() {
    let server = NatsServer::start();
    let mut nc = with_responders(&server, "svc", 4);
    let id = request_many(
        &mut nc,
        "svc",
        RequestManyOptions::new(Duration::from_millis(500)),
    );
    let (replies, end) = gather(&mut nc, id);
    assert_eq!(replies, ["r0", "r1", "r2", "r3"]);
    assert_eq!(end, ResponsesEnd::MaxWait);
}

#[test]
fn request_many_ends_at_a_stall_after_the_last_responder_answered() {
    let server = NatsServer::start();
    let mut nc = with_responders(&server, "svc", 3);
    // One more subscriber that never answers: only the stall ends it before the max wait.
    nc.conn.subscribe("svc", None).unwrap();
    let options = RequestManyOptions {
        stall: Some(Duration::from_millis(200)),
        ..RequestManyOptions::new(PATIENCE)
    };
    let id = request_many(&mut nc, "svc", options);
    let (replies, end) = gather(&mut nc, id);
    assert_eq!(replies, ["r0", "r1", "r2"]);
    assert_eq!(end, ResponsesEnd::Stall);
}

#[test]
fn request_many_ends_at_the_sentinel_of_a_streaming_responder() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    // A responder that streams its answer in chunks and ends it with an empty message.
    let sid = nc.conn.subscribe("chunks", None).unwrap();
    nc.flush();
    let options = RequestManyOptions {
        sentinel: true,
        ..RequestManyOptions::new(PATIENCE)
    };
    let id = request_many(&mut nc, "chunks", options);
    let mut replies = Vec::new();
    let end = nc.run_until(PATIENCE, |conn, event| match event {
        Event::Message { sid: s, message } if s == sid => {
            let reply = message.reply.expect("a reply subject");
            for chunk in ["one", "two", "three", "", "after the sentinel"] {
                conn.publish(&reply, None, None, chunk.as_bytes()).unwrap();
            }
            None
        }
        Event::RequestManyResponse { id: got, message } if got == id => {
            replies.push(String::from_utf8_lossy(&message.payload).into_owned());
            None
        }
        Event::RequestManyEnded { id: got, end } if got == id => Some(end),
        _ => None,
    });
    assert_eq!(
        replies,
        ["one", "two", "three"],
        "in order, sentinel not a reply"
    );
    assert_eq!(end, ResponsesEnd::Sentinel);
    assert_eq!(
        replies_until_flushed(&mut nc, id),
        0,
        "nothing after the sentinel"
    );
}

#[test]
fn request_many_without_responders_ends_with_no_responders() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let id = request_many(&mut nc, "nobody.home", RequestManyOptions::new(PATIENCE));
    let (replies, end) = gather(&mut nc, id);
    assert!(replies.is_empty());
    assert_eq!(end, ResponsesEnd::NoResponders);
    assert_eq!(
        nc.request("nobody.home", b"", PATIENCE).unwrap_err(),
        end.failure().unwrap(),
        "as a single request reports it"
    );
}

#[test]
fn a_connection_drain_waits_for_a_request_many_in_flight_to_end() {
    let server = NatsServer::start();
    let (ready_tx, ready_rx) = mpsc::channel();
    let addr = server.tcp_addr();
    // A responder on its own connection that answers twice, a while after the request.
    let responder = thread::spawn(move || {
        let mut nc = Driver::connect(addr, ConnectOptions::new()).unwrap();
        let sid = nc.conn.subscribe("slow", None).unwrap();
        nc.flush();
        ready_tx.send(()).unwrap();
        let reply = nc.run_until(PATIENCE, |_, event| match event {
            Event::Message { sid: s, message } if s == sid => message.reply,
            _ => None,
        });
        nc.run_for(Duration::from_millis(300));
        for answer in ["first", "second"] {
            nc.conn
                .publish(&reply, None, None, answer.as_bytes())
                .unwrap();
        }
        nc.drain()
    });
    ready_rx.recv_timeout(PATIENCE).unwrap();

    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let options = RequestManyOptions {
        max_messages: Some(2),
        ..RequestManyOptions::new(PATIENCE)
    };
    let id = request_many(&mut nc, "slow", options);
    nc.conn.drain(Instant::now()).expect("drain accepted");
    let mut seen = Vec::new();
    let closed = nc.run_until(PATIENCE, |_, event| match event {
        Event::RequestManyResponse { id: got, message } if got == id => {
            seen.push(String::from_utf8_lossy(&message.payload).into_owned());
            None
        }
        Event::RequestManyEnded { id: got, end } if got == id => {
            seen.push(format!("end {end:?}"));
            None
        }
        Event::Closed(reason) => Some(reason),
        _ => None,
    });
    assert_eq!(seen, ["first", "second", "end MaxMessages"]);
    assert_eq!(closed, CloseReason::Drained, "closed only after it ended");
    assert_eq!(responder.join().unwrap(), CloseReason::Drained);
}

/// One connection, one muxed inbox: `request_many`s to different responder sets, one to a
/// subject nobody serves, and a single request, all in flight at once.
#[test]
fn concurrent_request_manys_and_a_request_on_one_inbox_each_get_exactly_their_own_replies() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let sets: [(&str, &[&str]); 3] = [
        ("a.*", &["a0", "a1"]),
        ("b", &["b0", "b1", "b2"]),
        ("c", &["c"]),
    ];
    for (subject, names) in sets {
        for name in names {
            let sid = nc.conn.subscribe(subject, None).unwrap();
            let name = name.to_string();
            nc.respond_on(sid, move |m| {
                format!("{name} to {}", String::from_utf8_lossy(&m.payload)).into_bytes()
            });
        }
    }
    nc.flush();
    let now = Instant::now();
    let many = |max| RequestManyOptions {
        max_messages: Some(max),
        ..RequestManyOptions::new(PATIENCE)
    };
    let to_a = nc
        .conn
        .request_many(now, "a.x", None, b"qa", &many(2))
        .unwrap();
    let to_nobody = nc
        .conn
        .request_many(now, "d", None, b"qd", &many(1))
        .unwrap();
    let single = nc.conn.request(now, "c", None, b"qc", PATIENCE).unwrap();
    let to_b = nc
        .conn
        .request_many(now, "b", None, b"qb", &many(3))
        .unwrap();

    let ids = [to_a, to_b, to_nobody];
    let mut replies: [Vec<String>; 3] = Default::default();
    let mut ends: [Option<ResponsesEnd>; 3] = [None; 3];
    let mut answer = None;
    nc.run_until(PATIENCE, |_, event| {
        match event {
            Event::RequestManyResponse { id, message } => {
                let i = ids
                    .iter()
                    .position(|x| *x == id)
                    .expect("a request of ours");
                replies[i].push(String::from_utf8_lossy(&message.payload).into_owned());
            }
            Event::RequestManyEnded { id, end } => {
                let i = ids
                    .iter()
                    .position(|x| *x == id)
                    .expect("a request of ours");
                assert_eq!(ends[i].replace(end), None, "ended once");
            }
            Event::Response { id, message } if id == single => {
                answer = Some(String::from_utf8_lossy(&message.payload).into_owned());
            }
            Event::RequestFailed { id, kind } if id == single => panic!("request failed: {kind:?}"),
            _ => {}
        }
        (ends.iter().all(Option::is_some) && answer.is_some()).then_some(())
    });
    for r in &mut replies {
        r.sort();
    }
    assert_eq!(replies[0], ["a0 to qa", "a1 to qa"]);
    assert_eq!(replies[1], ["b0 to qb", "b1 to qb", "b2 to qb"]);
    assert!(replies[2].is_empty());
    assert_eq!(
        ends,
        [
            Some(ResponsesEnd::MaxMessages),
            Some(ResponsesEnd::MaxMessages),
            Some(ResponsesEnd::NoResponders)
        ]
    );
    assert_eq!(answer.as_deref(), Some("c to qc"));
    for id in ids {
        assert_eq!(replies_until_flushed(&mut nc, id), 0, "nothing late");
    }
    assert_eq!(nc.drain(), CloseReason::Drained);
}
