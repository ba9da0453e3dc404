//! `nats_web::jetstream` in real headless Chromium against the JetStream-enabled nats-server
//! the test command starts: publishes and their acks, deduplication, expectations refused with
//! the server's codes, stream CRUD, pull consumers (fetch, messages, acks), and what happens
//! without JetStream or without an answer.

#![cfg(target_arch = "wasm32")]

mod web;

use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use nats_web::jetstream::{
    self, err_code, AckPolicy, ConsumerConfig, Context, GetRequest, JetStreamErrorKind,
    PublishOptions, Storage, StreamConfig,
};
use nats_web::{connect, Client, ConnectOptions};
use wasm_bindgen_test::*;
use web::{within_patience, JS_WS_URL, WS_URL};

wasm_bindgen_test_configure!(run_in_browser);

async fn client_of(url: &str) -> Client {
    connect(ConnectOptions::new().servers([url]))
        .await
        .expect("connect to the test server")
}

async fn js() -> Context {
    jetstream::new(client_of(JS_WS_URL).await)
}

/// A name no other test uses (the tests share one server).
fn unique(name: &str) -> String {
    let token = (js_sys::Math::random() * 1e15) as u64;
    format!("{name}_{token}")
}

/// A fresh memory stream on `<name>.>`; returns its name and subject prefix.
async fn stream(js: &Context, name: &str) -> (String, String) {
    let stream = unique(name);
    let subject = stream.to_lowercase();
    let config = StreamConfig {
        storage: Storage::Memory,
        ..StreamConfig::new(stream.as_str(), [format!("{subject}.>")])
    };
    js.create_stream(config).await.expect("create the stream");
    (stream, subject)
}

#[wasm_bindgen_test]
async fn a_publish_is_acknowledged_by_its_stream_and_a_repeated_msg_id_is_a_duplicate() {
    let js = js().await;
    let (stream, subject) = stream(&js, "ACKS").await;
    let first = js.publish(&format!("{subject}.a"), "one").await.unwrap();
    assert_eq!(
        (first.stream.as_str(), first.seq, first.duplicate),
        (stream.as_str(), 1, false)
    );

    let with_id = || PublishOptions::new().msg_id("order-7");
    let second = js
        .publish_with(&format!("{subject}.b"), "two", with_id())
        .await
        .unwrap();
    assert_eq!((second.seq, second.duplicate), (2, false));
    let again = js
        .publish_with(&format!("{subject}.b"), "two", with_id())
        .await
        .unwrap();
    assert_eq!(
        (again.seq, again.duplicate),
        (2, true),
        "the first one's sequence"
    );
    let info = js.stream_info(&stream).await.unwrap();
    assert_eq!(info.state.messages, 2, "the duplicate was not stored again");
}

#[wasm_bindgen_test]
async fn failed_expectations_are_api_errors_with_the_servers_code_and_nothing_is_stored() {
    let js = js().await;
    let (stream, subject) = stream(&js, "EXPECT").await;
    let on = format!("{subject}.x");
    js.publish(&on, "one").await.unwrap();

    let cases = [
        (
            PublishOptions::new().expected_stream("ELSEWHERE"),
            err_code::STREAM_NOT_MATCH,
        ),
        (
            PublishOptions::new().expected_last_sequence(5),
            err_code::WRONG_LAST_SEQUENCE,
        ),
        (
            PublishOptions::new().expected_last_subject_sequence(0),
            err_code::WRONG_LAST_SEQUENCE,
        ),
        (
            PublishOptions::new().expected_last_msg_id("nope"),
            err_code::WRONG_LAST_MSG_ID,
        ),
    ];
    for (options, expected) in cases {
        let error = js.publish_with(&on, "refused", options).await.unwrap_err();
        assert_eq!(error.kind(), JetStreamErrorKind::Api, "{error}");
        let api = error.api_error().expect("the server's error");
        assert_eq!((api.code, api.err_code), (400, expected), "{error}");
        assert!(error.to_string().contains(&api.description), "{error}");
    }
    assert_eq!(js.stream_info(&stream).await.unwrap().state.messages, 1);

    let held = PublishOptions::new()
        .expected_stream(stream.as_str())
        .expected_last_sequence(1)
        .expected_last_subject_sequence(1);
    assert_eq!(js.publish_with(&on, "two", held).await.unwrap().seq, 2);
}

