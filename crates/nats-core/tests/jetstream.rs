//! JetStream through the sans-IO core against a real nats-server with JetStream enabled
//! (run it against 2.9.10 and, with `NATS_SERVER_BIN`, 2.15.1): the JSON the core writes is
//! what the server takes, and what the server answers reads back, errors with their codes.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_core::conn::{ConnectOptions, Event, Message, RequestFailure};
use nats_core::jetstream::api::{tail, AccountInfo, SuccessResponse};
use nats_core::jetstream::consumer::{
    AckPolicy, ConsumerConfig, CreateConsumerRequest, DeliverPolicy, PullStatus,
};
use nats_core::jetstream::direct::{GetError, GetRequest, StoredMessage};
use nats_core::jetstream::error::{err_code, ConfigError};
use nats_core::jetstream::stream::{Retention, StreamSource};
use nats_core::jetstream::{
    headers, read_response, ApiError, ApiPrefix, ConsumerInfo, MessageInfo, NextRequest, PubAck,
    ResponseError, Storage, StreamConfig, StreamInfo,
};
use nats_core::proto::{HeaderMap, StatusCode};
use nats_core::Instant;
use serde::de::DeserializeOwned;
use serde::Serialize;
use support::driver::{Driver, PATIENCE};
use support::server::{jetstream_config, NatsServer};

const TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to a fresh JetStream server (kept alive by the returned server).
fn jetstream() -> (NatsServer, Driver) {
    let server = NatsServer::start_with(&jetstream_config());
    let driver = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    (server, driver)
}

/// A request with optional headers; the reply or why there was none.
fn request(
    nc: &mut Driver,
    subject: &str,
    headers: Option<&HeaderMap>,
    payload: &[u8],
) -> Result<Message, RequestFailure> {
    let id = nc
        .conn
        .request(Instant::now(), subject, headers, payload, TIMEOUT)
        .expect("request accepted");
    nc.await_request(id)
}

/// An API call: `body` as JSON to `$JS.API.<tail>`, the reply read as `T`.
fn api<T: DeserializeOwned>(
    nc: &mut Driver,
    tail: &str,
    body: &impl Serialize,
) -> Result<T, ResponseError> {
    let payload = serde_json::to_vec(body).unwrap();
    let payload = if payload == b"null" {
        Vec::new()
    } else {
        payload
    };
    let reply = request(nc, &ApiPrefix::default().subject(tail), None, &payload)
        .expect("the JetStream API answers");
    read_response(&reply.payload)
}

