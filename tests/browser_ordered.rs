//! The ordered consumer in real headless Chromium against a JetStream-enabled nats-server
//! (`NATS_JS_WS_URL`, started by `scripts/test.sh`): a stream replayed in order, each message
//! once, through a reconnect, a consumer deleted on the server, a main thread blocked past the
//! heartbeat interval (no reset), big messages past the server's flow-control window (answered,
//! no reset), a recreate refused for a while (retried) or for good (the end, with the server's
//! error) and a stream deleted (the end).

#![cfg(target_arch = "wasm32")]

mod web;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures::StreamExt;
use nats_web::jetstream::{
    self, ConsumerConfig, Context, DeliverFrom, JetStreamErrorKind, OrderedMessages,
    OrderedOptions, Retention, Storage, StreamConfig,
};
use nats_web::{connect, Client, ConnectOptions};
use wasm_bindgen_test::*;
use web::{sleep, within_patience, JS_WS_URL};

wasm_bindgen_test_configure!(run_in_browser);

/// A heartbeat short enough for the tests to see several.
const HEARTBEAT: Duration = Duration::from_millis(500);

async fn client() -> Client {
    connect(
        ConnectOptions::new()
            .servers([JS_WS_URL])
            .reconnect_wait(Duration::from_millis(100)),
    )
    .await
    .expect("the JetStream server's WebSocket listener")
}

/// A fresh in-memory stream `name` on `<name>.>`.
async fn fresh_stream(js: &Context, name: &str) {
    let _ = js.delete_stream(name).await;
    let config = StreamConfig {
        storage: Storage::Memory,
        ..StreamConfig::new(name, [format!("{name}.>")])
    };
    js.create_stream(config).await.expect("stream created");
}