#[wasm_bindgen_test]
async fn a_stream_is_created_inspected_updated_purged_and_deleted() {
    let js = js().await;
    let (stream, subject) = stream(&js, "CRUD").await;
    js.publish(&format!("{subject}.1"), "x").await.unwrap();
    let info = js.stream_info(&stream).await.unwrap();
    assert_eq!(
        (info.config.name.as_str(), info.state.messages),
        (stream.as_str(), 1)
    );

    let mut config = info.config;
    config.description = Some("updated".into());
    config.max_msgs_per_subject = 3;
    let updated = js.update_stream(config).await.unwrap();
    assert_eq!(updated.config.description.as_deref(), Some("updated"));
    assert_eq!(updated.config.max_msgs_per_subject, 3);

    assert_eq!(js.purge_stream(&stream).await.unwrap(), 1);
    js.delete_stream(&stream).await.unwrap();
    let gone = js.stream_info(&stream).await.unwrap_err();
    assert_eq!(gone.kind(), JetStreamErrorKind::Api);
    assert_eq!(
        gone.api_error().map(|e| (e.code, e.err_code)),
        Some((404, err_code::STREAM_NOT_FOUND))
    );
}

#[wasm_bindgen_test]
async fn invalid_names_and_headers_are_refused_before_anything_is_sent() {
    let js = js().await;
    for bad in ["", "a.b", "a b", "a*", "a>"] {
        let error = js.stream_info(bad).await.unwrap_err();
        assert_eq!(
            error.kind(),
            JetStreamErrorKind::InvalidArgument,
            "{bad:?}: {error}"
        );
        let error = js
            .create_stream(StreamConfig::new(bad, ["x"]))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{bad:?}");
    }
    let error = js
        .publish_with("some.subject", "x", PublishOptions::new().msg_id("a\r\nb"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{error}");
    let error = js.publish("bad..subject", "x").await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{error}");
    let client = client_of(JS_WS_URL).await;
    assert!(jetstream::with_domain(client.clone(), "a.b").is_err());
    assert!(jetstream::with_prefix(client.clone(), "JS.*.API").is_err());
    let hub = jetstream::with_domain(client, "hub").unwrap();
    assert_eq!(hub.api_prefix().as_str(), "$JS.hub.API");

    // Subjects inside configs and requests: refused before the server sees them.
    let spaced = StreamConfig::new("SPACED", ["orders.>", "bad subject"]);
    let error = js.create_stream(spaced.clone()).await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{error}");
    assert!(error.to_string().contains("subjects"), "{error}");
    let error = js.update_stream(spaced).await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{error}");
    for config in [
        ConsumerConfig {
            filter_subject: Some("orders..x".into()),
            ..ConsumerConfig::default()
        },
        ConsumerConfig {
            deliver_subject: Some("push.>".into()),
            ..ConsumerConfig::default()
        },
    ] {
        let error = js.create_consumer("ANY", config).await.unwrap_err();
        assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{error}");
    }
    let error = js
        .direct_get("ANY", &GetRequest::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{error}");
    let error = js
        .stream_message("ANY", &GetRequest::last_by_subject("a b"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{error}");
}

#[wasm_bindgen_test]
async fn a_publish_without_an_ack_says_it_may_have_been_stored_and_to_retry_with_the_msg_id() {
    // A subscriber that never answers stands in for a stream whose ack got lost.
    let silent = client_of(WS_URL).await;
    let prefix = unique("lost_ack");
    let _swallow = silent.subscribe(&format!("{prefix}.>")).await.unwrap();
    silent.flush().await.unwrap();
    let js = jetstream::new(client_of(WS_URL).await).timeout(Duration::from_millis(300));
    let error = js.publish(&format!("{prefix}.1"), "x").await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::Timeout, "{error}");
    assert!(
        error.to_string().contains("may have been stored"),
        "{error}"
    );
    assert!(error.to_string().contains("same msg_id"), "{error}");
}

#[wasm_bindgen_test]
async fn without_jetstream_every_call_says_jetstream_is_not_enabled() {
    let plain = jetstream::new(client_of(WS_URL).await);
    let error = plain.account_info().await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::NoResponders, "{error}");
    assert!(
        error.to_string().contains("JetStream is not enabled"),
        "{error}"
    );
    let error = plain.stream_info("ANY").await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::NoResponders, "{error}");

    let js = js().await;
    assert!(js.account_info().await.is_ok());
    let error = js.publish(&unique("nostream"), "x").await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::NoResponders, "{error}");
    assert!(error.to_string().contains("no stream stores"), "{error}");
}

#[wasm_bindgen_test]
async fn an_api_that_never_answers_times_out() {
    let silent = client_of(JS_WS_URL).await;
    let prefix = unique("silent");
    let _swallow = silent.subscribe(&format!("{prefix}.>")).await.unwrap();
    silent.flush().await.unwrap();
    let js = jetstream::with_prefix(client_of(JS_WS_URL).await, &prefix)
        .unwrap()
        .timeout(Duration::from_millis(300));
    let error = js.stream_info("ANY").await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::Timeout, "{error}");
}

