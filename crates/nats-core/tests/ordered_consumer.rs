//! The ordered consumer's state machine (`nats_core::jetstream::ordered`) driven against a real
//! JetStream nats-server through the native driver: the owner here is a few lines of what
//! nats-web's `OrderedMessages` does (subscribe, create, feed every message, answer flow
//! control, check heartbeats by their deadline with a round trip, recreate), so these tests
//! check the protocol facts against the server: replay in order, a consumer deleted on the
//! server, a delivery lost on the way, a heartbeat check that runs late.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_core::conn::{ConnectOptions, Event, FlushId, Message, RequestId};
use nats_core::jetstream::api::{tail, SuccessResponse};
use nats_core::jetstream::ordered::{
    HeartbeatCheck, HeartbeatMonitor, OrderedConsumer, OrderedOptions, ResetReason, Verdict,
};
use nats_core::jetstream::{
    read_response, ApiPrefix, ConsumerInfo, CreateConsumerRequest, Storage, StreamConfig,
    StreamInfo,
};
use nats_core::Instant;
use serde::de::DeserializeOwned;
use serde::Serialize;
use support::driver::{Driver, PATIENCE};
use support::server::{jetstream_config, NatsServer};

const STREAM: &str = "REPLAY";
const HEARTBEAT: Duration = Duration::from_millis(500);
/// Long enough for 10,000 messages on a busy machine, short enough to fail rather than hang.
const REPLAY_PATIENCE: Duration = Duration::from_secs(60);

/// An ordered consumer's owner over the native driver.
struct Owner {
    driver: Driver,
    machine: OrderedConsumer,
    /// The current consumer's subscription and name.
    sid: u64,
    name: String,
    monitor: HeartbeatMonitor,
    probe: Option<FlushId>,
    /// Round trips made before deciding on a heartbeat.
    probes: u32,
    reset_wanted: bool,
    delivered: Vec<u64>,
    /// Consumer sequences of the current consumer to drop as if lost on the way.
    lose: Vec<u64>,
}

impl Owner {
    /// Starts the first consumer; its deliveries with a consumer sequence in `lose` are
    /// dropped as if lost on the way (the first one that comes, once).
    fn start(driver: Driver, options: OrderedOptions, lose: &[u64]) -> Self {
        let machine = OrderedConsumer::new(options).unwrap();
        let monitor = HeartbeatMonitor::new(Instant::now(), HEARTBEAT);
        let mut owner = Owner {
            driver,
            machine,
            sid: 0,
            name: String::new(),
            monitor,
            probe: None,
            probes: 0,
            reset_wanted: false,
            delivered: Vec::new(),
            lose: lose.to_vec(),
        };
        owner.create();
        owner
    }

    /// Subscribes to a fresh inbox and creates the next consumer on it.
    fn create(&mut self) {
        let inbox = self.driver.conn.new_inbox();
        let name = inbox.rsplit('.').next().unwrap().to_owned();
        self.sid = self.driver.conn.subscribe(&inbox, None).unwrap();
        let version = self.driver.conn.server_info().unwrap().version.clone();
        let config = self
            .machine
            .consumer_config(&inbox, &name, &version)
            .unwrap();
        let request = CreateConsumerRequest {
            stream_name: STREAM.into(),
            config,
        };
        let info: ConsumerInfo = self.api(&tail::consumer_create(STREAM, Some(&name)), &request);
        self.machine.created(&info);
        self.name = name;
        self.monitor = HeartbeatMonitor::new(Instant::now(), HEARTBEAT);
        self.probe = None;
    }

    /// Drops the consumer (deleted on the server) and creates the next.
    fn reset(&mut self) {
        self.reset_wanted = false;
        self.driver.conn.unsubscribe(self.sid, None).unwrap();
        let name = self.name.clone();
        let _: Result<SuccessResponse, _> =
            self.try_api(&tail::consumer_delete(STREAM, &name), &());
        self.create();
    }

    /// An API call, handling the consumer's messages while it waits.
    fn api<T: DeserializeOwned>(&mut self, tail: &str, body: &impl Serialize) -> T {
        self.try_api(tail, body).expect("the API call succeeds")
    }

    fn try_api<T: DeserializeOwned>(
        &mut self,
        tail: &str,
        body: &impl Serialize,
    ) -> Result<T, nats_core::jetstream::ResponseError> {
        let payload = serde_json::to_vec(body).unwrap();
        let payload = if payload == b"null" {
            Vec::new()
        } else {
            payload
        };
        let subject = ApiPrefix::default().subject(tail);
        let id = self
            .driver
            .conn
            .request(Instant::now(), &subject, None, &payload, PATIENCE)
            .unwrap();
        let reply = self.await_reply(id);
        read_response(&reply.payload)
    }