/// Publishes `from..=to` as `<stream>.n` with the number as payload, stored once each.
async fn publish_range(js: &Context, stream: &str, from: u64, to: u64) {
    for n in from..=to {
        js.client()
            .publish(&format!("{stream}.n"), n.to_string())
            .await
            .unwrap();
    }
    js.client().flush().await.unwrap();
    let stored = within_patience(async {
        loop {
            let info = js.stream_info(stream).await.unwrap();
            if info.state.last_seq >= to {
                return info.state.last_seq;
            }
            sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(stored, Some(to), "the stream stored every message");
}

/// The next `count` messages' stream sequences, each checked against its payload.
async fn take(messages: &mut OrderedMessages, count: usize) -> Vec<u64> {
    let taken = within_patience(async {
        let mut seqs = Vec::with_capacity(count);
        while seqs.len() < count {
            let message = messages
                .next()
                .await
                .expect("the stream goes on")
                .expect("a message");
            let payload = String::from_utf8_lossy(&message.message.payload).into_owned();
            assert_eq!(payload, message.info.stream_sequence.to_string());
            seqs.push(message.info.stream_sequence);
        }
        seqs
    })
    .await;
    taken.expect("the messages came in time")
}

/// A fresh stream `stream` with 1 to 4 on `<stream>.a`, `.b`, `.a`, `.b`, then 5 on `.n`.
async fn two_subjects_then_five(js: &Context, stream: &str) {
    fresh_stream(js, stream).await;
    for (subject, n) in [("a", 1), ("b", 2), ("a", 3), ("b", 4)] {
        js.client()
            .publish(&format!("{stream}.{subject}"), n.to_string())
            .await
            .unwrap();
    }
    publish_range(js, stream, 5, 5).await;
}

fn heartbeat_options() -> OrderedOptions {
    OrderedOptions::new().idle_heartbeat(HEARTBEAT)
}

/// A fresh stream `stream` with `count` messages, and an ordered consumer (500 ms heartbeats)
/// that has delivered them all, in order.
async fn caught_up(js: &Context, stream: &str, count: u64) -> OrderedMessages {
    fresh_stream(js, stream).await;
    publish_range(js, stream, 1, count).await;
    let mut messages = js
        .ordered_consumer(stream, heartbeat_options())
        .await
        .unwrap();
    let all = usize::try_from(count).unwrap();
    assert_eq!(
        take(&mut messages, all).await,
        (1..=count).collect::<Vec<_>>()
    );
    messages
}

/// The error the stream ends with, after which it has nothing more.
async fn the_end(messages: &mut OrderedMessages) -> nats_web::jetstream::JetStreamError {
    let end = within_patience(messages.next())
        .await
        .expect("the end came in time");
    let error = end.expect("an item").expect_err("an error");
    assert!(within_patience(messages.next())
        .await
        .expect("at once")
        .is_none());
    error
}

#[wasm_bindgen_test]
async fn a_10000_message_stream_is_replayed_in_order_each_stream_sequence_once() {
    let js = jetstream::new(client().await);
    fresh_stream(&js, "ORDERED_REPLAY").await;
    publish_range(&js, "ORDERED_REPLAY", 1, 10_000).await;

    let started = web_time::Instant::now();
    let mut messages = js
        .ordered_consumer("ORDERED_REPLAY", OrderedOptions::new())
        .await
        .unwrap();
    let seqs = take(&mut messages, 10_000).await;
    let elapsed = started.elapsed();
    assert_eq!(seqs, (1..=10_000).collect::<Vec<_>>());
    assert_eq!(messages.pending(), 0);
    assert_eq!(messages.resets().total(), 0);
    console_log!(
        "ordered replay: 10000 messages in {} ms ({:.0} msg/s)",
        elapsed.as_millis(),
        10_000.0 / elapsed.as_secs_f64()
    );
}

#[wasm_bindgen_test]
async fn after_a_reconnect_with_publishes_in_between_nothing_is_missed_nor_delivered_twice() {
    let reader = client().await;
    let js = jetstream::new(reader.clone());
    let publisher = jetstream::new(client().await);
    fresh_stream(&js, "ORDERED_RECONNECT").await;
    publish_range(&publisher, "ORDERED_RECONNECT", 1, 100).await;
    let mut messages = js
        .ordered_consumer("ORDERED_RECONNECT", heartbeat_options())
        .await
        .unwrap();
    let mut seqs = take(&mut messages, 60).await;

    reader.force_reconnect().await.unwrap();
    publish_range(&publisher, "ORDERED_RECONNECT", 101, 300).await;
    seqs.extend(take(&mut messages, 240).await);

    assert_eq!(seqs, (1..=300).collect::<Vec<_>>());
    assert!(messages.resets().reconnect >= 1, "{:?}", messages.resets());
}

#[wasm_bindgen_test]
async fn a_consumer_deleted_on_the_server_is_recreated_from_where_it_stopped() {
    let js = jetstream::new(client().await);
    let mut messages = caught_up(&js, "ORDERED_DELETED", 50).await;

    let name = messages.consumer_name().expect("a consumer").to_owned();
    js.delete_consumer("ORDERED_DELETED", &name).await.unwrap();
    publish_range(&js, "ORDERED_DELETED", 51, 100).await;
    assert_eq!(
        take(&mut messages, 50).await,
        (51..=100).collect::<Vec<_>>()
    );
    let resets = messages.resets();
    assert_eq!(resets.total(), 1, "{resets:?}");
    assert_ne!(messages.consumer_name(), Some(name.as_str()));
}

/// Blocks the page's only thread for `duration`, as a long task does: no timer, no socket
/// event runs meanwhile.
fn block_main_thread(duration: Duration) {
    let script = format!(
        "const end = performance.now() + {}; while (performance.now() < end) {{}}",
        duration.as_millis()
    );
    js_sys::eval(&script).expect("the busy loop runs");
}

/// Reads `messages` in a task of its own into `seqs`, as a page's watcher does.
fn read_in_background(messages: Rc<RefCell<OrderedMessages>>, seqs: Rc<RefCell<Vec<u64>>>) {
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            let next = futures::future::poll_fn(|cx| messages.borrow_mut().poll_next_unpin(cx));
            match next.await {
                Some(Ok(message)) => seqs.borrow_mut().push(message.info.stream_sequence),
                Some(Err(e)) => panic!("the ordered consumer failed: {e}"),
                None => return,
            }
        }
    });
}