/// Creates the consumer `name` on `stream` with `config`.
async fn durable(js: &Context, stream: &str, name: &str, config: ConsumerConfig) {
    let config = ConsumerConfig {
        durable_name: Some(name.into()),
        ..config
    };
    js.create_consumer(stream, config).await.unwrap();
}

async fn worker(js: &Context, stream: &str) -> String {
    let name = unique("worker");
    let config = ConsumerConfig {
        durable_name: Some(name.clone()),
        ack_policy: AckPolicy::Explicit,
        ack_wait: Duration::from_secs(30),
        ..ConsumerConfig::default()
    };
    let info = js.create_consumer(stream, config).await.unwrap();
    assert_eq!(info.name, name);
    name
}

#[wasm_bindgen_test]
async fn fetch_takes_a_batch_with_metadata_and_ends_early_when_the_stream_runs_dry() {
    let js = js().await;
    let (stream, subject) = stream(&js, "PULL").await;
    for i in 1..=5 {
        js.publish(&format!("{subject}.{i}"), format!("job {i}"))
            .await
            .unwrap();
    }
    let name = worker(&js, &stream).await;
    let consumer = js
        .pull_consumer(&stream, &name)
        .expires(Duration::from_secs(1));

    let batch = consumer.fetch(3).await.unwrap();
    assert_eq!(batch.len(), 3);
    for (i, message) in batch.iter().enumerate() {
        let n = i as u64 + 1;
        assert_eq!(message.message.payload, format!("job {n}").as_bytes());
        assert_eq!(
            (message.info.stream.as_str(), message.info.consumer.as_str()),
            (stream.as_str(), name.as_str())
        );
        assert_eq!(
            (message.info.stream_sequence, message.info.consumer_sequence),
            (n, n)
        );
        assert_eq!((message.info.delivered, message.info.pending), (1, 5 - n));
        message.double_ack(&js).await.unwrap();
    }
    // Two left: the pull expires (408) with what there was.
    let rest = consumer.fetch(10).await.unwrap();
    assert_eq!(rest.len(), 2);
    for message in &rest {
        message.double_ack(&js).await.unwrap();
    }
    assert!(
        consumer.fetch_no_wait(5).await.unwrap().is_empty(),
        "404: none left"
    );
    assert!(
        consumer.fetch(5).await.unwrap().is_empty(),
        "408: none came"
    );
    let info = js.consumer_info(&stream, &name).await.unwrap();
    assert_eq!((info.num_ack_pending, info.ack_floor.stream_seq), (0, 5));

    js.delete_consumer(&stream, &name).await.unwrap();
    let gone = js.consumer_info(&stream, &name).await.unwrap_err();
    assert_eq!(
        gone.api_error().map(|e| e.err_code),
        Some(err_code::CONSUMER_NOT_FOUND)
    );
}

