//! The randomized fault test: the sans-IO core against a real nats-server, with the server
//! itself as the oracle.
//!
//! A seeded run gives the client under test random subscribes, queue subscribes,
//! unsubscribes (now and after n messages), subscription drains, requests (answered by a peer
//! connection, or to subjects nobody serves, some with tiny timeouts), publishes (to subjects
//! the peer subscribes to) and flushes, interleaved with faults: the TCP connection killed,
//! the server restarted, and commands given in every phase of a reconnect, including the
//! handshake window (after the new server's INFO, before its first PONG). Every few ops it
//! settles (both connections up, flushed both ways) and checks; each client connection
//! ("round") ends with a drain given in whatever phase the client is in.
//!
//! # What the client promises (each is checked)
//! 1. **The server holds what the client thinks it holds.** After every settle point the
//!    subscriptions nats-server lists for the connection in `/connz?subs=detail` are exactly
//!    the client's live table (`Connection::subscriptions`, the request inbox included): same
//!    sids, subjects, queue groups, and the same number of messages left before an
//!    `unsubscribe(after)` limit. That table holds exactly the subscriptions not reported
//!    ended, and none is still draining after a flush.
//! 2. **Every request resolves exactly once**: one `Response` (with its own reply) or one
//!    `RequestFailed`, and by the time the connection closes.
//! 3. **A request that failed before it was sent never reaches the server**: one accepted
//!    while disconnected that fails (disconnected again, timed out) is not sent later; the
//!    responder counts every request it sees by a unique payload.
//! 4. **Publishes are delivered at most once, in order, and none is lost unreported.** A
//!    publish accepted while connected, or held while disconnected, reaches the subscriber once
//!    the connection is up; the only ones that may be missing were on a connection that was
//!    then lost (reported by `Disconnected`), or were refused with a typed error
//!    (`BufferFull`). A drain that reports success delivers everything held, and lets the
//!    requests in flight finish (none fails with `Closed`).
//! 5. **Subscriptions end exactly once**, with `SubscriptionEnded` or `SubscriptionDrained`
//!    (a drain that meets the subscription's limit, or an unsubscribe, ends with the former:
//!    the client layer completes the drain on either), no message follows their end, every
//!    accepted `drain_subscription` has ended by the next settle point, and commands on a
//!    live subscription are never refused.
//! 6. **Memory stays bounded**: held publishes within the reconnect buffer, the transmit and
//!    receive buffers within the payload limit plus a read, no events left untaken.
//!
//! `NATS_ORACLE_SEED` (default fixed) and `NATS_ORACLE_OPS` (default 2000) choose the run;
//! its length is bounded by the op count, never by a clock. A broken promise fails the test
//! with the seed to replay and the op log. `cargo test --test fault_oracle -- --nocapture`
//! prints what a run did.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use support::oracle::{Oracle, Window};

/// The seed when `NATS_ORACLE_SEED` is not set.
const DEFAULT_SEED: u64 = 0x5eed_0009;
/// Operations when `NATS_ORACLE_OPS` is not set.
const DEFAULT_OPS: u64 = 2000;

/// Subjects the client subscribes to (the peer publishes to `sub.0` .. `sub.3`).
const SUBJECTS: [&str; 6] = ["sub.0", "sub.1", "sub.2", "sub.*", "sub.>", "sub.3"];
/// Queue groups of queue subscriptions.
const QUEUES: [&str; 2] = ["q1", "q2"];

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => {
            let text = text.trim();
            let parsed = match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={text:?} is not a number"))
        }
        Err(_) => default,
    }
}

#[test]
fn the_server_agrees_with_the_client_through_random_faults() {
    let seed = env_u64("NATS_ORACLE_SEED", DEFAULT_SEED);
    let ops = env_u64("NATS_ORACLE_OPS", DEFAULT_OPS);
    let mut oracle = Oracle::new(seed);
    let mut round_left = round_length(&mut oracle);
    while oracle.stats.ops < ops {
        random_step(&mut oracle);
        oracle.pump();
        round_left = round_left.saturating_sub(1);
        if round_left == 0 {
            end_round(&mut oracle);
            round_left = round_length(&mut oracle);
        }
    }
    oracle.settle();
    oracle.finish_round();
    let s = oracle.stats;
    println!(
        "fault oracle, seed {seed:#x}: {} operations ({} in reconnect windows), {} faults \
         ({} transport kills, {} server restarts), {} settle points, {} rounds, {} invariant \
         checks, all held",
        s.ops,
        s.window_ops,
        s.kills + s.restarts,
        s.kills,
        s.restarts,
        s.settles,
        s.rounds,
        s.checks
    );
}