    /// Waits for the reply to `id`; every other event (of the same turn too) is handled.
    fn await_reply(&mut self, id: RequestId) -> Message {
        let give_up = Instant::now() + PATIENCE;
        let mut reply = None;
        while reply.is_none() {
            for event in self.driver.turn(Duration::from_millis(20)) {
                match event {
                    Event::Response { id: got, message } if got == id => reply = Some(message),
                    Event::RequestFailed { id: got, kind } if got == id => {
                        panic!("the API request failed: {kind:?}")
                    }
                    other => self.handle(other),
                }
            }
            assert!(Instant::now() < give_up, "no API reply within {PATIENCE:?}");
        }
        reply.unwrap_or_else(|| unreachable!())
    }

    /// One event: the consumer's messages go through the state machine.
    fn handle(&mut self, event: Event) {
        match event {
            Event::Message { sid, message } if sid == self.sid => self.on_message(message),
            Event::Flushed(id) | Event::FlushTimedOut(id) if Some(id) == self.probe => {
                self.probe = None;
                if self.monitor.probe_ended(Instant::now(), 0) == HeartbeatCheck::Missed {
                    self.machine.reset(ResetReason::MissedHeartbeat);
                    self.reset_wanted = true;
                }
            }
            _ => {}
        }
    }

    fn on_message(&mut self, message: Message) {
        self.monitor.activity(Instant::now());
        let lost = message
            .reply
            .as_deref()
            .and_then(nats_core::jetstream::MessageInfo::from_reply)
            .is_some_and(|info| self.lose.contains(&info.consumer_sequence));
        if lost {
            self.lose.clear();
            return;
        }
        let verdict = self.machine.on_message(
            &message.subject,
            message.reply.as_deref(),
            message.headers.as_ref(),
        );
        match verdict {
            Verdict::Deliver(info) => {
                assert_eq!(message.payload, info.stream_sequence.to_string().as_bytes());
                self.delivered.push(info.stream_sequence);
            }
            Verdict::Respond(subject) => {
                self.driver.conn.publish(&subject, None, None, b"").unwrap()
            }
            Verdict::Reset(_) => self.reset_wanted = true,
            Verdict::Skip => {}
        }
    }

    /// The heartbeat check, as a timer that fired now would run it.
    fn check_heartbeat(&mut self) {
        if self.probe.is_some() {
            return;
        }
        if let HeartbeatCheck::Probe = self.monitor.deadline_reached(Instant::now(), 0) {
            self.probes += 1;
            self.probe = Some(self.driver.conn.flush().unwrap());
        }
    }

    /// Runs until `count` messages were delivered in all.
    fn run_until_delivered(&mut self, count: usize, limit: Duration) {
        let give_up = Instant::now() + limit;
        while self.delivered.len() < count {
            for event in self.driver.turn(Duration::from_millis(20)) {
                self.handle(event);
            }
            if self.reset_wanted {
                self.reset();
            }
            self.check_heartbeat();
            assert!(
                Instant::now() < give_up,
                "{} of {count} delivered within {limit:?}",
                self.delivered.len()
            );
        }
    }

    /// Runs for `duration`, delivering what comes.
    fn run_for(&mut self, duration: Duration) {
        let end = Instant::now() + duration;
        while Instant::now() < end {
            for event in self.driver.turn(Duration::from_millis(20)) {
                self.handle(event);
            }
            if self.reset_wanted {
                self.reset();
            }
            self.check_heartbeat();
        }
    }
}

/// A JetStream server with stream [`STREAM`] (in memory, on `replay.>`) holding `count`
/// messages whose payloads are their stream sequences; the connection that made it.
fn stream_with(count: u64) -> (NatsServer, Driver) {
    let server = NatsServer::start_with(&jetstream_config());
    let mut driver = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let config = StreamConfig {
        storage: Storage::Memory,
        ..StreamConfig::new(STREAM, ["replay.>"])
    };
    let payload = serde_json::to_vec(&config).unwrap();
    let subject = ApiPrefix::default().subject(&tail::stream_create(STREAM));
    let reply = driver.request(&subject, &payload, PATIENCE).unwrap();
    read_response::<StreamInfo>(&reply.payload).expect("stream created");
    publish_range(&mut driver, 1, count);
    (server, driver)
}

