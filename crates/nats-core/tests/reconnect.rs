//! Staying connected, against real nats-servers over TCP: a restarted server, a 3-node cluster
//! losing the node in use or another node, a frozen (stale) server, and credentials refused on
//! reconnect.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_core::conn::{CloseReason, ConnectOptions, Event, Phase, RequestFailure, ServerErrorKind};
use nats_core::Instant;
use support::driver::{Driver, PATIENCE};
use support::seed::run_seed_program;
use support::server::NatsServer;

fn url(server: &NatsServer) -> String {
    format!("nats://{}", server.tcp_addr())
}

fn reconnecting(server: &NatsServer) -> ConnectOptions {
    ConnectOptions::new()
        .servers([url(server)])
        .reconnect_wait(Duration::from_millis(100))
        .reconnect_jitter(Duration::from_millis(20))
        .max_reconnects(None)
}

/// Waits for `Reconnected`; returns the URL it reconnected to.
fn await_reconnected(nc: &mut Driver) -> String {
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Reconnected { url, .. } => Some(url),
        _ => None,
    })
}

/// Learns the cluster's other nodes from INFO (the first INFO may precede the full mesh).
fn await_known_servers(nc: &mut Driver, n: usize) {
    let give_up = Instant::now() + PATIENCE;
    while nc.conn.servers().len() < n {
        assert!(Instant::now() < give_up, "INFO never listed {n} servers");
        nc.run_for(Duration::from_millis(20));
    }
}

/// Resumes a paused server even when the test fails.
struct Resume<'a>(&'a NatsServer);

impl Drop for Resume<'_> {
    fn drop(&mut self) {
        self.0.resume();
    }
}

#[test]
fn a_restarted_server_is_rejoined_subscriptions_work_and_nothing_published_meanwhile_is_lost() {
    let mut server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), reconnecting(&server)).unwrap();
    let buffered = nc.conn.subscribe("buffered", None).unwrap();
    let _silent = nc.conn.subscribe("silent", None).unwrap();
    let in_flight = nc
        .conn
        .request(Instant::now(), "silent", None, b"", Duration::from_secs(60))
        .unwrap();
    nc.flush();

    server.kill();
    let failed = nc.run_until(PATIENCE, |_, e| match e {
        Event::RequestFailed { id, kind } if id == in_flight => Some(kind),
        _ => None,
    });
    assert_eq!(
        failed,
        RequestFailure::Disconnected,
        "failed at once, not at its timeout"
    );
    for i in 0..100 {
        nc.conn
            .publish("buffered", None, None, i.to_string().as_bytes())
            .unwrap();
    }

    server.restart();
    let restarted = Instant::now();
    await_reconnected(&mut nc);
    println!("reconnected {:?} after the restart", restarted.elapsed());

    let mut received = Vec::new();
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid, message } if sid == buffered => {
            received.push(String::from_utf8(message.payload).unwrap());
            (received.len() == 100).then_some(())
        }
        _ => None,
    });
    let expected: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    assert_eq!(
        received, expected,
        "every buffered publish arrived, in order"
    );

    // The restored subscription receives what another client publishes now.
    let mut other = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    other
        .conn
        .publish("buffered", None, None, b"after")
        .unwrap();
    other.flush();
    let msg = nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid, message } if sid == buffered => Some(message),
        _ => None,
    });
    assert_eq!(msg.payload, b"after");
    println!(
        "subscriptions working again {:?} after the restart",
        restarted.elapsed()
    );
}

#[test]
fn losing_the_node_in_use_moves_to_a_node_learned_from_info_and_the_seed_program_completes() {
    let mut nodes = NatsServer::cluster(3);
    let first = url(&nodes[0]);
    let mut nc = Driver::connect(nodes[0].tcp_addr(), reconnecting(&nodes[0])).unwrap();
    await_known_servers(&mut nc, 3);

    nodes[0].kill();
    let lost = Instant::now();
    let now_on = await_reconnected(&mut nc);
    println!(
        "failed over from {first} to {now_on} in {:?}",
        lost.elapsed()
    );
    assert_ne!(now_on, first);

    run_seed_program(nc);
}

#[test]
fn a_node_that_leaves_the_cluster_leaves_the_pool() {
    let mut nodes = NatsServer::cluster(3);
    let mut nc = Driver::connect(nodes[0].tcp_addr(), reconnecting(&nodes[0])).unwrap();
    await_known_servers(&mut nc, 3);

    let gone = nodes[2].tcp_addr().to_string();
    nodes[2].kill();
    // The nodes left announce the smaller cluster in a new INFO.
    let give_up = Instant::now() + PATIENCE;
    while nc
        .conn
        .servers()
        .urls()
        .any(|(url, _)| url.ends_with(&gone))
    {
        assert!(Instant::now() < give_up, "{gone} stayed in the pool");
        nc.run_for(Duration::from_millis(20));
    }
    assert_eq!(nc.conn.servers().len(), 2);
    run_seed_program(nc);
}

