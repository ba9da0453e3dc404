//! Request-reply against a real nats-server over TCP, driving the same sans-IO core the browser
//! uses. These are the NATS by Example request-reply program and its variations.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use nats_core::conn::{CloseReason, ConnectOptions, Event, RequestFailure};
use support::driver::{Driver, PATIENCE};
use support::seed::{greet, run_seed_program, HALF_SECOND};
use support::server::NatsServer;

#[test]
fn the_seed_program_on_one_connection() {
    let server = NatsServer::start();
    run_seed_program(Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap());
}

#[test]
fn responder_and_requester_on_two_connections() {
    let server = NatsServer::start();
    let (ready_tx, ready_rx) = mpsc::channel();
    let addr = server.tcp_addr();
    let responder = thread::spawn(move || {
        let mut nc = Driver::connect(addr, ConnectOptions::new().name("responder")).unwrap();
        let sub = nc.conn.subscribe("greet.*", None).unwrap();
        nc.respond_on(sub, greet);
        nc.flush(); // the SUB has reached the server
        ready_tx.send(()).unwrap();
        nc.run_for(Duration::from_secs(2));
        nc.drain()
    });
    ready_rx.recv_timeout(PATIENCE).unwrap();

    let mut nc =
        Driver::connect(server.tcp_addr(), ConnectOptions::new().name("requester")).unwrap();
    for name in ["joe", "sue", "bob"] {
        let reply = nc
            .request(&format!("greet.{name}"), b"", HALF_SECOND)
            .unwrap();
        assert_eq!(reply.payload, format!("hello, {name}").as_bytes());
    }
    assert_eq!(responder.join().unwrap(), CloseReason::Drained);
    assert_eq!(
        nc.request("greet.joe", b"", HALF_SECOND).unwrap_err(),
        RequestFailure::NoResponders
    );
    assert_eq!(nc.drain(), CloseReason::Drained);
}

#[test]
fn a_queue_group_of_three_shares_300_requests_and_none_is_answered_twice() {
    let server = NatsServer::start();
    let (ready_tx, ready_rx) = mpsc::channel();
    let members: Vec<_> = (0..3)
        .map(|member| {
            let (addr, ready_tx) = (server.tcp_addr(), ready_tx.clone());
            thread::spawn(move || {
                let mut nc = Driver::connect(addr, ConnectOptions::new()).unwrap();
                let sub = nc.conn.subscribe("svc.echo", Some("workers")).unwrap();
                let (count_tx, count_rx) = mpsc::channel();
                nc.respond_on(sub, move |msg| {
                    count_tx.send(()).unwrap();
                    let mut body = format!("{member}:").into_bytes();
                    body.extend_from_slice(&msg.payload);
                    body
                });
                nc.flush();
                ready_tx.send(()).unwrap();
                nc.run_for(Duration::from_secs(3));
                nc.drain();
                count_rx.try_iter().count()
            })
        })
        .collect();
    for _ in 0..3 {
        ready_rx.recv_timeout(PATIENCE).unwrap();
    }

    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let mut answered_by = [0usize; 3];
    for i in 0..300 {
        let reply = nc
            .request("svc.echo", i.to_string().as_bytes(), Duration::from_secs(2))
            .unwrap();
        let text = String::from_utf8(reply.payload).unwrap();
        let (member, echoed) = text.split_once(':').unwrap();
        assert_eq!(echoed, i.to_string(), "each reply answers its own request");
        answered_by[member.parse::<usize>().unwrap()] += 1;
    }
    let handled: Vec<usize> = members.into_iter().map(|m| m.join().unwrap()).collect();
    assert!(
        answered_by.iter().all(|&n| n > 0),
        "every member answered some: {answered_by:?}"
    );
    assert_eq!(
        handled.iter().sum::<usize>(),
        300,
        "no request reached two members: {handled:?}"
    );
    assert_eq!(handled, answered_by);
}