/// Publishes `from..=to` (each payload its number) and waits until all are stored.
fn publish_range(driver: &mut Driver, from: u64, to: u64) {
    for n in from..=to {
        driver
            .conn
            .publish("replay.n", None, None, n.to_string().as_bytes())
            .unwrap();
        if n % 1000 == 0 {
            driver.flush();
        }
    }
    driver.flush();
    // The flush answers once the server read the publishes; the stream may store the last
    // ones a moment later (seen on nats-server 2.15.1).
    let subject = ApiPrefix::default().subject(&tail::stream_info(STREAM));
    let give_up = std::time::Instant::now() + PATIENCE;
    loop {
        let stored =
            read_response::<StreamInfo>(&driver.request(&subject, b"", PATIENCE).unwrap().payload)
                .unwrap()
                .state
                .last_seq;
        if stored >= to || std::time::Instant::now() > give_up {
            assert_eq!(stored, to, "the stream stored every message");
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn heartbeats() -> OrderedOptions {
    OrderedOptions::new().idle_heartbeat(HEARTBEAT)
}

#[test]
fn a_10000_message_stream_is_replayed_in_order_each_stream_sequence_once() {
    let (_server, driver) = stream_with(10_000);
    let started = Instant::now();
    let mut owner = Owner::start(driver, heartbeats(), &[]);
    owner.run_until_delivered(10_000, REPLAY_PATIENCE);
    let elapsed = started.elapsed();
    assert_eq!(owner.delivered, (1..=10_000).collect::<Vec<_>>());
    assert_eq!(owner.machine.pending(), 0);
    assert_eq!(owner.machine.resets().total(), 0);
    eprintln!(
        "native ordered replay: 10000 messages in {} ms ({:.0} msg/s, debug build)",
        elapsed.as_millis(),
        10_000.0 / elapsed.as_secs_f64()
    );
}

#[test]
fn a_consumer_deleted_on_the_server_is_found_by_its_missing_heartbeats_and_recreated_with_nothing_missed_or_twice(
) {
    let (_server, driver) = stream_with(3_000);
    let mut owner = Owner::start(driver, heartbeats(), &[]);
    owner.run_until_delivered(3_000, REPLAY_PATIENCE);
    // Deleted behind the owner's back: nats-server sends a push consumer nothing when it is
    // deleted; only the heartbeats stop. What is stored meanwhile comes from the next one.
    let name = owner.name.clone();
    let _: SuccessResponse = owner.api(&tail::consumer_delete(STREAM, &name), &());
    publish_more(&mut owner, 3_001, 10_000);
    owner.run_until_delivered(10_000, REPLAY_PATIENCE);

    assert_eq!(owner.delivered, (1..=10_000).collect::<Vec<_>>());
    let resets = owner.machine.resets();
    assert_eq!(
        (resets.missed_heartbeat, resets.total()),
        (1, 1),
        "{resets:?}"
    );
    assert_ne!(owner.name, name);
}

#[test]
fn a_delivery_lost_on_the_way_is_a_gap_and_the_next_consumer_starts_right_after_the_last_delivered()
{
    let (_server, driver) = stream_with(2_000);
    let mut owner = Owner::start(driver, heartbeats(), &[500]);
    owner.run_until_delivered(2_000, REPLAY_PATIENCE);
    assert_eq!(owner.delivered, (1..=2_000).collect::<Vec<_>>());
    let resets = owner.machine.resets();
    assert_eq!((resets.gap, resets.total()), (1, 1), "{resets:?}");
}

#[test]
fn a_lost_last_message_is_told_by_the_next_heartbeat_and_delivered_again() {
    let (_server, driver) = stream_with(20);
    let mut owner = Owner::start(driver, heartbeats(), &[20]);
    owner.run_until_delivered(20, PATIENCE);
    assert_eq!(owner.delivered, (1..=20).collect::<Vec<_>>());
    assert_eq!(owner.machine.resets().gap, 1);
}

#[test]
fn a_heartbeat_check_that_runs_late_makes_a_round_trip_and_finds_the_heartbeats_so_no_reset() {
    let (_server, driver) = stream_with(10);
    let mut owner = Owner::start(driver, heartbeats(), &[]);
    owner.run_until_delivered(10, PATIENCE);
    owner.run_for(HEARTBEAT * 2);

    // As a busy main thread or a background tab: nothing is read for three heartbeat
    // intervals, then the check's timer runs before the socket is read.
    std::thread::sleep(HEARTBEAT * 3);
    let probes = owner.probes;
    owner.check_heartbeat();
    assert_eq!(
        owner.probes,
        probes + 1,
        "the late check asked for a round trip"
    );
    owner.run_for(HEARTBEAT);

    assert_eq!(
        owner.machine.resets().total(),
        0,
        "{:?}",
        owner.machine.resets()
    );
    publish_more(&mut owner, 11, 15);
    owner.run_until_delivered(15, PATIENCE);
    assert_eq!(owner.delivered, (1..=15).collect::<Vec<_>>());
    assert_eq!(owner.machine.resets().total(), 0);
}

#[test]
fn several_filter_subjects_fail_clearly_on_nats_server_2_9_which_would_ignore_them() {
    let server = NatsServer::start_with(&jetstream_config());
    let mut driver = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let version = driver.conn.server_info().unwrap().version.clone();
    let mut machine =
        OrderedConsumer::new(OrderedOptions::new().filter_subjects(["a.>", "b.>"])).unwrap();
    let inbox = driver.conn.new_inbox();
    let config = machine.consumer_config(&inbox, "x", &version);
    if version.starts_with("2.9.") {
        let error = config.unwrap_err();
        assert!(error.to_string().contains("2.10"), "{error}");
    } else {
        assert_eq!(config.unwrap().filter_subjects, ["a.>", "b.>"]);
    }
    driver.flush();
}

/// Publishes more to the stream from the owner's own connection, handling its messages.
fn publish_more(owner: &mut Owner, from: u64, to: u64) {
    for n in from..=to {
        owner
            .driver
            .conn
            .publish("replay.n", None, None, n.to_string().as_bytes())
            .unwrap();
    }
}