fn api_error<T: std::fmt::Debug>(result: Result<T, ResponseError>) -> ApiError {
    match result {
        Err(ResponseError::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Publishes and reads the stream's ack.
fn publish(
    nc: &mut Driver,
    subject: &str,
    headers: &[(&str, &str)],
    payload: &[u8],
) -> Result<PubAck, ResponseError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(*name, *value).unwrap();
    }
    let map = (!map.is_empty()).then_some(map);
    let reply = request(nc, subject, map.as_ref(), payload).expect("the stream answers");
    read_response(&reply.payload)
}

fn orders_stream() -> StreamConfig {
    StreamConfig {
        storage: Storage::Memory,
        allow_direct: true,
        ..StreamConfig::new("ORDERS", ["orders.>"])
    }
}

#[test]
fn a_stream_is_created_inspected_updated_and_deleted() {
    let (_server, mut nc) = jetstream();
    let created: StreamInfo =
        api(&mut nc, &tail::stream_create("ORDERS"), &orders_stream()).unwrap();
    assert_eq!(created.config.name, "ORDERS");
    assert_eq!(created.config.subjects, ["orders.>"]);
    assert!(created.config.allow_direct);
    assert_eq!(
        created.config.duplicate_window,
        Duration::from_secs(120),
        "the server's default"
    );
    assert!(created.created > 0);

    let same_again: StreamInfo =
        api(&mut nc, &tail::stream_create("ORDERS"), &orders_stream()).unwrap();
    assert_eq!(
        same_again.created, created.created,
        "the same config: the same stream"
    );

    let info: StreamInfo = api(&mut nc, &tail::stream_info("ORDERS"), &()).unwrap();
    assert_eq!(info.config, created.config);

    let mut changed = info.config.clone();
    changed.description = Some("all the orders".into());
    changed.max_msgs = 1000;
    let updated: StreamInfo = api(&mut nc, &tail::stream_update("ORDERS"), &changed).unwrap();
    assert_eq!(
        updated.config.description.as_deref(),
        Some("all the orders")
    );
    assert_eq!(updated.config.max_msgs, 1000);

    let deleted: SuccessResponse = api(&mut nc, &tail::stream_delete("ORDERS"), &()).unwrap();
    assert!(deleted.success);
    let gone = api_error(api::<StreamInfo>(
        &mut nc,
        &tail::stream_info("ORDERS"),
        &(),
    ));
    assert_eq!(
        (gone.code, gone.err_code),
        (404, err_code::STREAM_NOT_FOUND)
    );
}

#[test]
fn creating_a_stream_of_a_taken_name_with_another_config_is_refused() {
    let (_server, mut nc) = jetstream();
    let _: StreamInfo = api(&mut nc, &tail::stream_create("ORDERS"), &orders_stream()).unwrap();
    let other = StreamConfig {
        max_msgs: 5,
        ..orders_stream()
    };
    let refused = api_error(api::<StreamInfo>(
        &mut nc,
        &tail::stream_create("ORDERS"),
        &other,
    ));
    assert_eq!(
        (refused.code, refused.err_code),
        (400, err_code::STREAM_NAME_IN_USE)
    );
    assert!(refused.description.contains("already in use"), "{refused}");
}

#[test]
fn publishes_are_acknowledged_with_stream_and_sequence_and_a_repeated_msg_id_is_a_duplicate() {
    let (_server, mut nc) = jetstream();
    let _: StreamInfo = api(&mut nc, &tail::stream_create("ORDERS"), &orders_stream()).unwrap();
    let first = publish(&mut nc, "orders.1", &[(headers::MSG_ID, "a")], b"one").unwrap();
    assert_eq!(
        (first.stream.as_str(), first.seq, first.duplicate),
        ("ORDERS", 1, false)
    );
    let second = publish(&mut nc, "orders.2", &[], b"two").unwrap();
    assert_eq!((second.seq, second.duplicate), (2, false));

    let again = publish(&mut nc, "orders.1", &[(headers::MSG_ID, "a")], b"one").unwrap();
    assert_eq!(
        (again.seq, again.duplicate),
        (1, true),
        "the first one's sequence"
    );
    let info: StreamInfo = api(&mut nc, &tail::stream_info("ORDERS"), &()).unwrap();
    assert_eq!(info.state.messages, 2, "the duplicate was not stored");
}

#[test]
fn failed_expectations_refuse_the_publish_with_their_error_codes() {
    let (_server, mut nc) = jetstream();
    let _: StreamInfo = api(&mut nc, &tail::stream_create("ORDERS"), &orders_stream()).unwrap();
    publish(&mut nc, "orders.1", &[], b"one").unwrap();

    let wrong_stream = api_error(publish(
        &mut nc,
        "orders.1",
        &[(headers::EXPECTED_STREAM, "OTHER")],
        b"x",
    ));
    assert_eq!(
        (wrong_stream.code, wrong_stream.err_code),
        (400, err_code::STREAM_NOT_MATCH)
    );

    let wrong_last = api_error(publish(
        &mut nc,
        "orders.1",
        &[(headers::EXPECTED_LAST_SEQUENCE, "7")],
        b"x",
    ));
    assert_eq!(
        (wrong_last.code, wrong_last.err_code),
        (400, err_code::WRONG_LAST_SEQUENCE)
    );

    let wrong_subject_last = api_error(publish(
        &mut nc,
        "orders.2",
        &[(headers::EXPECTED_LAST_SUBJECT_SEQUENCE, "1")],
        b"x",
    ));
    assert_eq!(wrong_subject_last.err_code, err_code::WRONG_LAST_SEQUENCE);

    let wrong_msg_id = api_error(publish(
        &mut nc,
        "orders.1",
        &[(headers::EXPECTED_LAST_MSG_ID, "nope")],
        b"x",
    ));
    assert_eq!(wrong_msg_id.err_code, err_code::WRONG_LAST_MSG_ID);

    let info: StreamInfo = api(&mut nc, &tail::stream_info("ORDERS"), &()).unwrap();
    assert_eq!(info.state.messages, 1, "nothing refused was stored");

    // The expectations that hold let the publish through.
    let ok = publish(
        &mut nc,
        "orders.2",
        &[
            (headers::EXPECTED_STREAM, "ORDERS"),
            (headers::EXPECTED_LAST_SEQUENCE, "1"),
            (headers::EXPECTED_LAST_SUBJECT_SEQUENCE, "0"),
        ],
        b"two",
    )
    .unwrap();
    assert_eq!(ok.seq, 2);
}

#[test]
fn a_server_without_jetstream_has_no_responders_for_the_api_or_a_publish() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let subject = ApiPrefix::default().subject(tail::ACCOUNT_INFO);
    assert_eq!(
        request(&mut nc, &subject, None, b"").unwrap_err(),
        RequestFailure::NoResponders
    );
    let (_js, mut nc) = jetstream();
    let info: AccountInfo = api(&mut nc, tail::ACCOUNT_INFO, &()).unwrap();
    assert_eq!(info.streams, 0);
    assert_eq!(
        request(&mut nc, "no.stream.here", None, b"x").unwrap_err(),
        RequestFailure::NoResponders,
        "a publish no stream stores"
    );
}