#[test]
fn a_request_nobody_answers_in_time_times_out() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let _silent = nc.conn.subscribe("slow", None).unwrap(); // receives, never replies
    let started = std::time::Instant::now();
    assert_eq!(
        nc.request("slow", b"", Duration::from_millis(200))
            .unwrap_err(),
        RequestFailure::TimedOut
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[test]
fn draining_a_subscription_delivers_every_message_published_before_it() {
    let server = NatsServer::start();
    let mut sub_conn = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let mut pub_conn = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let sid = sub_conn.conn.subscribe("events", None).unwrap();
    sub_conn.flush();
    for i in 0..500 {
        pub_conn
            .conn
            .publish("events", None, None, i.to_string().as_bytes())
            .unwrap();
    }
    pub_conn.flush(); // all 500 are in the server before the drain starts
    sub_conn.conn.drain_subscription(sid).unwrap();
    let mut received = Vec::new();
    sub_conn.run_until(PATIENCE, |_, e| match e {
        Event::Message { message, .. } => {
            received.push(String::from_utf8(message.payload).unwrap());
            None
        }
        Event::SubscriptionDrained { .. } => Some(()),
        _ => None,
    });
    let expected: Vec<String> = (0..500).map(|i| i.to_string()).collect();
    assert_eq!(received, expected);
}

#[test]
fn unsubscribe_after_n_stops_at_n_on_a_real_server() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let sid = nc.conn.subscribe("n", None).unwrap();
    nc.conn.unsubscribe(sid, Some(3)).unwrap();
    for _ in 0..5 {
        nc.conn.publish("n", None, None, b"x").unwrap();
    }
    let mut count = 0;
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { .. } => {
            count += 1;
            None
        }
        Event::SubscriptionEnded { sid: ended } if ended == sid => Some(()),
        _ => None,
    });
    nc.flush();
    assert_eq!(count, 3);
}

#[test]
fn a_responder_that_answers_after_the_drain_began_still_gets_its_reply_to_the_requester() {
    let server = NatsServer::start();
    let mut responder = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    responder.defer_messages_handled = true;
    let sid = responder.conn.subscribe("svc", None).unwrap();
    responder.flush();

    let addr = server.tcp_addr();
    let requester = thread::spawn(move || {
        let mut nc = Driver::connect(addr, ConnectOptions::new()).unwrap();
        nc.request("svc", b"question", Duration::from_secs(5))
    });
    let request = responder.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: s, message } if s == sid => Some(message),
        _ => None,
    });
    // The app is still handling the request when the drain begins, and answers only once
    // its subscription has drained.
    responder.conn.drain(nats_core::Instant::now()).unwrap();
    responder.run_until(PATIENCE, |_, e| {
        (e == Event::AllSubscriptionsDrained).then_some(())
    });
    let reply = request.reply.expect("a reply subject");
    responder
        .conn
        .publish(&reply, None, None, b"answer")
        .expect("publishing still works while draining");
    responder.conn.messages_handled();
    let closed = responder.run_until(PATIENCE, |_, e| match e {
        Event::Closed(reason) => Some(reason),
        _ => None,
    });
    assert_eq!(closed, CloseReason::Drained);
    assert_eq!(requester.join().unwrap().unwrap().payload, b"answer");
}

#[test]
fn a_request_in_flight_when_the_drain_begins_still_gets_its_reply() {
    let server = NatsServer::start();
    let (ready_tx, ready_rx) = mpsc::channel();
    let addr = server.tcp_addr();
    let slow = thread::spawn(move || {
        let mut nc = Driver::connect(addr, ConnectOptions::new()).unwrap();
        let sub = nc.conn.subscribe("slow", None).unwrap();
        nc.respond_on(sub, |_| {
            thread::sleep(Duration::from_millis(300)); // answers after the drain began
            b"late but answered".to_vec()
        });
        nc.flush();
        ready_tx.send(()).unwrap();
        nc.run_for(Duration::from_secs(2));
    });
    ready_rx.recv_timeout(PATIENCE).unwrap();

    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let _other = nc.conn.subscribe("other", None).unwrap();
    let id = nc
        .conn
        .request(
            nats_core::Instant::now(),
            "slow",
            None,
            b"",
            Duration::from_secs(5),
        )
        .unwrap();
    nc.conn.drain(nats_core::Instant::now()).unwrap();
    assert_eq!(nc.await_request(id).unwrap().payload, b"late but answered");
    let closed = nc.run_until(PATIENCE, |_, e| match e {
        Event::Closed(reason) => Some(reason),
        _ => None,
    });
    assert_eq!(closed, CloseReason::Drained);
    slow.join().unwrap();
}