#[wasm_bindgen_test]
async fn messages_streams_across_pulls_and_nak_redelivers_while_term_does_not() {
    let js = js().await;
    let (stream, subject) = stream(&js, "STREAMED").await;
    let name = worker(&js, &stream).await;
    // Pulls of two: four messages take several pulls.
    let consumer = js
        .pull_consumer(&stream, &name)
        .batch(2)
        .expires(Duration::from_secs(1));
    for i in 1..=4 {
        js.publish(&format!("{subject}.{i}"), format!("job {i}"))
            .await
            .unwrap();
    }
    let mut messages = consumer.messages();
    let mut deliveries = Vec::new();
    while !deliveries.contains(&(1, 2)) || deliveries.len() < 5 {
        let message = within_patience(messages.next())
            .await
            .expect("a message within patience")
            .expect("the stream goes on")
            .expect("a message");
        let info = &message.info;
        deliveries.push((info.stream_sequence, info.delivered));
        match (info.stream_sequence, info.delivered) {
            // The first, once: not yet, deliver it again.
            (1, 1) => message.nak().await.unwrap(),
            // The second: never again.
            (2, _) => message.term().await.unwrap(),
            _ => {
                message.in_progress().await.unwrap();
                message.double_ack(&js).await.unwrap();
            }
        }
    }
    deliveries.sort_unstable();
    assert_eq!(deliveries, [(1, 1), (1, 2), (2, 1), (3, 1), (4, 1)]);
    let info = js.consumer_info(&stream, &name).await.unwrap();
    assert_eq!((info.num_pending, info.num_ack_pending), (0, 0), "{info:?}");
    assert_eq!(
        info.delivered.consumer_seq, 5,
        "five deliveries of four messages"
    );
}

#[wasm_bindgen_test]
async fn a_pull_the_consumer_refuses_is_an_api_error_with_the_servers_description() {
    let js = js().await;
    let (stream, subject) = stream(&js, "REFUSED").await;
    js.publish(&format!("{subject}.1"), "x").await.unwrap();
    let limits = ConsumerConfig {
        max_batch: 2,
        ..ConsumerConfig::default()
    };
    durable(&js, &stream, "small", limits).await;
    let consumer = js
        .pull_consumer(&stream, "small")
        .expires(Duration::from_secs(1));
    let error = consumer.fetch(5).await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::Api, "{error}");
    let api = error.api_error().unwrap();
    assert_eq!(api.code, 409, "{error}");
    assert!(api.description.contains("MaxRequestBatch"), "{error}");
    assert_eq!(
        consumer.fetch(2).await.unwrap().len(),
        1,
        "within the limit it delivers"
    );
}

#[wasm_bindgen_test]
async fn a_pull_from_a_consumer_that_does_not_exist_fails_instead_of_waiting_forever() {
    let js = js().await.timeout(Duration::from_millis(500));
    let (stream, _) = stream(&js, "NOCONSUMER").await;
    let consumer = js
        .pull_consumer(&stream, "nobody")
        .expires(Duration::from_secs(1));
    let error = consumer.fetch(1).await.unwrap_err();
    // nats-server 2.10 and later answer 503, 2.9 nothing at all.
    assert!(
        matches!(
            error.kind(),
            JetStreamErrorKind::NoResponders | JetStreamErrorKind::Timeout
        ),
        "{error}"
    );
    let mut messages = consumer.messages();
    let first = within_patience(messages.next())
        .await
        .expect("an item")
        .expect("not the end");
    assert!(first.is_err(), "an error, not a message");
}