#[test]
fn a_pull_consumer_delivers_with_ack_metadata_and_ends_its_pull_with_a_status() {
    let (_server, mut nc) = jetstream();
    let _: StreamInfo = api(&mut nc, &tail::stream_create("ORDERS"), &orders_stream()).unwrap();
    for i in 1..=3 {
        publish(
            &mut nc,
            &format!("orders.{i}"),
            &[],
            format!("order {i}").as_bytes(),
        )
        .unwrap();
    }
    let request = CreateConsumerRequest {
        stream_name: "ORDERS".into(),
        config: ConsumerConfig {
            durable_name: Some("worker".into()),
            ack_policy: AckPolicy::Explicit,
            ..ConsumerConfig::default()
        },
    };
    let created: ConsumerInfo = api(
        &mut nc,
        &tail::consumer_create("ORDERS", Some("worker")),
        &request,
    )
    .unwrap();
    assert_eq!((created.name.as_str(), created.num_pending), ("worker", 3));

    let inbox = nc.conn.new_inbox();
    let sid = nc.conn.subscribe(&inbox, None).unwrap();
    let pull = NextRequest {
        batch: 5,
        expires: Duration::from_millis(500),
        ..NextRequest::default()
    };
    let next = ApiPrefix::default().subject(&tail::consumer_next("ORDERS", "worker"));
    nc.conn
        .publish(
            &next,
            Some(&inbox),
            None,
            &serde_json::to_vec(&pull).unwrap(),
        )
        .unwrap();
    let mut delivered = Vec::new();
    let status = loop {
        let message = nc.run_until(PATIENCE, |_, event| match event {
            Event::Message { sid: got, message } if got == sid => Some(message),
            _ => None,
        });
        match message.status() {
            Some(status) => break status,
            None => delivered.push(message),
        }
    };
    assert_eq!(
        status,
        StatusCode::TIMEOUT,
        "the pull expired after three messages"
    );
    assert_eq!(delivered.len(), 3);
    for (i, message) in delivered.iter().enumerate() {
        let info = MessageInfo::from_reply(message.reply.as_deref().unwrap()).unwrap();
        let n = i as u64 + 1;
        assert_eq!(
            (info.stream.as_str(), info.consumer.as_str()),
            ("ORDERS", "worker")
        );
        assert_eq!((info.stream_sequence, info.consumer_sequence), (n, n));
        assert_eq!((info.delivered, info.pending), (1, 3 - n));
        assert!(info.timestamp_nanos > 0);
        assert_eq!(message.payload, format!("order {n}").as_bytes());
        // Under its own subject, not the inbox it was pulled to: only the subscription tells
        // which pull it answers (so a pull cannot share the muxed request inbox).
        assert_eq!(message.subject, format!("orders.{n}"));
    }

    // An ack sent as a request is confirmed, so the consumer's info counts it afterwards.
    for message in &delivered {
        request_ack(&mut nc, message);
    }
    let info: ConsumerInfo = api(&mut nc, &tail::consumer_info("ORDERS", "worker"), &()).unwrap();
    assert_eq!((info.num_ack_pending, info.ack_floor.stream_seq), (0, 3));

    let no_wait = NextRequest {
        batch: 1,
        no_wait: true,
        ..NextRequest::default()
    };
    nc.conn
        .publish(
            &next,
            Some(&inbox),
            None,
            &serde_json::to_vec(&no_wait).unwrap(),
        )
        .unwrap();
    let status = nc.run_until(PATIENCE, |_, event| match event {
        Event::Message { sid: got, message } if got == sid => message.status(),
        _ => None,
    });
    assert_eq!(status, StatusCode::NOT_FOUND, "no messages left");

    let deleted: SuccessResponse =
        api(&mut nc, &tail::consumer_delete("ORDERS", "worker"), &()).unwrap();
    assert!(deleted.success);
    let gone = api_error(api::<ConsumerInfo>(
        &mut nc,
        &tail::consumer_info("ORDERS", "worker"),
        &(),
    ));
    assert_eq!(gone.err_code, err_code::CONSUMER_NOT_FOUND);
}

