//! The ordered consumer as ADR-17 and the reference clients (nats.go, nats.js, async-nats)
//! describe it, case by case (the property over any sequence of events is in
//! `ordered_property_tests.rs`).

use std::time::Duration;

use super::*;
use crate::Instant;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const INBOX: &str = "_INBOX.a1";
const NAME: &str = "a1";

/// The reply subject of delivery `dseq` of consumer `name`: stream sequence `sseq`, `pending`
/// left (the 9-token form nats-server 2.9 sends).
pub(super) fn ack(name: &str, sseq: u64, dseq: u64, pending: u64) -> String {
    format!("$JS.ACK.S.{name}.1.{sseq}.{dseq}.1700000000000000000.{pending}")
}

pub(super) fn status(code: u16, description: &str, entries: &[(&str, &str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.set_status(StatusCode::new(code).unwrap(), Some(description.into()));
    for (name, value) in entries {
        headers.append(*name, *value).unwrap();
    }
    headers
}

pub(super) fn heartbeat(last_consumer: u64, last_stream: u64) -> HeaderMap {
    let (c, s) = (last_consumer.to_string(), last_stream.to_string());
    status(
        100,
        "Idle Heartbeat",
        &[
            ("Nats-Last-Consumer", c.as_str()),
            ("Nats-Last-Stream", s.as_str()),
        ],
    )
}

/// An ordered consumer with its first consumer configured (as `INBOX` / `NAME`).
fn started(options: OrderedOptions) -> (OrderedConsumer, ConsumerConfig) {
    let mut ordered = OrderedConsumer::new(options).unwrap();
    let config = ordered.consumer_config(INBOX, NAME, "2.10.0").unwrap();
    (ordered, config)
}

/// Delivery `dseq` of the current consumer `name`, stream sequence `sseq`.
fn deliver(ordered: &mut OrderedConsumer, name: &str, sseq: u64, dseq: u64) -> Verdict {
    ordered.on_message("orders.new", Some(&ack(name, sseq, dseq, 0)), None)
}

/// A create's answer: what the new consumer delivered so far, and what is left.
fn info(consumer_seq: u64, stream_seq: u64, num_pending: u64) -> ConsumerInfo {
    ConsumerInfo {
        delivered: crate::jetstream::SequenceInfo {
            consumer_seq,
            stream_seq,
            ..Default::default()
        },
        num_pending,
        ..ConsumerInfo::default()
    }
}

fn delivered(sseq: u64, dseq: u64) -> Verdict {
    Verdict::Deliver(MessageInfo::from_reply(&ack(NAME, sseq, dseq, 0)).unwrap())
}

#[test]
fn each_consumer_is_an_ephemeral_push_consumer_without_acks_with_flow_control_and_heartbeats_in_memory(
) {
    let (_, config) = started(OrderedOptions::new().idle_heartbeat(Duration::from_millis(500)));
    assert_eq!(config.name.as_deref(), Some(NAME));
    assert_eq!(config.durable_name, None);
    assert_eq!(config.deliver_subject.as_deref(), Some(INBOX));
    assert_eq!(config.ack_policy, AckPolicy::None);
    assert_eq!(config.max_deliver, 1);
    assert!(config.flow_control);
    assert_eq!(config.idle_heartbeat, Duration::from_millis(500));
    assert!(config.mem_storage);
    assert_eq!(config.num_replicas, 1);
    assert_eq!(config.inactive_threshold, DEFAULT_INACTIVE_THRESHOLD);
    assert!(!config.headers_only);
}

#[test]
fn the_defaults_are_the_whole_stream_from_the_start_with_5_s_heartbeats() {
    let (_, config) = started(OrderedOptions::new());
    assert_eq!(config.deliver_policy, DeliverPolicy::All);
    assert_eq!(config.idle_heartbeat, Duration::from_secs(5));
    assert_eq!(
        (config.filter_subject, config.filter_subjects.len()),
        (None, 0)
    );
}

#[test]
fn the_first_consumer_starts_where_the_options_say() {
    let policy = |from| {
        let (_, c) = started(OrderedOptions::new().deliver(from));
        (c.deliver_policy, c.opt_start_seq, c.opt_start_time)
    };
    assert_eq!(policy(DeliverFrom::All), (DeliverPolicy::All, 0, None));
    assert_eq!(policy(DeliverFrom::Last), (DeliverPolicy::Last, 0, None));
    assert_eq!(policy(DeliverFrom::New), (DeliverPolicy::New, 0, None));
    assert_eq!(
        policy(DeliverFrom::LastPerSubject),
        (DeliverPolicy::LastPerSubject, 0, None)
    );
    assert_eq!(
        policy(DeliverFrom::Sequence(42)),
        (DeliverPolicy::ByStartSequence, 42, None)
    );
    assert_eq!(
        policy(DeliverFrom::Time(1_700_000_000_000_000_000)),
        (
            DeliverPolicy::ByStartTime,
            0,
            Some(1_700_000_000_000_000_000)
        )
    );
}

#[test]
fn the_last_per_subject_without_a_filter_filters_on_every_subject_as_the_server_requires() {
    let (_, config) = started(OrderedOptions::new().deliver(DeliverFrom::LastPerSubject));
    assert_eq!(config.filter_subject.as_deref(), Some(">"));
    assert!(
        config.filter_subjects.is_empty(),
        "one filter: 2.9 takes it"
    );

    let (_, config) = started(
        OrderedOptions::new()
            .deliver(DeliverFrom::LastPerSubject)
            .filter_subject("kv.a"),
    );
    assert_eq!(
        config.filter_subject.as_deref(),
        Some("kv.a"),
        "a filter is kept"
    );

    let (_, config) = started(OrderedOptions::new().deliver(DeliverFrom::Last));
    assert_eq!(config.filter_subject, None, "other policies need none");
}

mod retries {
    use super::super::retry::*;
    use crate::jetstream::ApiError;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn api(code: u16, err_code: u16) -> ApiError {
        ApiError {
            code,
            err_code,
            description: String::new(),
        }
    }

    #[test]
    fn a_system_not_ready_or_a_limit_others_can_free_is_temporary() {
        for (code, err_code) in [
            (503, 10008), // JetStream system temporarily unavailable
            (500, 10009), // cluster can not handle the request
            (503, 0),     // a server before err_codes
            (400, 10026), // maximum consumers reached
            (400, 10005), // no suitable peers for placement
        ] {
            assert!(is_temporary(&api(code, err_code)), "{code}/{err_code}");
        }
    }

    #[test]
    fn a_refusal_retrying_cannot_change_is_permanent() {
        for (code, err_code) in [
            (404, 10059), // stream not found
            (400, 10093), // filter subject outside the stream's subjects
            (400, 10099), // work queue stream: no such consumer
            (400, 10094), // last per subject without a filter
            (503, 10039), // JetStream not enabled for the account (though 503)
            (503, 10076), // JetStream not enabled
            (400, 0),
        ] {
            assert!(!is_temporary(&api(code, err_code)), "{code}/{err_code}");
        }
    }

    #[test]
    fn the_wait_doubles_up_to_its_cap_and_the_jitter_adds_at_most_a_quarter() {
        assert_eq!(retry_wait(1, 0), FIRST_RETRY_WAIT);
        assert_eq!(retry_wait(2, 0), FIRST_RETRY_WAIT * 2);
        assert_eq!(retry_wait(0, 0), FIRST_RETRY_WAIT);
        assert_eq!(retry_wait(u32::MAX, 0), MAX_RETRY_WAIT);
        for jitter in [1, 62, 63, 1_000, u32::MAX] {
            let wait = retry_wait(1, jitter);
            assert!(
                wait >= FIRST_RETRY_WAIT && wait <= FIRST_RETRY_WAIT * 5 / 4,
                "{wait:?}"
            );
            let wait = retry_wait(u32::MAX, jitter);
            assert!(wait <= MAX_RETRY_WAIT * 5 / 4, "{wait:?}");
        }
        assert_ne!(
            retry_wait(3, 7),
            retry_wait(3, 8),
            "the jitter spreads the retries"
        );
    }
}

#[test]
fn headers_only_is_passed_on() {
    let (_, config) = started(OrderedOptions::new().headers_only(true));
    assert!(config.headers_only);
}

#[test]
fn one_filter_goes_in_filter_subject_and_several_in_filter_subjects() {
    let (_, one) = started(OrderedOptions::new().filter_subject("$KV.b.>"));
    assert_eq!(one.filter_subject.as_deref(), Some("$KV.b.>"));
    assert!(one.filter_subjects.is_empty());
    let (_, several) = started(OrderedOptions::new().filter_subjects(["a.*", "b.>"]));
    assert_eq!(several.filter_subject, None);
    assert_eq!(several.filter_subjects, ["a.*", "b.>"]);
}

#[test]
fn several_filters_fail_clearly_on_nats_server_2_9_and_one_filter_works_there() {
    let mut ordered =
        OrderedConsumer::new(OrderedOptions::new().filter_subjects(["a", "b"])).unwrap();
    let error = ordered.consumer_config(INBOX, NAME, "2.9.10").unwrap_err();
    assert_eq!(
        error,
        OrderedError::FilterSubjectsUnsupported {
            version: "2.9.10".into(),
            count: 2
        }
    );
    assert!(error.to_string().contains("nats-server 2.10 or later"));
    let mut one = OrderedConsumer::new(OrderedOptions::new().filter_subject("a.>")).unwrap();
    assert!(one.consumer_config(INBOX, NAME, "2.9.10").is_ok());
}

#[test]
fn filter_subjects_are_taken_from_nats_server_2_10_on() {
    for old in ["2.9.10", "2.2.0", "v2.9.25", "1.4.1"] {
        assert!(!takes_filter_subjects(old), "{old}");
    }
    for new in ["2.10.0", "2.15.1", "v2.11.0-RC.1", "3.0.0", "", "dev"] {
        assert!(takes_filter_subjects(new), "{new}");
    }
}

#[test]
fn an_invalid_filter_or_a_zero_heartbeat_is_refused_before_anything_is_sent() {
    assert!(matches!(
        OrderedConsumer::new(OrderedOptions::new().filter_subject("a b")),
        Err(OrderedError::InvalidFilter(_))
    ));
    assert!(matches!(
        OrderedConsumer::new(OrderedOptions::new().filter_subject("a.>.b")),
        Err(OrderedError::InvalidFilter(_))
    ));
    assert_eq!(
        OrderedConsumer::new(OrderedOptions::new().idle_heartbeat(Duration::ZERO)).unwrap_err(),
        OrderedError::ZeroHeartbeat
    );
}

#[test]
fn deliveries_in_consumer_order_are_delivered_with_their_metadata_and_pending_count() {
    let (mut ordered, _) = started(OrderedOptions::new());
    for (sseq, dseq) in [(1, 1), (2, 2), (5, 3)] {
        assert_eq!(
            deliver(&mut ordered, NAME, sseq, dseq),
            delivered(sseq, dseq)
        );
    }
    assert_eq!(ordered.last_stream_seq(), 5);
    let verdict = ordered.on_message("orders.new", Some(&ack(NAME, 6, 4, 994)), None);
    assert!(matches!(verdict, Verdict::Deliver(ref info) if info.pending == 994));
    assert_eq!(ordered.pending(), 994);
    assert_eq!(ordered.resets().total(), 0);
}

#[test]
fn a_gap_in_the_consumer_sequence_resets_right_after_the_last_stream_sequence_delivered() {
    let (mut ordered, _) = started(OrderedOptions::new());
    assert_eq!(deliver(&mut ordered, NAME, 10, 1), delivered(10, 1));
    assert_eq!(
        deliver(&mut ordered, NAME, 12, 3),
        Verdict::Reset(Reset {
            from_stream_seq: Some(11),
            reason: ResetReason::Gap
        })
    );
}

#[test]
fn the_next_consumer_starts_by_sequence_after_the_last_delivered_and_counts_from_one() {
    let (mut ordered, _) = started(OrderedOptions::new().deliver(DeliverFrom::LastPerSubject));
    deliver(&mut ordered, NAME, 7, 1);
    ordered.reset(ResetReason::Reconnect);
    let config = ordered
        .consumer_config("_INBOX.b2", "b2", "2.10.0")
        .unwrap();
    assert_eq!(config.deliver_policy, DeliverPolicy::ByStartSequence);
    assert_eq!(config.opt_start_seq, 8);
    assert_eq!(config.deliver_subject.as_deref(), Some("_INBOX.b2"));
    assert_eq!(ordered.consumer_name(), Some("b2"));
    assert_eq!(
        deliver(&mut ordered, "b2", 8, 1),
        Verdict::Deliver(MessageInfo::from_reply(&ack("b2", 8, 1, 0)).unwrap())
    );
}

#[test]
fn after_a_reset_the_old_consumers_deliveries_and_statuses_are_skipped() {
    let (mut ordered, _) = started(OrderedOptions::new());
    deliver(&mut ordered, NAME, 1, 1);
    ordered.reset(ResetReason::MissedHeartbeat);
    assert_eq!(
        deliver(&mut ordered, NAME, 2, 2),
        Verdict::Skip,
        "no consumer in use"
    );
    ordered
        .consumer_config("_INBOX.b2", "b2", "2.10.0")
        .unwrap();
    assert_eq!(
        deliver(&mut ordered, NAME, 2, 2),
        Verdict::Skip,
        "the old one"
    );
    let old_heartbeat = heartbeat(9, 9);
    assert_eq!(
        ordered.on_message(INBOX, None, Some(&old_heartbeat)),
        Verdict::Skip
    );
    assert_eq!(
        ordered.on_message(INBOX, None, Some(&status(409, "Consumer Deleted", &[]))),
        Verdict::Skip
    );
    assert_eq!(ordered.resets().total(), 1);
}

#[test]
fn a_delivery_seen_before_is_skipped() {
    let (mut ordered, _) = started(OrderedOptions::new());
    deliver(&mut ordered, NAME, 1, 1);
    deliver(&mut ordered, NAME, 2, 2);
    assert_eq!(deliver(&mut ordered, NAME, 2, 2), Verdict::Skip);
    assert_eq!(deliver(&mut ordered, NAME, 1, 1), Verdict::Skip);
    assert_eq!(deliver(&mut ordered, NAME, 3, 3), delivered(3, 3));
}

#[test]
fn a_stream_sequence_not_after_the_last_delivered_is_skipped_even_in_consumer_order() {
    let (mut ordered, _) = started(OrderedOptions::new());
    deliver(&mut ordered, NAME, 5, 1);
    assert_eq!(deliver(&mut ordered, NAME, 5, 2), Verdict::Skip);
    assert_eq!(deliver(&mut ordered, NAME, 6, 3), delivered(6, 3));
}

#[test]
fn a_heartbeat_that_agrees_with_what_was_delivered_is_skipped() {
    let (mut ordered, _) = started(OrderedOptions::new());
    assert_eq!(
        ordered.on_message(INBOX, None, Some(&heartbeat(0, 0))),
        Verdict::Skip
    );
    deliver(&mut ordered, NAME, 1, 1);
    assert_eq!(
        ordered.on_message(INBOX, None, Some(&heartbeat(1, 1))),
        Verdict::Skip
    );
    let bare = status(100, "Idle Heartbeat", &[]);
    assert_eq!(ordered.on_message(INBOX, None, Some(&bare)), Verdict::Skip);
}

#[test]
fn a_heartbeat_whose_last_consumer_sequence_is_ahead_resets_a_lost_last_message() {
    let (mut ordered, _) = started(OrderedOptions::new());
    deliver(&mut ordered, NAME, 1, 1);
    assert_eq!(
        ordered.on_message(INBOX, None, Some(&heartbeat(2, 2))),
        Verdict::Reset(Reset {
            from_stream_seq: Some(2),
            reason: ResetReason::Gap
        })
    );
}

#[test]
fn a_flow_control_request_is_answered_at_its_reply_subject() {
    let (mut ordered, _) = started(OrderedOptions::new());
    let request = status(100, "FlowControl Request", &[]);
    assert_eq!(
        ordered.on_message(INBOX, Some("$JS.FC.S.x.1"), Some(&request)),
        Verdict::Respond("$JS.FC.S.x.1".into())
    );
}

#[test]
fn a_stalled_consumers_heartbeat_is_answered_at_the_subject_it_names() {
    let (mut ordered, _) = started(OrderedOptions::new());
    let stalled = status(
        100,
        "Idle Heartbeat",
        &[
            ("Nats-Last-Consumer", "0"),
            ("Nats-Last-Stream", "0"),
            ("Nats-Consumer-Stalled", "$JS.FC.S.x.2"),
        ],
    );
    assert_eq!(
        ordered.on_message(INBOX, None, Some(&stalled)),
        Verdict::Respond("$JS.FC.S.x.2".into())
    );
}

#[test]
fn the_consumer_deleted_status_resets() {
    let (mut ordered, _) = started(OrderedOptions::new());
    deliver(&mut ordered, NAME, 3, 1);
    assert_eq!(
        ordered.on_message(INBOX, None, Some(&status(409, "Consumer Deleted", &[]))),
        Verdict::Reset(Reset {
            from_stream_seq: Some(4),
            reason: ResetReason::ConsumerGone
        })
    );
}

#[test]
fn what_is_no_jetstream_delivery_is_skipped() {
    let (mut ordered, _) = started(OrderedOptions::new());
    assert_eq!(ordered.on_message("x", None, None), Verdict::Skip);
    assert_eq!(
        ordered.on_message("x", Some("_INBOX.r"), None),
        Verdict::Skip
    );
    assert_eq!(
        ordered.on_message("x", Some("$JS.ACK.S.a1.x.y"), None),
        Verdict::Skip
    );
    let unknown = status(503, "No Responders", &[]);
    assert_eq!(
        ordered.on_message(INBOX, None, Some(&unknown)),
        Verdict::Skip
    );
    let elsewhere = heartbeat(5, 5);
    assert_eq!(
        ordered.on_message("other", None, Some(&elsewhere)),
        Verdict::Skip
    );
    assert_eq!(ordered.resets().total(), 0);
}

#[test]
fn a_reset_before_anything_was_delivered_starts_as_the_first_consumer_did() {
    let (mut ordered, _) = started(OrderedOptions::new().deliver(DeliverFrom::LastPerSubject));
    let reset = ordered.reset(ResetReason::MissedHeartbeat);
    assert_eq!(reset.from_stream_seq, None);
    let config = ordered
        .consumer_config("_INBOX.b2", "b2", "2.10.0")
        .unwrap();
    assert_eq!(config.deliver_policy, DeliverPolicy::LastPerSubject);
}

#[test]
fn a_new_consumer_that_delivered_nothing_yet_pins_where_the_next_one_starts() {
    // `New` recreated later would skip what was stored in between.
    let (mut ordered, _) = started(OrderedOptions::new().deliver(DeliverFrom::New));
    ordered.created(&info(0, 41, 0));
    assert_eq!(
        ordered.reset(ResetReason::Reconnect).from_stream_seq,
        Some(42)
    );
    let config = ordered
        .consumer_config("_INBOX.b2", "b2", "2.10.0")
        .unwrap();
    assert_eq!(
        (config.deliver_policy, config.opt_start_seq),
        (DeliverPolicy::ByStartSequence, 42)
    );
}

#[test]
fn a_consumer_that_already_delivered_when_created_answered_pins_nothing() {
    let (mut ordered, _) = started(OrderedOptions::new().deliver(DeliverFrom::All));
    ordered.created(&info(3, 3, 7));
    assert_eq!(ordered.pending(), 10, "7 left and 3 on their way");
    assert_eq!(ordered.reset(ResetReason::Reconnect).from_stream_seq, None);
    let (mut ordered, _) = started(OrderedOptions::new().deliver(DeliverFrom::LastPerSubject));
    ordered.created(&info(0, 10, 3));
    assert_eq!(ordered.reset(ResetReason::Reconnect).from_stream_seq, None);
    assert_eq!(ordered.pending(), 3, "the first consumer's pending count");
}

#[test]
fn resets_are_counted_by_reason_with_the_latest_one() {
    let (mut ordered, _) = started(OrderedOptions::new());
    ordered.reset(ResetReason::Reconnect);
    ordered
        .consumer_config("_INBOX.b2", "b2", "2.10.0")
        .unwrap();
    deliver(&mut ordered, "b2", 1, 1);
    deliver(&mut ordered, "b2", 3, 3);
    ordered
        .consumer_config("_INBOX.c3", "c3", "2.10.0")
        .unwrap();
    ordered.on_message(
        "_INBOX.c3",
        None,
        Some(&status(409, "Consumer Deleted", &[])),
    );
    ordered.reset(ResetReason::MissedHeartbeat);
    let resets = ordered.resets();
    assert_eq!(
        (
            resets.gap,
            resets.missed_heartbeat,
            resets.reconnect,
            resets.consumer_gone
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        (resets.total(), resets.last),
        (4, Some(ResetReason::MissedHeartbeat))
    );
}

mod heartbeats {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const HB: Duration = Duration::from_millis(500);

    fn at(ms: u64) -> Instant {
        Instant::from_since_origin(Duration::from_millis(ms))
    }

    #[test]
    fn activity_within_two_intervals_keeps_the_consumer_alive() {
        let mut monitor = HeartbeatMonitor::new(at(0), HB);
        assert_eq!(monitor.next_check(), Some(at(1000)));
        monitor.activity(at(600));
        assert_eq!(
            monitor.check(at(1000)),
            HeartbeatCheck::Alive {
                next_check: at(1600)
            }
        );
    }

    #[test]
    fn two_silent_intervals_ask_for_a_round_trip_first_not_a_reset() {
        let mut monitor = HeartbeatMonitor::new(at(0), HB);
        assert_eq!(monitor.check(at(1000)), HeartbeatCheck::Probe);
        assert_eq!(monitor.next_check(), None, "the probe's answer decides");
        assert_eq!(monitor.check(at(5000)), HeartbeatCheck::Probe);
    }

    #[test]
    fn a_late_timer_finds_the_heartbeats_that_arrived_before_the_round_trip_and_does_not_reset() {
        // The main thread was blocked for 3 intervals: the timer fires late and finds the
        // last activity old; the heartbeats queued meanwhile arrive before the PONG.
        let mut monitor = HeartbeatMonitor::new(at(0), HB);
        assert_eq!(monitor.check(at(1500)), HeartbeatCheck::Probe);
        monitor.activity(at(1501));
        assert_eq!(
            monitor.probe_answered(),
            HeartbeatCheck::Alive {
                next_check: at(2501)
            }
        );
    }

    #[test]
    fn messages_waiting_unread_when_the_probe_returns_keep_it_alive_and_rearm_the_check() {
        // What the web runtime does after its flush: nothing new was polled, but the reader
        // is behind (3 messages wait in the subscription).
        let mut monitor = HeartbeatMonitor::new(at(0), HB);
        assert_eq!(monitor.deadline_reached(at(1500), 0), HeartbeatCheck::Probe);
        assert_eq!(
            monitor.probe_ended(at(1600), 3),
            HeartbeatCheck::Alive {
                next_check: at(2600)
            }
        );
        assert_eq!(monitor.next_check(), Some(at(2600)), "checked again later");
        assert_eq!(monitor.deadline_reached(at(2600), 0), HeartbeatCheck::Probe);
        assert_eq!(monitor.probe_ended(at(2700), 0), HeartbeatCheck::Missed);
    }

    #[test]
    fn messages_waiting_unread_at_the_deadline_need_no_probe() {
        let mut monitor = HeartbeatMonitor::new(at(0), HB);
        assert_eq!(
            monitor.deadline_reached(at(1000), 1),
            HeartbeatCheck::Alive {
                next_check: at(2000)
            }
        );
    }

    #[test]
    fn nothing_before_the_servers_answer_is_a_missed_heartbeat() {
        let mut monitor = HeartbeatMonitor::new(at(0), HB);
        assert_eq!(monitor.check(at(1000)), HeartbeatCheck::Probe);
        assert_eq!(monitor.probe_answered(), HeartbeatCheck::Missed);
    }

    #[test]
    fn an_answer_without_a_probe_out_changes_nothing() {
        let mut monitor = HeartbeatMonitor::new(at(0), HB);
        assert_eq!(
            monitor.probe_answered(),
            HeartbeatCheck::Alive {
                next_check: at(1000)
            }
        );
    }
}