#[test]
fn a_frozen_server_is_detected_as_stale_and_the_client_moves_to_another_node() {
    let nodes = NatsServer::cluster(3);
    let interval = Duration::from_millis(500);
    let options = reconnecting(&nodes[0])
        .ping_interval(interval)
        .max_pings_out(2);
    let mut nc = Driver::connect(nodes[0].tcp_addr(), options).unwrap();
    await_known_servers(&mut nc, 3);

    nodes[0].pause();
    let _resume = Resume(&nodes[0]);
    let frozen = Instant::now();
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Disconnected {
            reason: CloseReason::StaleConnection,
            ..
        } => Some(()),
        _ => None,
    });
    let detected = frozen.elapsed();
    let now_on = await_reconnected(&mut nc);
    println!(
        "stale after {detected:?} (bound {:?}); moved to {now_on}",
        interval * 3
    );
    assert_ne!(now_on, url(&nodes[0]));
    let reply = nc.request("nobody.home", b"", Duration::from_millis(500));
    assert_eq!(
        reply.unwrap_err(),
        RequestFailure::NoResponders,
        "usable on the new node"
    );
}

#[cfg(feature = "nkey")]
#[test]
fn an_nkey_user_is_accepted_and_a_different_key_is_refused() {
    let user = nkeys::KeyPair::new_user();
    let config = format!(
        "authorization {{ users: [ {{ nkey: \"{}\" }} ] }}",
        user.public_key()
    );
    let server = NatsServer::start_with(&config);
    let options = ConnectOptions::new().nkey(user.seed().unwrap());
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    nc.flush();

    let stranger = nkeys::KeyPair::new_user();
    let refused = Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new().nkey(stranger.seed().unwrap()),
    )
    .err()
    .expect("an unknown key must not connect");
    assert!(
        matches!(&refused, CloseReason::Server(e) if e.kind == ServerErrorKind::AuthorizationViolation),
        "{refused:?}"
    );

    let bad_seed = Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new().nkey("SUnot-a-seed"),
    )
    .err()
    .expect("a malformed seed must not connect");
    assert!(
        matches!(bad_seed, CloseReason::InvalidCredentials(_)),
        "{bad_seed:?}"
    );
}

#[test]
fn after_credentials_are_refused_on_reconnect_the_attempts_back_off() {
    let mut server = NatsServer::start_with("authorization { token: \"first\" }");
    let options = reconnecting(&server)
        .token("first")
        .reconnect_jitter(Duration::ZERO);
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    server.restart_with("authorization { token: \"second\" }");

    // Without backoff a 100 ms wait would mean ~40 attempts in 4 s.
    let mut refusals = Vec::new();
    let watch = Instant::now();
    nc.run_until(PATIENCE, |_, e| {
        if let Event::Disconnected {
            reason: CloseReason::Server(e),
            ..
        } = e
        {
            assert_eq!(e.kind, ServerErrorKind::AuthorizationViolation);
            refusals.push(watch.elapsed());
        }
        (refusals.len() == 5).then_some(())
    });
    let gaps: Vec<Duration> = refusals.windows(2).map(|w| w[1] - w[0]).collect();
    println!("5 refusals took {:?}; gaps {gaps:?}", watch.elapsed());
    assert!(
        gaps.windows(2).all(|g| g[1] >= g[0] * 3 / 2),
        "each wait about twice the last: {gaps:?}"
    );
}

#[test]
fn a_server_entering_lame_duck_mode_is_left_for_another_node_before_it_goes() {
    let nodes = NatsServer::cluster(3);
    let options = reconnecting(&nodes[0]).lame_duck_window(Duration::from_millis(500));
    let mut nc = Driver::connect(nodes[0].tcp_addr(), options).unwrap();
    await_known_servers(&mut nc, 3);
    // A peer on another node counts what arrives, before, during and after the move.
    let mut peer = Driver::connect(nodes[1].tcp_addr(), ConnectOptions::new()).unwrap();
    let counted = peer.conn.subscribe("moved", None).unwrap();
    peer.flush();
    let give_up = Instant::now() + PATIENCE;
    while !nodes[0].monitor_get("/routez?subs=1").contains("\"moved\"") {
        assert!(
            Instant::now() < give_up,
            "the peer's interest never reached node 0"
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    // SIGUSR2 puts nats-server into lame-duck mode: it tells its clients in INFO (`ldm`).
    let status = std::process::Command::new("kill")
        .args(["-USR2", &nodes[0].pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let reported = nc.run_until(PATIENCE, |_, e| match e {
        Event::LameDuckMode { url } => Some(url),
        Event::Disconnected { .. } => panic!("left before reporting lame-duck mode"),
        _ => None,
    });
    assert_eq!(reported, url(&nodes[0]));
    // Publish all along: while still on the lame-duck server, while leaving it (held), while
    // reconnecting (held) and once on the next node.
    let (mut sent, mut left) = (0u32, false);
    while !(left && nc.conn.phase() == &Phase::Connected) {
        assert!(
            Instant::now() < give_up + PATIENCE,
            "the move did not finish"
        );
        let body = sent.to_string();
        nc.conn
            .publish("moved", None, None, body.as_bytes())
            .unwrap();
        sent += 1;
        nc.step(Duration::from_millis(5));
        left |= nc.conn.phase() != &Phase::Connected;
    }
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Disconnected {
            reason: CloseReason::LameDuckMode,
            ..
        } => Some(()),
        _ => None,
    });
    let now_on = await_reconnected(&mut nc);
    assert_ne!(now_on, url(&nodes[0]));
    assert!(
        nodes[0].is_running(),
        "moved while the old server was still up"
    );
    nc.flush();
    let mut arrived = std::collections::BTreeSet::new();
    peer.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid, message } if sid == counted => {
            let n: u32 = String::from_utf8_lossy(&message.payload).parse().unwrap();
            assert!(arrived.insert(n), "{n} arrived twice");
            (arrived.len() == sent as usize).then_some(())
        }
        _ => None,
    });
    println!("{sent} publishes across the lame-duck move, none lost");
}