fn request_ack(nc: &mut Driver, message: &Message) {
    let reply = message.reply.as_deref().unwrap();
    request(nc, reply, None, b"+ACK").expect("the server confirms the ack");
}

#[test]
fn an_ephemeral_consumer_gets_a_name_from_the_server() {
    let (_server, mut nc) = jetstream();
    let _: StreamInfo = api(&mut nc, &tail::stream_create("ORDERS"), &orders_stream()).unwrap();
    let request = CreateConsumerRequest {
        stream_name: "ORDERS".into(),
        config: ConsumerConfig::default(),
    };
    let created: ConsumerInfo =
        api(&mut nc, &tail::consumer_create("ORDERS", None), &request).unwrap();
    assert!(!created.name.is_empty());
    assert_eq!(created.config.durable_name, None);
}

#[test]
fn a_stored_message_reads_the_same_by_direct_get_and_by_msg_get() {
    let (_server, mut nc) = jetstream();
    let _: StreamInfo = api(&mut nc, &tail::stream_create("ORDERS"), &orders_stream()).unwrap();
    publish(&mut nc, "orders.a", &[("Colour", "blue")], b"first").unwrap();
    publish(&mut nc, "orders.a", &[], b"second").unwrap();

    let prefix = ApiPrefix::default();
    let by_msg_get = request(
        &mut nc,
        &prefix.subject(&tail::stream_msg_get("ORDERS")),
        None,
        &GetRequest::sequence(1).to_json(),
    )
    .unwrap();
    let stored = StoredMessage::from_msg_get(&by_msg_get.payload).unwrap();
    assert_eq!((stored.subject.as_str(), stored.sequence), ("orders.a", 1));
    assert_eq!(
        (stored.payload.as_slice(), stored.headers.get("Colour")),
        (&b"first"[..], Some("blue"))
    );

    let direct = request(
        &mut nc,
        &prefix.subject(&tail::direct_get("ORDERS")),
        None,
        &GetRequest::sequence(1).to_json(),
    )
    .unwrap();
    let direct = StoredMessage::from_direct(direct.headers.as_ref(), &direct.payload).unwrap();
    assert_eq!(
        (direct.subject.as_str(), direct.sequence, direct.time),
        ("orders.a", 1, stored.time)
    );
    assert_eq!(
        (direct.payload, direct.headers.get("Colour")),
        (b"first".to_vec(), Some("blue"))
    );

    let last = request(
        &mut nc,
        &prefix.subject(&tail::direct_get("ORDERS")),
        None,
        &GetRequest::last_by_subject("orders.a").to_json(),
    )
    .unwrap();
    let last = StoredMessage::from_direct(last.headers.as_ref(), &last.payload).unwrap();
    assert_eq!((last.sequence, last.payload), (2, b"second".to_vec()));

    let missing = request(
        &mut nc,
        &prefix.subject(&tail::direct_get("ORDERS")),
        None,
        &GetRequest::last_by_subject("orders.none").to_json(),
    )
    .unwrap();
    assert_eq!(
        StoredMessage::from_direct(missing.headers.as_ref(), &missing.payload),
        Err(GetError::NotFound)
    );
    let missing = request(
        &mut nc,
        &prefix.subject(&tail::stream_msg_get("ORDERS")),
        None,
        &GetRequest::sequence(99).to_json(),
    )
    .unwrap();
    assert_eq!(
        StoredMessage::from_msg_get(&missing.payload),
        Err(GetError::NotFound)
    );
}