#[wasm_bindgen_test]
async fn a_stored_message_reads_by_direct_get_and_by_msg_get() {
    let js = js().await;
    let stream = unique("GETS");
    let subject = stream.to_lowercase();
    let config = StreamConfig {
        storage: Storage::Memory,
        allow_direct: true,
        ..StreamConfig::new(stream.as_str(), [format!("{subject}.>")])
    };
    js.create_stream(config).await.unwrap();
    let key = format!("{subject}.k");
    let mut headers = nats_web::HeaderMap::new();
    headers.insert("Colour", "blue").unwrap();
    js.publish_with(&key, "first", PublishOptions::new().headers(headers))
        .await
        .unwrap();
    js.publish(&key, "second").await.unwrap();

    let first = js
        .direct_get(&stream, &GetRequest::sequence(1))
        .await
        .unwrap()
        .expect("sequence 1 is stored");
    assert_eq!((first.subject.as_str(), first.sequence), (key.as_str(), 1));
    assert_eq!(
        (first.payload.as_slice(), first.headers.get("Colour")),
        (&b"first"[..], Some("blue"))
    );
    let by_msg_get = js
        .stream_message(&stream, &GetRequest::sequence(1))
        .await
        .unwrap()
        .expect("sequence 1 is stored");
    assert_eq!(
        (by_msg_get.payload, by_msg_get.time),
        (first.payload, first.time)
    );

    let last = js
        .direct_get(&stream, &GetRequest::last_by_subject(key.as_str()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((last.sequence, last.payload), (2, b"second".to_vec()));
    let none = GetRequest::last_by_subject(format!("{subject}.none"));
    assert_eq!(js.direct_get(&stream, &none).await.unwrap(), None);
    assert_eq!(js.stream_message(&stream, &none).await.unwrap(), None);

    // A stream without allow_direct has nobody answering direct gets (2.10 and later say
    // so, 2.9 does not answer).
    let (plain, _) = self::stream(&js, "NODIRECT").await;
    let impatient = js.clone().timeout(Duration::from_millis(500));
    let error = impatient
        .direct_get(&plain, &GetRequest::sequence(1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.kind(),
            JetStreamErrorKind::NoResponders | JetStreamErrorKind::Timeout
        ),
        "{error}"
    );
    assert!(error.to_string().contains("allow_direct"), "{error}");
}

#[wasm_bindgen_test]
async fn messages_pulls_again_as_soon_as_a_batch_is_full_with_the_default_expiry() {
    let js = js().await;
    let (stream, subject) = stream(&js, "FULLBATCH").await;
    let name = worker(&js, &stream).await;
    for i in 1..=5 {
        js.publish(&format!("{subject}.{i}"), format!("job {i}"))
            .await
            .unwrap();
    }
    // Batches of two, the default 30 s expiry: a filled pull gets no status from the server,
    // so waiting for one would stall each batch far beyond patience.
    let mut messages = js.pull_consumer(&stream, &name).batch(2).messages();
    for n in 1..=5u64 {
        let message = within_patience(messages.next())
            .await
            .expect("the next batch is pulled at once")
            .expect("the stream goes on")
            .expect("a message");
        assert_eq!(message.info.stream_sequence, n);
        message.ack().await.unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_pull_the_consumer_always_refuses_ends_messages() {
    let js = js().await;
    let (stream, _) = stream(&js, "ALWAYS").await;
    let limits = ConsumerConfig {
        max_batch: 2,
        ..ConsumerConfig::default()
    };
    durable(&js, &stream, "small", limits).await;
    let mut messages = js.pull_consumer(&stream, "small").batch(5).messages();
    let first = within_patience(messages.next())
        .await
        .expect("an item")
        .expect("not the end yet");
    let Err(error) = first else {
        panic!("the refusal, not a message")
    };
    assert_eq!(error.kind(), JetStreamErrorKind::Api, "{error}");
    let api = error.api_error().unwrap();
    assert_eq!(api.code, 409, "{error}");
    assert!(api.description.contains("MaxRequestBatch"), "{error}");
    assert!(
        within_patience(messages.next())
            .await
            .expect("an answer")
            .is_none(),
        "every pull would be refused the same: the stream ends"
    );
}

#[wasm_bindgen_test]
async fn a_too_short_expiry_and_fetch_zero_are_refused_before_anything_is_sent() {
    let js = js().await;
    let (stream, _) = stream(&js, "SHORT").await;
    let name = worker(&js, &stream).await;
    let consumer = js.pull_consumer(&stream, &name);
    let error = consumer.fetch(0).await.unwrap_err();
    assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{error}");
    for short in [Duration::ZERO, Duration::from_millis(999)] {
        let consumer = consumer.clone().expires(short);
        let error = consumer.fetch(1).await.unwrap_err();
        assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{error}");
        assert!(error.to_string().contains("at least 1 s"), "{error}");
        let mut messages = consumer.messages();
        let first = messages.next().await.expect("an item");
        assert_eq!(
            first.err().map(|e| e.kind()),
            Some(JetStreamErrorKind::InvalidArgument)
        );
        assert!(messages.next().await.is_none(), "then the end");
    }
    let info = js.consumer_info(&stream, &name).await.unwrap();
    assert_eq!(info.num_waiting, 0, "no pull was sent");
}

/// The reply inbox of the next pull to `consumer` on `stream`, as seen by `spy`.
async fn pull_inbox(spy: &mut nats_web::Subscriber) -> String {
    let pull = within_patience(spy.next())
        .await
        .expect("a pull within patience")
        .expect("the spy goes on");
    pull.reply.expect("a pull has a reply inbox")
}

/// A second connection that sees the pulls to `name` on `stream`.
async fn pull_spy(stream: &str, name: &str) -> (Client, nats_web::Subscriber) {
    let spy = client_of(JS_WS_URL).await;
    let pulls = spy
        .subscribe(&format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.{name}"))
        .await
        .unwrap();
    spy.flush().await.unwrap();
    (spy, pulls)
}

/// A fresh stream with a worker consumer, and a spy on its pulls: the context, the stream,
/// its subject prefix, the consumer, the spy's connection and its subscription.
type Spied = (
    Context,
    String,
    String,
    String,
    Client,
    nats_web::Subscriber,
);

async fn spied_worker(stream_name: &str) -> Spied {
    let js = js().await;
    let (stream, subject) = stream(&js, stream_name).await;
    let name = worker(&js, &stream).await;
    let (spy, pulls) = pull_spy(&stream, &name).await;
    (js, stream, subject, name, spy, pulls)
}

#[wasm_bindgen_test]
async fn fetch_keeps_what_came_when_the_consumer_is_deleted_during_the_pull() {
    let (js, stream, subject, name, _spy, mut pulls) = spied_worker("KEEP").await;
    let consumer = js
        .pull_consumer(&stream, &name)
        .expires(Duration::from_secs(10));
    let delete_after_three = async {
        pull_inbox(&mut pulls).await;
        for i in 1..=3 {
            js.publish(&format!("{subject}.{i}"), "x").await.unwrap();
        }
        // Delivered (acks pending) while the pull of ten still waits: then the delete.
        let delivered = within_patience(async {
            while js
                .consumer_info(&stream, &name)
                .await
                .unwrap()
                .num_ack_pending
                < 3
            {}
        })
        .await;
        assert!(delivered.is_some(), "three delivered within patience");
        js.delete_consumer(&stream, &name).await.unwrap();
    };
    let (fetched, ()) = futures::join!(within_patience(consumer.fetch(10)), delete_after_three);
    let fetched = fetched.expect("the fetch ends within patience");
    let fetched = fetched.expect("the three that came are returned, not dropped");
    assert_eq!(fetched.len(), 3);
    let error = consumer.fetch(1).await.unwrap_err();
    assert_eq!(
        error.kind(),
        JetStreamErrorKind::Api,
        "the deletion, said next: {error}"
    );
    assert_eq!(error.api_error().map(|e| e.code), Some(409), "{error}");
}

#[wasm_bindgen_test]
async fn a_message_on_the_pull_inbox_that_is_not_a_delivery_is_skipped_and_counted() {
    let (js, stream, subject, name, spy, mut pulls) = spied_worker("STRAY").await;
    let consumer = js.pull_consumer(&stream, &name);
    let mut messages = consumer.messages();
    let stray_then_real = async {
        let inbox = pull_inbox(&mut pulls).await;
        spy.publish(&inbox, "not a delivery").await.unwrap();
        spy.flush().await.unwrap();
        js.publish(&format!("{subject}.1"), "real").await.unwrap();
    };
    let (next, ()) = futures::join!(within_patience(messages.next()), stray_then_real);
    let message = next
        .expect("within patience")
        .expect("the stream goes on")
        .expect("the real message, the stray one skipped");
    assert_eq!(message.message.payload, b"real".as_slice());
    assert_eq!(consumer.skipped(), 1);
}

#[wasm_bindgen_test]
async fn messages_pulls_again_at_once_after_a_reconnect() {
    let (js, stream, subject, name, _spy, mut pulls) = spied_worker("RECONNECT").await;
    let mut messages = js.pull_consumer(&stream, &name).messages();
    js.publish(&format!("{subject}.1"), "before").await.unwrap();
    let first = within_patience(messages.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    first.ack().await.unwrap();
    let inbox = pull_inbox(&mut pulls).await;

    // The pull waits (30 s expiry) when the connection drops. A server that restarted or
    // another node of a cluster knows nothing of it: a new pull goes at once, not after
    // the old one's deadline.
    let mut events = js.client().events();
    js.client().force_reconnect().await.unwrap();
    let repulled = async {
        let reconnected = within_patience(async {
            while let Some(event) = events.next().await {
                if matches!(event, nats_web::ClientEvent::Reconnected { .. }) {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(reconnected, Some(true));
        pull_inbox(&mut pulls).await
    };
    // The stream is read meanwhile, as a page would.
    let again = match select(std::pin::pin!(repulled), messages.next()).await {
        Either::Left((again, _)) => again,
        Either::Right((item, _)) => panic!(
            "nothing was published, yet: {:?}",
            item.map(|r| r.map(|m| m.info.stream_sequence))
        ),
    };
    assert_eq!(again, inbox, "the new pull, on the same inbox");
    js.publish(&format!("{subject}.2"), "after").await.unwrap();
    let message = within_patience(messages.next())
        .await
        .expect("within patience")
        .expect("the stream goes on")
        .expect("a message");
    assert_eq!(message.message.payload, b"after".as_slice());
}

#[wasm_bindgen_test]
async fn messages_pulls_for_the_rest_once_half_the_batch_has_come() {
    let (js, stream, subject, name, _spy, mut pulls) = spied_worker("TOPUP").await;
    let mut messages = js.pull_consumer(&stream, &name).batch(4).messages();
    let read_two = async {
        for _ in 0..2 {
            let message = messages.next().await.unwrap().unwrap();
            message.ack().await.unwrap();
        }
    };
    let publish_two = async {
        let first = within_patience(pulls.next()).await.unwrap().unwrap();
        assert!(
            String::from_utf8_lossy(&first.payload).contains("\"batch\":4"),
            "{:?}",
            first.payload
        );
        for i in 1..=2 {
            js.publish(&format!("{subject}.{i}"), "x").await.unwrap();
        }
    };
    let (read, ()) = futures::join!(within_patience(read_two), publish_two);
    assert!(read.is_some(), "two messages within patience");
    // Half of the four came while the first pull still waits (30 s): a pull for the other
    // two goes now, and the stream is read meanwhile.
    let top_up = match select(
        std::pin::pin!(within_patience(pulls.next())),
        messages.next(),
    )
    .await
    {
        Either::Left((pull, _)) => pull.expect("a pull within patience").unwrap(),
        Either::Right(_) => panic!("nothing more was published"),
    };
    assert!(
        String::from_utf8_lossy(&top_up.payload).contains("\"batch\":2"),
        "{:?}",
        top_up.payload
    );
}

#[wasm_bindgen_test]
async fn a_pull_refused_for_a_reason_that_passes_is_said_and_pulling_goes_on() {
    let js = js().await;
    let (stream, subject) = stream(&js, "PASSING").await;
    let limits = ConsumerConfig {
        max_waiting: 1,
        ..ConsumerConfig::default()
    };
    durable(&js, &stream, "one", limits).await;
    // A fetch holds the only waiting slot for two seconds.
    let holder = js
        .pull_consumer(&stream, "one")
        .expires(Duration::from_secs(2));
    let mut messages = js.pull_consumer(&stream, "one").messages();
    let refused = async {
        while js.consumer_info(&stream, "one").await.unwrap().num_waiting < 1 {}
        messages.next().await
    };
    let (held, first) = futures::join!(holder.fetch(1), within_patience(refused));
    assert!(held.unwrap().is_empty(), "the holder's pull expired");
    let Some(Some(Err(error))) = first else {
        panic!("a refusal first")
    };
    assert_eq!(error.api_error().map(|e| e.code), Some(409), "{error}");
    assert!(error.to_string().contains("MaxWaiting"), "{error}");

    js.publish(&format!("{subject}.1"), "later").await.unwrap();
    let delivered = within_patience(async {
        loop {
            match messages.next().await {
                Some(Ok(message)) => return message,
                // Refused again while the holder waited: retried after a backoff.
                Some(Err(error)) if error.api_error().is_some_and(|e| e.code == 409) => {}
                Some(Err(error)) => panic!("{error}"),
                None => panic!("a refusal that passes does not end the stream"),
            }
        }
    })
    .await
    .expect("the message, once the slot is free");
    assert_eq!(delivered.message.payload, b"later".as_slice());
}