async fn wait_for_count(seqs: &Rc<RefCell<Vec<u64>>>, count: usize) {
    let reached = within_patience(async {
        while seqs.borrow().len() < count {
            sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        reached.is_some(),
        "only {} messages came",
        seqs.borrow().len()
    );
}

#[wasm_bindgen_test]
async fn a_main_thread_blocked_for_three_heartbeat_intervals_causes_no_reset_and_loses_nothing() {
    let js = jetstream::new(client().await);
    fresh_stream(&js, "ORDERED_BUSY").await;
    publish_range(&js, "ORDERED_BUSY", 1, 10).await;
    let messages = js
        .ordered_consumer("ORDERED_BUSY", heartbeat_options())
        .await
        .unwrap();
    let messages = Rc::new(RefCell::new(messages));
    let seqs = Rc::new(RefCell::new(Vec::new()));
    read_in_background(messages.clone(), seqs.clone());
    wait_for_count(&seqs, 10).await;

    // Idle: heartbeats arrive every 500 ms. Then the thread is blocked for three intervals
    // (the heartbeat check's timer fires 500 ms late), twice. (Chrome runs the socket events
    // queued during the block before the late timer, so the check finds the heartbeats; the
    // other order, the timer first and the round trip finding them, is
    // nats-core/tests/ordered_consumer.rs' late-check test.)
    sleep(HEARTBEAT * 2).await;
    block_main_thread(HEARTBEAT * 3);
    sleep(HEARTBEAT).await;
    block_main_thread(HEARTBEAT * 3);
    sleep(HEARTBEAT * 3).await;
    publish_range(&js, "ORDERED_BUSY", 11, 20).await;
    wait_for_count(&seqs, 20).await;

    assert_eq!(*seqs.borrow(), (1..=20).collect::<Vec<_>>());
    assert_eq!(
        messages.borrow().resets().total(),
        0,
        "{:?}",
        messages.borrow().resets()
    );
}

#[wasm_bindgen_test]
async fn a_consumer_that_stops_sending_heartbeats_is_reset_as_missed() {
    let js = jetstream::new(client().await);
    fresh_stream(&js, "ORDERED_SILENT").await;
    publish_range(&js, "ORDERED_SILENT", 1, 5).await;
    let messages = js
        .ordered_consumer("ORDERED_SILENT", heartbeat_options())
        .await
        .unwrap();
    let name = messages.consumer_name().expect("a consumer").to_owned();
    let messages = Rc::new(RefCell::new(messages));
    let seqs = Rc::new(RefCell::new(Vec::new()));
    read_in_background(messages.clone(), seqs.clone());
    wait_for_count(&seqs, 5).await;

    // Deleted silently: nats-server sends a push consumer nothing when it is deleted, so only
    // the missing heartbeats tell.
    js.delete_consumer("ORDERED_SILENT", &name).await.unwrap();
    let reset = within_patience(async {
        while messages.borrow().resets().total() == 0 {
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(reset.is_some(), "no reset after the heartbeats stopped");
    let resets = messages.borrow().resets();
    assert_eq!(resets.missed_heartbeat, 1, "{resets:?}");
    publish_range(&js, "ORDERED_SILENT", 6, 8).await;
    wait_for_count(&seqs, 8).await;
    assert_eq!(*seqs.borrow(), (1..=8).collect::<Vec<_>>());
}

#[wasm_bindgen_test]
async fn a_deleted_stream_ends_the_ordered_consumer_with_an_error_then_none() {
    let js = jetstream::new(client().await);
    let mut messages = caught_up(&js, "ORDERED_GONE", 3).await;
    js.delete_stream("ORDERED_GONE").await.unwrap();

    let error = the_end(&mut messages).await;
    assert_eq!(error.kind(), JetStreamErrorKind::Api, "{error}");
    assert_eq!(
        error.api_error().map(|e| e.err_code),
        Some(10059),
        "{error}"
    );
}

#[wasm_bindgen_test]
async fn the_first_consumer_starts_where_the_options_say_and_filters_by_subject() {
    let js = jetstream::new(client().await);
    two_subjects_then_five(&js, "ORDERED_START").await;

    let from_3 = OrderedOptions::new().deliver(DeliverFrom::Sequence(3));
    let mut messages = js.ordered_consumer("ORDERED_START", from_3).await.unwrap();
    assert_eq!(take(&mut messages, 3).await, [3, 4, 5]);

    let only_b = OrderedOptions::new().filter_subject("ORDERED_START.b");
    let mut messages = js.ordered_consumer("ORDERED_START", only_b).await.unwrap();
    assert_eq!(take(&mut messages, 2).await, [2, 4]);
    assert_eq!(messages.pending(), 0);

    // The server takes the last per subject only with a filter.
    let last = OrderedOptions::new()
        .deliver(DeliverFrom::LastPerSubject)
        .filter_subject("ORDERED_START.>");
    let mut messages = js.ordered_consumer("ORDERED_START", last).await.unwrap();
    assert_eq!(take(&mut messages, 3).await, [3, 4, 5]);
}

#[wasm_bindgen_test]
async fn several_filter_subjects_work_on_nats_server_2_10_and_fail_clearly_before() {
    let js = jetstream::new(client().await);
    fresh_stream(&js, "ORDERED_FILTERS").await;
    for (subject, n) in [("a", 1), ("b", 2), ("c", 3)] {
        js.client()
            .publish(&format!("ORDERED_FILTERS.{subject}"), n.to_string())
            .await
            .unwrap();
    }
    publish_range(&js, "ORDERED_FILTERS", 4, 4).await;
    let version = js.client().server_info().unwrap().version;
    console_log!("filter_subjects on nats-server {version}");
    let options = OrderedOptions::new().filter_subjects(["ORDERED_FILTERS.a", "ORDERED_FILTERS.c"]);
    match js.ordered_consumer("ORDERED_FILTERS", options).await {
        Ok(mut messages) => {
            assert!(!version.starts_with("2.9."), "{version}");
            assert_eq!(take(&mut messages, 2).await, [1, 3]);
        }
        Err(e) => {
            assert!(version.starts_with("2.9."), "{version}: {e}");
            assert_eq!(e.kind(), JetStreamErrorKind::InvalidArgument);
            assert!(e.to_string().contains("2.10"), "{e}");
        }
    }
}

#[wasm_bindgen_test]
async fn messages_dropped_past_the_pending_limits_are_a_gap_and_delivered_after_a_reset() {
    // A reader that falls behind: its subscription holds 100 messages, the rest are dropped
    // and the consumer restarts after the last one delivered.
    let small = connect(
        ConnectOptions::new()
            .servers([JS_WS_URL])
            .subscription_capacity(100),
    )
    .await
    .unwrap();
    let js = jetstream::new(small);
    fresh_stream(&js, "ORDERED_SLOW").await;
    publish_range(&js, "ORDERED_SLOW", 1, 2_000).await;
    let mut messages = js
        .ordered_consumer("ORDERED_SLOW", heartbeat_options())
        .await
        .unwrap();
    sleep(Duration::from_millis(300)).await;
    let seqs = take(&mut messages, 2_000).await;
    assert_eq!(seqs, (1..=2_000).collect::<Vec<_>>());
    let resets = messages.resets();
    assert!(resets.gap >= 1, "{resets:?}");
}

#[wasm_bindgen_test]
async fn dropping_the_stream_deletes_its_consumer_on_the_server() {
    let js = jetstream::new(client().await);
    let messages = caught_up(&js, "ORDERED_DROP", 3).await;
    let name = messages.consumer_name().unwrap().to_owned();
    assert!(js.consumer_info("ORDERED_DROP", &name).await.is_ok());
    drop(messages);

    let gone = within_patience(async {
        loop {
            match js.consumer_info("ORDERED_DROP", &name).await {
                Err(e) if e.api_error().map(|a| a.err_code) == Some(10014) => return,
                _ => sleep(Duration::from_millis(20)).await,
            }
        }
    })
    .await;
    assert!(gone.is_some(), "consumer {name} still there");
}

#[wasm_bindgen_test]
async fn a_recreate_jetstream_refuses_for_a_while_is_retried_until_it_succeeds() {
    // The stream takes one consumer. Once the ordered one is deleted on the server, another
    // takes its place: every recreate is refused (maximum consumers, 10026) until it goes.
    let js = jetstream::new(client().await);
    let _ = js.delete_stream("ORDERED_RETRY").await;
    let config = StreamConfig {
        storage: Storage::Memory,
        max_consumers: 1,
        ..StreamConfig::new("ORDERED_RETRY", ["ORDERED_RETRY.>"])
    };
    js.create_stream(config).await.unwrap();
    publish_range(&js, "ORDERED_RETRY", 1, 10).await;
    let messages = js
        .ordered_consumer("ORDERED_RETRY", heartbeat_options())
        .await
        .unwrap();
    let name = messages.consumer_name().unwrap().to_owned();
    let messages = Rc::new(RefCell::new(messages));
    let seqs = Rc::new(RefCell::new(Vec::new()));
    read_in_background(messages.clone(), seqs.clone());
    wait_for_count(&seqs, 10).await;

    js.delete_consumer("ORDERED_RETRY", &name).await.unwrap();
    let squatter = ConsumerConfig {
        durable_name: Some("squatter".into()),
        ..ConsumerConfig::default()
    };
    js.create_consumer("ORDERED_RETRY", squatter).await.unwrap();
    publish_range(&js, "ORDERED_RETRY", 11, 20).await;
    // Two heartbeats missed, then refusals for a few seconds of retries.
    sleep(Duration::from_secs(3)).await;
    assert_eq!(
        seqs.borrow().len(),
        10,
        "nothing while the consumer cannot be made"
    );
    assert_eq!(
        messages.borrow().consumer_name(),
        None,
        "still being recreated"
    );
    let refusal = messages
        .borrow()
        .retrying()
        .and_then(|e| e.api_error().cloned());
    assert_eq!(
        refusal.map(|e| e.err_code),
        Some(10026),
        "the refusal it waits out is known: maximum consumers"
    );
    js.delete_consumer("ORDERED_RETRY", "squatter")
        .await
        .unwrap();

    wait_for_count(&seqs, 20).await;
    assert_eq!(*seqs.borrow(), (1..=20).collect::<Vec<_>>());
    assert!(messages.borrow().retrying().is_none(), "running again");
    let resets = messages.borrow().resets();
    assert_eq!(
        (resets.missed_heartbeat, resets.total()),
        (1, 1),
        "{resets:?}"
    );
}

#[wasm_bindgen_test]
async fn a_closed_connection_ends_the_ordered_consumer_with_an_error_then_none() {
    let client = client().await;
    let js = jetstream::new(client.clone());
    let mut messages = caught_up(&js, "ORDERED_CLOSED", 2).await;
    client.close();

    let error = the_end(&mut messages).await;
    assert_eq!(error.kind(), JetStreamErrorKind::Connection, "{error}");
    assert!(error.to_string().contains("connection closed"), "{error}");
}

#[wasm_bindgen_test]
async fn the_last_per_subject_without_a_filter_reads_the_last_of_every_subject() {
    // The server refuses the policy without a filter (10094): the consumer filters on `>`.
    let js = jetstream::new(client().await);
    two_subjects_then_five(&js, "ORDERED_LAST_ALL").await;
    let version = js.client().server_info().unwrap().version;
    console_log!("last per subject without a filter on nats-server {version}");

    let last = OrderedOptions::new().deliver(DeliverFrom::LastPerSubject);
    let mut messages = js.ordered_consumer("ORDERED_LAST_ALL", last).await.unwrap();
    assert_eq!(take(&mut messages, 3).await, [3, 4, 5]);
    publish_range(&js, "ORDERED_LAST_ALL", 6, 6).await;
    assert_eq!(take(&mut messages, 1).await, [6], "then what follows");
}

#[wasm_bindgen_test]
async fn a_recreate_the_server_refuses_for_good_ends_the_stream_with_the_servers_error() {
    // While nobody reads, the stream is replaced by a work queue of the same name, which
    // takes no consumer without explicit acks. The recreate is refused: retrying cannot
    // change that, so the page hears it instead of a stream that delivers nothing.
    let js = jetstream::new(client().await);
    let mut messages = caught_up(&js, "ORDERED_REFUSED", 1).await;
    js.delete_stream("ORDERED_REFUSED").await.unwrap();
    let work_queue = StreamConfig {
        storage: Storage::Memory,
        retention: Retention::WorkQueue,
        ..StreamConfig::new("ORDERED_REFUSED", ["ORDERED_REFUSED.>"])
    };
    js.create_stream(work_queue).await.unwrap();

    let error = the_end(&mut messages).await;
    assert_eq!(error.kind(), JetStreamErrorKind::Api, "{error}");
    let api = error.api_error().unwrap();
    let work_queue_refusals = [10098, 10099, 10100];
    assert!(
        api.code == 400 && work_queue_refusals.contains(&api.err_code),
        "{error}"
    );
}

/// A connection of its own that counts the flow-control answers published to `stream`'s
/// consumers (`$JS.FC.<stream>.>`).
async fn count_flow_control_answers(stream: &str) -> Rc<RefCell<usize>> {
    let watcher = client().await;
    let mut answers = watcher
        .subscribe(&format!("$JS.FC.{stream}.>"))
        .await
        .unwrap();
    watcher.flush().await.unwrap();
    let count = Rc::new(RefCell::new(0));
    let counted = count.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _keep = watcher;
        while answers.next().await.is_some() {
            *counted.borrow_mut() += 1;
        }
    });
    count
}

#[wasm_bindgen_test]
async fn big_messages_past_the_flow_control_window_are_answered_and_delivered_without_a_reset() {
    // 128 × 64 KiB = 8 MiB: the server asks for flow control about every MiB and waits for
    // the answer. The page's client keeps only 1 MiB per subscription, but the ordered
    // consumer's holds the server's whole window: a reader that starts late drops nothing.
    let small = connect(
        ConnectOptions::new()
            .servers([JS_WS_URL])
            .subscription_pending_limits(10_000, 1024 * 1024),
    )
    .await
    .unwrap();
    let js = jetstream::new(small);
    fresh_stream(&js, "ORDERED_BIG").await;
    let payload = vec![b'x'; 64 * 1024];
    for n in 1..=128 {
        js.client()
            .publish("ORDERED_BIG.n", payload.clone())
            .await
            .unwrap();
        if n % 16 == 0 {
            // 1 MiB at a time: within the WebSocket's send buffer.
            js.client().flush().await.unwrap();
        }
    }
    let stored = within_patience(async {
        while js.stream_info("ORDERED_BIG").await.unwrap().state.last_seq < 128 {
            sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(stored.is_some(), "the stream stored every message");
    let answers = count_flow_control_answers("ORDERED_BIG").await;

    let mut messages = js
        .ordered_consumer("ORDERED_BIG", heartbeat_options())
        .await
        .unwrap();
    sleep(Duration::from_millis(300)).await;
    let seqs = within_patience(async {
        let mut seqs = Vec::new();
        while seqs.len() < 128 {
            let message = messages.next().await.unwrap().unwrap();
            assert_eq!(message.message.payload.len(), 64 * 1024);
            seqs.push(message.info.stream_sequence);
        }
        seqs
    })
    .await
    .expect("every message came in time");
    assert_eq!(seqs, (1..=128).collect::<Vec<_>>());
    assert_eq!(messages.resets().total(), 0, "{:?}", messages.resets());
    js.client().flush().await.unwrap();
    let answered = within_patience(async {
        while *answers.borrow() == 0 {
            sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        answered.is_some(),
        "the page answered the server's flow control"
    );
}