#[test]
fn a_jetstream_domain_has_its_own_api_prefix_and_says_its_name_in_acks() {
    let config = format!(
        "jetstream {{\n  store_dir: \"{}/jetstream\"\n  domain: hub\n}}\n",
        support::server::SERVER_DIR
    );
    let server = NatsServer::start_with(&config);
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let hub = ApiPrefix::domain("hub").unwrap();
    let reply = request(&mut nc, &hub.subject(tail::ACCOUNT_INFO), None, b"").unwrap();
    let info: AccountInfo = read_response(&reply.payload).unwrap();
    assert_eq!(info.domain.as_deref(), Some("hub"));

    let body = serde_json::to_vec(&orders_stream()).unwrap();
    let reply = request(
        &mut nc,
        &hub.subject(&tail::stream_create("ORDERS")),
        None,
        &body,
    );
    let _: StreamInfo = read_response(&reply.unwrap().payload).unwrap();
    let ack = publish(&mut nc, "orders.1", &[], b"one").unwrap();
    assert_eq!((ack.seq, ack.domain.as_deref()), (1, Some("hub")));
}

/// Publishes a pull for `batch` on `inbox` and returns the status that answers it (the
/// messages before it are skipped).
fn pull_status(nc: &mut Driver, sid: u64, inbox: &str, consumer: &str, batch: usize) -> PullStatus {
    let pull = NextRequest {
        batch,
        expires: Duration::from_secs(1),
        ..NextRequest::default()
    };
    let next = ApiPrefix::default().subject(&tail::consumer_next("ORDERS", consumer));
    let body = serde_json::to_vec(&pull).unwrap();
    nc.conn.publish(&next, Some(inbox), None, &body).unwrap();
    let message = nc.run_until(PATIENCE, |_, event| match event {
        Event::Message { sid: got, message } if got == sid && message.status().is_some() => {
            Some(message)
        }
        _ => None,
    });
    PullStatus::new(message.status().unwrap(), message.description())
}