/// Commands before a round's drain.
fn round_length(oracle: &mut Oracle) -> u64 {
    60 + oracle.rng.below(200)
}

/// Ends a round with the drain in a random phase: settled, reconnecting, or in a window.
fn end_round(oracle: &mut Oracle) {
    match oracle.rng.below(4) {
        0 => oracle.settle(),
        1 => {
            oracle.kill();
            publishes(oracle);
        }
        2 => {
            oracle.enter(Window::Handshake);
            publishes(oracle);
        }
        _ => {
            // Requests in flight when the drain starts: it must let them finish.
            for _ in 0..1 + oracle.rng.below(3) {
                oracle.request(true, Duration::from_secs(2));
            }
        }
    }
    oracle.finish_round();
}

fn publishes(oracle: &mut Oracle) {
    for _ in 0..1 + oracle.rng.below(3) {
        let (subject, pad) = (oracle.rng.below(3), oracle.rng.below(200) as usize);
        oracle.publish(subject, pad);
    }
}

/// One random step: a fault, a reconnect window with commands in it, a settle, or a command.
fn random_step(oracle: &mut Oracle) {
    match oracle.rng.below(1000) {
        0..=29 => oracle.kill(),
        30..=74 => {
            let window = if oracle.rng.below(3) == 0 {
                Window::AwaitInfo
            } else {
                Window::Handshake
            };
            oracle.enter(window);
            for _ in 0..1 + oracle.rng.below(4) {
                oracle.count_window_op();
                random_command(oracle);
            }
            if oracle.rng.percent(25) {
                oracle.kill();
            }
        }
        75..=79 => oracle.restart_server(),
        80..=159 => oracle.settle(),
        _ => random_command(oracle),
    }
}

/// One random command to the client (or a peer publish to its subscriptions).
fn random_command(oracle: &mut Oracle) {
    let live = oracle.live_sids();
    let roll = oracle.rng.below(100);
    let sid = (!live.is_empty()).then(|| *oracle.rng.pick(&live));
    match (roll, sid) {
        (0..=14, _) | (22..=44, None) => {
            let subject = *oracle.rng.pick(&SUBJECTS);
            oracle.subscribe(subject, None);
        }
        (15..=21, _) => {
            let subject = *oracle.rng.pick(&SUBJECTS);
            let queue = *oracle.rng.pick(&QUEUES);
            oracle.subscribe(subject, Some(queue));
        }
        (22..=29, Some(sid)) => oracle.unsubscribe(sid, None),
        (30..=37, Some(sid)) => {
            // Only lower a limit: a higher one races with the server ending the subscription
            // at the old one, which no client can tell apart without a round trip.
            let more = oracle
                .rng
                .below(4)
                .min(oracle.remaining(sid).unwrap_or(u64::MAX));
            let after = oracle.delivered(sid) + more;
            oracle.unsubscribe(sid, Some(after));
        }
        (38..=44, Some(sid)) => oracle.drain_subscription(sid),
        (45..=59, _) => {
            let answered = oracle.rng.percent(75);
            let timeout = if oracle.rng.percent(15) {
                Duration::from_millis(1 + oracle.rng.below(30))
            } else {
                Duration::from_secs(2)
            };
            oracle.request(answered, timeout);
        }
        (60..=79, _) => {
            let (subject, pad) = (oracle.rng.below(3), oracle.rng.below(1500) as usize);
            oracle.publish(subject, pad);
        }
        (80..=89, _) => {
            let (subject, count) = (oracle.rng.below(4), 1 + oracle.rng.below(4));
            oracle.peer_publish(subject, count);
        }
        (90..=95, _) => {
            oracle.flush();
        }
        _ => {
            let turns = 1 + oracle.rng.below(5) as u32;
            oracle.idle(turns);
        }
    }
}