#[test]
fn a_pull_over_the_consumers_max_batch_is_rejected_for_good_and_one_within_it_is_not() {
    let (_server, mut nc) = jetstream();
    let _: StreamInfo = api(&mut nc, &tail::stream_create("ORDERS"), &orders_stream()).unwrap();
    let request = CreateConsumerRequest {
        stream_name: "ORDERS".into(),
        config: ConsumerConfig {
            durable_name: Some("small".into()),
            max_batch: 2,
            ..ConsumerConfig::default()
        },
    };
    let _: ConsumerInfo = api(
        &mut nc,
        &tail::consumer_create("ORDERS", Some("small")),
        &request,
    )
    .unwrap();
    let inbox = nc.conn.new_inbox();
    let sid = nc.conn.subscribe(&inbox, None).unwrap();
    match pull_status(&mut nc, sid, &inbox, "small", 5) {
        PullStatus::Rejected(why) => assert!(why.contains("MaxRequestBatch"), "{why}"),
        other => panic!("a batch over max_batch is rejected for good, not {other:?}"),
    }
    assert_eq!(
        pull_status(&mut nc, sid, &inbox, "small", 2),
        PullStatus::Expired
    );
}

#[test]
fn subjects_in_configs_and_get_requests_are_checked_before_sending() {
    let mut stream = orders_stream();
    assert!(stream.validate().is_ok());
    stream.subjects = vec!["orders.>".into(), "bad subject".into()];
    let error = stream.validate().unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::Subject {
                field: "subjects",
                ..
            }
        ),
        "{error}"
    );
    stream.subjects = vec!["a.>.b".into()];
    assert!(stream.validate().is_err(), "'>' must be last");
    let mut stream = orders_stream();
    stream.sources = vec![StreamSource {
        name: "no.dots".into(),
        ..StreamSource::default()
    }];
    assert!(matches!(stream.validate(), Err(ConfigError::Name(_))));

    for config in [
        ConsumerConfig {
            deliver_subject: Some("push.*".into()),
            ..ConsumerConfig::default()
        },
        ConsumerConfig {
            deliver_group: Some("a group".into()),
            ..ConsumerConfig::default()
        },
        ConsumerConfig {
            filter_subject: Some("orders..x".into()),
            ..ConsumerConfig::default()
        },
        ConsumerConfig {
            filter_subjects: vec!["orders.*".into(), "".into()],
            ..ConsumerConfig::default()
        },
    ] {
        assert!(config.validate().is_err(), "{config:?}");
    }
    let fine = ConsumerConfig {
        deliver_subject: Some("push.here".into()),
        filter_subjects: vec!["orders.*".into(), "orders.>".into()],
        ..ConsumerConfig::default()
    };
    assert!(fine.validate().is_ok());

    assert!(GetRequest::sequence(1).validate().is_ok());
    assert!(GetRequest::last_by_subject("orders.1").validate().is_ok());
    assert!(GetRequest::next_by_subject("orders.*", 1)
        .validate()
        .is_ok());
    assert!(GetRequest::default().validate().is_err(), "nothing to get");
    assert!(GetRequest::last_by_subject("orders 1").validate().is_err());
    let both = GetRequest {
        seq: Some(1),
        ..GetRequest::last_by_subject("orders.1")
    };
    assert!(both.validate().is_err(), "seq and last_by_subj");
}

#[test]
fn a_value_from_a_newer_server_is_not_written_back_and_the_error_says_what_to_set() {
    let config = ConsumerConfig {
        deliver_policy: DeliverPolicy::Unknown,
        ..ConsumerConfig::default()
    };
    let error = serde_json::to_vec(&config).unwrap_err().to_string();
    assert!(
        error.contains("DeliverPolicy value this client does not know"),
        "{error}"
    );
    assert!(
        error.contains("set that field to a known DeliverPolicy"),
        "{error}"
    );
    let stream = StreamConfig {
        retention: Retention::Unknown,
        ..orders_stream()
    };
    let error = serde_json::to_vec(&stream).unwrap_err().to_string();
    assert!(error.contains("Retention"), "{error}");
}
